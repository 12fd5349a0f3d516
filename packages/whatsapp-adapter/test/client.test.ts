import { BotpeError } from '@botpe/engine';
import { createWhatsAppClient, GraphApiError, type WhatsAppClientOptions } from '@botpe/whatsapp-adapter';
import { type GraphEmulator, startGraphEmulator } from '@botpe/whatsapp-adapter/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from './helpers.js';

const accessToken = 'test-access-token';
const phoneNumberId = '100000000000002';
const user = '15550001111';

let graph: GraphEmulator;
beforeEach(async () => {
  graph = await startGraphEmulator({ accessToken, statuses: [] });
});
afterEach(async () => {
  await graph.close();
});

/** A client whose waits are recorded and advance a fake clock instead of passing real time. */
function client(options: Partial<WhatsAppClientOptions> = {}) {
  const clock = fakeClock();
  const sleeps: number[] = [];
  const whatsapp = createWhatsAppClient({
    accessToken,
    phoneNumberId,
    baseUrl: graph.baseUrl,
    clock,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    pairRate: false,
    ...options,
  });
  return { whatsapp, sleeps, clock };
}

async function rejection(promise: Promise<unknown>): Promise<BotpeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!BotpeError.isInstance(error)) throw new Error(`expected a BotpeError, got ${String(error)}`);
  return error;
}

describe('createWhatsAppClient against the Graph emulator', () => {
  it('sends a text and returns the wamid Meta answered with', async () => {
    const { whatsapp } = client();
    const result = await whatsapp.send(
      user,
      { type: 'text', text: 'Hello https://example.com', previewUrl: true },
      { replyTo: 'wamid.IN1', callbackData: 'key-1' },
    );
    expect(result.messageId).toBe(graph.messages[0]!.id);
    expect(result.waId).toBe(user);
    expect(graph.messages[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+15550001111',
      type: 'text',
      text: { body: 'Hello https://example.com', preview_url: true },
      context: { message_id: 'wamid.IN1' },
      biz_opaque_callback_data: 'key-1',
    });
  });

  it('builds the exact Graph body of every outbound type', async () => {
    const { whatsapp } = client();
    await whatsapp.send(user, { type: 'image', id: 'MEDIA1', caption: 'Pizza' });
    await whatsapp.send(user, {
      type: 'document',
      link: 'https://example.com/menu.pdf',
      filename: 'menu.pdf',
    });
    await whatsapp.send(user, { type: 'audio', id: 'MEDIA2', voice: true });
    await whatsapp.send(user, { type: 'location', latitude: 40.7, longitude: -73.9, name: 'Shop' });
    await whatsapp.send(user, {
      type: 'contacts',
      contacts: [{ name: { formatted_name: 'Support' }, phones: [{ phone: '+15550002222' }] }],
    });
    await whatsapp.send(user, { type: 'reaction', messageId: 'wamid.IN1', emoji: '👍' });
    await whatsapp.send(user, {
      type: 'buttons',
      body: 'Size?',
      header: 'Pizza',
      footer: 'Tap one',
      buttons: [
        { id: 'small', title: 'Small' },
        { id: 'large', title: 'Large' },
      ],
    });
    await whatsapp.send(user, {
      type: 'list',
      body: 'Pick a delivery',
      buttonLabel: 'Options',
      sections: [{ title: 'Fast', rows: [{ id: 'express', title: 'Express', description: 'Next day' }] }],
    });
    await whatsapp.send(user, {
      type: 'cta_url',
      body: 'See the menu',
      displayText: 'Open menu',
      url: 'https://example.com/menu',
    });
    await whatsapp.send(user, { type: 'location_request', body: 'Where are you?' });
    await whatsapp.send(user, {
      type: 'template',
      name: 'order_update',
      language: 'en_US',
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }],
    });
    const bodies = graph.messages.map((message) => {
      const { messaging_product, recipient_type, to, ...rest } = message.body;
      expect([messaging_product, recipient_type, to]).toEqual(['whatsapp', 'individual', '+15550001111']);
      return rest;
    });
    expect(bodies).toEqual([
      { type: 'image', image: { id: 'MEDIA1', caption: 'Pizza' } },
      { type: 'document', document: { link: 'https://example.com/menu.pdf', filename: 'menu.pdf' } },
      { type: 'audio', audio: { id: 'MEDIA2', voice: true } },
      { type: 'location', location: { latitude: 40.7, longitude: -73.9, name: 'Shop' } },
      {
        type: 'contacts',
        contacts: [{ name: { formatted_name: 'Support' }, phones: [{ phone: '+15550002222' }] }],
      },
      { type: 'reaction', reaction: { message_id: 'wamid.IN1', emoji: '👍' } },
      {
        type: 'interactive',
        interactive: {
          type: 'button',
          header: { type: 'text', text: 'Pizza' },
          body: { text: 'Size?' },
          footer: { text: 'Tap one' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'small', title: 'Small' } },
              { type: 'reply', reply: { id: 'large', title: 'Large' } },
            ],
          },
        },
      },
      {
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Pick a delivery' },
          action: {
            button: 'Options',
            sections: [
              { title: 'Fast', rows: [{ id: 'express', title: 'Express', description: 'Next day' }] },
            ],
          },
        },
      },
      {
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          body: { text: 'See the menu' },
          action: {
            name: 'cta_url',
            parameters: { display_text: 'Open menu', url: 'https://example.com/menu' },
          },
        },
      },
      {
        type: 'interactive',
        interactive: {
          type: 'location_request_message',
          body: { text: 'Where are you?' },
          action: { name: 'send_location' },
        },
      },
      {
        type: 'template',
        template: {
          name: 'order_update',
          language: { code: 'en_US' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }],
        },
      },
    ]);
  });

  it('checks limits before calling Meta, with typed errors', async () => {
    const { whatsapp } = client();
    const tooMany = await rejection(
      whatsapp.send(user, {
        type: 'buttons',
        body: 'x',
        buttons: ['a', 'b', 'c', 'd'].map((id) => ({ id, title: id })),
      }),
    );
    expect(tooMany).toMatchObject({ code: 'WHATSAPP_LIMIT_EXCEEDED', retryable: false });
    expect(tooMany.details?.issues).toMatchObject([
      { kind: 'too_many', path: 'interactive.action.buttons', limit: 3, actual: 4 },
    ]);
    expect(await rejection(whatsapp.send(user, { type: 'text', text: 'x'.repeat(4097) }))).toMatchObject({
      code: 'WHATSAPP_LIMIT_EXCEEDED',
    });
    expect(
      await rejection(
        whatsapp.send(user, {
          type: 'buttons',
          body: 'x',
          buttons: [{ id: 'a', title: 'A title over twenty chars' }],
        }),
      ),
    ).toMatchObject({ code: 'WHATSAPP_LIMIT_EXCEEDED' });
    const elevenRows = Array.from({ length: 11 }, (_, index) => ({ id: `r${index}`, title: `Row ${index}` }));
    expect(
      await rejection(
        whatsapp.send(user, {
          type: 'list',
          body: 'x',
          buttonLabel: 'Go',
          sections: [
            { title: 'A', rows: elevenRows.slice(0, 6) },
            { title: 'B', rows: elevenRows.slice(6) },
          ],
        }),
      ),
    ).toMatchObject({ code: 'WHATSAPP_LIMIT_EXCEEDED' });
    expect(await rejection(whatsapp.send(user, { type: 'image' }))).toMatchObject({
      code: 'WHATSAPP_MESSAGE_INVALID',
    });
    expect(await rejection(whatsapp.send(user, { type: 'text', text: '' }))).toMatchObject({
      code: 'WHATSAPP_MESSAGE_INVALID',
    });
    expect(await rejection(whatsapp.send('', { type: 'text', text: 'x' }))).toMatchObject({
      code: 'WHATSAPP_MESSAGE_INVALID',
    });
    expect(graph.requests).toEqual([]);
  });

  it('refuses to be created without a token or a phone number id', () => {
    expect(() => createWhatsAppClient({ accessToken: '', phoneNumberId })).toThrow(
      expect.objectContaining({ code: 'WHATSAPP_CONFIG_INVALID' }),
    );
    expect(() => createWhatsAppClient({ accessToken, phoneNumberId: '' })).toThrow(
      expect.objectContaining({ code: 'WHATSAPP_CONFIG_INVALID' }),
    );
  });

  it('types Graph errors with the Graph code and a retryable flag', async () => {
    const wrongToken = createWhatsAppClient({
      accessToken: 'wrong',
      phoneNumberId,
      baseUrl: graph.baseUrl,
      pairRate: false,
    });
    const auth = await rejection(wrongToken.send(user, { type: 'text', text: 'x' }));
    expect(auth).toBeInstanceOf(GraphApiError);
    expect(auth).toMatchObject({
      code: 'WHATSAPP_AUTH_FAILED',
      graphCode: 190,
      httpStatus: 401,
      retryable: false,
    });

    const { whatsapp } = client();
    graph.injectError({ graphCode: 131047 });
    const window = await rejection(whatsapp.send(user, { type: 'text', text: 'x' }));
    expect(window).toMatchObject({ code: 'WHATSAPP_WINDOW_CLOSED', graphCode: 131047, retryable: false });
    expect(window.details).toMatchObject({ graphCode: 131047, httpStatus: 400 });
    expect(String(window.details?.fbtraceId)).toMatch(/^Aemu/);
  });

  it('retries 130429 with exponential backoff and jitter, then succeeds', async () => {
    const { whatsapp, sleeps } = client({ baseDelayMs: 100 });
    graph.injectError({ graphCode: 130429, times: 2 });
    const result = await whatsapp.send(user, { type: 'text', text: 'x' });
    expect(result.messageId).toMatch(/^wamid\./);
    // random() = 0.5 → each delay is 3/4 of 100·2^attempt.
    expect(sleeps).toEqual([75, 150]);
    expect(graph.requests.map((request) => request.status)).toEqual([400, 400, 200]);
  });

  it('honours Retry-After (seconds) on a 5xx without a Graph body', async () => {
    const { whatsapp, sleeps } = client();
    graph.injectError({ httpStatus: 503, retryAfterSeconds: 7 });
    await whatsapp.send(user, { type: 'text', text: 'x' });
    expect(sleeps).toEqual([7000]);
  });

  it('does not wait out a Retry-After longer than maxDelayMs: it throws, retryable', async () => {
    const { whatsapp, sleeps } = client({ maxDelayMs: 5000 });
    graph.injectError({ graphCode: 130429, retryAfterSeconds: 60 });
    expect(await rejection(whatsapp.send(user, { type: 'text', text: 'x' }))).toMatchObject({
      code: 'WHATSAPP_RATE_LIMITED',
      retryable: true,
    });
    expect(sleeps).toEqual([]);
  });

  it('waits at least 4^X seconds after a 131056 pair-rate error (Meta’s advice)', async () => {
    const { whatsapp, sleeps } = client({ baseDelayMs: 100 });
    graph.injectError({ graphCode: 131056, times: 2 });
    await whatsapp.send(user, { type: 'text', text: 'x' });
    expect(sleeps).toEqual([1000, 4000]);
  });

  it('gives up after maxRetries with a retryable error', async () => {
    const { whatsapp } = client({ maxRetries: 2, baseDelayMs: 10 });
    graph.injectError({ httpStatus: 500, times: 5 });
    expect(await rejection(whatsapp.send(user, { type: 'text', text: 'x' }))).toMatchObject({
      code: 'WHATSAPP_GRAPH_ERROR',
      retryable: true,
    });
    expect(graph.requests).toHaveLength(3);
  });

  it('does not repeat a send that timed out (its outcome is unknown)', async () => {
    const { whatsapp } = client({ timeoutMs: 200 });
    graph.injectError({ timeout: true });
    expect(await rejection(whatsapp.send(user, { type: 'text', text: 'x' }))).toMatchObject({
      code: 'WHATSAPP_TIMEOUT',
      retryable: true,
    });
    await whatsapp.send(user, { type: 'text', text: 'after' });
    expect(graph.messages.map((message) => (message.body.text as { body: string }).body)).toEqual(['after']);
  });

  it('stops when the caller aborts', async () => {
    const { whatsapp } = client();
    const controller = new AbortController();
    controller.abort();
    expect(
      await rejection(whatsapp.send(user, { type: 'text', text: 'x' }, { signal: controller.signal })),
    ).toMatchObject({
      code: 'WHATSAPP_ABORTED',
      retryable: false,
    });
  });

  it('paces sends with a token bucket per number', async () => {
    const { whatsapp, sleeps } = client({ messagesPerSecond: 2 });
    for (let index = 0; index < 5; index++)
      await whatsapp.send(`1555000${1000 + index}`, { type: 'text', text: 'x' });
    // Two at once, then one every 500 ms.
    expect(sleeps).toEqual([500, 500, 500]);
  });

  it('paces sends to one recipient (pair rate) without slowing others', async () => {
    const { whatsapp, sleeps } = client({ pairRate: { burst: 2, intervalMs: 6000 } });
    await whatsapp.send(user, { type: 'text', text: '1' });
    await whatsapp.send(user, { type: 'text', text: '2' });
    await whatsapp.send('15550002222', { type: 'text', text: 'other' });
    expect(sleeps).toEqual([]);
    await whatsapp.send(user, { type: 'text', text: '3' });
    expect(sleeps).toEqual([6000]);
  });

  it('marks messages as read and shows the typing indicator', async () => {
    const { whatsapp } = client();
    await whatsapp.markAsRead('wamid.IN1');
    await whatsapp.sendTypingIndicator('wamid.IN2');
    expect(graph.readReceipts).toEqual([
      { messageId: 'wamid.IN1', typing: false },
      { messageId: 'wamid.IN2', typing: true },
    ]);
    expect(await rejection(whatsapp.markAsRead(''))).toMatchObject({ code: 'WHATSAPP_MESSAGE_INVALID' });
  });

  it('uploads, looks up and downloads media', async () => {
    const { whatsapp } = client();
    const bytes = new TextEncoder().encode('%PDF-1.4 fake');
    const { id } = await whatsapp.uploadMedia({
      data: bytes,
      mimeType: 'application/pdf',
      filename: 'menu.pdf',
    });
    const info = await whatsapp.getMedia(id);
    expect(info).toMatchObject({ id, mimeType: 'application/pdf', fileSize: bytes.byteLength });
    const downloaded = await whatsapp.downloadMedia(id);
    expect(new TextDecoder().decode(downloaded.data)).toBe('%PDF-1.4 fake');
    expect(downloaded.mimeType).toBe('application/pdf');
    const userPhoto = graph.addMedia(new Uint8Array([1, 2, 3]), 'image/jpeg');
    expect(Array.from((await whatsapp.downloadMedia(userPhoto)).data)).toEqual([1, 2, 3]);
    expect(await rejection(whatsapp.getMedia('404404'))).toMatchObject({
      code: 'WHATSAPP_GRAPH_ERROR',
      graphCode: 100,
    });
  });

  it('refuses media over the size limit or without a MIME type before uploading', async () => {
    const { whatsapp } = client();
    expect(
      await rejection(
        whatsapp.uploadMedia({ data: new Uint8Array(5 * 1024 * 1024 + 1), mimeType: 'image/jpeg' }),
      ),
    ).toMatchObject({
      code: 'WHATSAPP_MEDIA_INVALID',
    });
    expect(
      await rejection(whatsapp.uploadMedia({ data: new Uint8Array(1), mimeType: 'jpeg' })),
    ).toMatchObject({ code: 'WHATSAPP_MEDIA_INVALID' });
    const small = createWhatsAppClient({
      accessToken,
      phoneNumberId,
      baseUrl: graph.baseUrl,
      maxDownloadBytes: 5,
    });
    expect(
      await rejection(small.downloadMedia(graph.addMedia(new Uint8Array(10), 'image/png'))),
    ).toMatchObject({ code: 'WHATSAPP_MEDIA_INVALID' });
  });
});

describe('the Graph emulator checks bodies the way Meta does', () => {
  const post = (body: unknown, token = accessToken) =>
    fetch(`${graph.baseUrl}/v24.0/${phoneNumberId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers Meta-shaped errors for a bad token, missing fields, limits and unknown types', async () => {
    const cases: Array<[unknown, number, number]> = [
      [{ messaging_product: 'whatsapp', to: '+1', type: 'text', text: { body: 'x' } }, 401, 190],
      [{ messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, 400, 131008],
      [
        { messaging_product: 'whatsapp', to: '+1', type: 'text', text: { body: 'x'.repeat(4097) } },
        400,
        131009,
      ],
      [{ messaging_product: 'whatsapp', to: '+1', type: 'hologram' }, 400, 131051],
      ['{not json', 400, 100],
    ];
    for (const [index, [body, status, code]] of cases.entries()) {
      const response = await post(body, index === 0 ? 'wrong' : accessToken);
      expect(response.status).toBe(status);
      const json = (await response.json()) as { error: Record<string, unknown> };
      expect(json.error).toMatchObject({
        code,
        message: expect.stringMatching(new RegExp(`^\\(#${code}\\) `)),
      });
      expect(json.error.fbtrace_id).toEqual(expect.any(String));
      expect((json.error.error_data as Record<string, unknown>).messaging_product).toBe('whatsapp');
    }
    expect(graph.messages).toEqual([]);
  });
});
