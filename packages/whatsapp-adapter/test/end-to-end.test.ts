import { performance } from 'node:perf_hooks';
import { createEngine, type EngineEvent } from '@botpe/engine';
import { createWebhookHandler, createWhatsAppTransport } from '@botpe/whatsapp-adapter';
import { buildInboundWebhook, type GraphEmulator, startGraphEmulator } from '@botpe/whatsapp-adapter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, serveWebhook } from './helpers.js';

const accessToken = 'test-access-token';
const appSecret = 'test-app-secret';
const verifyToken = 'test-verify-token';
const phoneNumberId = '100000000000002';
const user = '15550001111';

const node = (id: string, type: string, data: Record<string, unknown>) => ({
  id,
  type,
  position: { x: 0, y: 0 },
  data,
});

const sizeFlow = {
  schema: 'botpe.flow/v1',
  id: 'size',
  version: 1,
  name: 'Size',
  nodes: [
    node('start', 'start', {}),
    node('hello', 'message', { text: 'Hi {{contact.name}}!' }),
    node('ask', 'buttons', {
      text: 'What size?',
      variable: 'size',
      buttons: [
        { id: 'small', title: 'Small' },
        { id: 'medium', title: 'Medium' },
        { id: 'large', title: 'Large' },
        { id: 'family', title: 'Family size' },
      ],
    }),
    node('done', 'end', { text: 'You picked {{size}}.' }),
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'hello' },
    { id: 'e2', source: 'hello', target: 'ask' },
    ...['small', 'medium', 'large', 'family'].map((id) => ({
      id: `e-${id}`,
      source: 'ask',
      sourceHandle: id,
      target: 'done',
    })),
  ],
};

const pingFlow = {
  schema: 'botpe.flow/v1',
  id: 'ping',
  version: 1,
  name: 'Ping',
  nodes: [node('start', 'start', {}), node('pong', 'end', { text: 'pong' })],
  edges: [{ id: 'e1', source: 'start', target: 'pong' }],
};

let graph: GraphEmulator | undefined;
let server: Listening | undefined;
let closeEngine: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeEngine?.();
  await graph?.close();
  await server?.close();
  graph = server = closeEngine = undefined;
});

async function stack(flow: unknown, statuses: Array<'sent' | 'delivered' | 'read'>) {
  graph = await startGraphEmulator({ accessToken, appSecret, statuses });
  const transport = createWhatsAppTransport({
    accessToken,
    phoneNumberId,
    baseUrl: graph.baseUrl,
    pairRate: false,
  });
  const engine = createEngine({ flows: [flow], transport });
  closeEngine = () => engine.close();
  server = await serveWebhook(
    createWebhookHandler({ appSecret, verifyToken, engine, windowTracker: transport }),
    'node',
  );
  graph.setWebhookUrl(server.url);
  return { graph, engine };
}

describe('end to end: signed webhook → engine → transport → Graph emulator', () => {
  it('answers a conversation with the exact Graph request bodies, once per delivery', async () => {
    const { graph, engine } = await stack(sizeFlow, ['sent', 'delivered', 'read']);
    const events: EngineEvent[] = [];
    for (const type of ['message.sent', 'message.delivered', 'message.read', 'message.failed'])
      engine.on(type, (event) => events.push(event));

    const first = await graph.sendUserMessage(phoneNumberId, {
      from: user,
      name: 'Ana',
      message: { type: 'text', text: 'hi' },
    });
    expect(first.status).toBe(200);
    const common = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '+15550001111' };
    // 200 came after the step was committed and delivered: the replies are already recorded.
    expect(graph.messages.map((message) => message.body)).toEqual([
      { ...common, type: 'text', text: { body: 'Hi Ana!' }, biz_opaque_callback_data: expect.any(String) },
      {
        ...common,
        type: 'interactive',
        // Four buttons: WhatsApp allows three, so the transport sends a list.
        interactive: {
          type: 'list',
          body: { text: 'What size?' },
          action: {
            button: 'Choose',
            sections: [
              {
                rows: [
                  { id: 'small', title: 'Small' },
                  { id: 'medium', title: 'Medium' },
                  { id: 'large', title: 'Large' },
                  { id: 'family', title: 'Family size' },
                ],
              },
            ],
          },
        },
        biz_opaque_callback_data: expect.any(String),
      },
    ]);

    const choice = await graph.sendUserMessage(phoneNumberId, {
      from: user,
      name: 'Ana',
      replyTo: graph.messages[1]!.id,
      message: { type: 'list_reply', id: 'large', title: 'Large' },
    });
    expect(choice.status).toBe(200);
    expect(graph.messages.at(-1)!.body).toEqual({
      ...common,
      type: 'text',
      text: { body: 'You picked large.' },
      biz_opaque_callback_data: expect.any(String),
    });

    // Meta redelivers the same POST: no second reply.
    const count = graph.messages.length;
    const again = await graph.deliverWebhook(
      buildInboundWebhook({ phoneNumberId }, [
        { from: user, id: choice.messageId, message: { type: 'list_reply', id: 'large', title: 'Large' } },
      ]),
    );
    expect(again.status).toBe(200);
    expect(graph.messages).toHaveLength(count);

    // The status webhooks the emulator sent came back as engine events.
    await graph.close(); // waits for the status webhooks in flight (closing again later is harmless)
    const wamids = new Set(
      events
        .filter((event) => event.type === 'message.sent')
        .map((event) => (event as { providerMessageId: string }).providerMessageId),
    );
    expect(wamids.size).toBe(3);
    const read = events.filter((event) => event.type === 'message.read');
    expect(new Set(read.map((event) => (event as { providerMessageId: string }).providerMessageId))).toEqual(
      wamids,
    );
    expect(events.filter((event) => event.type === 'message.failed')).toEqual([]);
  });

  it('drops a free-form reply outside the 24-hour window as message.failed, without calling Meta', async () => {
    const { graph, engine } = await stack(pingFlow, []);
    const failed: EngineEvent[] = [];
    engine.on('message.failed', (event) => failed.push(event));
    // A message sent 25 hours ago, delivered late: the window it opened has closed.
    const { status } = await graph.sendUserMessage(phoneNumberId, {
      from: user,
      timestamp: Date.now() - 25 * 60 * 60 * 1000,
      message: { type: 'text', text: 'hi' },
    });
    expect(status).toBe(200);
    expect(graph.messages).toEqual([]);
    expect(failed).toMatchObject([{ type: 'message.failed', code: 'WHATSAPP_WINDOW_CLOSED' }]);
  });

  it('measures webhook-to-reply latency over loopback', async () => {
    const { graph } = await stack(pingFlow, []);
    const samples: number[] = [];
    const rounds = 300;
    for (let index = 0; index < rounds; index++) {
      const began = performance.now();
      const { status } = await graph.sendUserMessage(phoneNumberId, {
        from: user,
        message: { type: 'text', text: `ping ${index}` },
      });
      expect(status).toBe(200);
      samples.push(graph.messages[index]!.receivedAt - began);
    }
    samples.splice(0, 20); // warm-up
    samples.sort((a, b) => a - b);
    const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
    const p50 = pick(0.5);
    const p99 = pick(0.99);
    console.log(
      `webhook → reply over loopback (memory store, ${samples.length} rounds): p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`,
    );
    expect(graph.messages).toHaveLength(rounds);
    expect(p50).toBeLessThan(50);
    expect(p99).toBeLessThan(250);
  });
});
