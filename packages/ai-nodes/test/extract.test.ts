import { aiNodes } from '@botpe/ai-nodes';
import { parseFlow } from '@botpe/engine';
import { createTestHarness } from '@botpe/engine/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, type FakeSetup, fakeClient, flow, texts } from './support.js';

let setup: FakeSetup;
beforeEach(async () => {
  setup = await fakeClient();
});
afterEach(async () => {
  await setup.fake.close();
});

const fields = [
  { name: 'order_id', type: 'string', description: 'Your order number' },
  { name: 'email', type: 'email', description: 'Your email address' },
  { name: 'phone', type: 'phone', required: false },
  { name: 'delivery', type: 'date', required: false },
  { name: 'urgency', type: 'enum', options: ['low', 'high'], required: false },
  { name: 'quantity', type: 'number', required: false },
  { name: 'gift', type: 'boolean', required: false },
];

const form = (data: Record<string, unknown> = {}) =>
  flow(
    [
      ['start', 'start'],
      ['collect', 'ai.extract', { fields, ...data }],
      ['done', 'end', { text: 'Thanks, order {{order_id}} ({{email}}).' }],
      ['partial', 'end', { text: 'An agent will follow up.' }],
      ['broken', 'end', { text: 'Something went wrong.' }],
    ],
    ['start->collect', 'collect->done', 'collect:incomplete->partial', 'collect:error->broken'],
  );

const nothing = {
  order_id: null,
  email: null,
  phone: null,
  delivery: null,
  urgency: null,
  quantity: null,
  gift: null,
};
const harness = (data?: Record<string, unknown>) =>
  createTestHarness(form(data), { nodes: aiNodes({ client: setup.client }) });

describe('ai.extract', () => {
  it('extracts every field from one message, validated and normalised, with a JSON Schema built by zod', async () => {
    setup.fake.reply({
      json: {
        order_id: 'A-1042',
        email: 'Ada@Example.COM',
        phone: '+1 (555) 000-1111',
        delivery: '2026-02-03',
        urgency: 'HIGH',
        quantity: 2,
        gift: true,
      },
    });
    const bot = harness();
    const result = await bot.send(
      'Order A-1042, ada@example.com, call +1 555 000 1111, deliver Feb 3rd, urgent, 2 of them, gift wrapped',
    );
    expect(texts(result.outbound)).toEqual(['Thanks, order A-1042 (ada@example.com).']);
    expect(bot.variables).toMatchObject({
      order_id: 'A-1042',
      email: 'ada@example.com',
      phone: '+15550001111',
      delivery: '2026-02-03',
      urgency: 'high',
      quantity: 2,
      gift: true,
    });
    expect(eventsOf(result, 'ai.extracted')[0]).toMatchObject({ missing: [], turns: 0 });
    const body = setup.fake.lastBody();
    const schema = body.output_config?.format?.schema as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(schema.required).toEqual(fields.map((field) => field.name));
    expect(schema.properties.email).toMatchObject({
      anyOf: [{ type: 'string', format: 'email' }, { type: 'null' }],
    });
    expect(schema.properties.urgency).toMatchObject({ anyOf: [{ enum: ['low', 'high'] }, { type: 'null' }] });
    expect(JSON.stringify(body.system)).toContain('Today is 2026-01-01.');
  });

  it('asks for missing required fields turn by turn, then leaves through out', async () => {
    setup.fake.reply(
      { json: { ...nothing, order_id: 'A-7' } },
      { json: { ...nothing, email: 'ada@example.com' } },
    );
    const bot = harness();
    const first = await bot.send('My order A-7 never arrived');
    expect(texts(first.outbound)).toEqual(['Could you tell me your email address?']);
    expect(first.status).toBe('waiting');
    expect(bot.nodeId).toBe('collect');
    const second = await bot.send('sure, ada@example.com');
    expect(texts(second.outbound)).toEqual(['Thanks, order A-7 (ada@example.com).']);
    expect(setup.fake.lastBody().messages).toEqual([
      { role: 'user', content: '<customer_message>\nMy order A-7 never arrived\n</customer_message>' },
      { role: 'assistant', content: 'Could you tell me your email address?' },
      { role: 'user', content: '<customer_message>\nsure, ada@example.com\n</customer_message>' },
    ]);
  });

  it('takes incomplete after maxTurns questions, keeping what it found', async () => {
    setup.fake.reply({ json: { ...nothing, order_id: 'A-7' } }, { json: nothing });
    const bot = harness({ maxTurns: 1 });
    await bot.send('order A-7');
    const result = await bot.send('I would rather not say');
    expect(texts(result.outbound)).toEqual(['An agent will follow up.']);
    expect(bot.variables.order_id).toBe('A-7');
    expect(bot.variables.email).toBeUndefined();
    expect(eventsOf(result, 'ai.extracted')[0]).toMatchObject({ missing: ['email'], turns: 1 });
  });

  it('takes incomplete at once when ask is false', async () => {
    setup.fake.reply({ json: { ...nothing, order_id: 'A-7' } });
    const bot = harness({ ask: false });
    const result = await bot.send('order A-7');
    expect(texts(result.outbound)).toEqual(['An agent will follow up.']);
    expect(setup.fake.requests).toHaveLength(1);
  });

  it('treats values that fail validation as missing, and says which', async () => {
    setup.fake.reply({
      json: {
        ...nothing,
        order_id: 'A-7',
        email: 'not-an-email',
        phone: '555 0001',
        delivery: '2026-02-30',
        urgency: 'medium',
        quantity: 'lots',
      },
    });
    const bot = harness();
    const result = await bot.send('order A-7 …');
    expect(texts(result.outbound)).toEqual(['Could you tell me your email address?']);
    expect(eventsOf(result, 'ai.fields.rejected')[0]?.fields).toEqual([
      'email',
      'phone',
      'delivery',
      'urgency',
      'quantity',
    ]);
  });

  it('asks again when the model answers invalid JSON or nothing usable', async () => {
    setup.fake.reply(
      { text: 'Sure! The order is A-7' },
      { json: { ...nothing, order_id: 'A-7', email: 'a@b.co' } },
    );
    const bot = harness();
    const first = await bot.send('order A-7');
    expect(texts(first.outbound)).toEqual(['Could you tell me your order number?']);
    expect(eventsOf(first, 'ai.output.invalid')).toHaveLength(1);
    const second = await bot.send('A-7, a@b.co');
    expect(second.status).toBe('ended');
    expect(bot.variables).toMatchObject({ order_id: 'A-7', email: 'a@b.co' });
  });

  it('uses a field question (localised) and asks at once when there is nothing to read', async () => {
    const localized = fields.map((field) =>
      field.name === 'order_id'
        ? { ...field, question: { en: 'Order number?', es: '¿Número de pedido?' } }
        : field,
    );
    setup.fake.reply({ json: { ...nothing, order_id: 'A-9', email: 'x@y.io' } });
    const bot = harness({ fields: localized, input: '' });
    const first = await bot.send('hola');
    expect(texts(first.outbound)).toEqual(['Order number?']);
    expect(setup.fake.requests).toHaveLength(0);
    await bot.send('A-9, x@y.io');
    expect(bot.variables).toMatchObject({ order_id: 'A-9', email: 'x@y.io' });
  });

  it('re-asks without calling the model when the answer has no text (a sticker)', async () => {
    setup.fake.reply({ json: { ...nothing, order_id: 'A-7' } });
    const bot = harness();
    await bot.send('order A-7');
    const sticker = await bot.send({ type: 'media', kind: 'sticker', mediaId: 'm1', mimeType: 'image/webp' });
    expect(sticker.status).toBe('waiting');
    expect(texts(sticker.outbound)).toEqual(['Could you tell me your email address?']);
    expect(eventsOf(sticker, 'ai.extract.skipped')).toHaveLength(1);
    expect(setup.fake.requests).toHaveLength(1);
  });

  it('takes error when the model call fails mid-way', async () => {
    setup.fake.reply(
      { json: { ...nothing, order_id: 'A-7' } },
      { error: { status: 500, shouldRetry: false } },
    );
    const bot = harness();
    await bot.send('order A-7');
    const result = await bot.send('ada@example.com');
    expect(texts(result.outbound)).toEqual(['Something went wrong.']);
    expect(eventsOf(result, 'ai.failed')[0]?.code).toBe('AI_UNAVAILABLE');
  });

  it('rejects an enum field without options, and duplicate names, at validation', () => {
    const bad = form({
      fields: [
        { name: 'size', type: 'enum' },
        { name: 'a', type: 'string' },
        { name: 'a', type: 'number' },
      ],
    });
    const result = parseFlow(bad, { nodes: aiNodes({ client: setup.client }) });
    expect(result.ok).toBe(false);
    const text = result.errors.map((issue) => issue.message).join('\n');
    expect(text).toMatch(/an enum field needs options/);
    expect(text).toMatch(/duplicate field "a"/);
  });
});
