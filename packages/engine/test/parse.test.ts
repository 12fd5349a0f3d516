import { compileFlow, FLOW_ISSUE_CODES, flowJsonSchema, parseFlow, unlimitedChannel } from '@botpe/engine';
import { describe, expect, it } from 'vitest';

const base = (nodes: unknown[], edges: unknown[] = [], extra: Record<string, unknown> = {}) => ({
  schema: 'botpe.flow/v1',
  id: 'f',
  version: 1,
  nodes: [{ id: 'start', type: 'start', data: {} }, ...nodes],
  edges,
  ...extra,
});

const codes = (input: unknown, options = {}) => {
  const result = parseFlow(input, options);
  return {
    errors: result.errors.map((issue) => issue.code),
    warnings: result.warnings.map((issue) => issue.code),
    result,
  };
};

describe('parseFlow', () => {
  it('accepts what a ReactFlow editor saves, extra fields and all', () => {
    const result = parseFlow({
      ...base(
        [
          {
            id: 'hi',
            type: 'message',
            position: { x: 10, y: 20 },
            data: { text: 'Hi', label: 'x' },
            selected: true,
            dragging: false,
            measured: { width: 100, height: 40 },
            width: 100,
            height: 40,
            style: {},
          },
        ],
        [{ id: 'e1', source: 'start', target: 'hi', sourceHandle: null, targetHandle: null, animated: true }],
      ),
      viewport: { x: 0, y: 0, zoom: 1 },
    });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.flow!.edges[0]!.sourceHandle).toBe('out');
  });

  it('reports every problem at once, with codes, node and edge ids, and paths', () => {
    const { errors, result } = codes(
      base(
        [
          { id: 'a', type: 'teleport', data: {} },
          { id: 'b', type: 'buttons', data: { text: 'x', buttons: [] } },
          { id: 'c', type: 'message', data: { text: 'c' } },
          { id: 'c', type: 'message', data: { text: 'again' } },
          { id: 's2', type: 'start', data: {} },
          { id: 'j', type: 'jump', data: { target: 'nowhere' } },
          {
            id: 'q',
            type: 'question',
            data: { text: 'q', variable: 'v', input: { type: 'regex', pattern: '([a-' } },
          },
        ],
        [
          { id: 'e1', source: 'start', target: 'c' },
          { id: 'e1', source: 'c', target: 'start' },
          { id: 'e2', source: 'ghost', target: 'c' },
          { id: 'e3', source: 'c', target: 'ghost' },
          { id: 'e4', source: 'c', sourceHandle: 'left', target: 'q' },
          { id: 'e5', source: 'c', target: 'q' },
          { id: 'e6', source: 'c', target: 'start' },
        ],
        { settings: { sessionTimeout: 'forever', commands: [{ keywords: ['menu'], target: 'missing' }] } },
      ),
    );
    expect(new Set(errors)).toEqual(
      new Set([
        'node.unknownType',
        'node.invalidData',
        'node.duplicateId',
        'start.multiple',
        'jump.unknownTarget',
        'regex.invalid',
        'edge.duplicateId',
        'edge.danglingSource',
        'edge.danglingTarget',
        'edge.unknownHandle',
        'edge.duplicateHandle',
        'command.unknownTarget',
        'duration.invalid',
      ]),
    );
    const unknown = result.errors.find((issue) => issue.code === 'node.unknownType')!;
    expect(unknown).toMatchObject({ nodeId: 'a', path: ['nodes', 1, 'type'], severity: 'error' });
    const invalid = result.errors.find((issue) => issue.code === 'node.invalidData')!;
    expect(invalid).toMatchObject({ nodeId: 'b', path: ['nodes', 2, 'data', 'buttons'] });
    expect(result.errors.find((issue) => issue.code === 'edge.unknownHandle')).toMatchObject({
      edgeId: 'e4',
      nodeId: 'c',
    });
  });

  it('needs a start node', () => {
    expect(codes({ id: 'f', version: 1, nodes: [], edges: [] }).errors).toEqual(['start.missing']);
  });

  it('refuses a loop that never waits for the user', () => {
    const { errors, result } = codes(
      base(
        [
          { id: 'a', type: 'set', data: { assignments: [{ variable: 'n', op: 'increment' }] } },
          {
            id: 'b',
            type: 'condition',
            data: { branches: [{ id: 'small', rules: [{ left: '{{n}}', op: 'lt', right: '3' }] }] },
          },
          { id: 'done', type: 'end', data: {} },
        ],
        [
          { id: 'e1', source: 'start', target: 'a' },
          { id: 'e2', source: 'a', target: 'b' },
          { id: 'e3', source: 'b', sourceHandle: 'small', target: 'a' },
          { id: 'e4', source: 'b', sourceHandle: 'else', target: 'done' },
        ],
      ),
    );
    expect(errors).toEqual(['cycle.noWait']);
    expect(result.errors[0]!.message).toContain('"a" → "b"');
  });

  it('accepts a loop through a waiting node', () => {
    const flow = base(
      [
        { id: 'q', type: 'question', data: { text: 'q', variable: 'v', input: { type: 'any' } } },
        { id: 'j', type: 'jump', data: { target: 'q' } },
      ],
      [
        { id: 'e1', source: 'start', target: 'q' },
        { id: 'e2', source: 'q', target: 'j' },
      ],
    );
    expect(codes(flow)).toMatchObject({ errors: [], warnings: [] });
  });

  it('warns about unreachable nodes, unconnected handles and variables nothing writes', () => {
    const { errors, warnings } = codes(
      base(
        [
          {
            id: 'hi',
            type: 'message',
            data: { text: 'Hi {{contact.name}}, your order {{order.id}} ({{$input}})' },
          },
          { id: 'lonely', type: 'end', data: {} },
          {
            id: 'pick',
            type: 'buttons',
            data: {
              text: 'x',
              buttons: [
                { id: 'a', title: 'A' },
                { id: 'b', title: 'B' },
              ],
            },
          },
        ],
        [
          { id: 'e1', source: 'start', target: 'hi' },
          { id: 'e2', source: 'hi', target: 'pick' },
          { id: 'e3', source: 'pick', sourceHandle: 'a', target: 'hi' },
        ],
      ),
    );
    expect(errors).toEqual([]);
    expect(warnings.sort()).toEqual(['handle.unconnected', 'node.unreachable', 'variable.neverWritten']);
  });

  it('knows the variables that flow declarations and nodes write', () => {
    const { warnings } = codes(
      base(
        [
          { id: 'q', type: 'question', data: { text: 'q', variable: 'order.size', input: { type: 'any' } } },
          { id: 's', type: 'set', data: { assignments: [{ variable: 'total', value: 3 }] } },
          { id: 'm', type: 'end', data: { text: '{{order.size}} {{total}} {{greeting}}' } },
        ],
        [
          { id: 'e1', source: 'start', target: 'q' },
          { id: 'e2', source: 'q', target: 's' },
          { id: 'e3', source: 's', target: 'm' },
        ],
        { variables: [{ name: 'greeting', default: 'hello' }] },
      ),
    );
    expect(warnings).toEqual([]);
  });

  it('rejects an unsupported format version', () => {
    expect(codes({ ...base([]), schema: 'botpe.flow/v9' }).errors).toEqual(['schema.unsupportedVersion']);
  });

  it('rejects a document that is not a flow', () => {
    expect(codes('hello').errors).toEqual(['schema.invalid']);
    expect(codes({ id: 'x' }).errors).toEqual(['schema.invalid', 'schema.invalid', 'schema.invalid']);
  });

  it('applies the channel lint only when given limits', () => {
    const flow = base(
      [
        {
          id: 'b',
          type: 'buttons',
          data: {
            text: 'pick',
            buttons: ['a', 'b', 'c', 'd'].map((id) => ({ id, title: `A very long button title ${id}` })),
          },
        },
      ],
      [
        { id: 'e1', source: 'start', target: 'b' },
        ...['a', 'b', 'c', 'd'].map((id) => ({ id: `x${id}`, source: 'b', sourceHandle: id, target: 'b' })),
      ],
    );
    expect(codes(flow).warnings).toEqual([]);
    const limits = { ...unlimitedChannel, maxButtons: 3, maxButtonTitle: 20 };
    const { warnings, result } = codes(flow, { limits });
    expect(warnings).toEqual(Array(5).fill('channel.limitExceeded'));
    expect(result.warnings[0]!.message).toContain('Fallback: sent as a list message');
  });

  it('lists every issue code it can raise', () => {
    expect(new Set(FLOW_ISSUE_CODES).size).toBe(FLOW_ISSUE_CODES.length);
  });

  it('exports the format as JSON Schema with each core node type', () => {
    const schema = flowJsonSchema();
    const text = JSON.stringify(schema);
    for (const type of [
      'start',
      'message',
      'question',
      'buttons',
      'list',
      'condition',
      'set',
      'delay',
      'jump',
      'handoff',
      'end',
    ]) {
      expect(text).toContain(`"const":"${type}"`);
    }
    expect(schema.$schema).toContain('json-schema.org');
  });
});

describe('compileFlow', () => {
  it('caches by id, version and content', () => {
    const flow = base(
      [{ id: 'm', type: 'end', data: { text: 'bye' } }],
      [{ id: 'e1', source: 'start', target: 'm' }],
    );
    const first = compileFlow(flow);
    expect(compileFlow(JSON.parse(JSON.stringify(flow)))).toBe(first);
    expect(compileFlow({ ...flow, version: 2 })).not.toBe(first);
    const changed = base(
      [{ id: 'm', type: 'end', data: { text: 'ciao' } }],
      [{ id: 'e1', source: 'start', target: 'm' }],
    );
    expect(compileFlow(changed)).not.toBe(first);
  });
});

describe('translations', () => {
  it('warns when a locale map lacks a locale other texts have', () => {
    const { warnings, result } = codes(
      base(
        [
          { id: 'a', type: 'message', data: { text: { en: 'Hi', pt: 'Oi', es: 'Hola' } } },
          { id: 'b', type: 'end', data: { text: { en: 'Bye', pt: 'Tchau' } } },
        ],
        [
          { id: 'e1', source: 'start', target: 'a' },
          { id: 'e2', source: 'a', target: 'b' },
        ],
        { settings: { defaultLocale: 'en' } },
      ),
    );
    expect(warnings).toEqual(['locale.missingTranslation']);
    expect(result.warnings[0]).toMatchObject({ nodeId: 'b', path: ['nodes', 2, 'data', 'text'] });
    expect(result.warnings[0]!.message).toContain('es');
  });
});

describe('references the host knows', () => {
  it('reports an action or a subflow flow the options do not list, at the node', () => {
    const flow = base(
      [
        { id: 'act', type: 'action', data: { name: 'refund' } },
        { id: 'sub', type: 'subflow', data: { flowId: 'address' } },
      ],
      [
        { id: 'e1', source: 'start', target: 'act' },
        { id: 'e2', source: 'act', sourceHandle: 'success', target: 'sub' },
        { id: 'e3', source: 'act', sourceHandle: 'error', target: 'sub' },
      ],
    );
    expect(codes(flow).errors).toEqual([]);
    const { result } = codes(flow, { actions: ['charge'], flowIds: ['other'] });
    expect(result.errors).toMatchObject([
      { code: 'action.unknown', nodeId: 'act', path: ['nodes', 1, 'data', 'name'] },
      { code: 'subflow.unknownFlow', nodeId: 'sub', path: ['nodes', 2, 'data', 'flowId'] },
    ]);
    expect(codes(flow, { actions: ['refund'], flowIds: ['address'] }).errors).toEqual([]);
  });
});
