import { createTestHarness } from '@botpe/engine/testing';
import { describe, expect, it } from 'vitest';

const flow = {
  schema: 'botpe.flow/v1',
  id: 'smoke',
  version: 1,
  nodes: [
    { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
    { id: 'hello', type: 'message', data: { text: 'Hi {{contact.name}}!' } },
    {
      id: 'ask',
      type: 'buttons',
      data: {
        text: 'Size?',
        buttons: [
          { id: 'small', title: 'Small' },
          { id: 'large', title: 'Large' },
        ],
        variable: 'size',
      },
    },
    {
      id: 'name',
      type: 'question',
      data: { text: 'Your email?', variable: 'email', input: { type: 'email' }, timeout: '10m' },
    },
    { id: 'late', type: 'message', data: { text: 'Still there?' } },
    { id: 'bye', type: 'end', data: { text: 'A {{size}} pizza for {{email}}.' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'hello' },
    { id: 'e2', source: 'hello', target: 'ask' },
    { id: 'e3', source: 'ask', sourceHandle: 'small', target: 'name' },
    { id: 'e4', source: 'ask', sourceHandle: 'large', target: 'name' },
    { id: 'e5', source: 'name', target: 'bye' },
    { id: 'e6', source: 'name', sourceHandle: 'timeout', target: 'late' },
    { id: 'e7', source: 'late', target: 'name' },
  ],
};

describe('smoke', () => {
  it('runs a conversation', async () => {
    const bot = createTestHarness(flow, { contact: { name: 'Ana' } });
    const first = await bot.send('hi');
    expect(first.outbound).toEqual([
      { type: 'text', text: 'Hi Ana!' },
      {
        type: 'buttons',
        text: 'Size?',
        buttons: [
          { id: 'small', title: 'Small' },
          { id: 'large', title: 'Large' },
        ],
      },
    ]);
    expect(bot.status).toBe('waiting');
    expect(bot.nodeId).toBe('ask');
    await bot.send('LARGE');
    expect(bot.variables.size).toBe('large');
    await bot.advance('11m');
    expect(bot.lastReplies).toEqual([
      { type: 'text', text: 'Still there?' },
      { type: 'text', text: 'Your email?' },
    ]);
    await bot.send('not an email');
    expect(bot.lastReplies).toEqual([{ type: 'text', text: 'Your email?' }]);
    const done = await bot.send('Ana@Example.com');
    expect(done.status).toBe('ended');
    expect(bot.lastReplies).toEqual([{ type: 'text', text: 'A large pizza for ana@example.com.' }]);
  });
});
