import { createTestHarness } from '@botpe/engine/testing';
import { describe, expect, it } from 'vitest';
import { bodies, loadExampleFlow } from './load-flow.js';

const flow = loadExampleFlow('appointment-booking.json');
const MENU = 'What would you like to do?';
const ASK_PHONE = 'What is the best phone number to reach you? For example (555) 000-1111.';
const ASK_EMAIL = 'And your email, for the confirmation? (We never share it.)';

/** A patient who asked to book, picked a cleaning and a date, and stands at the time-of-day buttons. */
async function atSlot(contact: { name?: string; id?: string } = { name: 'Alex Doe', id: '15550001111' }) {
  const bot = createTestHarness(flow, { contact, now: Date.UTC(2026, 2, 2, 9) });
  await bot.send('I want to book a cleaning');
  await bot.click('book');
  await bot.choose('cleaning');
  await bot.send('03/14/2026');
  return bot;
}

describe('appointment-booking', () => {
  it('starts only on its triggers: exact greetings or words about booking', async () => {
    const bot = createTestHarness(flow);
    const other = await bot.send('good morning');
    expect(other.status).toBe('unrouted');
    expect(other.outbound).toEqual([]);
    const greeting = await bot.send('Hello');
    expect(bodies(greeting.outbound)).toEqual([
      'Welcome to Bright Smile Dental 🦷 I can book a visit for you in under a minute.',
      MENU,
    ]);
  });

  it('books a visit for a known contact, then sends the reminder 10 minutes later', async () => {
    const bot = await atSlot();
    expect(bot.variables.date).toBe('2026-03-14'); // en-US reads month/day/year
    expect(bot.variables.service).toEqual({ name: 'Cleaning', minutes: 45 });
    await bot.click('afternoon');
    expect(bot.variables).toMatchObject({ slot: 'afternoon (13:00-16:00)', patientName: 'Alex Doe' });
    expect(bodies(bot.lastReplies)).toEqual([ASK_PHONE]); // the name is known: no question
    await bot.send('(555) 000-1111');
    expect(bot.variables.phone).toBe('+15550001111');
    await bot.send(' Alex@Example.COM ');
    expect(bot.variables.email).toBe('alex@example.com');
    const [confirm] = bot.lastReplies;
    expect(confirm).toMatchObject({
      type: 'buttons',
      header: 'Please confirm your visit',
      text: '🦷 Cleaning (45 min)\n📅 2026-03-14, afternoon (13:00-16:00)\n👤 Alex Doe\n📞 +15550001111\n✉️ alex@example.com',
    });
    const booked = await bot.click('confirm');
    expect(booked.status).toBe('waiting');
    expect(bodies(booked.outbound)).toEqual([
      "You're booked! ✅ See you on 2026-03-14, afternoon (13:00-16:00). I'll send you a short reminder of what to bring.",
    ]);
    expect(await bot.advance('9m')).toEqual([]);
    await bot.advance('1m');
    expect(bot.status).toBe('ended');
    expect(bodies(bot.lastReplies)).toEqual([
      '⏰ Before your Cleaning on 2026-03-14: bring your ID and insurance card, and arrive 10 minutes early. Reply stop if you need to cancel.',
      'See you soon, Alex Doe! 👋',
    ]);
  });

  it('asks the name when unknown, falls back to the WhatsApp number and skips a bad email', async () => {
    const bot = await atSlot({ id: '15550002222' });
    await bot.click('morning');
    expect(bodies(bot.lastReplies)).toEqual(["What is the patient's full name?"]);
    await bot.send('Jo Example');
    await bot.send('call me maybe');
    expect(bodies(bot.lastReplies)).toEqual([
      "That doesn't look like a phone number. Please send 10 digits, like (555) 000-1111.",
    ]);
    await bot.send('12');
    expect(bodies(bot.lastReplies)).toEqual([
      'No problem, we will call you on this WhatsApp number.',
      ASK_EMAIL,
    ]);
    expect(bot.variables.phone).toBe('+15550002222');
    await bot.send('jo@');
    await bot.send('jo at example dot com');
    expect(bot.variables).toMatchObject({
      patientName: 'Jo Example',
      email: 'not given (confirmation by WhatsApp)',
    });
    expect(bot.nodeId).toBe('confirm');
  });

  it('understands "tomorrow" from the clock, and re-asks unreadable dates', async () => {
    const bot = createTestHarness(flow, { now: Date.UTC(2026, 2, 2, 9) });
    await bot.send('book');
    await bot.click('book');
    await bot.choose('checkup');
    expect(bodies(bot.lastReplies)).toEqual([
      'What day suits you for your Check-up? Send a date like 03/14/2026, or say tomorrow.',
    ]);
    await bot.send('02/30/2026');
    expect(bodies(bot.lastReplies)).toEqual([
      "I couldn't read that date. Try 03/14/2026, 2026-03-14 or tomorrow.",
    ]);
    await bot.send('Tomorrow');
    expect(bot.variables.date).toBe('2026-03-03');
    expect(bodies(bot.lastReplies)).toEqual(['Which time of day on 2026-03-03?']);
  });

  it('hands over to the front desk after three unreadable dates, and comes back to the menu on release', async () => {
    const asked = createTestHarness(flow);
    await asked.send('book');
    await asked.click('book');
    await asked.choose('filling');
    await asked.send('someday');
    await asked.send('soon');
    const handoff = await asked.send('whenever');
    expect(handoff.status).toBe('handoff');
    expect(bodies(handoff.outbound)).toEqual([
      'Dates are tricky over chat! A member of our team will help you pick one.',
      'Connecting you with our front desk. Someone will reply here shortly.',
    ]);
    const released = await asked.release();
    expect(bodies(released.outbound)).toEqual(['Thanks for talking with our team! Anything else?', MENU]);
    expect(asked.nodeId).toBe('main-menu');
  });

  it('sends emergencies straight to the front desk', async () => {
    const bot = createTestHarness(flow);
    await bot.send('dentist appointment please');
    await bot.click('book');
    const result = await bot.choose('emergency');
    expect(result.status).toBe('handoff');
    expect(bodies(result.outbound)[0]).toContain('call us now at (555) 000-2222');
  });

  it('"stop" ends the booking from any question', async () => {
    const bot = await atSlot({ id: '15550003333' });
    await bot.click('evening');
    const stopped = await bot.send('STOP');
    expect(stopped.status).toBe('ended');
    expect(bodies(stopped.outbound)).toEqual([
      'Okay, I stopped. Nothing was booked. Say book whenever you want to schedule a visit.',
    ]);
  });

  it('"stop" during the reminder wait cancels the reminder', async () => {
    const bot = await atSlot();
    await bot.click('morning');
    await bot.send('(555) 000-1111');
    await bot.send('alex@example.com');
    await bot.click('confirm');
    await bot.send('stop');
    expect(bot.status).toBe('ended');
    expect(await bot.advance('10m')).toEqual([]);
    expect(bodies(bot.replies)).not.toContain(expect.stringContaining('⏰'));
  });

  it('"agent" reaches the front desk; nobody answering in 20 minutes ends with a call-back promise', async () => {
    const bot = await atSlot();
    const handoff = await bot.send('agent');
    expect(handoff.status).toBe('handoff');
    await bot.advance('20m');
    expect(bot.status).toBe('ended');
    expect(bodies(bot.lastReplies)).toEqual([
      'Our front desk is busy right now. We will call you back within the hour.',
    ]);
  });

  it('"menu" goes back to the main menu', async () => {
    const bot = await atSlot();
    await bot.send('menu');
    expect(bot.nodeId).toBe('main-menu');
    await bot.click('hours');
    expect(bot.lastReplies[1]).toMatchObject({
      type: 'media',
      kind: 'document',
      filename: 'opening-hours.pdf',
    });
    expect(bot.nodeId).toBe('main-menu');
  });

  it('lets the patient change the date at the confirmation, and drops an unconfirmed booking after 30 minutes', async () => {
    const bot = await atSlot();
    await bot.click('morning');
    await bot.send('(555) 000-1111');
    await bot.send('alex@example.com');
    await bot.click('change-date');
    expect(bot.nodeId).toBe('ask-date');
    await bot.send('2026-03-20');
    await bot.click('morning');
    await bot.send('(555) 000-1111');
    await bot.send('alex@example.com');
    expect(bot.variables.date).toBe('2026-03-20');
    await bot.advance('30m');
    expect(bot.status).toBe('ended');
    expect(bodies(bot.lastReplies)).toEqual([
      "I didn't get a confirmation, so nothing was booked. Say book to start again.",
    ]);
  });

  it('expires a session idle for an hour; the next greeting starts a new one', async () => {
    const bot = await atSlot();
    expect(await bot.advance('59m')).toEqual([]);
    const [expired] = await bot.advance('1m');
    expect(expired?.status).toBe('ended');
    const again = await bot.send('hi');
    expect(bodies(again.outbound)[1]).toBe(MENU);
    expect(again.variables.date).toBeUndefined();
  });
});
