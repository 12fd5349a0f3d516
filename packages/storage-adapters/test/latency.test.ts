import { performance } from 'node:perf_hooks';
import { createEngine } from '@botpe/engine';
import { testRecord } from '@botpe/engine/testing';
import { describe, expect, it } from 'vitest';
import { echoFlow } from './fixtures/echo-flow.js';
import { recordingTransport, type SentMessage } from './helpers/recording.js';
import { percentile, testedStores, uniqueNamespace } from './helpers/stores.js';

// SQLite on a real disk, so the figures include the fsync that `synchronous: 'full'` pays per commit.
const stores = await testedStores({ sqliteOnDisk: true });
const ROUNDS = 400;
const WARMUP = 50;

// One conversation's read-modify-write, as a step without the hot-session cache does it: load, then CAS save.
describe('save + load latency per store', () => {
  for (const kind of stores) {
    it(`${kind.name}: ${ROUNDS} rounds of load + save(version + 1)`, async () => {
      const store = kind.make(uniqueNamespace('latency'));
      const key = 'whatsapp:15550000000:15550001111';
      try {
        const padding = 'x'.repeat(600); // a typical session record is under 1 KB
        expect(await store.save(testRecord(key, 1, { processed: [padding] }), null)).toBe(true);
        const samples: number[] = [];
        for (let round = 0; round < ROUNDS + WARMUP; round++) {
          const started = performance.now();
          const current = await store.load(key);
          const saved = await store.save({ ...current!, version: current!.version + 1 }, current!.version);
          const elapsed = performance.now() - started;
          expect(saved).toBe(true);
          if (round >= WARMUP) samples.push(elapsed * 1000); // the first rounds warm up the JIT and the connection
        }
        expect((await store.load(key))?.version).toBe(ROUNDS + WARMUP + 1);
        const p50 = percentile(samples, 50);
        const p99 = percentile(samples, 99);
        console.log(`[latency] ${kind.name}: load+save p50 ${p50.toFixed(0)} µs, p99 ${p99.toFixed(0)} µs`);
        expect(p50).toBeGreaterThan(0);
      } finally {
        await store.delete(key);
        await store.close();
      }
    });
  }
});

// One full engine step on the echo flow (load or hot cache, transition, CAS commit; with a transport
// also the delivery and the outbox clear, a second write).
describe('engine step latency per store', () => {
  for (const kind of stores) {
    for (const withTransport of [false, true]) {
      it(`${kind.name}: ${ROUNDS} steps of one conversation ${withTransport ? 'with' : 'without'} a transport`, async () => {
        const store = kind.make(uniqueNamespace('step'));
        const sent: SentMessage[] = [];
        const engine = createEngine({
          flows: [echoFlow],
          store,
          ...(withTransport ? { transport: recordingTransport(sent, 0) } : {}),
        });
        const conversation = { channel: 'test', botId: '15550000000', userId: '15550001111' };
        const samples: number[] = [];
        try {
          for (let round = 0; round < ROUNDS + WARMUP; round++) {
            const started = performance.now();
            const result = await engine.handle({
              conversation,
              message: {
                id: `wamid.${round}`,
                timestamp: 1_767_225_600_000 + round,
                type: 'text',
                text: `m${round}`,
              },
            });
            const elapsed = performance.now() - started;
            expect(result.outbound).toEqual([{ type: 'text', text: `echo: m${round}` }]);
            if (round >= WARMUP) samples.push(elapsed * 1000);
          }
          expect(sent).toHaveLength(withTransport ? ROUNDS + WARMUP : 0);
          const p50 = percentile(samples, 50);
          const p99 = percentile(samples, 99);
          console.log(
            `[latency] ${kind.name}: engine step ${withTransport ? '+ delivery' : '(no transport)'} ` +
              `p50 ${p50.toFixed(0)} µs, p99 ${p99.toFixed(0)} µs`,
          );
        } finally {
          await store.delete('test:15550000000:15550001111');
          await engine.close();
        }
      });
    }
  }
});
