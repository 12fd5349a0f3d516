import {
  BotpeError,
  compileFlow,
  createEngine,
  createMemoryStore,
  type InboundEvent,
  parseFlow,
} from '@botpe/engine';
import { createFakeClock } from '@botpe/engine/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraryFlow, arbitraryMessage } from './fixtures/arbitrary.js';

const conversation = { channel: 'test', botId: 'bot', userId: 'u1' };
const inbound = (index: number, text: string): InboundEvent => ({
  conversation,
  message: { id: `m${index}`, timestamp: index, type: 'text', text },
});

describe('properties', () => {
  it('parseFlow never throws on arbitrary JSON, and reports problems as coded issues', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseFlow(value);
        for (const issue of [...result.errors, ...result.warnings]) {
          expect(typeof issue.code).toBe('string');
          expect(Array.isArray(issue.path)).toBe(true);
        }
        return result.ok ? result.errors.length === 0 : result.errors.length > 0;
      }),
      { numRuns: 500 },
    );
  });

  it('parseFlow never throws on flow-shaped junk', () => {
    const junkNode = fc.record({
      id: fc.string(),
      type: fc.constantFrom('start', 'message', 'buttons', 'list', 'question', 'x'),
      data: fc.jsonValue(),
    });
    fc.assert(
      fc.property(
        fc.array(junkNode, { maxLength: 6 }),
        fc.array(
          fc.record({
            id: fc.string(),
            source: fc.string(),
            target: fc.string(),
            sourceHandle: fc.option(fc.string()),
          }),
          { maxLength: 6 },
        ),
        (nodes, edges) => {
          parseFlow({ id: 'j', version: 1, nodes, edges });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any generated flow compiles, or fails with FLOW_INVALID and the same errors parseFlow gives', () => {
    fc.assert(
      fc.property(arbitraryFlow(), (flow) => {
        const parsed = parseFlow(flow);
        try {
          const compiled = compileFlow(flow);
          expect(parsed.ok).toBe(true);
          expect(compiled.flow.nodes).toHaveLength(flow.nodes.length);
        } catch (error) {
          expect(BotpeError.isInstance(error) && error.code).toBe('FLOW_INVALID');
          expect((error as BotpeError).details!.errors).toEqual(parsed.errors);
        }
      }),
      { numRuns: 300 },
    );
  });

  const validFlow = arbitraryFlow().filter((flow) => parseFlow(flow).ok);

  it('random message sequences keep the session serialisable', async () => {
    await fc.assert(
      fc.asyncProperty(validFlow, fc.array(arbitraryMessage, { maxLength: 12 }), async (flow, messages) => {
        const store = createMemoryStore();
        const clock = createFakeClock();
        const engine = createEngine({ flows: [flow], store, clock });
        for (const [index, message] of messages.entries()) {
          const result = await engine.handle(inbound(index, message));
          expect(['waiting', 'ended', 'handoff']).toContain(result.status);
          if (index % 3 === 2) {
            clock.advance('2m');
            await engine.tick();
          }
          const record = await store.load('test:bot:u1');
          expect(JSON.parse(JSON.stringify(record))).toEqual(record);
          expect(JSON.stringify(record).length).toBeLessThan(4096);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('restoring a session mid-way gives the same replies as running straight through', async () => {
    await fc.assert(
      fc.asyncProperty(
        validFlow,
        fc.array(arbitraryMessage, { minLength: 1, maxLength: 10 }),
        fc.nat(),
        async (flow, messages, cut) => {
          const split = cut % (messages.length + 1);
          const straight = createEngine({ flows: [flow], clock: createFakeClock() });
          const expected = [];
          for (const [index, message] of messages.entries())
            expected.push((await straight.handle(inbound(index, message))).outbound);

          // Same conversation, but a fresh engine (no hot cache, nothing in memory) takes over at `split`.
          const store = createMemoryStore();
          const before = createEngine({ flows: [flow], store, clock: createFakeClock() });
          const actual = [];
          for (const [index, message] of messages.slice(0, split).entries())
            actual.push((await before.handle(inbound(index, message))).outbound);
          const after = createEngine({
            flows: [JSON.parse(JSON.stringify(flow))],
            store,
            clock: createFakeClock(),
          });
          for (const [index, message] of messages.slice(split).entries()) {
            actual.push((await after.handle(inbound(split + index, message))).outbound);
          }
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
