import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxEntry, SessionRecord, Store } from '../ports/store.js';

/** Makes a store whose data lives under `namespace`. Called once or more per test, always with a fresh namespace. */
export type StoreFactory = (namespace: string) => Store | Promise<Store>;

export interface StoreConformanceOptions {
  /**
   * True when two stores made with one namespace reach the same data (a database). Enables the
   * restart, multi-client race and namespace-on-one-database cases. Default false (the memory store).
   */
  shared?: boolean;
  /** Sessions without a due timer added for the `dueTimers` scaling case; 0 skips it. Default 10 000. */
  scaleSessions?: number;
  /** Concurrent writers in the race cases. Default 16. */
  racers?: number;
  /** Per-test timeout in ms. Default 30 000. */
  timeoutMs?: number;
}

/** A fixed epoch-scale base time, so stores are tested with realistic (> 2^31) millisecond values. */
const T0 = 1_767_225_600_000;

/**
 * A session record for tests: waiting, no timers and no outbox unless `overrides` add them.
 *
 * @example
 * const record = testRecord('whatsapp:bot:15550001111', 1, { dueAt: Date.UTC(2026, 0, 1) });
 */
export function testRecord(
  key: string,
  version: number,
  overrides: Partial<SessionRecord> = {},
): SessionRecord {
  const dueAt = overrides.dueAt ?? null;
  return {
    key,
    conversation: { channel: 'test', botId: 'bot-1', userId: key },
    version,
    status: 'waiting',
    state: {
      schemaVersion: 1,
      flowId: 'conformance',
      flowVersion: 1,
      node: 'ask',
      context: {
        variables: { marker: version },
        local: null,
        sequence: version,
        timers: [],
        status: 'waiting',
      },
    },
    timers: dueAt === null ? [] : [{ id: `timer-${version}`, at: dueAt, kind: 'node' }],
    dueAt,
    outbox: [],
    processed: [`message-${version}`],
    updatedAt: T0 + version,
    ...overrides,
  };
}

function outboxEntry(key: string, version: number, text: string): OutboxEntry {
  return { id: `${key}:${version}:0`, message: { type: 'text', text }, createdAt: T0 };
}

function withVariables(record: SessionRecord, variables: Record<string, unknown>): SessionRecord {
  const state = record.state!;
  return { ...record, state: { ...state, context: { ...state.context, variables } } };
}

interface Opened {
  namespace: string;
  store: Store;
  keys: Set<string>;
  closed: boolean;
}

/** Median of a list of durations. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<unknown>): Promise<void> {
  for (let index = 0; index < items.length; index += size) {
    await Promise.all(items.slice(index, index + size).map(run));
  }
}

/**
 * The specification of the Store port, as vitest cases. Every store's test file is a call to it.
 * Each case uses a fresh namespace and fresh keys, and deletes the keys it wrote, so suites of several
 * stores may share one database.
 *
 * @example
 * import { runStoreConformance } from '@botpe/engine/testing';
 * runStoreConformance('sqlite', (namespace) => createSqliteStore({ path: file, namespace }), { shared: true });
 */
export function runStoreConformance(
  name: string,
  makeStore: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  const shared = options.shared ?? false;
  const scaleSessions = options.scaleSessions ?? 10_000;
  const racers = options.racers ?? 16;
  const timeout = options.timeoutMs ?? 30_000;
  const run = randomUUID().slice(0, 8);
  let counter = 0;
  const opened: Opened[] = [];

  const freshNamespace = () => `conf-${run}-${++counter}`;

  /** Opens a store on `namespace` (a fresh one by default) and tracks it for cleanup. */
  async function open(namespace = freshNamespace()) {
    const entry: Opened = { namespace, store: await makeStore(namespace), keys: new Set(), closed: false };
    opened.push(entry);
    return {
      namespace,
      store: entry.store,
      /** A key unique to this run; deleted after the test. */
      key(label: string) {
        const key = `test:${run}:${label}`;
        entry.keys.add(key);
        return key;
      },
      async close() {
        entry.closed = true;
        await entry.store.close();
      },
    };
  }

  afterEach(async () => {
    const entries = opened.splice(0);
    // Clean up through a store that is still open on each namespace, then close every store.
    const cleaned = new Set<string>();
    for (const entry of entries) {
      if (entry.closed || cleaned.has(entry.namespace)) continue;
      const keys = entries
        .filter((other) => other.namespace === entry.namespace)
        .flatMap((other) => [...other.keys]);
      await inBatches(keys, 50, (key) => entry.store.delete(key));
      cleaned.add(entry.namespace);
    }
    await Promise.all(entries.filter((entry) => !entry.closed).map((entry) => entry.store.close()));
  }, timeout * 2);

  const sharedCase = shared ? it : it.skip;
  const sharedNote = shared ? '' : ' (skipped: the store is not shared between instances)';

  describe(`Store conformance: ${name}`, { timeout }, () => {
    it('declares the port version and a name', async () => {
      const { store } = await open();
      expect(store.specVersion).toBe(1);
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
    });

    it('loads null for a missing key', async () => {
      const { store, key } = await open();
      expect(await store.load(key('missing'))).toBeNull();
    });

    it('round-trips a record through save and load', async () => {
      const { store, key } = await open();
      const k = key('round-trip');
      const first = testRecord(k, 1, { outbox: [outboxEntry(k, 1, 'hello')], dueAt: T0 + 60_000 });
      expect(await store.save(first, null)).toBe(true);
      expect(await store.load(k)).toEqual(first);
      const second = testRecord(k, 2, { status: 'ended', state: null });
      expect(await store.save(second, 1)).toBe(true);
      expect(await store.load(k)).toEqual(second);
    });

    it('keeps its own copy: mutating a saved or loaded record changes nothing stored', async () => {
      const { store, key } = await open();
      const k = key('copy');
      const record = testRecord(k, 1);
      await store.save(record, null);
      record.processed.push('mutated');
      const loaded = await store.load(k);
      expect(loaded?.processed).toEqual(['message-1']);
      loaded!.processed.push('mutated-again');
      expect((await store.load(k))?.processed).toEqual(['message-1']);
    });

    it('refuses a save whose expected version is not the stored one', async () => {
      const { store, key } = await open();
      const k = key('cas');
      await store.save(testRecord(k, 1), null);
      expect(await store.save(testRecord(k, 6), 5)).toBe(false);
      expect(await store.save(testRecord(k, 1), 0)).toBe(false);
      expect((await store.load(k))?.version).toBe(1);
      expect(await store.save(testRecord(k, 2), 1)).toBe(true);
      expect(await store.save(testRecord(k, 2), 1)).toBe(false);
      expect((await store.load(k))?.version).toBe(2);
    });

    it('refuses a create (expected null) when a record exists, and an update when none does', async () => {
      const { store, key } = await open();
      const k = key('create');
      expect(await store.save(testRecord(k, 1), 1)).toBe(false);
      expect(await store.load(k)).toBeNull();
      expect(await store.save(testRecord(k, 1), null)).toBe(true);
      expect(await store.save(withVariables(testRecord(k, 1), { other: true }), null)).toBe(false);
      expect((await store.load(k))?.state?.context.variables).toEqual({ marker: 1 });
    });

    async function racingStores(namespace: string, store: Store): Promise<Store[]> {
      if (!shared) return [store];
      const others = await Promise.all([1, 2, 3].map(async () => (await open(namespace)).store));
      return [store, ...others];
    }

    it(`lets exactly one of ${racers} concurrent creates win`, async () => {
      const { store, key, namespace } = await open();
      const stores = await racingStores(namespace, store);
      const k = key('create-race');
      const attempts = Array.from({ length: racers }, (_, index) =>
        stores[index % stores.length]!.save(withVariables(testRecord(k, 1), { racer: index }), null),
      );
      const results = await Promise.all(attempts);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store.load(k))?.state?.context.variables).toEqual({ racer: winner });
    });

    it(`lets exactly one of ${racers} concurrent updates of one version win`, async () => {
      const { store, key, namespace } = await open();
      const stores = await racingStores(namespace, store);
      const k = key('update-race');
      await store.save(testRecord(k, 1), null);
      const results = await Promise.all(
        Array.from({ length: racers }, (_, index) =>
          stores[index % stores.length]!.save(withVariables(testRecord(k, 2), { racer: index }), 1),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const loaded = await store.load(k);
      expect(loaded?.version).toBe(2);
      expect(loaded?.state?.context.variables).toEqual({ racer: results.indexOf(true) });
    });

    it('serialises a chain of concurrent read-modify-write loops without losing an increment', async () => {
      const { store, key, namespace } = await open();
      const stores = await racingStores(namespace, store);
      const k = key('counter');
      await store.save(withVariables(testRecord(k, 0), { count: 0 }), null);
      const perWriter = 5;
      const writers = stores.flatMap((writerStore) =>
        [0, 1].map(async () => {
          for (let done = 0; done < perWriter; ) {
            const current = (await writerStore.load(k))!;
            const count = current.state!.context.variables.count as number;
            const next = withVariables({ ...current, version: current.version + 1 }, { count: count + 1 });
            if (await writerStore.save(next, current.version)) done++;
          }
        }),
      );
      await Promise.all(writers);
      const final = await store.load(k);
      expect(final?.state?.context.variables.count).toBe(writers.length * perWriter);
      expect(final?.version).toBe(writers.length * perWriter);
    });

    it('lists due timers earliest first, up to the limit, and not null or future ones', async () => {
      const { store, key } = await open();
      const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((label) => key(`due-${label}`)) as [
        string,
        string,
        string,
        string,
        string,
      ];
      await store.save(testRecord(a, 1, { dueAt: T0 + 300 }), null);
      await store.save(testRecord(b, 1, { dueAt: T0 + 100 }), null);
      await store.save(testRecord(c, 1, { dueAt: T0 + 200 }), null);
      await store.save(testRecord(d, 1, { dueAt: null }), null);
      await store.save(testRecord(e, 1, { dueAt: T0 + 10_000 }), null);
      expect(await store.dueTimers(T0 + 500, 10)).toEqual([b, c, a]);
      expect(await store.dueTimers(T0 + 500, 2)).toEqual([b, c]);
      expect(await store.dueTimers(T0 + 200, 10)).toEqual([b, c]);
      expect(await store.dueTimers(T0 + 99, 10)).toEqual([]);
      expect(await store.dueTimers(T0 + 500, 0)).toEqual([]);
      // Listing does not consume: a due session stays due until a save moves its dueAt.
      expect(await store.dueTimers(T0 + 500, 10)).toEqual([b, c, a]);
      expect(await store.dueTimers(T0 + 20_000, 10)).toEqual([b, c, a, e]);
    });

    it('follows dueAt when a save moves it later, earlier or clears it, listing each key once', async () => {
      const { store, key } = await open();
      const [a, b, c] = ['a', 'b', 'c'].map((label) => key(`move-${label}`)) as [string, string, string];
      await store.save(testRecord(a, 1, { dueAt: T0 + 100 }), null);
      await store.save(testRecord(b, 1, { dueAt: T0 + 200 }), null);
      await store.save(testRecord(c, 1, { dueAt: T0 + 300 }), null);
      await store.save(testRecord(a, 2, { dueAt: T0 + 400 }), 1);
      expect(await store.dueTimers(T0 + 1000, 10)).toEqual([b, c, a]);
      await store.save(testRecord(c, 2, { dueAt: T0 + 50 }), 1);
      expect(await store.dueTimers(T0 + 1000, 10)).toEqual([c, b, a]);
      await store.save(testRecord(b, 2, { dueAt: null }), 1);
      expect(await store.dueTimers(T0 + 1000, 10)).toEqual([c, a]);
      // Many moves of one session still list it once.
      for (let version = 3; version < 12; version++) {
        await store.save(testRecord(a, version, { dueAt: T0 + 500 - version }), version - 1);
      }
      expect(await store.dueTimers(T0 + 1000, 10)).toEqual([c, a]);
      // A refused save does not move the timer.
      expect(await store.save(testRecord(c, 9, { dueAt: T0 + 900 }), 7)).toBe(false);
      expect(await store.dueTimers(T0 + 60, 10)).toEqual([c]);
    });

    it('lists sessions with an undelivered outbox, up to the limit, and forgets them once cleared', async () => {
      const { store, key } = await open();
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((label) => key(`outbox-${label}`)) as [
        string,
        string,
        string,
        string,
      ];
      for (const k of [a, b, c])
        await store.save(testRecord(k, 1, { outbox: [outboxEntry(k, 1, 'hi')] }), null);
      await store.save(testRecord(d, 1), null);
      expect(new Set(await store.pendingOutbox(10))).toEqual(new Set([a, b, c]));
      const limited = await store.pendingOutbox(2);
      expect(limited).toHaveLength(2);
      for (const k of limited) expect([a, b, c]).toContain(k);
      expect(await store.pendingOutbox(0)).toEqual([]);
      await store.save(testRecord(b, 2), 1);
      expect(new Set(await store.pendingOutbox(10))).toEqual(new Set([a, c]));
      await store.save(testRecord(d, 2, { outbox: [outboxEntry(d, 2, 'later')] }), 1);
      expect(new Set(await store.pendingOutbox(10))).toEqual(new Set([a, c, d]));
    });

    it('deletes a session, its timer and its outbox entry; deleting a missing key is fine', async () => {
      const { store, key } = await open();
      const k = key('delete');
      await store.save(testRecord(k, 3, { dueAt: T0, outbox: [outboxEntry(k, 3, 'bye')] }), null);
      await store.delete(k);
      expect(await store.load(k)).toBeNull();
      expect(await store.dueTimers(T0 + 1, 10)).toEqual([]);
      expect(await store.pendingOutbox(10)).toEqual([]);
      await store.delete(k);
      await store.delete(key('never-saved'));
      // After a delete the key can be created again.
      expect(await store.save(testRecord(k, 1), null)).toBe(true);
    });

    it('round-trips a large (~200 KB) record', async () => {
      const { store, key } = await open();
      const k = key('large');
      const history = Array.from({ length: 2000 }, (_, index) => ({
        turn: index,
        text: `message ${index} `.padEnd(90, 'x'),
      }));
      const record = withVariables(testRecord(k, 1), { history });
      expect(JSON.stringify(record).length).toBeGreaterThan(200_000);
      expect(await store.save(record, null)).toBe(true);
      expect(await store.load(k)).toEqual(record);
      const next = withVariables(testRecord(k, 2), { history: history.slice(1) });
      expect(await store.save(next, 1)).toBe(true);
      expect(await store.load(k)).toEqual(next);
    });

    it('round-trips unicode text and keys exactly (emoji, RTL, CJK, combining marks, escapes)', async () => {
      const { store, key } = await open();
      const k = key('unicode-😀-مرحبا');
      const texts = [
        '👋🏽 hello 👨‍👩‍👧‍👦 🇧🇷',
        'مرحبا بك في البوت',
        'שלום עולם',
        '你好，世界 こんにちは 안녕하세요',
        'e\u0301 Å ﬁ ß ẞ',
        'quote " backslash \\ slash / tab \t newline \n cr \r',
        'line\u2028separator\u2029paragraph',
        '\u{1F600}\u{10FFFF}\uFEFF\u200B',
      ];
      const record = withVariables(
        testRecord(k, 1, {
          outbox: texts.map((text, index) => ({ ...outboxEntry(k, 1, text), id: `${k}:1:${index}` })),
        }),
        { texts, 'ключ🔑': 'значение' },
      );
      expect(await store.save(record, null)).toBe(true);
      expect(await store.load(k)).toEqual(record);
      expect(await store.pendingOutbox(10)).toEqual([k]);
    });

    it('keeps namespaces apart', async () => {
      const first = await open();
      const second = await open();
      const k = first.key('isolated');
      second.key('isolated');
      await first.store.save(testRecord(k, 4, { dueAt: T0, outbox: [outboxEntry(k, 4, 'a')] }), null);
      expect(await second.store.load(k)).toBeNull();
      expect(await second.store.dueTimers(T0 + 1, 10)).toEqual([]);
      expect(await second.store.pendingOutbox(10)).toEqual([]);
      // The same key is independent in the other namespace.
      expect(await second.store.save(testRecord(k, 1), null)).toBe(true);
      expect(await second.store.save(testRecord(k, 5), 4)).toBe(false);
      await second.store.delete(k);
      expect((await first.store.load(k))?.version).toBe(4);
    });

    sharedCase(`sees one namespace from several store instances${sharedNote}`, async () => {
      const first = await open();
      const second = await open(first.namespace);
      const k = first.key('shared');
      await first.store.save(testRecord(k, 1), null);
      expect((await second.store.load(k))?.version).toBe(1);
      expect(await second.store.save(testRecord(k, 2), 1)).toBe(true);
      expect(await first.store.save(testRecord(k, 2), 1)).toBe(false);
    });

    sharedCase(
      `keeps records and due timers across a restart, listing each due session once${sharedNote}`,
      async () => {
        const before = await open();
        const keys = ['x', 'y', 'z'].map((label) => before.key(`restart-${label}`));
        for (const [index, k] of keys.entries()) {
          await before.store.save(testRecord(k, 1, { dueAt: T0 + 10 * (3 - index) }), null);
        }
        await before.store.save(testRecord(keys[0]!, 2, { dueAt: T0 + 5 }), 1);
        await before.close();
        const after = await open(before.namespace);
        expect(await after.store.dueTimers(T0 + 100, 10)).toEqual([keys[0], keys[2], keys[1]]);
        expect((await after.store.load(keys[0]!))?.version).toBe(2);
        expect(await after.store.save(testRecord(keys[0]!, 3), 2)).toBe(true);
      },
    );

    it('closes cleanly: close() resolves, a second close() too, and later calls reject', async () => {
      const { store, key, close } = await open();
      const k = key('close');
      await store.save(testRecord(k, 1), null);
      await close();
      await store.close();
      await expect(store.load(k)).rejects.toThrow();
      await expect(store.save(testRecord(k, 2), 1)).rejects.toThrow();
      await expect(store.dueTimers(T0, 1)).rejects.toThrow();
    });

    it('closes cleanly before first use', async () => {
      const { close } = await open();
      await close();
    });

    const scaleCase = scaleSessions > 0 ? it : it.skip;
    scaleCase(
      `keeps dueTimers cost flat with ${scaleSessions} sessions that have no due timer`,
      async () => {
        // Two namespaces, measured alternately so machine noise hits both alike: one with 100
        // sessions that have no due timer, one with `scaleSessions` more. Each has the same 5 due.
        const populate = async (idle: number) => {
          const { store, key } = await open();
          const due = Array.from({ length: 5 }, (_, index) => key(`scale-due-${index}`));
          for (const [index, k] of due.entries())
            await store.save(testRecord(k, 1, { dueAt: T0 + index }), null);
          // Half have no timer, half a timer far in the future: neither is due.
          await inBatches(
            Array.from({ length: idle }, (_, index) => index),
            64,
            (index) =>
              store.save(
                testRecord(key(`scale-idle-${index}`), 1, {
                  dueAt: index % 2 === 0 ? T0 + 86_400_000 : null,
                }),
                null,
              ),
          );
          return { store, due };
        };
        const small = await populate(100);
        const large = await populate(100 + scaleSessions);
        const samples = { small: [] as number[], large: [] as number[] };
        for (let round = 0; round < 220; round++) {
          for (const [label, target] of [
            ['small', small],
            ['large', large],
          ] as const) {
            const started = performance.now();
            const keys = await target.store.dueTimers(T0 + 1000, 10);
            const elapsed = performance.now() - started;
            expect(keys).toEqual(target.due);
            if (round >= 20) samples[label].push(elapsed); // the first rounds warm up
          }
        }
        const smallMedian = median(samples.small);
        const largeMedian = median(samples.large);
        console.log(
          `[store conformance] ${name}: dueTimers p50 ${(smallMedian * 1000).toFixed(0)} µs with 105 sessions, ` +
            `${(largeMedian * 1000).toFixed(0)} µs with ${scaleSessions + 105} (×${(largeMedian / smallMedian).toFixed(2)})`,
        );
        // Generous: an index-backed query stays well under this; a scan of every session does not.
        expect(largeMedian / smallMedian).toBeLessThan(5);
      },
      timeout * 4,
    );
  });
}
