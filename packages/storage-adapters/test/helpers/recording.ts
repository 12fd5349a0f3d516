import {
  type ConversationRef,
  conversationKey,
  type OutboundMessage,
  type SessionRecord,
  type Store,
  type Transport,
  unlimitedChannel,
} from '@botpe/engine';

export interface SentMessage {
  conversationKey: string;
  idempotencyKey: string;
  text: string;
  instance: number;
}

/** A transport that accepts every message and records it: the provider side of the tests. */
export function recordingTransport(sent: SentMessage[], instance: number): Transport {
  return {
    specVersion: 1,
    channel: 'test',
    limits: unlimitedChannel,
    async send(conversation: ConversationRef, message: OutboundMessage, options) {
      const text = message.type === 'text' ? message.text : JSON.stringify(message);
      sent.push({
        conversationKey: conversationKey(conversation),
        idempotencyKey: options.idempotencyKey,
        text,
        instance,
      });
      return { providerMessageId: `provider-${options.idempotencyKey}` };
    },
  };
}

export interface CommittedSave {
  key: string;
  version: number;
  expected: number | null;
}

/** The real store, with every successful save written down, to check the version chain afterwards. */
export function recordingStore(inner: Store, saves: CommittedSave[]): Store {
  return {
    specVersion: 1,
    name: inner.name,
    load: (key) => inner.load(key),
    async save(record: SessionRecord, expected) {
      const saved = await inner.save(record, expected);
      if (saved) saves.push({ key: record.key, version: record.version, expected });
      return saved;
    },
    delete: (key) => inner.delete(key),
    dueTimers: (now, limit) => inner.dueTimers(now, limit),
    pendingOutbox: (limit) => inner.pendingOutbox(limit),
    close: () => inner.close(),
  };
}

/** A small seeded generator (mulberry32), so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
