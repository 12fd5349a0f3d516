import { type Clock, createEngine } from '@botpe/engine';
import { describe, expect, it } from 'vitest';
import { recordingTransport, type SentMessage } from './helpers/recording.js';
import { testedStores, uniqueNamespace } from './helpers/stores.js';

const SESSIONS = 50;
const T0 = 1_767_225_600_000;

/** Asks once; ten minutes of silence sends a reminder and ends the conversation. */
const reminderFlow = {
  schema: 'botpe.flow/v1',
  id: 'reminder',
  version: 1,
  name: 'Reminder',
  nodes: [
    { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
    {
      id: 'ask',
      type: 'question',
      position: { x: 200, y: 0 },
      data: { text: 'What is your order number?', variable: 'order', input: { type: 'any' }, timeout: '10m' },
    },
    {
      id: 'remind',
      type: 'message',
      position: { x: 400, y: 0 },
      data: { text: 'Still there? Reply any time.' },
    },
    { id: 'done', type: 'end', position: { x: 600, y: 0 }, data: {} },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'ask' },
    { id: 'e2', source: 'ask', sourceHandle: 'timeout', target: 'remind' },
    { id: 'e3', source: 'remind', target: 'done' },
  ],
};

const stores = (await testedStores({ memory: false })).filter((kind) => kind.shared);

describe('durable timers through the engine', () => {
  for (const kind of stores) {
    it(`${kind.name}: timers set before a restart fire once after it`, async () => {
      const namespace = uniqueNamespace(`timers-${kind.name}`);
      let now = T0;
      const clock: Clock = { now: () => now };
      const sent: SentMessage[] = [];
      const before = createEngine({
        flows: [reminderFlow],
        store: kind.make(namespace),
        clock,
        transport: recordingTransport(sent, 0),
      });
      for (let index = 0; index < SESSIONS; index++) {
        await before.handle({
          conversation: { channel: 'test', botId: 'bot-1', userId: `user-${index}` },
          message: { id: `wamid.${index}`, timestamp: now, type: 'text', text: 'hi' },
        });
      }
      // Nothing is due yet.
      now += 9 * 60_000;
      expect(await before.tick()).toEqual([]);
      await before.close();

      // A new process: a new store client, the clock past the timeout.
      now += 2 * 60_000;
      const after = createEngine({
        flows: [reminderFlow],
        store: kind.make(namespace),
        clock,
        transport: recordingTransport(sent, 1),
      });
      const fired = await after.tick();
      expect(fired).toHaveLength(SESSIONS);
      expect(fired.every((result) => result.status === 'ended')).toBe(true);
      expect(await after.tick()).toEqual([]);
      const reminders = sent.filter((message) => message.text === 'Still there? Reply any time.');
      expect(reminders).toHaveLength(SESSIONS);
      expect(new Set(reminders.map((message) => message.conversationKey)).size).toBe(SESSIONS);
      expect(reminders.every((message) => message.instance === 1)).toBe(true);

      const store = kind.make(namespace);
      expect(await store.dueTimers(now + 86_400_000, 100)).toEqual([]);
      for (let index = 0; index < SESSIONS; index++) await store.delete(`test:bot-1:user-${index}`);
      await store.close();
      await after.close();
    });
  }
});
