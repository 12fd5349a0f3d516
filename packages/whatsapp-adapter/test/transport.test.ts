import { BotpeError, type ConversationRef } from '@botpe/engine';
import { createWhatsAppClient, createWhatsAppTransport, whatsappLimits } from '@botpe/whatsapp-adapter';
import { type GraphEmulator, startGraphEmulator } from '@botpe/whatsapp-adapter/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from './helpers.js';

const accessToken = 'test-access-token';
const phoneNumberId = '100000000000002';
const conversation: ConversationRef = { channel: 'whatsapp', botId: phoneNumberId, userId: '15550001111' };
const DAY = 24 * 60 * 60 * 1000;

let graph: GraphEmulator;
beforeEach(async () => {
  graph = await startGraphEmulator({ accessToken, statuses: [] });
});
afterEach(async () => {
  await graph.close();
});

function setup(options: { unknownWindow?: 'open' | 'closed' } = {}) {
  const clock = fakeClock();
  const client = createWhatsAppClient({
    accessToken,
    phoneNumberId,
    baseUrl: graph.baseUrl,
    clock,
    pairRate: false,
    random: () => 0.5,
    sleep: async (ms) => clock.advance(ms),
  });
  const transport = createWhatsAppTransport(client, { clock, ...options });
  transport.noteInbound(conversation, clock.now());
  return { clock, transport };
}

async function rejection(promise: Promise<unknown>): Promise<BotpeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!BotpeError.isInstance(error)) throw new Error(`expected a BotpeError, got ${String(error)}`);
  return error;
}

const key = (n: number) => ({ idempotencyKey: `whatsapp:${phoneNumberId}:15550001111:${n}:0` });

describe('createWhatsAppTransport', () => {
  it('implements the Transport port with WhatsApp limits', () => {
    const { transport } = setup();
    expect(transport.specVersion).toBe(1);
    expect(transport.channel).toBe('whatsapp');
    expect(transport.limits).toBe(whatsappLimits);
    expect(whatsappLimits).toMatchObject({
      maxButtons: 3,
      maxButtonTitle: 20,
      maxListRows: 10,
      maxInteractiveBody: 1024,
      maxText: 4096,
    });
  });

  it('sends a text with the idempotency key as callback data and returns the wamid', async () => {
    const { transport } = setup();
    const receipt = await transport.send(conversation, { type: 'text', text: 'Hi Ana' }, key(1));
    expect(receipt.providerMessageId).toBe(graph.messages[0]!.id);
    expect(graph.messages[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+15550001111',
      type: 'text',
      text: { body: 'Hi Ana' },
      biz_opaque_callback_data: key(1).idempotencyKey,
    });
  });

  it('maps each OutboundMessage type to a Graph call', async () => {
    const { transport } = setup();
    await transport.send(
      conversation,
      { type: 'media', kind: 'image', url: 'https://example.com/p.jpg', caption: 'Pizza' },
      key(1),
    );
    await transport.send(
      conversation,
      { type: 'buttons', text: 'Size?', buttons: [{ id: 'l', title: 'Large' }], header: 'Order' },
      key(2),
    );
    await transport.send(
      conversation,
      { type: 'list', text: 'Pick', buttonLabel: 'Menu', sections: [{ rows: [{ id: 'r1', title: 'One' }] }] },
      key(3),
    );
    await transport.send(conversation, { type: 'template', name: 'hello_world', language: 'en_US' }, key(4));
    await transport.send(conversation, { type: 'location', latitude: 1, longitude: 2, name: 'Shop' }, key(5));
    await transport.send(conversation, { type: 'reaction', messageId: 'wamid.IN', emoji: '👍' }, key(6));
    expect(
      graph.messages.map((message) => [message.body.type, message.body[message.body.type as string]]),
    ).toEqual([
      ['image', { link: 'https://example.com/p.jpg', caption: 'Pizza' }],
      [
        'interactive',
        {
          type: 'button',
          header: { type: 'text', text: 'Order' },
          body: { text: 'Size?' },
          action: { buttons: [{ type: 'reply', reply: { id: 'l', title: 'Large' } }] },
        },
      ],
      [
        'interactive',
        {
          type: 'list',
          body: { text: 'Pick' },
          action: { button: 'Menu', sections: [{ rows: [{ id: 'r1', title: 'One' }] }] },
        },
      ],
      ['template', { name: 'hello_world', language: { code: 'en_US' } }],
      ['location', { latitude: 1, longitude: 2, name: 'Shop' }],
      ['reaction', { message_id: 'wamid.IN', emoji: '👍' }],
    ]);
  });

  it('applies the fallbacks: 5 buttons → a list, 25 rows → 3 lists, a long text → several texts', async () => {
    const { transport } = setup();
    await transport.send(
      conversation,
      {
        type: 'buttons',
        text: 'Size?',
        buttons: ['xs', 's', 'm', 'l', 'xl'].map((id) => ({ id, title: id.toUpperCase() })),
      },
      key(1),
    );
    const rows = Array.from({ length: 25 }, (_, index) => ({ id: `r${index}`, title: `Row ${index}` }));
    await transport.send(
      conversation,
      { type: 'list', text: 'Pick', buttonLabel: 'Menu', sections: [{ title: 'All', rows }] },
      key(2),
    );
    const long = 'lorem ipsum '.repeat(800).trim();
    const receipt = await transport.send(conversation, { type: 'text', text: long }, key(3));
    const types = graph.messages.map((message) =>
      message.body.type === 'interactive'
        ? (message.body.interactive as { type: string }).type
        : message.body.type,
    );
    expect(types).toEqual(['list', 'list', 'list', 'list', 'text', 'text', 'text']);
    // The id of the last part is the receipt.
    expect(receipt.providerMessageId).toBe(graph.messages.at(-1)!.id);
  });

  it('refuses a free-form message outside the 24-hour window before calling Meta, and always sends templates', async () => {
    const { transport, clock } = setup();
    clock.advance(DAY - 1);
    await transport.send(conversation, { type: 'text', text: 'still open' }, key(1));
    clock.advance(2);
    expect(transport.isWindowOpen(conversation)).toBe(false);
    const closed = await rejection(transport.send(conversation, { type: 'text', text: 'too late' }, key(2)));
    expect(closed).toMatchObject({ code: 'WHATSAPP_WINDOW_CLOSED', retryable: false });
    expect(graph.messages).toHaveLength(1);
    await transport.send(conversation, { type: 'template', name: 'reminder', language: 'en' }, key(3));
    expect(graph.messages).toHaveLength(2);
    transport.noteInbound(conversation, clock.now());
    await transport.send(conversation, { type: 'text', text: 'open again' }, key(4));
    expect(graph.messages).toHaveLength(3);
  });

  it('keeps the newest inbound time when deliveries arrive out of order', () => {
    const { transport, clock } = setup();
    transport.noteInbound(conversation, clock.now() - 2 * DAY);
    expect(transport.isWindowOpen(conversation)).toBe(true);
  });

  it('lets Meta decide for an unknown user by default, and refuses with unknownWindow: closed', async () => {
    const stranger = { ...conversation, userId: '15550009999' };
    const open = setup();
    await open.transport.send(stranger, { type: 'text', text: 'hi' }, key(1));
    expect(graph.messages).toHaveLength(1);
    const strict = setup({ unknownWindow: 'closed' });
    expect(
      await rejection(strict.transport.send(stranger, { type: 'text', text: 'hi' }, key(2))),
    ).toMatchObject({ code: 'WHATSAPP_WINDOW_CLOSED' });
  });

  it('turns Meta’s 131047 into a non-retryable WHATSAPP_WINDOW_CLOSED, and retries rate limits transparently', async () => {
    const { transport } = setup();
    graph.injectError({ graphCode: 131047 });
    expect(await rejection(transport.send(conversation, { type: 'text', text: 'x' }, key(1)))).toMatchObject({
      code: 'WHATSAPP_WINDOW_CLOSED',
      retryable: false,
    });
    graph.injectError({ graphCode: 131026 });
    expect(await rejection(transport.send(conversation, { type: 'text', text: 'x' }, key(2)))).toMatchObject({
      code: 'WHATSAPP_GRAPH_ERROR',
      retryable: false,
    });
    graph.injectError({ graphCode: 130429, times: 2 });
    await transport.send(conversation, { type: 'text', text: 'through' }, key(3));
    expect(graph.messages).toHaveLength(1);
  });

  it('resumes a split message where it failed when the engine retries the same idempotency key', async () => {
    const { transport } = setup();
    const text = Array.from({ length: 3 }, (_, part) => `part${part} `.repeat(600).trim()).join(' ');
    // The client tries 5 times (4 retries), then gives up on the second part.
    graph.injectError({ httpStatus: 500, times: 5, after: 1 });
    expect(await rejection(transport.send(conversation, { type: 'text', text }, key(7)))).toMatchObject({
      retryable: true,
    });
    expect(graph.messages).toHaveLength(1);
    await transport.send(conversation, { type: 'text', text }, key(7));
    const bodies = graph.messages.map((message) => (message.body.text as { body: string }).body);
    expect(bodies).toHaveLength(new Set(bodies).size);
    expect(bodies.join(' ')).toBe(text);
  });

  it('refuses a conversation of another channel or business number', async () => {
    const { transport } = setup();
    expect(
      await rejection(
        transport.send({ ...conversation, channel: 'cli' }, { type: 'text', text: 'x' }, key(1)),
      ),
    ).toMatchObject({
      code: 'WHATSAPP_UNKNOWN_BOT',
      retryable: false,
    });
    expect(
      await rejection(transport.send({ ...conversation, botId: '999' }, { type: 'text', text: 'x' }, key(2))),
    ).toMatchObject({
      code: 'WHATSAPP_UNKNOWN_BOT',
    });
  });

  it('serves several business numbers from one transport, and can be built from options', async () => {
    const second = createWhatsAppClient({
      accessToken,
      phoneNumberId: '100000000000003',
      baseUrl: graph.baseUrl,
    });
    const first = createWhatsAppClient({ accessToken, phoneNumberId, baseUrl: graph.baseUrl });
    const transport = createWhatsAppTransport([first, second]);
    await transport.send(
      { ...conversation, botId: '100000000000003' },
      { type: 'template', name: 't', language: 'en' },
      key(1),
    );
    expect(graph.messages[0]!.phoneNumberId).toBe('100000000000003');
    const fromOptions = createWhatsAppTransport({
      accessToken,
      phoneNumberId,
      baseUrl: graph.baseUrl,
      unknownWindow: 'closed',
    });
    expect(
      await rejection(fromOptions.send(conversation, { type: 'text', text: 'x' }, key(2))),
    ).toMatchObject({ code: 'WHATSAPP_WINDOW_CLOSED' });
  });
});
