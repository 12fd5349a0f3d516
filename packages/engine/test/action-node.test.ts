import { type ActionHandler, BotpeError, type EngineEvent, parseFlow, type StepResult } from '@botpe/engine';
import { createTestHarness } from '@botpe/engine/testing';
import { describe, expect, it } from 'vitest';
import { toJsonValue } from '../src/nodes/action.js';

/** start → action → end "ok {{result}}" (success) / end "ko" (error). */
function actionFlow(data: Record<string, unknown>) {
  return {
    schema: 'botpe.flow/v1',
    id: 'action-test',
    version: 1,
    variables: [
      { name: 'size', default: 'large' },
      { name: 'count', default: 3 },
    ],
    nodes: [
      { id: 'start', type: 'start', data: {} },
      { id: 'call', type: 'action', data: { variable: 'result', ...data } },
      { id: 'ok', type: 'end', data: { text: 'ok {{result}}' } },
      { id: 'ko', type: 'end', data: { text: 'ko' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'call' },
      { id: 'e2', source: 'call', sourceHandle: 'success', target: 'ok' },
      { id: 'e3', source: 'call', sourceHandle: 'error', target: 'ko' },
    ],
  };
}

const failures = (result: StepResult) =>
  result.events.filter(
    (event): event is Extract<EngineEvent, { type: 'effect.failed' }> => event.type === 'effect.failed',
  );

describe('action node', () => {
  it('calls the action with its input and context, and stores the result', async () => {
    const calls: Array<{ input: Record<string, unknown>; context: Parameters<ActionHandler>[1] }> = [];
    const createOrder: ActionHandler = async (input, context) => {
      calls.push({ input, context });
      return { id: 'ord-7', at: new Date(0), lines: [{ size: input.size }], note: undefined };
    };
    const bot = createTestHarness(
      actionFlow({
        name: 'createOrder',
        input: {
          size: '{{size}}',
          count: '{{ count }}',
          label: '{{count}} x {{size}}',
          who: '{{contact}}',
          greeting: { en: 'Hi {{contact.name}}' },
        },
      }),
      { actions: { createOrder }, contact: { name: 'Ana', id: '15550001111' } },
    );
    const result = await bot.send('hi');
    expect(result.outbound).toEqual([
      { type: 'text', text: 'ok {"id":"ord-7","at":"1970-01-01T00:00:00.000Z","lines":[{"size":"large"}]}' },
    ]);
    expect(result.variables.result).toEqual({
      id: 'ord-7',
      at: '1970-01-01T00:00:00.000Z',
      lines: [{ size: 'large' }],
    });
    expect(calls).toHaveLength(1);
    const [{ input, context }] = calls as [(typeof calls)[number]];
    // A value that is one placeholder passes the variable as it is; other text is interpolated.
    expect(input).toEqual({
      size: 'large',
      count: 3,
      label: '3 x large',
      who: { id: '15550001111', name: 'Ana' },
      greeting: 'Hi Ana',
    });
    expect(context.conversation).toEqual(bot.conversation);
    expect(context.idempotencyKey).toBe('test:bot:15550001111:1:call');
    expect(context.variables.size).toBe('large');
    expect(context.signal.aborted).toBe(false);
  });

  it('takes success without a variable, and unsets the variable when the action returns nothing', async () => {
    const bot = createTestHarness(actionFlow({ name: 'noop' }), { actions: { noop: () => undefined } });
    const result = await bot.send('hi');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ok ' }]);
    expect('result' in result.variables).toBe(false);
  });

  it('takes error when the action throws, naming the action', async () => {
    const bot = createTestHarness(actionFlow({ name: 'explode' }), {
      actions: {
        explode: () => {
          throw new Error('payment service down');
        },
      },
    });
    const result = await bot.send('hi');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ko' }]);
    expect(failures(result)).toMatchObject([
      {
        code: 'EFFECT_FAILED',
        nodeId: 'call',
        message: '[@botpe/engine] action "explode" failed: payment service down',
      },
    ]);
  });

  it('keeps the code of a BotpeError the action throws', async () => {
    const bot = createTestHarness(actionFlow({ name: 'coded' }), {
      actions: { coded: async () => Promise.reject(new BotpeError('PAYMENT_DECLINED', 'card declined')) },
    });
    const result = await bot.send('hi');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ko' }]);
    expect(failures(result).map((failure) => failure.code)).toEqual(['PAYMENT_DECLINED']);
  });

  it('takes error on a timeout and aborts the action signal', async () => {
    let seen: AbortSignal | undefined;
    const slow: ActionHandler = (_input, { signal }) => {
      seen = signal;
      return new Promise((resolve) => setTimeout(() => resolve('too late'), 5_000).unref());
    };
    const bot = createTestHarness(actionFlow({ name: 'slow', timeoutMs: 50 }), { actions: { slow } });
    const began = performance.now();
    const result = await bot.send('hi');
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(result.outbound).toEqual([{ type: 'text', text: 'ko' }]);
    expect(failures(result).map((failure) => failure.code)).toEqual(['EFFECT_TIMEOUT']);
    expect(seen?.aborted).toBe(true);
    expect(BotpeError.isInstance(seen?.reason) && seen.reason.code).toBe('EFFECT_TIMEOUT');
    expect('result' in result.variables).toBe(false);
  });

  it('takes error with ACTION_NOT_FOUND for a name the engine does not know at run time', async () => {
    // Without `actions`, validation cannot know the names, so the unknown name surfaces when the node runs.
    for (const name of ['missing', 'toString', '__proto__']) {
      const bot = createTestHarness(actionFlow({ name }));
      const result = await bot.send('hi');
      expect(result.outbound).toEqual([{ type: 'text', text: 'ko' }]);
      expect(failures(result).map((failure) => failure.code)).toEqual(['ACTION_NOT_FOUND']);
    }
  });

  it('is a validation error when the engine knows its actions and not this one', () => {
    const result = parseFlow(actionFlow({ name: 'missing' }), { actions: ['createOrder'] });
    expect(result.errors.map((issue) => issue.code)).toEqual(['action.unknown']);
  });

  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  it.each([
    ['a function', { run: () => 1 }],
    ['a BigInt', { amount: 10n }],
    ['a cycle', cyclic],
    ['a Map', new Map([['a', 1]])],
    ['NaN', { total: Number.NaN }],
    ['a symbol', [Symbol('x')]],
  ])('takes error, never crashes, when the result holds %s', async (_name, value) => {
    const bot = createTestHarness(actionFlow({ name: 'bad' }), { actions: { bad: () => value } });
    const result = await bot.send('hi');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ko' }]);
    expect(failures(result).map((failure) => failure.code)).toEqual(['ACTION_RESULT_INVALID']);
    expect('result' in result.variables).toBe(false);
    // The session is intact: the next message starts the flow again.
    expect((await bot.send('again')).outbound).toEqual([{ type: 'text', text: 'ko' }]);
  });

  it('refuses data it cannot parse', () => {
    const result = parseFlow(actionFlow({ name: '', timeoutMs: -1 }));
    expect(result.errors.map((issue) => issue.path.join('.'))).toEqual([
      'nodes.1.data.name',
      'nodes.1.data.timeoutMs',
    ]);
  });
});

describe('toJsonValue', () => {
  it('keeps JSON and converts what has toJSON', () => {
    expect(
      toJsonValue({ a: [1, 'x', true, null, undefined], b: { c: new Date(86_400_000) }, d: undefined }),
    ).toEqual({
      a: [1, 'x', true, null, null],
      b: { c: '1970-01-02T00:00:00.000Z' },
    });
    const shared = { n: 1 };
    expect(toJsonValue({ x: shared, y: shared })).toEqual({ x: { n: 1 }, y: { n: 1 } });
    expect(toJsonValue(Object.assign(Object.create(null), { a: 1 }))).toEqual({ a: 1 });
  });

  it('names the path of the first value JSON cannot hold', () => {
    expect(() => toJsonValue({ a: [{ b: () => 1 }] })).toThrow('result.a[0].b is a function');
    expect(() => toJsonValue({ big: 1n })).toThrow('result.big is a bigint');
    expect(() => toJsonValue({ n: Number.POSITIVE_INFINITY })).toThrow('result.n is Infinity');
    expect(() => toJsonValue(new (class Order {})())).toThrow('result is a Order, not a plain object');
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(() => toJsonValue(cycle)).toThrow('result[0] refers back to itself');
  });
});
