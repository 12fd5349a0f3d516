import { compileFlow, createEngine, createMemoryStore } from '@botpe/engine';
import { describe, expect, it } from 'vitest';
import { createUser, fakeMessageId } from '../src/conversation.js';
import { createXstateFloor } from '../src/floors/xstate.js';
import { generateFlow, questionCount } from '../src/flows.js';
import { interleave, syncBatch } from '../src/interleave.js';
import { formatTable, missedBudget, overBudget, type ScenarioResult } from '../src/report.js';
import { runBench } from '../src/run.js';
import { summarize } from '../src/stats.js';

const row = (ratio: number, budget: number | null, ceiling: number | null = budget): ScenarioResult => ({
  name: 'generated-10',
  store: 'memory',
  steps: 100,
  p50_us: ratio * 10,
  p99_us: ratio * 20,
  steps_per_s: 1000,
  floor: { name: 'xstate', p50_us: 10 },
  ratio,
  budget,
  ceiling,
  concurrency: 1,
});

describe('budget check', () => {
  it('flags a synthetic result over its budget and passes one under it', () => {
    expect(overBudget([row(1.6, 1.5)])).toHaveLength(1);
    expect(overBudget([row(1.5, 1.5), row(1.2, 1.3)])).toHaveLength(0);
  });
  it('ignores unjudged rows and counts a NaN ratio as over', () => {
    expect(overBudget([row(9, null)])).toHaveLength(0);
    expect(overBudget([row(Number.NaN, 1.5)])).toHaveLength(1);
  });
  it('marks the over-budget row in the table', () => {
    expect(formatTable([row(2, 1.5)])).toMatch(/OVER/);
    expect(formatTable([row(1, 1.5)])).not.toMatch(/OVER/);
  });
  it('fails only above the ceiling; between budget and ceiling the budget is reported as missed', () => {
    const between = row(2, 1.5, 3);
    expect(overBudget([between])).toHaveLength(0);
    expect(missedBudget([between])).toHaveLength(1);
    expect(formatTable([between])).toMatch(/missed/);
    expect(overBudget([row(3.1, 1.5, 3)])).toHaveLength(1);
  });
});

describe('stats', () => {
  it('takes nearest-rank percentiles in microseconds', () => {
    const samples = Array.from({ length: 100 }, (_, index) => (index + 1) / 1000); // 1..100 µs
    const summary = summarize(samples);
    expect(summary.p50_us).toBe(50);
    expect(summary.p99_us).toBe(99);
    expect(summary.count).toBe(100);
  });
});

describe('interleave', () => {
  it('alternates which side runs first and returns the samples asked for', async () => {
    const order: string[] = [];
    const side = (name: string) => async (count: number) => {
      order.push(name);
      return Array.from({ length: count }, () => 0.001);
    };
    const result = await interleave(side('a'), side('b'), { samples: 30, batch: 10, warmup: 1 });
    expect(result.subject).toHaveLength(30);
    expect(result.floor).toHaveLength(30);
    expect(order.slice(2, 8)).toEqual(['a', 'b', 'b', 'a', 'a', 'b']);
  });
});

describe('generated flows and floors', () => {
  it.each([10, 100, 1000])('a %i-node flow has that many nodes and compiles', (nodes) => {
    const flow = generateFlow(nodes);
    expect(flow.nodes).toHaveLength(nodes);
    expect(compileFlow(flow).flow.nodes).toHaveLength(nodes);
  });

  it('a user answers question after question, two replies a step, looping forever', async () => {
    const flow = generateFlow(10);
    const engine = createEngine({ flows: [flow], store: createMemoryStore() });
    const user = createUser(engine, flow, 0);
    await user.step();
    for (let turn = 0; turn < questionCount(10) * 2 + 1; turn++) {
      const result = await user.step();
      expect(result.status).toBe('waiting');
      expect(result.outbound).toHaveLength(2);
    }
    await engine.close();
  });

  it('the xstate floor sends an acknowledgement and the next question per step', () => {
    const floor = createXstateFloor(4);
    for (let turn = 0; turn < 9; turn++) floor.step();
    expect(floor.replies).toBe(18);
    expect(JSON.parse(floor.stored).value).toBe('q1');
    expect(syncBatch(() => floor.step())).toBeTypeOf('function');
  });

  it('fake message ids are unique and WhatsApp-sized', () => {
    expect(fakeMessageId(1)).not.toBe(fakeMessageId(2));
    expect(fakeMessageId(1).length).toBeGreaterThan(50);
  });
});

describe('runBench', () => {
  it('returns results in the §8 shape', async () => {
    const lines: string[] = [];
    const { results } = await runBench({
      quick: true,
      stores: ['memory'],
      samples: 150,
      extras: false,
      log: (line) => lines.push(line),
    });
    expect(results.node).toBe(process.version);
    expect(results.machine.cpus).toBeGreaterThan(0);
    expect(results.scenarios.length).toBeGreaterThanOrEqual(4);
    for (const scenario of results.scenarios) {
      expect(scenario).toMatchObject({
        name: expect.any(String),
        store: 'memory',
        steps: expect.any(Number),
        p50_us: expect.any(Number),
        p99_us: expect.any(Number),
        steps_per_s: expect.any(Number),
        floor: { name: expect.any(String), p50_us: expect.any(Number) },
        ratio: expect.any(Number),
      });
      expect(scenario.p50_us).toBeGreaterThan(0);
      expect(scenario.steps).toBeGreaterThanOrEqual(75);
      expect(scenario.ratio).toBeCloseTo(scenario.p50_us / scenario.floor.p50_us, 1);
    }
    expect(lines.join('\n')).toMatch(/generated-1000/);
  }, 60_000);
});
