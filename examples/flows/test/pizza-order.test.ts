import { createTestHarness } from '@botpe/engine/testing';
import { describe, expect, it } from 'vitest';
import { bodies, loadExampleFlow, optionTitles } from './load-flow.js';

const flow = loadExampleFlow('pizza-order.json');
const WELCOME = 'Hi Ana! 🍕 Welcome to Pizza Pe: hot pizza at your door in about 40 minutes.';
const MENU = 'What can I do for you?';
const ADDRESS = 'Where should we deliver? Send the street, number and neighbourhood.';

/** A conversation that has put a large pepperoni in the cart and stands at "Add another / Checkout". */
async function withOnePizza() {
  const bot = createTestHarness(flow, { contact: { name: 'Ana' } });
  await bot.send('hi');
  await bot.click('order');
  await bot.choose('pepperoni');
  await bot.send('large');
  return bot;
}

describe('pizza-order', () => {
  it('greets by name and shows the main menu', async () => {
    const bot = createTestHarness(flow, { contact: { name: 'Ana' } });
    const result = await bot.send('hi');
    expect(bodies(result.outbound)).toEqual([WELCOME, MENU]);
    expect(optionTitles(result.outbound)).toEqual(['Order a pizza', 'Opening hours', 'Delivery area']);
    expect(bot.nodeId).toBe('main-menu');
  });

  it('greets without a name when the contact has none', async () => {
    const bot = createTestHarness(flow);
    await bot.send('hello');
    expect(bodies(bot.lastReplies)[0]).toBe(
      'Hi! 🍕 Welcome to Pizza Pe: hot pizza at your door in about 40 minutes.',
    );
  });

  it('takes a two-pizza order with a tip from menu to confirmation', async () => {
    const bot = await withOnePizza();
    expect(bot.variables).toMatchObject({
      pizza: { name: 'Pepperoni', price: 11 },
      size: { label: 'Large', extra: 4 },
      cart: ['Large Pepperoni'],
      count: 1,
      total: 15,
    });
    expect(bodies(bot.lastReplies)).toEqual([
      'Added a Large Pepperoni ✅\nYour cart: 1 pizza(s), $15 so far.',
    ]);

    await bot.click('add-another');
    expect(bot.nodeId).toBe('choose-pizza');
    await bot.send('1'); // by position: Margherita
    expect(bodies(bot.lastReplies)).toEqual(['Margherita, great choice! What size?']);
    await bot.click('small');
    expect(bot.variables).toMatchObject({
      cart: ['Large Pepperoni', 'Small Margherita'],
      count: 2,
      total: 24,
    });

    await bot.click('checkout');
    expect(bodies(bot.lastReplies)).toEqual([ADDRESS]); // two pizzas: no promotion
    await bot.send('100 Flower Street, Centro');
    await bot.send('3');
    expect(bot.variables).toMatchObject({ address: '100 Flower Street, Centro', tip: 3, total: 27 });
    const [confirm] = bot.lastReplies;
    expect(confirm).toMatchObject({ type: 'buttons', header: 'Your order' });
    expect(bodies([confirm!])[0]).toBe(
      "Here's your order:\n• Large Pepperoni\n• Small Margherita\n\nDeliver to: 100 Flower Street, Centro\nRider tip: $3\nTotal: $27, paid on delivery.\n\nShall I send it to the kitchen?",
    );

    const done = await bot.click('confirm');
    expect(done.status).toBe('ended');
    expect(bodies(done.outbound)).toEqual([
      'Thank you for the tip! 💛 It all goes to the rider.',
      '✅ Order confirmed! 2 pizza(s) on the way to 100 Flower Street, Centro. Estimated delivery: 40 minutes. Total to pay on delivery: $27.',
    ]);
  });

  it('gives the garlic bread for three pizzas and skips the tip thanks without a tip', async () => {
    const bot = await withOnePizza();
    for (const [pizza, size] of [
      ['veggie', 'medium'],
      ['bbq-chicken', 'small'],
    ] as const) {
      await bot.click('add-another');
      await bot.choose(pizza);
      await bot.click(size);
    }
    expect(bot.variables).toMatchObject({ count: 3, total: 15 + 14 + 13 });
    await bot.click('checkout');
    expect(bodies(bot.lastReplies)).toEqual(['🎉 Three or more pizzas: the garlic bread is on us!', ADDRESS]);
    await bot.send('100 Flower Street, Centro');
    await bot.send('0');
    const done = await bot.send('Confirm order'); // the title, typed
    expect(done.status).toBe('ended');
    expect(bodies(done.outbound)).toEqual([
      '✅ Order confirmed! 3 pizza(s) on the way to 100 Flower Street, Centro. Estimated delivery: 40 minutes. Total to pay on delivery: $42.',
    ]);
  });

  it('matches choices by title without case or accents, and re-prompts on no match', async () => {
    const bot = createTestHarness(flow);
    await bot.send('hi');
    await bot.send('ORDER A PIZZA');
    await bot.send('hawaiian');
    expect(bot.nodeId).toBe('choose-pizza');
    expect(bot.lastReplies).toHaveLength(1);
    expect(bot.lastReplies[0]).toMatchObject({ type: 'list', buttonLabel: 'See pizzas' });
    expect(bodies(bot.lastReplies)).toEqual([
      "Sorry, I didn't get that. Tap See pizzas and pick one, or type its number (1-6).",
    ]);
    await bot.send('portuguésa');
    expect(bot.variables.pizza).toEqual({ name: 'Portuguesa', price: 12 });
    await bot.send('7');
    expect(bodies(bot.lastReplies)).toEqual(['Please tap Small, Medium or Large.']);
  });

  it('shows the opening hours and the delivery area, then the menu again', async () => {
    const bot = createTestHarness(flow);
    await bot.send('hi');
    await bot.click('hours');
    expect(bodies(bot.lastReplies)).toEqual([
      'We bake every day from 11:00 to 23:00, and until midnight on Fridays and Saturdays.',
      MENU,
    ]);
    await bot.send('3');
    expect(bot.lastReplies).toEqual([
      { type: 'text', text: 'We deliver within 5 km of our shop, and delivery is free.' },
      {
        type: 'media',
        kind: 'image',
        url: 'https://example.com/pizza-pe/delivery-area.png',
        caption: 'Our delivery area',
      },
      expect.objectContaining({ type: 'buttons', text: MENU }),
    ]);
    expect(bot.nodeId).toBe('main-menu');
  });

  it('re-asks a short address and gives up after three misses', async () => {
    const bot = await withOnePizza();
    await bot.click('checkout');
    await bot.send('here');
    expect(bodies(bot.lastReplies)).toEqual([
      'That address looks too short. Please send street, number and neighbourhood, e.g. 100 Flower Street, Centro.',
    ]);
    await bot.send('home');
    const last = await bot.send('flat 2');
    expect(last.status).toBe('ended');
    expect(bodies(last.outbound)).toEqual([
      "I couldn't get your address, sorry. Please call us at (555) 000-1111 and we'll take your order by phone.",
    ]);
  });

  it('rejects a tip that is not a number in range', async () => {
    const bot = await withOnePizza();
    await bot.click('checkout');
    await bot.send('100 Flower Street, Centro');
    for (const answer of ['a lot', '500', '-1']) {
      await bot.send(answer);
      expect(bodies(bot.lastReplies)).toEqual(['Please send just a number between 0 and 100, like 2 or 0.']);
    }
    await bot.send('2,5');
    expect(bot.variables).toMatchObject({ tip: 2.5, total: 17.5 });
  });

  it('"menu" goes back to the main menu from anywhere, and a new order starts with an empty cart', async () => {
    const bot = await withOnePizza();
    await bot.send('Menu');
    expect(bot.nodeId).toBe('main-menu');
    expect(bodies(bot.lastReplies)).toEqual([MENU]);
    await bot.click('order');
    expect(bot.variables).toMatchObject({ cart: [], count: 0, total: 0, summary: '' });
  });

  it('"cancel" ends the order, and the next message starts a new conversation', async () => {
    const bot = await withOnePizza();
    const cancelled = await bot.send('cancel');
    expect(cancelled.status).toBe('ended');
    expect(bodies(cancelled.outbound)).toEqual([
      'Your order is cancelled and nothing will be charged. Say hi whenever you are hungry! 🍕',
    ]);
    const again = await bot.send('hi');
    expect(bodies(again.outbound)).toEqual([WELCOME, MENU]);
    expect(again.variables).toMatchObject({ cart: [], count: 0 });
  });

  it('"Start over" on the confirmation empties the cart', async () => {
    const bot = await withOnePizza();
    await bot.click('checkout');
    await bot.send('100 Flower Street, Centro');
    await bot.send('0');
    await bot.click('start-over');
    expect(bot.nodeId).toBe('choose-pizza');
    expect(bot.variables).toMatchObject({ cart: [], count: 0, total: 0 });
  });

  it('puts the order aside when the address does not come within 15 minutes', async () => {
    const bot = await withOnePizza();
    await bot.click('checkout');
    expect(await bot.advance('14m')).toEqual([]);
    const [result] = await bot.advance('1m');
    expect(result?.status).toBe('ended');
    expect(bodies(bot.lastReplies)).toEqual([
      "I haven't heard from you in a while, so I've put your order aside. Say hi to start again! 🍕",
    ]);
  });

  it('puts the order aside when the confirmation waits 30 minutes', async () => {
    const bot = await withOnePizza();
    await bot.click('checkout');
    await bot.send('100 Flower Street, Centro');
    await bot.send('0');
    await bot.advance('30m');
    expect(bot.status).toBe('ended');
    expect(bot.nodeId).toBe('abandoned');
  });

  it('expires an idle session after 2 hours; the next message starts afresh', async () => {
    const bot = await withOnePizza();
    await bot.click('add-another');
    await bot.advance('2h');
    expect(bot.status).toBe('ended');
    const again = await bot.send('hi');
    expect(bot.nodeId).toBe('main-menu');
    expect(again.variables).toMatchObject({ count: 0, cart: [] });
  });
});
