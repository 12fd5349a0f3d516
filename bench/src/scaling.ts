import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileFlow, conversationKey, createEngine, type SessionRecord, type Store } from '@botpe/engine';
import { createUser } from './conversation.js';
import { generateFlow } from './flows.js';
import { summarize } from './stats.js';
import type { Target } from './stores.js';

/**
 * Median time to compile a flow of `nodes` nodes, cache bypassed by giving each run a new version.
 *
 * @example
 * measureCompile(1000, 5).median_ms;
 */
export function measureCompile(nodes: number, runs: number) {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const flow = generateFlow(nodes, { version: 100_000 + run + Math.floor(performance.now()) });
    const began = performance.now();
    compileFlow(flow);
    times.push(performance.now() - began);
  }
  times.sort((a, b) => a - b);
  return {
    nodes,
    runs,
    median_ms: Math.round(times[Math.floor(times.length / 2)]! * 100) / 100,
    max_ms: Math.round(times.at(-1)! * 100) / 100,
  };
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

/**
 * Heap held by `count` idle sessions: memory store plus the engine's hot-session cache (default size).
 *
 * @example
 * (await measureIdleHeap(10_000)).bytes_per_session;
 */
export async function measureIdleHeap(count: number) {
  const flow = generateFlow(10);
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const engine = createEngine({ flows: [flow] });
  const users = Array.from({ length: count }, (_, index) => createUser(engine, flow, index));
  for (const user of users) {
    await user.step();
    await user.step();
  }
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  const result = {
    sessions: count,
    heap_mb: Math.round(((after - before) / 1024 / 1024) * 10) / 10,
    bytes_per_session: Math.round((after - before) / count),
  };
  await engine.close();
  return result;
}

/** Fills a store with `count` other sessions shaped like `template`, as fast as the store allows. */
async function fill(
  target: Target,
  store: Store,
  namespace: string,
  full: SessionRecord,
  count: number,
): Promise<void> {
  // Fillers keep only their last processed ids: their size does not matter to a lookup, and 1M full records would not fit in memory.
  const template = { ...full, processed: full.processed.slice(-2) };
  const json = JSON.stringify(template);
  const prefix = `${template.conversation.channel}:${template.conversation.botId}:`;
  if (target.raw.sqlite) {
    const insert = target.raw.sqlite.prepare(
      'INSERT INTO botpe_sessions (namespace, key, version, due_at, has_outbox, record) VALUES (?, ?, 1, ?, 0, ?)',
    );
    const many = target.raw.sqlite.transaction((from: number, to: number) => {
      for (let index = from; index < to; index++) {
        const key = `${prefix}filler${index}`;
        insert.run(namespace, key, template.dueAt, json.replace(template.key, key));
      }
    });
    for (let from = 0; from < count; from += 50_000) many(from, Math.min(count, from + 50_000));
    return;
  }
  for (let index = 0; index < count; index++) {
    const key = `${prefix}filler${index}`;
    await store.save(
      { ...template, key, conversation: { ...template.conversation, userId: `filler${index}` }, version: 1 },
      null,
    );
  }
}

/**
 * Step p50 of one running conversation while the store holds `counts` other sessions.
 *
 * @example
 * await measureSessionScaling(sqliteTarget, [1, 10_000], 1000);
 */
export async function measureSessionScaling(target: Target, counts: readonly number[], samples: number) {
  const rows: Array<{ store: string; sessions: number; p50_us: number; p99_us: number; fill_s: number }> = [];
  for (const count of counts) {
    const namespace = `bench-scale-${process.pid}-${count}`;
    const store = await target.createStore(namespace);
    const flow = generateFlow(10);
    const engine = createEngine({ flows: [flow], store });
    try {
      const user = createUser(engine, flow, 0);
      for (let turn = 0; turn < 60; turn++) await user.step();
      const template = (await store.load(conversationKey(user.conversation)))!;
      const began = performance.now();
      await fill(target, store, namespace, template, count - 1);
      const fillSeconds = (performance.now() - began) / 1000;
      const times: number[] = [];
      for (let index = 0; index < samples; index++) {
        const start = performance.now();
        await user.step();
        times.push(performance.now() - start);
      }
      const summary = summarize(times);
      rows.push({
        store: target.name,
        sessions: count,
        p50_us: summary.p50_us,
        p99_us: summary.p99_us,
        fill_s: Math.round(fillSeconds * 10) / 10,
      });
    } finally {
      if (target.raw.sqlite)
        target.raw.sqlite.prepare('DELETE FROM botpe_sessions WHERE namespace = ?').run(namespace);
      await engine.close();
    }
  }
  return rows;
}
