import type { ConversationRef, OutboundMessage } from '../messages.js';

export type SessionStatus = 'active' | 'waiting' | 'handoff' | 'ended';

/** A durable timer of a session: a node's timeout, a delay, or the session's idle expiry. */
export interface TimerEntry {
  /** Unique within the session; a timer event carries it, so a stale one can be recognised. */
  id: string;
  /** When it is due, in milliseconds since the epoch. */
  at: number;
  /** `node` for a node's timer (`delay`, `timeout`), `expire` for `settings.sessionTimeout`. */
  kind: 'node' | 'expire';
}

/** A reply committed with the step that produced it, waiting to be handed to the transport. */
export interface OutboxEntry {
  /** Stable across redeliveries: `conversationKey:version:index`; also the transport's idempotency key. */
  id: string;
  message: OutboundMessage;
  createdAt: number;
}

/**
 * Everything about one conversation: the unit of compare-and-set.
 * It is plain JSON; a store may keep it as one document and index `dueAt` and `outbox.length`.
 */
export interface SessionRecord {
  /** The conversation key (`channel:botId:userId`), unique within a store's namespace. */
  key: string;
  conversation: ConversationRef;
  /** Grows by one with every commit. The store saves only if the stored version is the expected one. */
  version: number;
  status: SessionStatus;
  /** The running flow and its persisted machine state; null once no flow runs. */
  state: PersistedFlowState | null;
  timers: TimerEntry[];
  /** The earliest `timers[].at`, or null: what `dueTimers` looks at. */
  dueAt: number | null;
  outbox: OutboxEntry[];
  /** Hashes of the ids of recently processed inbound events (newest last), for duplicate detection. */
  processed: string[];
  updatedAt: number;
}

/** The versioned envelope around a persisted machine state. */
export interface PersistedFlowState {
  schemaVersion: 1;
  flowId: string;
  flowVersion: number;
  /** The current node id (the machine's state value). */
  node: string;
  /** Flow variables and the node-local state, as the machine's context keeps them. */
  context: PersistedContext;
  /** The callers of a running subflow, innermost last: where to return, with their state. */
  stack?: StackFrame[];
}

/** A flow waiting for the subflow it called. */
export interface StackFrame {
  flowId: string;
  flowVersion: number;
  /** The calling `subflow` node. */
  node: string;
  context: PersistedContext;
}

export interface PersistedContext {
  variables: Record<string, unknown>;
  /** State private to the current node (retries so far, a draft, …). */
  local: unknown;
  /** Node entries so far; makes timer ids unique. */
  sequence: number;
  /** The current node's timers, by name. */
  timers: Array<{ id: string; name: string; at: number }>;
  /** Whether the node waits for the user or is handed to a human. */
  status: 'waiting' | 'handoff';
}

/**
 * The session storage port. Every method is a single round trip in a database store.
 * Implementations: `createMemoryStore` here, SQLite, Postgres and Redis in `@botpe/storage-adapters`.
 * `runStoreConformance` in `@botpe/engine/testing` is its specification.
 */
export interface Store {
  /** The port's version; changes only in a major release. */
  readonly specVersion: 1;
  /** A short name for logs and benchmarks, e.g. `"memory"`, `"postgres"`. */
  readonly name: string;
  /** The session of a conversation key, or null. */
  load(key: string): Promise<SessionRecord | null>;
  /**
   * Writes `record` if the stored version equals `expectedVersion` (`null`: only if there is none).
   * `record.version` is the new version. Returns false on a conflict; throws only when the store fails.
   */
  save(record: SessionRecord, expectedVersion: number | null): Promise<boolean>;
  /** Removes a session; no error if there is none. */
  delete(key: string): Promise<void>;
  /** Keys of sessions with `dueAt <= now`, earliest first, at most `limit`. */
  dueTimers(now: number, limit: number): Promise<string[]>;
  /** Keys of sessions with a non-empty outbox, at most `limit`. */
  pendingOutbox(limit: number): Promise<string[]>;
  /** Releases connections. The store is unusable afterwards. */
  close(): Promise<void>;
}
