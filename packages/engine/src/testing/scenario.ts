import { z } from 'zod';
import { parseDuration } from '../flow/duration.js';
import { parseFlow } from '../flow/parse.js';
import { readPath } from '../flow/paths.js';
import type { Flow } from '../flow/schema.js';
import type { OutboundMessage } from '../messages.js';
import type { EngineEvent, StepResult } from '../runtime/types.js';
import { createTestHarness, type TestHarnessOptions, type TestMessage } from './harness.js';

const textMatch = z.union([z.string(), z.object({ regex: z.string(), flags: z.string().optional() })]);

const expectationSchema = z
  .strictObject({
    /** A reply of the last step contains this text (or matches the regex). */
    text: textMatch.optional(),
    /** No reply of the last step contains this text. */
    notText: z.string().optional(),
    /** The last step sent reply buttons with exactly these ids. */
    buttons: z.array(z.string()).optional(),
    /** The last step sent a list with exactly these row ids. */
    list: z.array(z.string()).optional(),
    /** The last step sent nothing. */
    noReply: z.literal(true).optional(),
    /** The number of replies of the last step. */
    replies: z.number().int().nonnegative().optional(),
    variable: z.string().optional(),
    /** With `variable`: its value equals this JSON value (strict). */
    equals: z.unknown().optional(),
    /** With `variable`: it is set (or not). */
    defined: z.boolean().optional(),
    status: z.enum(['waiting', 'handoff', 'ended', 'unrouted']).optional(),
    node: z.string().optional(),
  })
  .refine((value) => Object.keys(value).length > 0, { message: 'an expectation needs at least one check' })
  .refine((value) => value.equals === undefined || value.variable !== undefined, {
    message: '"equals" needs "variable"',
  });

const inboundMessage = z.union([
  z.string(),
  z.looseObject({
    type: z.enum(['text', 'button', 'list', 'media', 'location', 'contacts', 'reaction', 'unsupported']),
  }),
]);

const stepSchema = z.union([
  z.strictObject({ send: inboundMessage }),
  z.strictObject({ click: z.string().min(1) }),
  z.strictObject({ choose: z.string().min(1) }),
  z.strictObject({
    advance: z
      .union([z.string(), z.number()])
      .refine((value) => parseDuration(value) !== null, 'not a duration'),
  }),
  z.strictObject({ release: z.record(z.string(), z.unknown()).optional().nullable() }),
  z.strictObject({ expect: expectationSchema }),
]);

/** One conversation script. */
export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  contact: z.object({ name: z.string().optional(), id: z.string().optional() }).optional(),
  steps: z.array(stepSchema).min(1),
});

/** A scenario file: the flow under test (a path relative to the file), other flows it calls, and its scenarios. */
export const scenarioFileSchema = z.strictObject({
  flow: z.string().min(1),
  flows: z.array(z.string().min(1)).optional(),
  scenarios: z.array(scenarioSchema).min(1),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioStep = z.infer<typeof stepSchema>;
export type ScenarioFile = z.infer<typeof scenarioFileSchema>;

export interface ScenarioFailure {
  /** The index of the failing step in `steps`. */
  step: number;
  message: string;
}

export interface ScenarioResult {
  name: string;
  passed: boolean;
  failures: ScenarioFailure[];
  /** Node and edge ids of the flow under test that the scenario went through. */
  coveredNodes: Set<string>;
  coveredEdges: Set<string>;
}

export interface RunScenarioOptions extends Omit<TestHarnessOptions, 'contact'> {
  /** Stop at the first failing expectation (default true: later steps would fail for the same reason). */
  bail?: boolean;
}

const describeReply = (reply: OutboundMessage) =>
  reply.type === 'text'
    ? JSON.stringify(reply.text)
    : reply.type === 'buttons' || reply.type === 'list'
      ? `${reply.type} ${JSON.stringify(reply.text)}`
      : reply.type;

/** The texts a reply shows the user. */
function replyTexts(reply: OutboundMessage): string[] {
  switch (reply.type) {
    case 'text':
      return [reply.text];
    case 'media':
      return reply.caption ? [reply.caption] : [];
    case 'buttons':
      return [
        reply.text,
        ...reply.buttons.map((button) => button.title),
        reply.header ?? '',
        reply.footer ?? '',
      ];
    case 'list':
      return [reply.text, ...reply.sections.flatMap((section) => section.rows.map((row) => row.title))];
    default:
      return [];
  }
}

function check(
  expectation: z.infer<typeof expectationSchema>,
  replies: OutboundMessage[],
  result: StepResult | null,
  variables: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  const texts = replies.flatMap(replyTexts);
  const seen = replies.length ? replies.map(describeReply).join(', ') : 'no reply';
  if (expectation.text !== undefined) {
    const pattern = expectation.text;
    const found =
      typeof pattern === 'string'
        ? texts.some((text) => text.includes(pattern))
        : texts.some((text) => new RegExp(pattern.regex, pattern.flags).test(text));
    if (!found) problems.push(`expected a reply with ${JSON.stringify(pattern)}, got ${seen}`);
  }
  if (expectation.notText !== undefined && texts.some((text) => text.includes(expectation.notText!))) {
    problems.push(`expected no reply with ${JSON.stringify(expectation.notText)}, got ${seen}`);
  }
  if (expectation.buttons) {
    const message = replies.find((reply) => reply.type === 'buttons');
    const ids = message?.type === 'buttons' ? message.buttons.map((button) => button.id) : null;
    if (JSON.stringify(ids) !== JSON.stringify(expectation.buttons))
      problems.push(
        `expected buttons ${JSON.stringify(expectation.buttons)}, got ${ids ? JSON.stringify(ids) : seen}`,
      );
  }
  if (expectation.list) {
    const message = replies.find((reply) => reply.type === 'list');
    const ids =
      message?.type === 'list'
        ? message.sections.flatMap((section) => section.rows.map((row) => row.id))
        : null;
    if (JSON.stringify(ids) !== JSON.stringify(expectation.list))
      problems.push(
        `expected list rows ${JSON.stringify(expectation.list)}, got ${ids ? JSON.stringify(ids) : seen}`,
      );
  }
  if (expectation.noReply && replies.length > 0) problems.push(`expected no reply, got ${seen}`);
  if (expectation.replies !== undefined && replies.length !== expectation.replies)
    problems.push(`expected ${expectation.replies} replies, got ${replies.length} (${seen})`);
  if (expectation.variable !== undefined) {
    const value = readPath(variables, expectation.variable);
    if (expectation.equals !== undefined && JSON.stringify(value) !== JSON.stringify(expectation.equals)) {
      problems.push(
        `expected variable ${expectation.variable} = ${JSON.stringify(expectation.equals)}, got ${JSON.stringify(value)}`,
      );
    }
    if (expectation.defined !== undefined && (value !== undefined) !== expectation.defined) {
      problems.push(
        `expected variable ${expectation.variable} to be ${expectation.defined ? 'set' : 'unset'}`,
      );
    }
  }
  if (expectation.status !== undefined && result?.status !== expectation.status)
    problems.push(`expected status ${expectation.status}, got ${result?.status ?? 'none'}`);
  if (expectation.node !== undefined && result?.nodeId !== expectation.node)
    problems.push(`expected to be at node ${expectation.node}, got ${result?.nodeId ?? 'none'}`);
  return problems;
}

/**
 * Runs one conversation script against a flow with a test harness (memory store, fake clock).
 * Collects every failing expectation and the nodes and edges the conversation went through.
 *
 * @example
 * const result = await runScenario(pizzaFlow, {
 *   name: 'orders a large pizza',
 *   steps: [{ send: 'hi' }, { click: 'large' }, { expect: { variable: 'size', equals: 'large' } }],
 * });
 * if (!result.passed) console.error(result.failures);
 */
export async function runScenario(
  flow: unknown,
  scenario: Scenario,
  options: RunScenarioOptions = {},
): Promise<ScenarioResult> {
  const parsed = scenarioSchema.safeParse(scenario);
  const flowId = parseFlow(flow, options.nodes ? { nodes: options.nodes } : {}).flow?.id;
  const coveredNodes = new Set<string>();
  const coveredEdges = new Set<string>();
  if (!parsed.success) {
    return {
      name: String((scenario as { name?: unknown })?.name ?? '?'),
      passed: false,
      failures: [
        {
          step: -1,
          message: `invalid scenario: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
        },
      ],
      coveredNodes,
      coveredEdges,
    };
  }
  const { bail = true, ...harnessOptions } = options;
  const bot = createTestHarness(flow, {
    ...harnessOptions,
    ...(parsed.data.contact ? { contact: parsed.data.contact } : {}),
  });
  const cover = (events: EngineEvent[]) => {
    for (const event of events) {
      if (event.type === 'node.entered' && event.flowId === flowId) coveredNodes.add(event.nodeId);
      if (event.type === 'edge.traversed' && event.flowId === flowId) coveredEdges.add(event.edgeId);
    }
  };
  const failures: ScenarioFailure[] = [];
  let last: StepResult | null = null;
  for (const [index, step] of parsed.data.steps.entries()) {
    try {
      if ('expect' in step) {
        for (const message of check(step.expect, bot.lastReplies, last, bot.variables))
          failures.push({ step: index, message });
        if (failures.length > 0 && bail) break;
        continue;
      }
      let results: StepResult[];
      if ('send' in step) results = [await bot.send(step.send as TestMessage)];
      else if ('click' in step) results = [await bot.click(step.click)];
      else if ('choose' in step) results = [await bot.choose(step.choose)];
      else if ('advance' in step) results = await bot.advance(step.advance);
      else results = [await bot.release(step.release ?? undefined)];
      for (const result of results) cover(result.events);
      if (results.length > 0) last = results.at(-1)!;
    } catch (error) {
      failures.push({ step: index, message: `the step threw: ${(error as Error).message}` });
      if (bail) break;
    }
  }
  return { name: parsed.data.name, passed: failures.length === 0, failures, coveredNodes, coveredEdges };
}

/**
 * Node and edge coverage of a flow by a set of scenario results.
 *
 * @example
 * const { nodes, edges } = flowCoverage(parseFlow(doc).flow!, results);
 * console.log(`${nodes.percent}% of nodes, missed: ${nodes.missed.join(', ')}`);
 */
export function flowCoverage(flow: Flow, results: ScenarioResult[]) {
  const nodes = new Set(results.flatMap((result) => [...result.coveredNodes]));
  const edges = new Set(results.flatMap((result) => [...result.coveredEdges]));
  const missedNodes = flow.nodes.map((node) => node.id).filter((id) => !nodes.has(id));
  const missedEdges = flow.edges.map((edge) => edge.id).filter((id) => !edges.has(id));
  const percent = (covered: number, total: number) =>
    total === 0 ? 100 : Math.round((covered / total) * 1000) / 10;
  return {
    nodes: {
      covered: flow.nodes.length - missedNodes.length,
      total: flow.nodes.length,
      percent: percent(flow.nodes.length - missedNodes.length, flow.nodes.length),
      missed: missedNodes,
    },
    edges: {
      covered: flow.edges.length - missedEdges.length,
      total: flow.edges.length,
      percent: percent(flow.edges.length - missedEdges.length, flow.edges.length),
      missed: missedEdges,
    },
  };
}
