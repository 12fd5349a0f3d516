import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlow } from '@botpe/engine';
import { flowCoverage, runScenario, type Scenario } from '@botpe/engine/testing';
import { describe, expect, it } from 'vitest';
import { flowToMermaid } from '../src/cli/graph.js';
import { reminderFlow } from './fixtures/flows.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'packages/engine/src/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
  });

const happy: Scenario = {
  name: 'answers and waits out the delay',
  steps: [
    { send: 'remind' },
    { expect: { text: 'Your name?', node: 'ask', status: 'waiting' } },
    { send: 'Ana' },
    { expect: { noReply: true, variable: 'name', equals: 'Ana' } },
    { advance: '5m' },
    { expect: { text: { regex: '^Thanks A' }, status: 'ended' } },
  ],
};
const timeout: Scenario = {
  name: 'times out once',
  steps: [{ send: 'remind' }, { advance: '10m' }, { expect: { text: 'Still there?', replies: 2 } }],
};

describe('runScenario', () => {
  it('passes a scenario whose expectations hold, and reports coverage', async () => {
    const result = await runScenario(reminderFlow, happy);
    expect(result.failures).toEqual([]);
    expect(result.passed).toBe(true);
    expect([...result.coveredNodes].sort()).toEqual(['ask', 'done', 'start', 'wait']);
    expect([...result.coveredEdges].sort()).toEqual(['e1', 'e2', 'e5']);
    const both = flowCoverage(parseFlow(reminderFlow).flow!, [
      result,
      await runScenario(reminderFlow, timeout),
    ]);
    expect(both.nodes).toMatchObject({ covered: 5, total: 5, percent: 100 });
    expect(both.edges).toMatchObject({ covered: 5, total: 5, percent: 100 });
  });

  it('fails with the step and a message that says what differed', async () => {
    const result = await runScenario(reminderFlow, {
      name: 'wrong',
      steps: [{ send: 'remind' }, { expect: { text: 'Hello', status: 'ended' } }],
    });
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual([
      { step: 1, message: 'expected a reply with "Hello", got "Your name?"' },
      { step: 1, message: 'expected status ended, got waiting' },
    ]);
  });

  it('rejects a malformed scenario without throwing', async () => {
    const result = await runScenario(reminderFlow, { name: 'bad', steps: [{ expect: {} }] } as never);
    expect(result.passed).toBe(false);
    expect(result.failures[0]!.message).toContain('invalid scenario');
  });
});

describe('botpe test and botpe graph', () => {
  const dir = mkdtempSync(join(tmpdir(), 'botpe-scenarios-'));
  writeFileSync(join(dir, 'flow.json'), JSON.stringify(reminderFlow));
  writeFileSync(join(dir, 'all.json'), JSON.stringify({ flow: './flow.json', scenarios: [happy, timeout] }));
  writeFileSync(join(dir, 'some.json'), JSON.stringify({ flow: './flow.json', scenarios: [happy] }));

  it('prints results and coverage; exit 0 when everything passes', () => {
    const run = cli('test', join(dir, 'all.json'), '--min-coverage', '100');
    expect(run.stdout).toContain('✓ answers and waits out the delay');
    expect(run.stdout).toContain('reminder: nodes 5/5 (100%), edges 5/5 (100%)');
    expect(run.stdout).toContain('2 passed, 0 failed');
    expect(run.status).toBe(0);
  });

  it('exit 1 below --min-coverage, naming what was missed', () => {
    const run = cli('test', join(dir, 'some.json'), '--min-coverage', '100');
    expect(run.stdout).toContain('nodes never reached: nudge');
    expect(run.status).toBe(1);
  });

  it('graph prints Mermaid', () => {
    const run = cli('graph', join(dir, 'flow.json'));
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(flowToMermaid(parseFlow(reminderFlow).flow!));
    expect(run.stdout).toContain('flowchart TD');
    expect(run.stdout).toContain('n1_ask -->|timeout| n2_nudge');
  });
});
