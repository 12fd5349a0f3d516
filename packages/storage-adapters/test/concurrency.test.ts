import { performance } from 'node:perf_hooks';
import { createEngine, type Engine, type InboundEvent, type StepResult } from '@botpe/engine';
import { describe, expect, it } from 'vitest';
import { echoFlow } from './fixtures/echo-flow.js';
import {
  type CommittedSave,
  recordingStore,
  recordingTransport,
  type SentMessage,
  seededRandom,
} from './helpers/recording.js';
import { percentile, testedStores, uniqueNamespace } from './helpers/stores.js';

const INSTANCES = 8;
const CONVERSATIONS = 200;
const MESSAGES = 20;
const DUPLICATE_RATE = 0.2;
const RACE_RATE = 0.15;
const SEED = Number(process.env.BOTPE_CONCURRENCY_SEED ?? 20_261_129);

const stores = (await testedStores({ memory: false })).filter((kind) => kind.shared);

const text = (conversation: number, message: number) => `c${conversation}-m${message}`;

describe(`${INSTANCES} engines on one database, ${CONVERSATIONS} conversations × ${MESSAGES} messages`, () => {
  for (const kind of stores) {
    it(`${kind.name}: every message processed once, no duplicate reply, versions chained`, async () => {
      const namespace = uniqueNamespace(`concurrency-${kind.name}`);
      const sent: SentMessage[] = [];
      const saves: CommittedSave[] = [];
      const engines: Engine[] = Array.from({ length: INSTANCES }, (_, instance) =>
        createEngine({
          flows: [echoFlow],
          store: recordingStore(kind.make(namespace), saves),
          transport: recordingTransport(sent, instance),
        }),
      );
      const random = seededRandom(SEED);
      /** A random instance, other than `except` when given. */
      const pick = (except?: number) => {
        if (except === undefined) return Math.floor(random() * INSTANCES);
        const instance = Math.floor(random() * (INSTANCES - 1));
        return instance >= except ? instance + 1 : instance;
      };
      const results: StepResult[] = [];
      const latencies: number[] = [];
      let extraDeliveries = 0;
      let raced = 0;
      const deliver = async (instance: number, event: InboundEvent) => {
        const started = performance.now();
        results.push(await engines[instance]!.handle(event));
        latencies.push(performance.now() - started);
      };
      const event = (conversation: number, message: number): InboundEvent => ({
        conversation: { channel: 'test', botId: 'bot-1', userId: `user-${conversation}` },
        message: {
          id: `wamid.${conversation}.${message}`,
          timestamp: 1_767_225_600_000 + message,
          type: 'text',
          text: text(conversation, message),
        },
      });

      // Each conversation's messages go out in order, but a message may race its successor on another
      // instance, and one in five is delivered twice (to two instances at once).
      const conversation = async (index: number) => {
        for (let message = 0; message < MESSAGES; ) {
          const batch = random() < RACE_RATE && message + 1 < MESSAGES ? [message, message + 1] : [message];
          if (batch.length === 2) raced++;
          const deliveries: Promise<void>[] = [];
          let previous: number | undefined;
          for (const current of batch) {
            const instance = pick(previous);
            previous = instance;
            deliveries.push(deliver(instance, event(index, current)));
            if (random() < DUPLICATE_RATE) {
              extraDeliveries++;
              deliveries.push(deliver(pick(instance), event(index, current)));
            }
          }
          await Promise.all(deliveries);
          message += batch.length;
        }
      };

      const started = performance.now();
      try {
        await Promise.all(Array.from({ length: CONVERSATIONS }, (_, index) => conversation(index)));
        const elapsed = performance.now() - started;

        // Exactly once: every message answered once, nothing else sent, every duplicate recognised.
        expect(results.filter((result) => result.duplicate)).toHaveLength(extraDeliveries);
        expect(new Set(sent.map((message) => message.idempotencyKey)).size).toBe(sent.length);
        expect(sent).toHaveLength(CONVERSATIONS * MESSAGES);
        expect(new Set(sent.map((message) => message.instance)).size).toBe(INSTANCES);
        const byConversation = new Map<string, string[]>();
        for (const message of sent) {
          const texts = byConversation.get(message.conversationKey) ?? [];
          texts.push(message.text);
          byConversation.set(message.conversationKey, texts);
        }
        expect(byConversation.size).toBe(CONVERSATIONS);
        for (let index = 0; index < CONVERSATIONS; index++) {
          const texts = byConversation.get(`test:bot-1:user-${index}`) ?? [];
          const expected = Array.from({ length: MESSAGES }, (_, message) => `echo: ${text(index, message)}`);
          expect([...texts].sort()).toEqual([...expected].sort());
        }

        // Versions: per session the committed saves form one chain null → 1 → 2 → …, no gap, no fork.
        const chains = new Map<string, CommittedSave[]>();
        for (const save of saves) chains.set(save.key, [...(chains.get(save.key) ?? []), save]);
        const reader = kind.make(namespace);
        try {
          for (const [key, chain] of chains) {
            const ordered = [...chain].sort((a, b) => a.version - b.version);
            ordered.forEach((save, position) => {
              expect(save.version).toBe(position + 1);
              expect(save.expected).toBe(position === 0 ? null : position);
            });
            const final = await reader.load(key);
            expect(final?.version).toBe(ordered.length);
            expect(final?.outbox).toEqual([]);
            expect(final?.processed).toHaveLength(MESSAGES);
          }
        } finally {
          await Promise.all([...chains.keys()].map((key) => reader.delete(key)));
          await reader.close();
        }

        const attempts = results.flatMap((result) => result.events).filter((entry) => entry.type === 'step');
        const conflicts = attempts.reduce(
          (sum, entry) => sum + (entry.type === 'step' ? entry.attempts - 1 : 0),
          0,
        );
        console.log(
          `[concurrency] ${kind.name}: ${results.length} deliveries (${extraDeliveries} duplicates, ${raced} raced pairs) ` +
            `in ${(elapsed / 1000).toFixed(2)} s = ${Math.round(results.length / (elapsed / 1000))}/s; ` +
            `handle p50 ${percentile(latencies, 50).toFixed(1)} ms p99 ${percentile(latencies, 99).toFixed(1)} ms; ` +
            `${conflicts} CAS conflicts redone; ${saves.length} commits`,
        );
      } finally {
        await Promise.all(engines.map((engine) => engine.close()));
      }
    }, 60_000);
  }
});
