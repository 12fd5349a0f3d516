import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Choice, inputToMessage, renderGraphMessage } from '../src/chat.js';
import { startWhatsAppServer, type WhatsAppServer } from '../src/server.js';

const flow: unknown = JSON.parse(
  readFileSync(new URL('../../flows/pizza-order.json', import.meta.url), 'utf8'),
);
const user = '15550001111';

/** Plays the terminal user: sends a line as a signed webhook, returns the rendered replies. */
function chat(server: WhatsAppServer) {
  const emulator = server.emulator!;
  let shown = emulator.messages.length;
  let choices: Choice[] = [];
  return async (line: string) => {
    const { status } = await emulator.sendUserMessage(server.phoneNumberId, {
      from: user,
      name: 'Ana',
      message: inputToMessage(line, choices),
    });
    expect(status).toBe(200);
    choices = [];
    const lines: string[] = [];
    for (; shown < emulator.messages.length; shown++) {
      const rendered = renderGraphMessage(emulator.messages[shown]!.body, choices.length + 1);
      choices.push(...rendered.choices);
      lines.push(...rendered.lines);
    }
    return lines;
  };
}

let directory: string | undefined;
let server: WhatsAppServer | undefined;
afterEach(async () => {
  await server?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
  server = directory = undefined;
});

describe('examples/whatsapp-server in emulator mode', () => {
  it('runs the pizza flow through signed webhooks and Graph API calls, and keeps the session in SQLite across a restart', async () => {
    directory = mkdtempSync(join(tmpdir(), 'botpe-whatsapp-'));
    const databasePath = join(directory, 'bot.db');
    server = await startWhatsAppServer({ flows: [flow], databasePath });
    let say = chat(server);

    const welcome = await say('hi');
    expect(welcome).toContain('Hi Ana! 🍕 Welcome to Pizza Pe: hot pizza at your door in about 40 minutes.');
    expect(welcome).toContain('  1. Order a pizza');
    expect(server.emulator!.messages[1]!.body).toMatchObject({
      type: 'interactive',
      interactive: { type: 'button' },
    });

    const menu = await say('1');
    expect(menu).toContain('  2. Pepperoni — Tomato, mozzarella, spicy pepperoni · $11');

    // Restart: a new process would find the conversation where it was.
    await server.close();
    server = await startWhatsAppServer({ flows: [flow], databasePath });
    say = chat(server);
    const size = await say('Pepperoni');
    expect(size[0]).toBe('Pepperoni, great choice! What size?');
    expect(size).toContain('  3. Large');
  });
});
