import type { EngineEvent, InboundEvent, StepResult } from '@botpe/engine';
import { BotpeError, conversationKey } from '@botpe/engine';
import {
  createWebhookHandler,
  type ParsedWebhook,
  signWebhookBody,
  type WebhookHandlerOptions,
} from '@botpe/whatsapp-adapter';
import { buildInboundWebhook, buildStatusWebhook, signWebhook } from '@botpe/whatsapp-adapter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, type Listening, listen, serveWebhook } from './helpers.js';

const appSecret = 'test-app-secret';
const verifyToken = 'test-verify-token';
const target = { phoneNumberId: '100000000000002' };
const step: StepResult = {
  outbound: [],
  status: 'waiting',
  nodeId: 'n',
  variables: {},
  events: [],
  duplicate: false,
};

/** A recording stand-in for the engine (the end-to-end test uses the real one). */
function recordingEngine(handle: (event: InboundEvent) => Promise<StepResult> = async () => step) {
  const handled: InboundEvent[] = [];
  const reported: EngineEvent[] = [];
  return {
    handled,
    reported,
    engine: {
      handle: async (event: InboundEvent) => {
        handled.push(event);
        return handle(event);
      },
      reportStatus: (event: EngineEvent) => {
        reported.push(event);
      },
    },
  };
}

for (const mode of ['node', 'fetch'] as const) {
  describe(`createWebhookHandler over real HTTP (.${mode})`, () => {
    let server: Listening | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    async function start(options: Partial<WebhookHandlerOptions>) {
      server = await serveWebhook(
        createWebhookHandler({ appSecret, verifyToken, ...options } as WebhookHandlerOptions),
        mode,
      );
      return server.url;
    }

    const post = (url: string, body: string, headers: Record<string, string>) =>
      fetch(url, { method: 'POST', body, headers });

    it('answers the GET verification handshake', async () => {
      const url = await start(recordingEngine());
      const ok = await fetch(
        `${url}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444`,
      );
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('1158201444');
      expect((await fetch(`${url}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`)).status).toBe(
        403,
      );
      expect(
        (await fetch(`${url}?hub.mode=unsubscribe&hub.verify_token=${verifyToken}&hub.challenge=1`)).status,
      ).toBe(403);
      expect((await fetch(`${url}?hub.mode=subscribe`)).status).toBe(400);
      expect((await fetch(url, { method: 'PUT', body: '{}' })).status).toBe(405);
    });

    it('answers 401 to a missing or wrong signature, and hands nothing on', async () => {
      const recorder = recordingEngine();
      const url = await start(recorder);
      const { body, headers } = signWebhook(
        buildInboundWebhook(target, [{ from: '15550001111', message: { type: 'text', text: 'hi' } }]),
        appSecret,
      );
      expect((await post(url, body, { 'content-type': 'application/json' })).status).toBe(401);
      expect(
        (
          await post(url, body, {
            ...headers,
            'x-hub-signature-256': signWebhook({}, appSecret).headers['x-hub-signature-256']!,
          })
        ).status,
      ).toBe(401);
      expect((await post(url, body, signWebhook(JSON.parse(body), 'wrong-secret').headers)).status).toBe(401);
      expect(recorder.handled).toEqual([]);
    });

    it('answers 413 to a body over maxBodyBytes and 400 to signed non-JSON', async () => {
      const errors: unknown[] = [];
      const url = await start({
        ...recordingEngine(),
        maxBodyBytes: 1000,
        onError: (error) => errors.push(error),
      });
      const big = 'x'.repeat(5000);
      expect((await post(url, big, { 'x-hub-signature-256': signWebhookBody(big, appSecret) })).status).toBe(
        413,
      );
      // signWebhook JSON-encodes its payload: a valid signature over the wrong text is still wrong.
      const notJson = 'not json';
      expect((await post(url, notJson, signWebhook(notJson, appSecret).headers)).status).toBe(401);
      expect(
        (await post(url, notJson, { 'x-hub-signature-256': signWebhookBody(notJson, appSecret) })).status,
      ).toBe(400);
      expect(errors.map((error) => (BotpeError.isInstance(error) ? error.code : 'other'))).toEqual([
        'WHATSAPP_BODY_TOO_LARGE',
        'WHATSAPP_SIGNATURE_INVALID',
        'WHATSAPP_BODY_INVALID',
      ]);
    });

    it('answers 200 only after every engine.handle resolved', async () => {
      const gate = deferred();
      const recorder = recordingEngine(async () => {
        await gate.promise;
        return step;
      });
      const url = await start(recorder);
      const { body, headers } = signWebhook(
        buildInboundWebhook(target, [{ from: '15550001111', message: { type: 'text', text: 'hi' } }]),
        appSecret,
      );
      let answered = false;
      const response = post(url, body, headers).then((r) => {
        answered = true;
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(recorder.handled).toHaveLength(1);
      expect(answered).toBe(false);
      gate.resolve();
      expect((await response).status).toBe(200);
    });

    it('handles one conversation in timestamp order and different conversations concurrently', async () => {
      const log: string[] = [];
      let running = 0;
      let maxRunning = 0;
      const recorder = recordingEngine(async (event) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        log.push(`start ${event.conversation.userId}:${event.message.id}`);
        await new Promise((resolve) => setTimeout(resolve, 30));
        log.push(`end ${event.conversation.userId}:${event.message.id}`);
        running -= 1;
        return step;
      });
      const url = await start(recorder);
      const payload = buildInboundWebhook(target, [
        { from: '15550001111', id: 'a2', timestamp: 2000, message: { type: 'text', text: 'second' } },
        { from: '15550002222', id: 'b1', timestamp: 1000, message: { type: 'text', text: 'other user' } },
        { from: '15550001111', id: 'a1', timestamp: 1000, message: { type: 'text', text: 'first' } },
      ]);
      const { body, headers } = signWebhook(payload, appSecret);
      expect((await post(url, body, headers)).status).toBe(200);
      const userA = log.filter((line) => line.includes('15550001111'));
      expect(userA).toEqual([
        'start 15550001111:a1',
        'end 15550001111:a1',
        'start 15550001111:a2',
        'end 15550001111:a2',
      ]);
      expect(maxRunning).toBe(2);
    });

    it('answers 500 when engine.handle throws (store down), so Meta redelivers', async () => {
      const errors: unknown[] = [];
      const recorder = recordingEngine(async () => {
        throw new BotpeError('STORE_FAILED', 'store down', { retryable: true });
      });
      const url = await start({ ...recorder, onError: (error) => errors.push(error) });
      const { body, headers } = signWebhook(
        buildInboundWebhook(target, [{ from: '15550001111', message: { type: 'text', text: 'hi' } }]),
        appSecret,
      );
      expect((await post(url, body, headers)).status).toBe(500);
      expect(errors).toHaveLength(1);
    });

    it('reports statuses once each, monotonically, as engine events', async () => {
      const recorder = recordingEngine();
      const url = await start(recorder);
      const send = async (
        status: 'sent' | 'delivered' | 'read' | 'failed',
        id = 'wamid.OUT1',
        callbackData?: string,
      ) => {
        const payload = buildStatusWebhook(target, [
          {
            id,
            status,
            recipientId: '15550001111',
            timestamp: 1_700_000_000_000,
            ...(status === 'failed' ? { errors: [{ code: 131047, title: 'Re-engagement message' }] } : {}),
            ...(callbackData ? { callbackData } : {}),
          },
        ]);
        const { body, headers } = signWebhook(payload, appSecret);
        expect((await post(url, body, headers)).status).toBe(200);
      };
      await send('sent');
      await send('delivered');
      await send('delivered');
      await send('read');
      await send('delivered');
      await send('failed', 'wamid.OUT2');
      await send('failed', 'wamid.OUT2');
      await send('failed', 'wamid.OUT3', 'whatsapp:bot:user:7:0');
      const key = conversationKey({
        channel: 'whatsapp',
        botId: target.phoneNumberId,
        userId: '15550001111',
      });
      expect(recorder.reported).toEqual([
        {
          type: 'message.delivered',
          conversationKey: key,
          providerMessageId: 'wamid.OUT1',
          timestamp: 1_700_000_000_000,
        },
        {
          type: 'message.read',
          conversationKey: key,
          providerMessageId: 'wamid.OUT1',
          timestamp: 1_700_000_000_000,
        },
        {
          type: 'message.failed',
          conversationKey: key,
          outboxId: '',
          providerMessageId: 'wamid.OUT2',
          code: 'WHATSAPP_WINDOW_CLOSED',
          message: '(#131047) Re-engagement message',
        },
        // The outbox id comes back through biz_opaque_callback_data, where the transport put it.
        expect.objectContaining({
          type: 'message.failed',
          providerMessageId: 'wamid.OUT3',
          outboxId: 'whatsapp:bot:user:7:0',
        }),
      ]);
    });

    it('tells the window tracker about each user message before the engine handles it', async () => {
      const order: string[] = [];
      const recorder = recordingEngine(async () => {
        order.push('handle');
        return step;
      });
      const url = await start({
        ...recorder,
        windowTracker: {
          noteInbound: (conversation, timestamp) => order.push(`note ${conversation.userId} ${timestamp}`),
        },
      });
      const { body, headers } = signWebhook(
        buildInboundWebhook(target, [
          { from: '15550001111', timestamp: 1_700_000_005_000, message: { type: 'text', text: 'hi' } },
        ]),
        appSecret,
      );
      expect((await post(url, body, headers)).status).toBe(200);
      expect(order).toEqual(['note 15550001111 1700000005000', 'handle']);
    });

    it('passes the whole batch to onEvents and waits for it', async () => {
      const batches: ParsedWebhook[] = [];
      const url = await start({
        onEvents: async (batch) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          batches.push(batch);
        },
      });
      const payload = buildInboundWebhook(target, [
        { from: '15550001111', message: { type: 'button_reply', id: 'large', title: 'Large' } },
        {
          from: '15550001111',
          message: { type: 'raw', message: { type: 'system', system: { type: 'user_changed_number' } } },
        },
      ]);
      const { body, headers } = signWebhook(payload, appSecret);
      expect((await post(url, body, headers)).status).toBe(200);
      expect(batches).toHaveLength(1);
      expect(batches[0]!.events.map((event) => event.message.type)).toEqual(['button']);
      expect(batches[0]!.ignored.map((item) => item.reason)).toEqual(['system_message']);
    });
  });
}

describe('createWebhookHandler behind a body parser (Express style)', () => {
  let server: Listening | undefined;
  afterEach(async () => {
    await server?.close();
  });

  async function readAll(req: import('node:http').IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  it('uses a raw Buffer body left by express.raw, and refuses a body a JSON parser already consumed', async () => {
    const recorder = recordingEngine();
    const errors: unknown[] = [];
    const handler = createWebhookHandler({
      appSecret,
      verifyToken,
      ...recorder,
      onError: (error) => errors.push(error),
    });
    server = await listen(async (req, res) => {
      const raw = await readAll(req);
      // express.raw leaves a Buffer; express.json leaves an object.
      Object.assign(req, { body: req.headers['x-parser'] === 'json' ? JSON.parse(raw.toString()) : raw });
      await handler.node(req, res);
    });
    const { body, headers } = signWebhook(
      buildInboundWebhook(target, [{ from: '15550001111', message: { type: 'text', text: 'hi' } }]),
      appSecret,
    );
    expect((await fetch(server.url, { method: 'POST', body, headers })).status).toBe(200);
    expect(recorder.handled).toHaveLength(1);
    expect(
      (await fetch(server.url, { method: 'POST', body, headers: { ...headers, 'x-parser': 'json' } })).status,
    ).toBe(500);
    expect(errors).toMatchObject([{ code: 'WHATSAPP_CONFIG_INVALID' }]);
  });
});

describe('createWebhookHandler configuration', () => {
  const engine = { handle: async () => step, reportStatus: () => undefined };

  it('refuses a missing or empty appSecret instead of skipping the check', () => {
    for (const appSecret of [undefined, '', [], ['ok', '']]) {
      expect(() =>
        createWebhookHandler({ appSecret, verifyToken, engine } as unknown as WebhookHandlerOptions),
      ).toThrow(expect.objectContaining({ code: 'WHATSAPP_CONFIG_INVALID' }));
    }
  });

  it('needs a verify token and an engine or onEvents', () => {
    expect(() => createWebhookHandler({ appSecret, verifyToken: '', engine })).toThrow(
      expect.objectContaining({ code: 'WHATSAPP_CONFIG_INVALID' }),
    );
    expect(() => createWebhookHandler({ appSecret, verifyToken })).toThrow(
      expect.objectContaining({ code: 'WHATSAPP_CONFIG_INVALID' }),
    );
  });
});
