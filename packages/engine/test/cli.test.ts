import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { whatsappChannelLimits } from '@botpe/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { renderOutbound } from '../src/cli/render.js';
import { createStoreFromSpec } from '../src/cli/store-spec.js';
import { formatPath } from '../src/cli/validate.js';
import { BotpeError } from '../src/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const flows = join(root, 'examples/flows');
const scratch = mkdtempSync(join(tmpdir(), 'botpe-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI entry as a child process, feeding `input` on stdin (a pipe, not a TTY). */
function botpe(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/engine/src/cli/main.ts', ...args], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

function writeFlow(name: string, document: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, typeof document === 'string' ? document : JSON.stringify(document));
  return path;
}

const brokenFlow = {
  schema: 'botpe.flow/v1',
  id: 'broken',
  version: 1,
  nodes: [
    { id: 'start', type: 'start', data: {} },
    { id: 'ask', type: 'buttons', data: { text: 'Size?', buttons: [{ id: 'small', title: 'Small' }] } },
    { id: 'mystery', type: 'teleport', data: {} },
    { id: 'back', type: 'jump', data: { target: 'nowhere' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'ask' },
    { id: 'e2', source: 'ask', sourceHandle: 'large', target: 'back' },
    { id: 'e3', source: 'ask', sourceHandle: 'small', target: 'gone' },
  ],
};

const wideFlow = {
  schema: 'botpe.flow/v1',
  id: 'wide',
  version: 1,
  nodes: [
    { id: 'start', type: 'start', data: {} },
    {
      id: 'pick',
      type: 'buttons',
      data: {
        text: 'Pick one',
        buttons: ['one', 'two', 'three', 'four'].map((id) => ({
          id,
          title: `Option ${id} with a long title`,
        })),
      },
    },
    { id: 'done', type: 'end', data: { text: 'Done' } },
  ],
  edges: [
    { id: 'e0', source: 'start', target: 'pick' },
    ...['one', 'two', 'three', 'four'].map((id) => ({
      id: `e-${id}`,
      source: 'pick',
      sourceHandle: id,
      target: 'done',
    })),
  ],
};

describe('botpe (main)', () => {
  it('--help lists the commands and exits 0', async () => {
    const run = await botpe(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: botpe <command>/);
    expect(run.stdout).toMatch(/validate\s+check a flow/);
    expect(run.stdout).toMatch(/chat\s+talk to a flow/);
  });

  it('an unknown command prints the usage and exits 2', async () => {
    const run = await botpe(['deploy']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "deploy"');
    expect(run.stderr).toContain('Usage: botpe <command>');
  });

  it('no command at all is a usage error', async () => {
    expect((await botpe([])).code).toBe(2);
  });
});

describe('botpe validate', () => {
  it('accepts a valid flow: exit 0 and a one-line summary', async () => {
    const run = await botpe(['validate', join(flows, 'pizza-order.json')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /✔ .*pizza-order\.json: flow "pizza-order" v3 is valid \(25 nodes, 38 edges\); 0 errors, 0 warnings/,
    );
  });

  it('lists every problem of a broken flow with code, node and path, and exits 1', async () => {
    const run = await botpe(['validate', writeFlow('broken.json', brokenFlow)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✘ .*broken\.json: invalid; 4 errors, 0 warnings/);
    const lines = run.stdout.trim().split('\n').slice(1);
    expect(lines).toHaveLength(4);
    expect(lines.find((line) => line.includes('node.unknownType'))).toMatch(
      /error\s+node\.unknownType\s+node mystery\s+nodes\[2\]\.type\s+Unknown node type "teleport"\./,
    );
    expect(lines.find((line) => line.includes('edge.unknownHandle'))).toMatch(
      /node ask\s+edges\[1\]\.sourceHandle/,
    );
    expect(lines.find((line) => line.includes('edge.danglingTarget'))).toMatch(
      /edge e3\s+edges\[2\]\.target/,
    );
    expect(lines.find((line) => line.includes('jump.unknownTarget'))).toMatch(/node back\s+nodes\[3\]\.data/);
  });

  it('--json prints { ok, errors, warnings }', async () => {
    const run = await botpe(['validate', writeFlow('broken-json.json', brokenFlow), '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['errors', 'ok', 'warnings']);
    expect(report.ok).toBe(false);
    expect(report.warnings).toEqual([]);
    expect(report.errors).toContainEqual({
      code: 'edge.danglingTarget',
      severity: 'error',
      message: 'Edge "e3" goes to node "gone", which does not exist.',
      path: ['edges', 2, 'target'],
      edgeId: 'e3',
    });
    const valid = await botpe(['validate', join(flows, 'support-desk.json'), '--json']);
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toEqual({ ok: true, errors: [], warnings: [] });
  });

  it('--channel whatsapp adds the WhatsApp limit warnings, which do not fail the flow', async () => {
    const path = writeFlow('wide.json', wideFlow);
    const plain = await botpe(['validate', path, '--json']);
    expect(JSON.parse(plain.stdout).warnings).toEqual([]);

    const run = await botpe(['validate', path, '--json', '--channel', 'whatsapp']);
    expect(run.code).toBe(0);
    const { warnings } = JSON.parse(run.stdout) as {
      warnings: Array<{ code: string; nodeId: string; path: unknown[] }>;
    };
    expect(
      warnings.every((warning) => warning.code === 'channel.limitExceeded' && warning.nodeId === 'pick'),
    ).toBe(true);
    expect(warnings.map((warning) => warning.path)).toEqual(
      expect.arrayContaining([
        ['nodes', 1, 'data', 'buttons'],
        ['nodes', 1, 'data', 'buttons', 0, 'title'],
      ]),
    );
    expect(warnings).toHaveLength(5); // 4 buttons > 3, and four titles > 20 characters

    const text = await botpe(['validate', path, '--channel', 'whatsapp']);
    expect(text.stdout).toContain('is valid for whatsapp');
    expect(text.stdout).toContain('4 buttons; the channel allows 3. Fallback: sent as a list message.');
  });

  it('a missing file, invalid JSON, an unknown channel or option are usage errors (exit 2)', async () => {
    // Independent runs: start them together to keep the suite quick.
    const [missing, bad, channel, option] = await Promise.all([
      botpe(['validate', join(scratch, 'nope.json')]),
      botpe(['validate', writeFlow('bad.json', '{ "id": "x", ')]),
      botpe(['validate', join(flows, 'pizza-order.json'), '--channel', 'telegram']),
      botpe(['validate', join(flows, 'pizza-order.json'), '--fast']),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json: no such file/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json is not valid JSON/);
    expect(channel.code).toBe(2);
    expect(channel.stderr).toContain('unknown channel "telegram"');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option '--fast'");
  });
});

describe('botpe chat', () => {
  it('plays a piped script against the pizza flow, with numbered options, and exits 0 at end of input', async () => {
    const script = [
      'hi',
      '1',
      '2',
      'large',
      '/click checkout',
      '100 Flower Street, Centro',
      '0',
      'Confirm order',
      '',
    ];
    const run = await botpe(['chat', join(flows, 'pizza-order.json'), '--name', 'Ana'], script.join('\n'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const transcript = run.stdout;
    expect(transcript).toContain('botpe chat: "Pizza order" (pizza-order v3).');
    expect(transcript).toContain(
      [
        'you> hi',
        'bot> Hi Ana! 🍕 Welcome to Pizza Pe: hot pizza at your door in about 40 minutes.',
        'bot> What can I do for you?',
        '     _Type menu or cancel at any time_',
        '       1. Order a pizza',
        '       2. Opening hours',
        '       3. Delivery area',
        'you> 1',
      ].join('\n'),
    );
    expect(transcript).toContain('         4. BBQ chicken - Smoky BBQ sauce, chicken, red onion · $13');
    expect(transcript).toContain('bot> Pepperoni, great choice! What size?');
    expect(transcript).toContain('bot> Added a Large Pepperoni ✅\n     Your cart: 1 pizza(s), $15 so far.');
    expect(transcript).toContain('you> /click checkout\nbot> Where should we deliver?');
    expect(transcript).toMatch(
      /bot> ✅ Order confirmed! 1 pizza\(s\) on the way to 100 Flower Street, Centro\. .*\$15\.\n-- conversation ended; a new message starts a new one --\n$/,
    );
  });

  it('moves the clock with /advance, shows media, hands off and releases, prints /vars', async () => {
    const script = [
      'hi',
      '3',
      '/advance 5m',
      '/click order',
      '/advance 2h',
      'hello again',
      '/vars',
      '/quit',
      'never read',
    ];
    const run = await botpe(['chat', join(flows, 'pizza-order.json')], script.join('\n'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'bot> [image: https://example.com/pizza-pe/delivery-area.png] Our delivery area',
    );
    expect(run.stdout).toMatch(/-- clock \+5m → \d{4}-\d\d-\d\dT[\d:.]+Z --\n-- no timer was due --/);
    expect(run.stdout).toContain('-- conversation ended (expired); a new message starts a new one --');
    expect(run.stdout).toContain('you> hello again\nbot> Hi! 🍕 Welcome to Pizza Pe');
    expect(run.stdout).toContain('"contact": {\n    "id": "cli-user"\n  }');
    expect(run.stdout).not.toContain('never read');

    const handoff = await botpe(
      ['chat', join(flows, 'support-desk.json'), '--store', 'memory'],
      ['hi', 'português', '3', 'alguém aí?', '/release', '/click great', ''].join('\n'),
    );
    expect(handoff.code).toBe(0);
    expect(handoff.stdout).toContain(
      '-- handed off to a human (queue: support); the bot is muted. /release ends the handoff --',
    );
    expect(handoff.stdout).toContain(
      'you> alguém aí?\n-- (a human has the conversation; /release ends the handoff) --',
    );
    expect(handoff.stdout).toContain('you> /release\nbot> Como você avalia nosso atendimento hoje?');
    expect(handoff.stdout).toContain('bot> Obrigado! 💚 Tenha um ótimo dia.');
  });

  it('says when no flow starts with a message', async () => {
    const run = await botpe(['chat', join(flows, 'appointment-booking.json')], 'good morning\nbook\n');
    expect(run.stdout).toContain('you> good morning\n-- no flow starts with this message');
    expect(run.stdout).toContain('bot> Welcome to Bright Smile Dental');
  });

  it('refuses an unknown store, a broken flow and a missing file', async () => {
    const [store, broken, missing] = await Promise.all([
      botpe(['chat', join(flows, 'pizza-order.json'), '--store', 'mongodb:x'], ''),
      botpe(['chat', writeFlow('broken-chat.json', brokenFlow)], ''),
      botpe(['chat', join(scratch, 'missing.json')], ''),
    ]);
    expect(store.code).toBe(2);
    expect(store.stderr).toContain('unknown store "mongodb:x"; --store accepts: memory');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('has errors; fix them first');
    expect(broken.stderr).toContain('edge.danglingTarget');
    expect(missing.code).toBe(2);
  });
});

describe('cli building blocks (in process)', () => {
  it('createStoreFromSpec builds the memory store and refuses unknown specs with CONFIG_INVALID', async () => {
    const store = await createStoreFromSpec('memory');
    expect(store.name).toBe('memory');
    await store.close();
    const failure = await createStoreFromSpec('sqlite3:/tmp/x.db').catch((error: unknown) => error);
    expect(BotpeError.isInstance(failure) && failure.code).toBe('CONFIG_INVALID');
  });

  it('renders every outbound message type for the terminal', () => {
    expect(renderOutbound({ type: 'media', kind: 'document', id: 'media-1', filename: 'menu.pdf' })).toEqual([
      'bot> [document: media-1 (menu.pdf)]',
    ]);
    expect(renderOutbound({ type: 'template', name: 'order_update', language: 'en_US' })).toEqual([
      'bot> [template: order_update (en_US)]',
    ]);
    expect(
      renderOutbound({ type: 'location', latitude: 1.5, longitude: -2, name: 'Shop', address: '1 Main St' }),
    ).toEqual(['bot> [location: 1.5,-2 Shop, 1 Main St]']);
    expect(renderOutbound({ type: 'reaction', messageId: 'wamid.1', emoji: '👍' })).toEqual([
      'bot> [reaction 👍 to wamid.1]',
    ]);
    expect(renderOutbound({ type: 'text', text: 'two\nlines' })).toEqual(['bot> two', '     lines']);
  });

  it('formats JSON paths the way editors show them', () => {
    expect(formatPath(['nodes', 3, 'data', 'buttons', 0, 'title'])).toBe('nodes[3].data.buttons[0].title');
    expect(formatPath([])).toBe('');
  });

  it('keeps WhatsApp limits at the Cloud API numbers', () => {
    expect(whatsappChannelLimits).toMatchObject({
      maxButtons: 3,
      maxButtonTitle: 20,
      maxListRows: 10,
      maxRowTitle: 24,
    });
  });
});
