import { engineError } from '../errors.js';
import type { SessionRecord, Store } from '../ports/store.js';

export interface MemoryStoreOptions {
  /** Accepted for parity with the database stores; a memory store is private to its instance anyway. */
  namespace?: string;
}

interface DueEntry {
  at: number;
  key: string;
}

/**
 * A min-heap of (dueAt, key) with lazy deletion: a stale entry is dropped when it reaches the top
 * and no longer matches the session. `dueTimers` then costs O(k log n) for k due sessions,
 * whatever the number of sessions without a due timer.
 */
class DueHeap {
  private readonly entries: DueEntry[] = [];

  push(entry: DueEntry): void {
    const entries = this.entries;
    entries.push(entry);
    let index = entries.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (entries[parent]!.at <= entry.at) break;
      entries[index] = entries[parent]!;
      index = parent;
    }
    entries[index] = entry;
  }

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries.length = 0;
  }

  peek(): DueEntry | undefined {
    return this.entries[0];
  }

  pop(): DueEntry | undefined {
    const entries = this.entries;
    const top = entries[0];
    const last = entries.pop();
    if (top === undefined || last === undefined || entries.length === 0) return top;
    let index = 0;
    const length = entries.length;
    for (;;) {
      const left = index * 2 + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && entries[right]!.at < entries[left]!.at ? right : left;
      if (entries[child]!.at >= last.at) break;
      entries[index] = entries[child]!;
      index = child;
    }
    entries[index] = last;
    return top;
  }
}

/**
 * The in-process store: the engine's default and the reference for the store conformance suite.
 * Records are kept as JSON text, so a caller can never mutate a stored record by accident and the
 * cost per step includes serialisation, as with a database.
 *
 * @example
 * const engine = createEngine({ flows: [flow], store: createMemoryStore() });
 */
export function createMemoryStore(_options: MemoryStoreOptions = {}): Store {
  const records = new Map<string, string>();
  const versions = new Map<string, number>();
  const dueAt = new Map<string, number>();
  const withOutbox = new Set<string>();
  const heap = new DueHeap();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw engineError('STORE_FAILED', 'the memory store is closed');
  };

  return {
    specVersion: 1,
    name: 'memory',
    async load(key) {
      assertOpen();
      const text = records.get(key);
      return text === undefined ? null : (JSON.parse(text) as SessionRecord);
    },
    async save(record, expectedVersion) {
      assertOpen();
      const current = versions.get(record.key);
      if ((current ?? null) !== expectedVersion) return false;
      records.set(record.key, JSON.stringify(record));
      versions.set(record.key, record.version);
      if (record.dueAt === null) dueAt.delete(record.key);
      else if (dueAt.get(record.key) !== record.dueAt) {
        dueAt.set(record.key, record.dueAt);
        heap.push({ at: record.dueAt, key: record.key });
        // Superseded entries wait in the heap until they reach the top; rebuild before they pile up.
        if (heap.size > 2 * dueAt.size + 1024) {
          heap.clear();
          for (const [key, at] of dueAt) heap.push({ at, key });
        }
      }
      if (record.outbox.length > 0) withOutbox.add(record.key);
      else withOutbox.delete(record.key);
      return true;
    },
    async delete(key) {
      assertOpen();
      records.delete(key);
      versions.delete(key);
      dueAt.delete(key);
      withOutbox.delete(key);
    },
    async dueTimers(now, limit) {
      assertOpen();
      const due: DueEntry[] = [];
      const seen = new Set<string>();
      for (
        let top = heap.peek();
        top !== undefined && top.at <= now && due.length < limit;
        top = heap.peek()
      ) {
        heap.pop();
        // Drop entries a later save replaced, and duplicates of one key.
        if (dueAt.get(top.key) !== top.at || seen.has(top.key)) continue;
        seen.add(top.key);
        due.push(top);
      }
      // They stay due until a save moves their dueAt, so they go back in.
      for (const entry of due) heap.push(entry);
      return due.map((entry) => entry.key);
    },
    async pendingOutbox(limit) {
      assertOpen();
      const keys: string[] = [];
      for (const key of withOutbox) {
        if (keys.length >= limit) break;
        keys.push(key);
      }
      return keys;
    },
    async close() {
      closed = true;
    },
  };
}
