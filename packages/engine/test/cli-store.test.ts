import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const chat = (input: string, ...args: string[]) =>
  spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'packages/engine/src/cli/main.ts',
      'chat',
      ...args,
      'examples/flows/pizza-order.json',
    ],
    {
      cwd: root,
      input,
      encoding: 'utf8',
    },
  );

describe('botpe chat --store sqlite', () => {
  it('continues a conversation after the process restarts', () => {
    const database = join(mkdtempSync(join(tmpdir(), 'botpe-chat-')), 'chat.db');
    const first = chat('hi\n', '--store', `sqlite:${database}`);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('1. Order a pizza');

    const second = chat('1\n', '--store', `sqlite:${database}`);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('-- resuming the saved conversation: it waits at node');
    // "1" answers the first conversation's menu: a fresh conversation would greet again instead.
    expect(second.stdout).toContain('Which pizza would you like?');
    expect(second.stdout).not.toContain('Welcome to Pizza Pe');
  });

  it('names the stores it knows for an unknown spec (exit 2)', () => {
    const run = chat('', '--store', 'mongo:x');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--store accepts: memory, sqlite:<file>, postgres://<url>, redis://<url>');
  });
});
