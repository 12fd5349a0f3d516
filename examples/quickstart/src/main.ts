/**
 * Quickstart: embed the engine in any Node service. Load a flow saved by the editor, create an
 * engine, and hand it each incoming message; it answers with the replies to send.
 *
 * Run it: `pnpm --filter @botpe/example-quickstart start` (or `npx tsx examples/quickstart/src/main.ts`).
 */
import { readFileSync } from 'node:fs';
import { createEngine, createMemoryStore, type InboundEvent, type OutboundMessage } from '@botpe/engine';

const flow: unknown = JSON.parse(
  readFileSync(new URL('../../flows/pizza-order.json', import.meta.url), 'utf8'),
);

// No transport: each step returns its replies, and the host sends them (here: prints them).
const engine = createEngine({ flows: [flow], store: createMemoryStore() });

// One conversation: a WhatsApp user (a fake number) talking to one business number.
const conversation = { channel: 'whatsapp', botId: '15550009999', userId: '15550001111' };

function print(replies: OutboundMessage[]): void {
  for (const reply of replies) {
    if (reply.type === 'text') console.log(`bot: ${reply.text}`);
    else if (reply.type === 'buttons')
      console.log(`bot: ${reply.text} [${reply.buttons.map((button) => button.title).join(' | ')}]`);
    else if (reply.type === 'list') {
      const rows = reply.sections.flatMap((section) => section.rows.map((row) => row.title));
      console.log(`bot: ${reply.text} [${rows.join(' | ')}]`);
    } else console.log(`bot: (${reply.type} message)`);
  }
}

async function say(message: InboundEvent['message']): Promise<void> {
  console.log(
    `user: ${message.type === 'text' || message.type === 'button' ? message.text : `(${message.type})`}`,
  );
  const result = await engine.handle({ conversation, contact: { name: 'Ana' }, message });
  print(result.outbound);
  console.log(`(status: ${result.status}, waiting at: ${result.nodeId})`);
}

// The ids are the provider's message ids: a redelivered id is recognised and gets no second reply.
await say({ id: 'wamid.quickstart-1', timestamp: Date.now(), type: 'text', text: 'hi' });
await say({
  id: 'wamid.quickstart-2',
  timestamp: Date.now(),
  type: 'button',
  buttonId: 'order',
  text: 'Order a pizza',
});

await engine.close();
