import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('quickstart', () => {
  it('runs the README example: two messages in, the replies printed', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/quickstart/src/main.ts'],
      { cwd: root },
    );
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n')).toEqual([
      'user: hi',
      'bot: Hi Ana! 🍕 Welcome to Pizza Pe: hot pizza at your door in about 40 minutes.',
      'bot: What can I do for you? [Order a pizza | Opening hours | Delivery area]',
      '(status: waiting, waiting at: main-menu)',
      'user: Order a pizza',
      'bot: Which pizza would you like? Prices are for a small; medium is +$2 and large +$4. [Margherita | Pepperoni | Four cheese | BBQ chicken | Veggie garden | Portuguesa]',
      '(status: waiting, waiting at: choose-pizza)',
    ]);
  });
});
