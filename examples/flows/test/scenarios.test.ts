import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const scenarioFolder = new URL('../scenarios/', import.meta.url);

/** How many scenarios the files hold, so a file the CLI skipped cannot pass unnoticed. */
function scenarioCount(): number {
  return readdirSync(scenarioFolder)
    .filter((name) => name.endsWith('.json'))
    .reduce((count, name) => {
      const file = JSON.parse(readFileSync(new URL(name, scenarioFolder), 'utf8')) as {
        scenarios: unknown[];
      };
      return count + file.scenarios.length;
    }, 0);
}

describe('example flow scenarios', () => {
  it('pass under `botpe test` with 100% node and edge coverage of every example flow', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'packages/engine/src/cli/main.ts',
        'test',
        'examples/flows/scenarios',
        '--min-coverage',
        '100',
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    // The CLI's own report is the most useful failure message.
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`${scenarioCount()} passed, 0 failed`);
    for (const flow of ['pizza-order', 'support-desk', 'appointment-booking']) {
      expect(run.stdout).toMatch(
        new RegExp(`^ {2}${flow}: nodes (\\d+)/\\1 \\(100%\\), edges (\\d+)/\\2 \\(100%\\)$`, 'm'),
      );
    }
  });
});
