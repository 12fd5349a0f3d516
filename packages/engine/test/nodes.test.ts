import { createTestHarness } from '@botpe/engine/testing';
import { describe, expect, it } from 'vitest';
import { compare } from '../src/nodes/condition.js';
import { normalizeDate, normalizeNumber, normalizePhone } from '../src/nodes/input.js';

const NOW = Date.UTC(2026, 10, 29, 12);

/** start → node → (each handle) → a message naming the handle, then end. */
function single(
  node: { type: string; data: unknown },
  handles: string[],
  extra: Record<string, unknown> = {},
) {
  return {
    schema: 'botpe.flow/v1',
    id: `single-${node.type}`,
    version: 1,
    ...extra,
    nodes: [
      { id: 'start', type: 'start', data: {} },
      { id: 'node', ...node },
      ...handles.map((handle) => ({ id: `to-${handle}`, type: 'end', data: { text: `via ${handle}` } })),
    ],
    edges: [
      { id: 'e0', source: 'start', target: 'node' },
      ...handles.map((handle) => ({
        id: `e-${handle}`,
        source: 'node',
        sourceHandle: handle,
        target: `to-${handle}`,
      })),
    ],
  };
}

const texts = (replies: Array<{ type: string }>) =>
  replies.map((reply) => ('text' in reply ? reply.text : reply.type));

describe('question inputs', () => {
  it.each([
    ['12', 12],
    ['-3.5', -3.5],
    ['3,5', 3.5],
    [' 7 ', 7],
    ['1e3', null],
    ['12abc', null],
    ['', null],
  ])('number %j → %j', (input, expected) => expect(normalizeNumber(input)).toBe(expected));

  it.each([
    ['+55 11 98765-4321', undefined, '+5511987654321'],
    ['(11) 98765-4321', 'BR', '+5511987654321'],
    ['011 98765-4321', 'BR', '+5511987654321'],
    ['5511987654321', 'BR', '+5511987654321'],
    // Regression: a national number whose area code equals the calling code (55) was read as international.
    ['(55) 99999-0000', 'BR', '+5555999990000'],
    ['0044 20 7946 0958', undefined, '+442079460958'],
    ['(415) 555-0100', 'US', '+14155550100'],
    ['415 555 0100', '+1', '+14155550100'],
    ['98765-4321', undefined, null],
    ['call me', 'BR', null],
    ['+1 23', undefined, null],
  ])('phone %j (%s) → %j', (input, country, expected) =>
    expect(normalizePhone(input, country)).toBe(expected),
  );

  it.each([
    ['2026-12-01', 'en', '2026-12-01'],
    ['01/12/2026', 'pt-BR', '2026-12-01'],
    ['12/01/2026', 'en-US', '2026-12-01'],
    ['31.01.2027', 'de', '2027-01-31'],
    ['31/02/2026', 'en', null],
    ['tomorrow', 'en', '2026-11-30'],
    ['Amanhã', 'pt', '2026-11-30'],
    ['hoy', 'es', '2026-11-29'],
    ['next week', 'en', null],
  ])('date %j (%s) → %j', (input, locale, expected) =>
    expect(normalizeDate(input, locale, NOW)).toBe(expected),
  );

  const ask = (input: Record<string, unknown>) =>
    single(
      {
        type: 'question',
        data: { text: 'Q?', variable: 'answer', input, retry: { text: 'Try again', max: 2 } },
      },
      ['out', 'invalid'],
    );

  it('stores a normalised answer and leaves through out', async () => {
    const bot = createTestHarness(ask({ type: 'email' }), { now: NOW });
    await bot.send('hi');
    await bot.send('  Ana@Example.COM ');
    expect(bot.variables.answer).toBe('ana@example.com');
    expect(texts(bot.lastReplies)).toEqual(['via out']);
  });

  it('re-prompts with the retry text, then leaves through invalid after retry.max misses', async () => {
    const bot = createTestHarness(ask({ type: 'number', min: 1, max: 10, integer: true }), { now: NOW });
    await bot.send('hi');
    await bot.send('eleven');
    expect(texts(bot.lastReplies)).toEqual(['Try again']);
    await bot.send('2.5');
    expect(texts(bot.lastReplies)).toEqual(['via invalid']);
    expect(bot.variables.answer).toBeUndefined();
  });

  it('keeps re-prompting when invalid has no edge', async () => {
    const flow = single(
      {
        type: 'question',
        data: {
          text: 'Q?',
          variable: 'n',
          input: { type: 'number' },
          retry: { text: 'Number please', max: 1 },
        },
      },
      ['out'],
    );
    const bot = createTestHarness(flow);
    await bot.send('hi');
    for (let index = 0; index < 3; index++) {
      await bot.send('x');
      expect(texts(bot.lastReplies)).toEqual(['Number please']);
    }
    await bot.send('4');
    expect(bot.variables.n).toBe(4);
  });

  it('text length, regex, media, location and any', async () => {
    const text = createTestHarness(ask({ type: 'text', minLength: 2, maxLength: 5 }));
    await text.send('hi');
    await text.send('a');
    expect(texts(text.lastReplies)).toEqual(['Try again']);
    await text.send('abcd');
    expect(text.variables.answer).toBe('abcd');

    const regex = createTestHarness(ask({ type: 'regex', pattern: '^[A-Z]{3}-\\d{3}$' }));
    await regex.send('hi');
    await regex.send('ABC-123');
    expect(regex.variables.answer).toBe('ABC-123');

    const media = createTestHarness(ask({ type: 'media', kinds: ['image'] }));
    await media.send('hi');
    await media.send({ type: 'media', kind: 'audio', mediaId: 'm1', mimeType: 'audio/ogg' });
    expect(texts(media.lastReplies)).toEqual(['Try again']);
    await media.send({
      type: 'media',
      kind: 'image',
      mediaId: 'm2',
      mimeType: 'image/jpeg',
      caption: 'receipt',
    });
    expect(media.variables.answer).toEqual({
      kind: 'image',
      id: 'm2',
      mimeType: 'image/jpeg',
      caption: 'receipt',
    });

    const location = createTestHarness(ask({ type: 'location' }));
    await location.send('hi');
    await location.send('somewhere');
    expect(texts(location.lastReplies)).toEqual(['Try again']);
    await location.send({ type: 'location', latitude: -23.5, longitude: -46.6, name: 'Office' });
    expect(location.variables.answer).toEqual({ latitude: -23.5, longitude: -46.6, name: 'Office' });

    const any = createTestHarness(ask({ type: 'any' }));
    await any.send('hi');
    await any.send({ type: 'button', buttonId: 'x', text: 'Yes' });
    expect(any.variables.answer).toBe('Yes');
  });

  it('leaves through timeout when the user does not answer', async () => {
    const flow = single(
      { type: 'question', data: { text: 'Q?', variable: 'v', input: { type: 'any' }, timeout: '15m' } },
      ['out', 'timeout'],
    );
    const bot = createTestHarness(flow);
    await bot.send('hi');
    await bot.advance('14m');
    expect(bot.lastReplies).toEqual([]);
    await bot.advance('1m');
    expect(texts(bot.lastReplies)).toEqual(['via timeout']);
    expect(bot.status).toBe('ended');
  });
});

describe('buttons and lists', () => {
  const buttons = single(
    {
      type: 'buttons',
      data: {
        text: 'Pick a size',
        header: 'Pizza',
        footer: 'Tap one',
        variable: 'size',
        buttons: [
          { id: 'small', title: 'Pequeña', value: 'S' },
          { id: 'large', title: 'Grande' },
        ],
        retry: { text: 'Please tap a size', max: 2 },
      },
    },
    ['small', 'large', 'noMatch'],
  );

  it('sends reply buttons with header and footer', async () => {
    const bot = createTestHarness(buttons);
    await bot.send('hi');
    expect(bot.lastReplies).toEqual([
      {
        type: 'buttons',
        text: 'Pick a size',
        header: 'Pizza',
        footer: 'Tap one',
        buttons: [
          { id: 'small', title: 'Pequeña' },
          { id: 'large', title: 'Grande' },
        ],
      },
    ]);
  });

  it.each([
    ['by id', { type: 'button' as const, buttonId: 'small', text: 'whatever' }, 'small', 'S'],
    ['by title, case and accents folded', 'PEQUENA', 'small', 'S'],
    ['by position', '2', 'large', 'large'],
  ])('matches %s', async (_how, message, handle, value) => {
    const bot = createTestHarness(buttons);
    await bot.send('hi');
    await bot.send(message);
    expect(texts(bot.lastReplies)).toEqual([`via ${handle}`]);
    expect(bot.variables.size).toBe(value);
  });

  it('re-prompts with the buttons, then takes noMatch', async () => {
    const bot = createTestHarness(buttons);
    await bot.send('hi');
    await bot.send('medium');
    expect(bot.lastReplies[0]).toMatchObject({ type: 'buttons', text: 'Please tap a size' });
    await bot.send('9');
    expect(texts(bot.lastReplies)).toEqual(['via noMatch']);
  });

  it('lists match rows by id, title and position across sections', async () => {
    const list = single(
      {
        type: 'list',
        data: {
          text: 'Choose a topping',
          buttonLabel: 'Toppings',
          variable: 'topping',
          sections: [
            {
              title: 'Veggie',
              rows: [
                { id: 'olive', title: 'Olives', description: 'Black' },
                { id: 'corn', title: 'Corn' },
              ],
            },
            { title: 'Meat', rows: [{ id: 'ham', title: 'Ham', value: { code: 7 } }] },
          ],
        },
      },
      ['olive', 'corn', 'ham'],
    );
    const bot = createTestHarness(list);
    await bot.send('hi');
    expect(bot.lastReplies[0]).toEqual({
      type: 'list',
      text: 'Choose a topping',
      buttonLabel: 'Toppings',
      sections: [
        {
          title: 'Veggie',
          rows: [
            { id: 'olive', title: 'Olives', description: 'Black' },
            { id: 'corn', title: 'Corn' },
          ],
        },
        { title: 'Meat', rows: [{ id: 'ham', title: 'Ham' }] },
      ],
    });
    await bot.choose('ham');
    expect(bot.variables.topping).toEqual({ code: 7 });
    const byPosition = createTestHarness(list);
    await byPosition.send('hi');
    await byPosition.send('2');
    expect(texts(byPosition.lastReplies)).toEqual(['via corn']);
  });
});

describe('condition and set', () => {
  it.each([
    ['Café', 'equals', 'cafe', true],
    ['abc', 'notEquals', 'ABC', false],
    ['Hello World', 'contains', 'world', true],
    ['Hello', 'notContains', 'x', true],
    ['Hello', 'startsWith', 'he', true],
    ['Hello', 'endsWith', 'LO', true],
    ['10', 'gt', '9', true],
    ['10', 'gte', '10', true],
    ['2', 'lt', '10', true],
    ['abc', 'lt', '10', false],
    ['3', 'lte', '3', true],
    ['', 'isEmpty', '', true],
    [' x ', 'isNotEmpty', '', true],
    ['ORD-123', 'matches', '^ord-\\d+$', true],
    ['x', 'matches', '([', false],
  ] as const)('%j %s %j → %s', (left, op, right, expected) =>
    expect(compare(left, op, right)).toBe(expected),
  );

  it('takes the first branch that holds, with all/any, else otherwise', async () => {
    const flow = single(
      {
        type: 'condition',
        data: {
          branches: [
            {
              id: 'vip',
              match: 'all',
              rules: [
                { left: '{{total}}', op: 'gte', right: '100' },
                { left: '{{tier}}', op: 'equals', right: 'gold' },
              ],
            },
            {
              id: 'some',
              match: 'any',
              rules: [
                { left: '{{total}}', op: 'gt', right: '50' },
                { left: '{{tier}}', op: 'equals', right: 'silver' },
              ],
            },
          ],
        },
      },
      ['vip', 'some', 'else'],
      {
        variables: [
          { name: 'total', default: 120 },
          { name: 'tier', default: 'Gold' },
        ],
      },
    );
    const bot = createTestHarness(flow);
    await bot.send('hi');
    expect(texts(bot.lastReplies)).toEqual(['via vip']);
  });

  it('set: set, increment, decrement, append, unset, dotted paths, in order', async () => {
    const flow = single(
      {
        type: 'set',
        data: {
          assignments: [
            { variable: 'name', value: 'Ana {{$input}}' },
            { variable: 'count', op: 'increment' },
            { variable: 'count', op: 'increment', value: 4 },
            { variable: 'stock', op: 'decrement', value: '2' },
            { variable: 'tags', op: 'append', value: 'first' },
            { variable: 'tags', op: 'append', value: '{{name}}' },
            { variable: 'order.items[0].sku', value: 'P-1' },
            { variable: 'order.paid', value: false },
            { variable: 'temp', value: 1 },
            { variable: 'temp', op: 'unset' },
          ],
        },
      },
      ['out'],
      { variables: [{ name: 'stock', default: 10 }] },
    );
    const bot = createTestHarness(flow);
    await bot.send('Silva');
    expect(bot.variables).toMatchObject({
      name: 'Ana Silva',
      count: 5,
      stock: 8,
      tags: ['first', 'Ana Silva'],
      order: { items: [{ sku: 'P-1' }], paid: false },
    });
    expect('temp' in bot.variables).toBe(false);
  });
});

describe('texts', () => {
  it('picks the session locale with fallback to defaultLocale, and never evaluates code', async () => {
    const flow = {
      schema: 'botpe.flow/v1',
      id: 'i18n',
      version: 1,
      settings: { defaultLocale: 'en' },
      nodes: [
        { id: 'start', type: 'start', data: {} },
        {
          id: 'lang',
          type: 'buttons',
          data: {
            text: 'Language?',
            variable: '$locale',
            buttons: [
              { id: 'pt-BR', title: 'Português' },
              { id: 'fr', title: 'Français' },
            ],
          },
        },
        {
          id: 'hi',
          type: 'end',
          data: {
            text: {
              en: 'Hello {{contact.name}} {{constructor}} {{__proto__.x}}',
              pt: 'Olá {{contact.name}}',
            },
          },
        },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'lang' },
        { id: 'e2', source: 'lang', sourceHandle: 'pt-BR', target: 'hi' },
        { id: 'e3', source: 'lang', sourceHandle: 'fr', target: 'hi' },
      ],
    };
    const pt = createTestHarness(flow, { contact: { name: 'Ana' } });
    await pt.send('hi');
    await pt.click('pt-BR');
    expect(texts(pt.lastReplies)).toEqual(['Olá Ana']);
    const fr = createTestHarness(flow, { contact: { name: 'Luc' } });
    await fr.send('hi');
    await fr.click('fr');
    expect(texts(fr.lastReplies)).toEqual(['Hello Luc  ']);
  });
});

describe('global commands, delay, handoff, jump', () => {
  const flow = {
    schema: 'botpe.flow/v1',
    id: 'desk',
    version: 1,
    settings: {
      commands: [
        { keywords: ['menu', 'Menú'], target: 'menu' },
        { keywords: ['agent'], target: 'human' },
      ],
    },
    nodes: [
      { id: 'start', type: 'start', data: {} },
      {
        id: 'menu',
        type: 'buttons',
        data: {
          text: 'Menu',
          buttons: [
            { id: 'wait', title: 'Wait' },
            { id: 'ask', title: 'Ask' },
          ],
        },
      },
      { id: 'pause', type: 'delay', data: { duration: '30s' } },
      { id: 'after', type: 'message', data: { text: 'Done waiting' } },
      { id: 'back', type: 'jump', data: { target: 'menu' } },
      { id: 'q', type: 'question', data: { text: 'Question?', variable: 'q', input: { type: 'text' } } },
      {
        id: 'human',
        type: 'handoff',
        data: { text: 'An agent will answer', queue: 'support', timeout: '1h' },
      },
      { id: 'resumed', type: 'end', data: { text: 'Resolved: {{resolution}}' } },
      { id: 'gone', type: 'end', data: { text: 'Nobody came' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'menu' },
      { id: 'e2', source: 'menu', sourceHandle: 'wait', target: 'pause' },
      { id: 'e3', source: 'pause', target: 'after' },
      { id: 'e4', source: 'after', target: 'back' },
      { id: 'e5', source: 'menu', sourceHandle: 'ask', target: 'q' },
      { id: 'e6', source: 'q', target: 'human' },
      { id: 'e7', source: 'human', target: 'resumed' },
      { id: 'e8', source: 'human', sourceHandle: 'timeout', target: 'gone' },
    ],
  };

  it('a command matches in any waiting node', async () => {
    const bot = createTestHarness(flow);
    await bot.send('hi');
    await bot.click('ask');
    expect(bot.nodeId).toBe('q');
    await bot.send('MENU');
    expect(bot.nodeId).toBe('menu');
    expect(bot.variables.q).toBeUndefined();
    await bot.send('menú');
    expect(bot.nodeId).toBe('menu');
  });

  it('a tapped button whose title is a command keyword answers the node (regression)', async () => {
    const clash = {
      ...flow,
      id: 'clash',
      nodes: flow.nodes.map((node) =>
        node.id === 'menu'
          ? {
              ...node,
              data: {
                text: 'Menu',
                buttons: [
                  { id: 'wait', title: 'Agent' },
                  { id: 'ask', title: 'Ask' },
                ],
              },
            }
          : node,
      ),
    };
    const bot = createTestHarness(clash);
    await bot.send('hi');
    await bot.click('wait');
    expect(bot.nodeId).toBe('pause');
    await bot.send('agent');
    expect(bot.status).toBe('handoff');
  });

  it('a delay waits on a timer and ignores messages meanwhile; a jump continues elsewhere', async () => {
    const bot = createTestHarness(flow);
    await bot.send('hi');
    await bot.click('wait');
    await bot.send('hello?');
    expect(bot.lastReplies).toEqual([]);
    await bot.advance('30s');
    expect(texts(bot.lastReplies)).toEqual(['Done waiting', 'Menu']);
    expect(bot.nodeId).toBe('menu');
  });

  it('a handoff mutes the bot (commands too) until released', async () => {
    const bot = createTestHarness(flow);
    await bot.send('hi');
    await bot.send('agent');
    expect(bot.status).toBe('handoff');
    const result = await bot.send('menu');
    expect(result.outbound).toEqual([]);
    expect(bot.status).toBe('handoff');
    await bot.release({ resolution: 'refund issued' });
    expect(texts(bot.lastReplies)).toEqual(['Resolved: refund issued']);
    expect(bot.status).toBe('ended');
  });

  it('a handoff times out through its timeout handle', async () => {
    const bot = createTestHarness(flow);
    await bot.send('hi');
    await bot.send('agent');
    await bot.advance('1h');
    expect(texts(bot.lastReplies)).toEqual(['Nobody came']);
  });

  it('release outside a handoff changes nothing', async () => {
    const bot = createTestHarness(flow);
    await bot.send('hi');
    const result = await bot.release();
    expect(result.outbound).toEqual([]);
    expect(result.nodeId).toBe('menu');
  });

  it('after a flow ends, the next message starts a new session', async () => {
    const bot = createTestHarness(flow);
    await bot.send('hi');
    await bot.send('agent');
    await bot.advance('1h');
    expect(bot.status).toBe('ended');
    await bot.send('hello again');
    expect(texts(bot.lastReplies)).toEqual(['Menu']);
  });
});
