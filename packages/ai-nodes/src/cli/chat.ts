/**
 * Talk to a flow that uses the ai nodes, against the real Anthropic API, in the terminal.
 *
 *   ANTHROPIC_API_KEY=… npx tsx packages/ai-nodes/src/cli/chat.ts examples/flows/ai-support.json [--model claude-haiku-4-5]
 *
 * Every turn prints the replies, then one line per model call with its tokens and latency.
 * It refuses to start without ANTHROPIC_API_KEY, so it never runs by accident (tests do not import it).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { createEngine, describeError, type OutboundMessage } from '@botpe/engine';
import { createAnthropicClient } from '../anthropic.js';
import { aiNodes } from '../nodes/index.js';

function render(message: OutboundMessage): string {
  switch (message.type) {
    case 'text':
      return message.text;
    case 'buttons':
      return `${message.text}\n${message.buttons.map((button, index) => `  ${index + 1}. ${button.title}`).join('\n')}`;
    case 'list':
      return `${message.text}\n${message.sections
        .flatMap((section) => section.rows)
        .map((row, index) => `  ${index + 1}. ${row.title}`)
        .join('\n')}`;
    default:
      return `[${message.type}]`;
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const flowPath = args.find((arg) => !arg.startsWith('--'));
  const modelIndex = args.indexOf('--model');
  const model = modelIndex >= 0 ? args[modelIndex + 1] : undefined;
  if (!flowPath) {
    console.error('usage: chat <flow.json> [--model <id>]');
    return 2;
  }
  if (!process.env.ANTHROPIC_API_KEY) {
    console.error('ANTHROPIC_API_KEY is not set: this command talks to the real API.');
    return 2;
  }
  const flow: unknown = JSON.parse(readFileSync(flowPath, 'utf8'));
  const client = createAnthropicClient(model ? { model } : {});
  const engine = createEngine({
    flows: [flow],
    nodes: aiNodes({ client, budget: { conversationTokens: 200_000 } }),
  });
  const conversation = { channel: 'cli', botId: 'cli', userId: 'local-user' };
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  console.log(
    `Talking to ${flowPath} with ${client.defaultModel}${model ? '' : ' (default)'}. Ctrl-D quits.`,
  );
  let sequence = 0;
  try {
    for (;;) {
      const line = await terminal.question('you> ').catch(() => null);
      if (line === null) break;
      sequence++;
      const result = await engine.handle({
        conversation,
        contact: { name: 'Terminal user' },
        message: { type: 'text', text: line, id: `cli-${sequence}`, timestamp: Date.now() },
      });
      for (const message of result.outbound) console.log(`bot> ${render(message)}`);
      for (const event of result.events) {
        if (event.type === 'ai.usage' || event.type === 'ai.failed' || event.type === 'ai.classified') {
          const { type, conversationKey: _key, ...facts } = event;
          console.log(`  · ${type} ${JSON.stringify(facts)}`);
        }
      }
      if (result.status === 'ended' || result.status === 'unrouted') console.log(`  (${result.status})`);
    }
  } finally {
    terminal.close();
    await engine.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(describeError(error));
    process.exit(1);
  },
);
