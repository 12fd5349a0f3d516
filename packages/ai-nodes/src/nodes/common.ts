import { createHash } from 'node:crypto';
import type { EffectContext, EffectResult, NodeContext, NodeOutcome, Text } from '@botpe/engine';
import { z } from 'zod';
import { aiError } from '../errors.js';
import { type LlmClient, type LlmRequest, type LlmResponse, totalTokens } from '../port.js';

/**
 * The session variable the ai nodes keep their bookkeeping in:
 * `{ tokens, history, error }` (see docs/ai-nodes.md, "Session variables").
 */
export const AI_STATE_VARIABLE = '$ai';

/** One remembered turn of the conversation, for `ai.reply`. */
export interface HistoryEntry {
  role: 'user' | 'assistant';
  text: string;
}

export interface AiState {
  /** Tokens used by this conversation so far (input, output and cache, all counted). */
  tokens: number;
  /** The last turns `ai.reply` saw, oldest first. */
  history: HistoryEntry[];
  /** The code of the last failure, e.g. `AI_TIMEOUT`. Never the provider's message text. */
  error?: string;
}

/** Budgets shared by every ai node of an engine. */
export interface AiBudget {
  /** Tokens one conversation may use in total; a node that would exceed it takes `error`. */
  conversationTokens?: number;
  /** Deadline of one model call (every retry included), in milliseconds. Default 20 000. */
  stepTimeoutMs?: number;
}

export const DEFAULT_STEP_TIMEOUT_MS = 20_000;
/** Each remembered turn is cut to this many characters, so session records stay small. */
export const HISTORY_ENTRY_MAX_CHARS = 1_000;

export const textSchema: z.ZodType<Text> = z.union([z.string(), z.record(z.string(), z.string())]);
export const maxTokensSchema = z.number().int().min(1).max(64_000);

const historySchema = z.array(z.object({ role: z.enum(['user', 'assistant']), text: z.string() }));

/** Reads `$ai`, tolerating a missing or hand-edited value. */
export function readState(variables: Readonly<Record<string, unknown>>): AiState {
  const raw = variables[AI_STATE_VARIABLE];
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const tokens = typeof record.tokens === 'number' && Number.isFinite(record.tokens) ? record.tokens : 0;
  const history = historySchema.safeParse(record.history);
  const state: AiState = { tokens, history: history.success ? history.data : [] };
  if (typeof record.error === 'string') state.error = record.error;
  return state;
}

/** What a node sends to its effect: the provider-neutral request. */
export interface AiEffectRequest {
  llm: LlmRequest;
}

/** What the effect returns: the response and how long the call took. */
export interface AiEffectValue {
  response: LlmResponse;
  latencyMs: number;
}

/**
 * The effect every ai node shares: one call through the port, bounded by the step's deadline.
 * Failures are thrown as coded errors; the engine hands them to `onEffectResult`.
 */
export function runLlmEffect(client: LlmClient, monotonic: () => number) {
  return async (request: unknown, context: EffectContext<unknown>): Promise<AiEffectValue> => {
    if (!isEffectRequest(request))
      throw aiError('AI_CONFIG_INVALID', `node ${context.nodeId} sent a malformed effect request`);
    const llm: LlmRequest = { ...request.llm, userId: opaqueUserId(context) };
    const started = monotonic();
    // The engine aborts the signal at the step's deadline. `context.deadline` is on the engine's
    // clock (a fake one in tests), so it is not compared with wall time here.
    const response = await client.complete(llm, { signal: context.signal });
    return { response, latencyMs: Math.round(monotonic() - started) };
  };
}

/** A stable hash of the conversation: the provider gets no phone number. */
function opaqueUserId(context: EffectContext<unknown>): string {
  const { channel, botId, userId } = context.conversation;
  return createHash('sha256').update(`${channel}:${botId}:${userId}`).digest('hex').slice(0, 32);
}

function isEffectRequest(value: unknown): value is AiEffectRequest {
  return typeof value === 'object' && value !== null && typeof (value as { llm?: unknown }).llm === 'object';
}

function isEffectValue(value: unknown): value is AiEffectValue {
  if (typeof value !== 'object' || value === null) return false;
  const response = (value as { response?: unknown }).response;
  return (
    typeof response === 'object' && response !== null && typeof (response as LlmResponse).text === 'string'
  );
}

/** Builds the effect outcome, or the `error` outcome when the conversation's budget is spent. */
export function callModel<Local>(
  context: NodeContext<unknown, Local>,
  budget: AiBudget,
  llm: LlmRequest,
  local?: Local,
): NodeOutcome<Local> {
  const state = readState(context.variables);
  const limit = budget.conversationTokens;
  if (limit !== undefined && state.tokens >= limit) {
    return failure(context, 'AI_BUDGET_EXCEEDED', { tokens: state.tokens, limit });
  }
  const request: AiEffectRequest = { llm };
  return {
    ...(local === undefined ? {} : { local }),
    effect: { request, timeoutMs: budget.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS },
  };
}

/** The pieces of an outcome a successful call contributes: the usage event and the token count. */
export interface Settled {
  response: LlmResponse;
  /** `$ai` with the tokens of this call added. */
  state: AiState;
  usageEvent: { type: 'ai.usage'; [field: string]: unknown };
}

/**
 * Reads an effect result. A failure becomes the `error` outcome (with the code only, never the
 * provider's text); a success gives the response and its accounting.
 */
export function settle<Local>(
  context: NodeContext<unknown, Local>,
  nodeType: string,
  result: EffectResult,
): { ok: true; settled: Settled } | { ok: false; outcome: NodeOutcome<Local> } {
  if (!result.ok) return { ok: false, outcome: failure(context, result.error.code) };
  if (!isEffectValue(result.value)) return { ok: false, outcome: failure(context, 'AI_OUTPUT_INVALID') };
  const { response, latencyMs } = result.value;
  const state = readState(context.variables);
  state.tokens += totalTokens(response.usage);
  return {
    ok: true,
    settled: {
      response,
      state,
      usageEvent: {
        type: 'ai.usage',
        node: nodeType,
        model: response.model,
        inputTokens: response.usage.inputTokens,
        outputTokens: response.usage.outputTokens,
        cacheReadTokens: response.usage.cacheReadTokens,
        cacheWriteTokens: response.usage.cacheWriteTokens,
        latencyMs,
        stopReason: response.stopReason,
        conversationTokens: state.tokens,
        ...(response.requestId ? { requestId: response.requestId } : {}),
      },
    },
  };
}

/** Leaves through `error`, recording the code in `$ai.error` and an `ai.failed` event. */
export function failure<Local>(
  context: NodeContext<unknown, Local>,
  code: string,
  facts: Record<string, unknown> = {},
  state: AiState = readState(context.variables),
  events: NodeOutcome['events'] = [],
): NodeOutcome<Local> {
  return {
    set: { [AI_STATE_VARIABLE]: { ...state, error: code } },
    events: [...(events ?? []), { type: 'ai.failed', code, ...facts }],
    next: 'error',
  };
}

/** `$ai` as it should be stored after a success: the last error is cleared. */
export function storedState(state: AiState): AiState {
  const { error: _cleared, ...rest } = state;
  return rest;
}

/** The text of a `Text` field, or the last user message when the field is absent. */
export function inputText(context: NodeContext<unknown, unknown>, input: Text | undefined): string {
  if (input !== undefined) return context.text(input);
  const value = context.read('$input');
  return typeof value === 'string' ? value : '';
}

/** Customer text goes in a user turn, fenced, so the instructions can refer to it as data. */
export function fenceCustomerText(text: string): string {
  // A customer cannot close the fence early.
  const safe = text.replace(/<\/?customer_message>/gi, '');
  return `<customer_message>\n${safe}\n</customer_message>`;
}

/** Parses a structured-output reply. Tolerates a code fence around the JSON. */
export function parseJsonReply(text: string): { ok: true; value: unknown } | { ok: false } {
  const trimmed = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch {
    return { ok: false };
  }
}
