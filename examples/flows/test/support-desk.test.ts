import { createTestHarness } from '@botpe/engine/testing';
import { describe, expect, it } from 'vitest';
import { bodies, loadExampleFlow, optionTitles } from './load-flow.js';

const flow = loadExampleFlow('support-desk.json');

/** A conversation past the language list, in `language` (a row id or what the user types). */
async function inLanguage(language: string, how: 'choose' | 'send' = 'choose') {
  const bot = createTestHarness(flow, { contact: { name: 'Sam' } });
  await bot.send('hello');
  if (how === 'choose') await bot.choose(language);
  else await bot.send(language);
  return bot;
}

describe('support-desk', () => {
  it('first asks for the language, in the three languages at once', async () => {
    const bot = createTestHarness(flow);
    const first = await bot.send('hello');
    expect(bodies(first.outbound)[0]).toContain('Which language do you prefer?');
    expect(optionTitles(first.outbound)).toEqual(['English', 'Português', 'Español']);
    expect(bot.nodeId).toBe('language');
  });

  it.each([
    ['en', 'How can we help you today?', ['Track my order', 'Report a problem', 'Talk to an agent']],
    ['pt', 'Como podemos ajudar hoje?', ['Rastrear pedido', 'Relatar problema', 'Falar com atendente']],
    ['es', '¿Cómo podemos ayudarte hoy?', ['Rastrear pedido', 'Reportar problema', 'Hablar con agente']],
  ])('sets $locale to %s from the first list and speaks it', async (locale, menu, titles) => {
    const bot = await inLanguage(locale);
    expect(bot.variables.$locale).toBe(locale);
    expect(bodies(bot.lastReplies)).toEqual([menu]);
    expect(optionTitles(bot.lastReplies)).toEqual(titles);
  });

  it('accepts the language typed without accents', async () => {
    const bot = await inLanguage('espanol', 'send');
    expect(bot.variables.$locale).toBe('es');
    await bot.click('problem');
    expect(bodies(bot.lastReplies)).toEqual(['Describe el problema en pocas palabras.']);
  });

  it('tracks an order and says goodbye', async () => {
    const bot = await inLanguage('en');
    await bot.click('track');
    await bot.send('123456');
    expect(bodies(bot.lastReplies)).toEqual([
      'Order 123456 is on its way 🚚 and should arrive within 2 business days.',
      'Can I help with anything else?',
    ]);
    const done = await bot.click('no');
    expect(done.status).toBe('ended');
    expect(bodies(done.outbound)).toEqual(['Thanks for contacting us. Bye! 👋']);
  });

  it('passes a customer who cannot give an order number to an agent, and rates after release', async () => {
    const bot = await inLanguage('pt');
    await bot.click('track');
    await bot.send('não sei');
    expect(bodies(bot.lastReplies)).toEqual([
      'Isso não parece um número de pedido: ele tem 6 dígitos, como 123456.',
    ]);
    const handoff = await bot.send('12345');
    expect(handoff.status).toBe('handoff');
    expect(bodies(handoff.outbound)).toEqual([
      'Não consegui ler o número do pedido, então vou passar você para um colega.',
      'Conectando você a um atendente… A espera média é de 5 minutos. Pode continuar escrevendo aqui.',
    ]);
    // The bot stays silent while a human has the conversation, commands included.
    for (const text of ['olá?', 'menu']) {
      const muted = await bot.send(text);
      expect(muted.outbound).toEqual([]);
      expect(muted.status).toBe('handoff');
    }
    const released = await bot.release();
    expect(released.status).toBe('waiting');
    expect(bodies(released.outbound)).toEqual(['Como você avalia nosso atendimento hoje?']);
    await bot.click('poor');
    expect(bot.variables.rating).toBe('poor');
    const done = await bot.send('A espera foi longa');
    expect(done.status).toBe('ended');
    expect(done.variables.feedback).toBe('A espera foi longa');
    expect(bodies(done.outbound)).toEqual(['Obrigado. Sua opinião vai direto para a nossa coordenação. 💚']);
  });

  it('tells the customer the agents are busy when nobody picks up in 30 minutes', async () => {
    const bot = await inLanguage('en');
    await bot.click('agent');
    expect(bot.status).toBe('handoff');
    expect(await bot.advance('29m')).toEqual([]);
    await bot.advance('1m');
    expect(bot.status).toBe('ended');
    expect(bodies(bot.lastReplies)).toEqual([
      'Sorry, all our agents are busy. We saved this conversation and will reply by email within 24 hours.',
    ]);
  });

  it('reaches an agent by command, in any language', async () => {
    const bot = await inLanguage('es');
    await bot.click('track');
    const result = await bot.send('Agente');
    expect(result.status).toBe('handoff');
    expect(bodies(result.outbound)).toEqual([
      'Te conecto con un agente… La espera media es de 5 minutos. Puedes seguir escribiendo aquí.',
    ]);
  });

  it('reminds once when a problem report does not come, then closes the chat', async () => {
    const bot = await inLanguage('en');
    await bot.click('problem');
    await bot.advance('10m');
    expect(bodies(bot.lastReplies)).toEqual([
      'Are you still there? Tell me what went wrong and I will open a ticket.',
      'Please describe the problem in a few words.',
    ]);
    expect(bot.variables.reminders).toBe(1);
    await bot.advance('10m');
    expect(bot.status).toBe('ended');
    expect(bot.variables.reminders).toBe(2);
    expect(bodies(bot.lastReplies)).toEqual(["I'll close this chat for now. Write to us any time. 👋"]);
  });

  it('opens a ticket, ignores messages during the wait, and follows up a day later', async () => {
    const bot = await inLanguage('en');
    await bot.click('problem');
    await bot.send('short');
    expect(bodies(bot.lastReplies)).toEqual([
      'Could you give me a bit more detail (at least 10 characters)?',
    ]);
    await bot.send('The app crashes when I pay');
    expect(bodies(bot.lastReplies)).toEqual([
      'Thanks! I opened a ticket: "The app crashes when I pay". Our team will look into it today, and I will check on you tomorrow.',
    ]);
    expect(bot.nodeId).toBe('follow-up-delay');
    const meanwhile = await bot.send('any news?');
    expect(meanwhile.outbound).toEqual([]);
    expect(await bot.advance('23h')).toEqual([]);
    await bot.advance('1h');
    expect(bodies(bot.lastReplies)).toEqual(['Hi again! Is your problem solved?']);
    await bot.click('solved');
    const done = await bot.click('great');
    expect(done.status).toBe('ended');
    expect(done.variables.rating).toBe('great');
    expect(bodies(done.outbound)).toEqual(['Thank you! 💚 Have a great day.']);
  });

  it('hands an unsolved problem to an agent at the follow-up', async () => {
    const bot = await inLanguage('en');
    await bot.click('problem');
    await bot.send('The app crashes when I pay');
    await bot.advance('1d');
    const result = await bot.click('not-solved');
    expect(result.status).toBe('handoff');
  });

  it('closes the chat when the order number does not come within 10 minutes', async () => {
    const bot = await inLanguage('en');
    await bot.click('track');
    await bot.advance('10m');
    expect(bot.status).toBe('ended');
    expect(bot.nodeId).toBe('closed-idle');
  });
});
