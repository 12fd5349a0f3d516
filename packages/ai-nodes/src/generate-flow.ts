import { type AnyNodeDefinition, type Flow, type FlowIssue, flowJsonSchema, parseFlow } from '@botpe/engine';
import { z } from 'zod';
import { aiError } from './errors.js';
import { aiNodes } from './nodes/index.js';
import type { LlmClient, LlmMessage, LlmUsage } from './port.js';

export interface GenerateFlowOptions {
  client: LlmClient;
  /** Model calls allowed: the first draft plus repairs. Default 3. */
  maxRounds?: number;
  model?: string;
  /** Output budget of one draft. Default 8 000. */
  maxTokens?: number;
  /** Timeout of one draft's call, in milliseconds: a full flow takes a while to write. Default 180 000. */
  timeoutMs?: number;
  /** The id the flow gets when the draft names none. Default `generated`. */
  flowId?: string;
  /** Extension node types the draft may use. Default: the ai nodes of this package. */
  nodes?: readonly AnyNodeDefinition[];
  signal?: AbortSignal;
}

export interface GenerateFlowResult {
  /** The flow, as `parseFlow` returned it (valid: no errors). */
  flow: Flow;
  /** Model calls it took (1 = the first draft was valid). */
  rounds: number;
  /** Warnings `parseFlow` still reports (unreachable nodes, unconnected handles…). */
  warnings: FlowIssue[];
  /** Tokens used over all rounds. */
  usage: LlmUsage;
}

/** At most this many problems go back to the model in one repair round. */
const MAX_ISSUES_PER_ROUND = 30;

/**
 * Drafts a flow from a description with the model, then validates it with `parseFlow` and sends the
 * problems back until it validates or the rounds run out (`AI_FLOW_INVALID`).
 *
 * @example
 * const { flow, rounds, warnings } = await generateFlow(
 *   'Greet the customer, ask for their order number, then hand over to an agent.',
 *   { client: createAnthropicClient({ model: 'claude-sonnet-4-6' }) },
 * );
 */
export async function generateFlow(
  description: string,
  options: GenerateFlowOptions,
): Promise<GenerateFlowResult> {
  const maxRounds = options.maxRounds ?? 3;
  if (!Number.isInteger(maxRounds) || maxRounds < 1) {
    throw aiError('AI_CONFIG_INVALID', `maxRounds must be a positive integer, got ${maxRounds}`);
  }
  if (description.trim() === '') throw aiError('AI_CONFIG_INVALID', 'the flow description is empty');
  const nodes = options.nodes ?? aiNodes({ client: options.client });
  const system = generationPrompt(nodes, options.flowId ?? 'generated');
  const messages: LlmMessage[] = [{ role: 'user', text: description.trim() }];
  const usage: LlmUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  let lastErrors: FlowIssue[] = [];

  for (let round = 1; round <= maxRounds; round++) {
    const response = await options.client.complete(
      {
        ...(options.model ? { model: options.model } : {}),
        system,
        cacheSystem: true,
        messages,
        maxTokens: options.maxTokens ?? 8_000,
      },
      { timeoutMs: options.timeoutMs ?? 180_000, ...(options.signal ? { signal: options.signal } : {}) },
    );
    usage.inputTokens += response.usage.inputTokens;
    usage.outputTokens += response.usage.outputTokens;
    usage.cacheReadTokens += response.usage.cacheReadTokens;
    usage.cacheWriteTokens += response.usage.cacheWriteTokens;
    messages.push({ role: 'assistant', text: response.text === '' ? '(empty answer)' : response.text });

    if (response.stopReason === 'max_tokens') {
      lastErrors = [];
      messages.push({
        role: 'user',
        text: 'Your answer was cut off before the JSON ended. Return the whole flow again, more compactly (shorter texts, no positions beyond x and y).',
      });
      continue;
    }
    const draft = extractJson(response.text);
    if (!draft.ok) {
      lastErrors = [];
      messages.push({
        role: 'user',
        text: `Your answer is not valid JSON (${draft.reason}). Return only the flow JSON object.`,
      });
      continue;
    }
    const result = parseFlow(draft.value, { nodes });
    if (result.ok) return { flow: result.flow, rounds: round, warnings: result.warnings, usage };
    lastErrors = result.errors;
    messages.push({ role: 'user', text: repairRequest(result.errors) });
  }
  throw aiError('AI_FLOW_INVALID', `the model did not produce a valid flow in ${maxRounds} rounds`, {
    details: {
      rounds: maxRounds,
      errors: lastErrors.map(({ code, message, nodeId }) => ({ code, message, nodeId })),
    },
  });
}

function repairRequest(errors: FlowIssue[]): string {
  const lines = errors.slice(0, MAX_ISSUES_PER_ROUND).map((issue) => {
    const where = issue.nodeId ? ` (node ${issue.nodeId})` : issue.edgeId ? ` (edge ${issue.edgeId})` : '';
    return `- ${issue.code}${where} at ${issue.path.join('.') || '(document)'}: ${issue.message}`;
  });
  const more =
    errors.length > MAX_ISSUES_PER_ROUND ? `\n(and ${errors.length - MAX_ISSUES_PER_ROUND} more)` : '';
  return `The flow failed validation:\n${lines.join('\n')}${more}\nFix every problem and return the corrected full flow JSON only.`;
}

/** Finds the JSON object in an answer: the whole text, a fenced block, or the outermost braces. */
function extractJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1];
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  const candidates = [
    text.trim(),
    fenced?.trim(),
    start >= 0 && end > start ? text.slice(start, end + 1) : undefined,
  ];
  let reason = 'no JSON object found';
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      return { ok: true, value: JSON.parse(candidate) };
    } catch (error) {
      reason = (error as Error).message;
    }
  }
  return { ok: false, reason };
}

/** The instructions: the format, the handles, the JSON Schema of every node's data. Stable, so cached. */
export function generationPrompt(nodes: readonly AnyNodeDefinition[], flowId: string): string {
  const extensions = Object.fromEntries(
    nodes.map((node) => [node.type, z.toJSONSchema(node.data, { unrepresentable: 'any', io: 'input' })]),
  );
  return [
    'You design WhatsApp conversation flows for the BotPe engine. Answer with one JSON object only: the flow document, no prose.',
    `Header: {"schema": "botpe.flow/v1", "id": "${flowId}", "version": 1, "name": …, "variables"?: […], "nodes": […], "edges": […]}.`,
    'A node is {"id", "type", "position": {"x", "y"}, "data"}. An edge is {"id", "source", "sourceHandle", "target"}; it leaves the source through a named handle ("out" when the node has one exit).',
    'Exactly one "start" node. Every loop must pass a node that waits for the user (question, buttons, list, handoff, delay, ai.extract).',
    'Handles: start/message/set/delay/subflow → out; question → out, invalid, timeout; buttons → one per button id, noMatch, timeout; list → one per row id, noMatch, timeout; condition → one per branch id, else; http → success, error; handoff → out, timeout; action → success, error; end and jump → none;',
    'ai.reply → out, error; ai.classify → one per intent id, fallback, error; ai.extract → out, incomplete, error.',
    'Texts may use {{variable}} placeholders: flow variables, {{contact.name}}, {{$input}} (the last user message). WhatsApp limits: at most 3 buttons with titles up to 20 characters, 10 list rows, 1024-character bodies.',
    'Give every error handle an edge to a polite message. Keep ids short and readable (kebab-case).',
    'JSON Schema of the document and of each core node type:',
    JSON.stringify(flowJsonSchema()),
    'JSON Schema of the "data" of the extension node types:',
    JSON.stringify(extensions),
  ].join('\n');
}
