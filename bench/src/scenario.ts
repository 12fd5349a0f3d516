import { conversationKey, createEngine, type Engine, type Store } from '@botpe/engine';
import { createUser } from './conversation.js';
import { createXstateFloor } from './floors/xstate.js';
import { questionCount } from './flows.js';
import { asyncBatch, type Batch, interleave, syncBatch } from './interleave.js';
import { budgetFor, ceilingFor, type ScenarioResult } from './report.js';
import { summarize } from './stats.js';
import type { Target } from './stores.js';

export interface ScenarioSpec {
  name: string;
  flow: { id: unknown; nodes: unknown };
  /** Size of the hand-written xstate floor machine (questions); the generated flow's own count when it is one. */
  floorQuestions: number;
  /** Conversations stepping at once (1 = one at a time). */
  concurrency: number;
  samples: number;
  /** Whether the §8 budget judges this scenario. */
  judged: boolean;
  /** Engine limits, e.g. `{ hotSessions: 0 }` to measure without the hot-session cache. */
  hotSessions?: number;
}

let namespaceCounter = 0;

/** Wraps a batch so the wall time of all its runs is known (throughput under concurrency). */
function timed(batch: Batch) {
  let wallMs = 0;
  let count = 0;
  const wrapped: Batch = async (size) => {
    const began = performance.now();
    const samples = await batch(size);
    wallMs += performance.now() - began;
    count += samples.length;
    return samples;
  };
  return { batch: wrapped, perSecond: () => (count === 0 ? 0 : (count / wallMs) * 1000) };
}

/**
 * Runs one scenario: an engine on a fresh store of `target`, its users stepping through the flow,
 * interleaved with the store's floor. Fails loudly if the conversation stops making progress.
 *
 * @example
 * const row = await runScenario(memoryTarget, { name: 'generated-10', flow, floorQuestions: 4, concurrency: 1, samples: 2000, judged: true });
 */
export async function runScenario(target: Target, spec: ScenarioSpec): Promise<ScenarioResult> {
  const namespace = `bench-${process.pid}-${++namespaceCounter}`;
  const store: Store = await target.createStore(namespace);
  const engine: Engine = createEngine({
    flows: [spec.flow],
    store,
    ...(spec.hotSessions !== undefined ? { limits: { hotSessions: spec.hotSessions } } : {}),
  });
  const floorRows: Array<{ clear(): Promise<void> }> = [];
  try {
    const users = Array.from({ length: spec.concurrency }, (_, index) =>
      createUser(engine, spec.flow, index),
    );
    // Start every conversation and fill its processed-ids list, so the record has its steady-state size.
    for (let turn = 0; turn < 60; turn++) await Promise.all(users.map((user) => user.step()));
    const record = await store.load(conversationKey(users[0]!.conversation));
    const payload = record === null ? '{}' : JSON.stringify(record);

    let floorBatch: Batch;
    let floorName: string;
    const databaseFloors = await Promise.all(
      users.map((_, index) => target.floor(namespace, payload, `bench:floor:${index}`)),
    );
    if (databaseFloors.every((floor) => floor !== null)) {
      floorRows.push(...(databaseFloors as Array<{ clear(): Promise<void> }>));
      floorBatch = asyncBatch((worker) => databaseFloors[worker]!.step(), spec.concurrency);
      floorName = `${target.name}: 1 read + 1 conditional write`;
    } else {
      const floor = createXstateFloor(spec.floorQuestions);
      floorBatch = syncBatch(() => floor.step());
      floorName = `xstate resolveState + transition + JSON (${spec.floorQuestions} states)`;
    }
    const subject = timed(
      asyncBatch((worker) => users[worker]!.step().then(() => undefined), spec.concurrency),
    );
    const measured = await interleave(subject.batch, floorBatch, {
      samples: spec.samples,
      batch: Math.max(50, spec.concurrency * 10),
    });

    for (const user of users) {
      const last = user.last;
      if (!last || last.status === 'unrouted' || (last.outbound.length === 0 && last.status !== 'handoff')) {
        throw new Error(
          `scenario ${spec.name} on ${target.name}: the conversation stopped making progress (status ${last?.status}, node ${last?.nodeId})`,
        );
      }
    }
    const engineSummary = summarize(measured.subject);
    const floorSummary = summarize(measured.floor);
    const finalRecord = await store.load(conversationKey(users[0]!.conversation));
    return {
      name: spec.name,
      store: target.name,
      steps: engineSummary.count,
      p50_us: engineSummary.p50_us,
      p99_us: engineSummary.p99_us,
      steps_per_s: Math.round(subject.perSecond()),
      floor: { name: floorName, p50_us: floorSummary.p50_us, p99_us: floorSummary.p99_us },
      ratio: Math.round((engineSummary.p50_us / floorSummary.p50_us) * 100) / 100,
      budget: spec.judged ? budgetFor(target.name) : null,
      ceiling: spec.judged ? ceilingFor(target.name) : null,
      concurrency: spec.concurrency,
      ...(finalRecord ? { record_bytes: Buffer.byteLength(JSON.stringify(finalRecord)) } : {}),
    };
  } finally {
    for (const row of floorRows) await row.clear().catch(() => undefined);
    await engine.close();
  }
}

/** The floor size for a generated flow of `nodes` nodes. */
export const floorQuestionsFor = (nodes: number) => questionCount(nodes);
