/**
 * Runs a WhatsApp bot.
 *
 *   With Meta:   WHATSAPP_TOKEN=… WHATSAPP_PHONE_NUMBER_ID=… WHATSAPP_APP_SECRET=… WHATSAPP_VERIFY_TOKEN=… \
 *                npx tsx examples/whatsapp-server/src/main.ts
 *   Without:     npx tsx examples/whatsapp-server/src/main.ts   (chat in the terminal as a WhatsApp user)
 *
 * FLOW picks the flow file (default examples/flows/pizza-order.json), PORT the port, BOTPE_DB the
 * SQLite file (`:memory:` keeps sessions in memory).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { type Choice, inputToMessage, renderGraphMessage } from './chat.js';
import { type MetaCredentials, startWhatsAppServer } from './server.js';

const env = process.env;
const flowPath = env.FLOW ?? fileURLToPath(new URL('../../flows/pizza-order.json', import.meta.url));
const flow: unknown = JSON.parse(readFileSync(flowPath, 'utf8'));
const meta: MetaCredentials | undefined =
  env.WHATSAPP_TOKEN && env.WHATSAPP_PHONE_NUMBER_ID && env.WHATSAPP_APP_SECRET && env.WHATSAPP_VERIFY_TOKEN
    ? {
        accessToken: env.WHATSAPP_TOKEN,
        phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
        appSecret: env.WHATSAPP_APP_SECRET,
        verifyToken: env.WHATSAPP_VERIFY_TOKEN,
      }
    : undefined;

const server = await startWhatsAppServer({
  flows: [flow],
  ...(meta ? { meta } : {}),
  ...(env.PORT ? { port: Number(env.PORT) } : {}),
  databasePath: env.BOTPE_DB === ':memory:' ? null : (env.BOTPE_DB ?? 'whatsapp-bot.db'),
  log: (line) => console.error(`[server] ${line}`),
});

const shutdown = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

if (meta) {
  console.log(
    `Webhook listening at ${server.url} (put it behind HTTPS and register it in the Meta App Dashboard).`,
  );
} else {
  const emulator = server.emulator!;
  // A fake user number: messages go as signed webhooks to the server, replies as Graph API calls.
  const user = '15550001111';
  console.log(
    `No WHATSAPP_* variables: the Graph API emulator runs at ${emulator.baseUrl}, the webhook at ${server.url}.`,
  );
  console.log(
    `You are WhatsApp user +${user}. Type a message; pick a button or list row by its number. Ctrl+D quits.\n`,
  );
  let shown = 0;
  let choices: Choice[] = [];
  const showReplies = () => {
    while (shown < emulator.messages.length) {
      const { lines, choices: offered } = renderGraphMessage(
        emulator.messages[shown]!.body,
        choices.length + 1,
      );
      shown += 1;
      choices = [...choices, ...offered];
      for (const line of lines) console.log(`bot: ${line}`);
    }
  };
  // Replies caused by timers (reminders, delays) arrive without a user message.
  const poll = setInterval(showReplies, 200);
  const terminal = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you: ' });
  terminal.prompt();
  for await (const line of terminal) {
    if (line.trim() === '') {
      terminal.prompt();
      continue;
    }
    const message = inputToMessage(line, choices);
    choices = [];
    const { status } = await emulator.sendUserMessage(server.phoneNumberId, {
      from: user,
      name: 'Ana',
      message,
    });
    if (status !== 200) console.log(`(the webhook answered ${status})`);
    showReplies();
    terminal.prompt();
  }
  clearInterval(poll);
  await shutdown();
}
