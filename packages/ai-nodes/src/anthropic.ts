import Anthropic from '@anthropic-ai/sdk';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import type { BotpeError } from '@botpe/engine';
import { type AiErrorCode, aiError } from './errors.js';
import type {
  LlmCallOptions,
  LlmClient,
  LlmRequest,
  LlmResponse,
  LlmStopReason,
  LlmToolCall,
} from './port.js';

/** The model used when neither the client nor a node names one: cheap and fast, fit for routing. */
export const DEFAULT_MODEL = 'claude-haiku-4-5';

export interface AnthropicClientOptions {
  /** Defaults to `ANTHROPIC_API_KEY` (the SDK reads it). Pass it explicitly in tests. */
  apiKey?: string;
  /** Defaults to `https://api.anthropic.com` (or `ANTHROPIC_BASE_URL`). */
  baseURL?: string;
  /** The model used when a request names none. Default `claude-haiku-4-5`. */
  model?: string;
  /** Retries made by the SDK on 408/409/429/5xx/529 and network errors. Default 2 (three attempts). */
  maxRetries?: number;
  /** Per-attempt timeout in milliseconds; a call's deadline shortens it. Default 30 000. */
  timeoutMs?: number;
  /** Use the streaming endpoint (SSE) and assemble the message; useful for long generations. Default false. */
  stream?: boolean;
  /** The current time in milliseconds, to turn a deadline into a timeout. Default `Date.now`. */
  now?: () => number;
  /** A fetch to use instead of the global one (e.g. a recording wrapper). */
  fetch?: typeof fetch;
}

/**
 * An {@link LlmClient} on the Anthropic Messages API, through the official `@anthropic-ai/sdk`.
 * Structured output uses `output_config.format`; tool choice is never forced and no assistant
 * prefill or sampling parameter is sent, since current models reject all three.
 *
 * @example
 * const client = createAnthropicClient({ model: 'claude-haiku-4-5', timeoutMs: 15_000 });
 * const engine = createEngine({ flows: [flow], nodes: aiNodes({ client }) });
 */
export function createAnthropicClient(options: AnthropicClientOptions = {}): LlmClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!(timeoutMs > 0))
    throw aiError('AI_CONFIG_INVALID', `timeoutMs must be a positive number, got ${timeoutMs}`);
  const maxRetries = options.maxRetries ?? 2;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw aiError('AI_CONFIG_INVALID', `maxRetries must be a non-negative integer, got ${maxRetries}`);
  }
  const now = options.now ?? Date.now;
  const defaultModel = options.model ?? DEFAULT_MODEL;
  const sdk = new Anthropic({
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    maxRetries,
    timeout: timeoutMs,
    logLevel: 'off',
  });

  async function complete(request: LlmRequest, call: LlmCallOptions = {}): Promise<LlmResponse> {
    const body = toMessageParams(request, defaultModel);
    // The deadline covers every attempt; the per-attempt timeout may not outlive it.
    const attemptTimeout = call.timeoutMs ?? timeoutMs;
    const remaining = call.deadline === undefined ? attemptTimeout : call.deadline - now();
    if (remaining <= 0)
      throw aiError('AI_TIMEOUT', 'the deadline passed before the model was called', { retryable: true });
    const requestOptions = {
      timeout: Math.min(attemptTimeout, remaining),
      ...(call.signal ? { signal: call.signal } : {}),
    };
    try {
      const message = options.stream
        ? await sdk.messages.stream(body, requestOptions).finalMessage()
        : await sdk.messages.create(body, requestOptions);
      return fromMessage(message);
    } catch (error) {
      throw toAiError(error, call, now);
    }
  }

  return { specVersion: 1, provider: 'anthropic', defaultModel, complete };
}

/**
 * Maps a port request to the Messages API body (what {@link createAnthropicClient} sends).
 *
 * @example
 * toMessageParams({ system: 'Be brief.', cacheSystem: true, messages: [{ role: 'user', text: 'Hi' }], maxTokens: 256 }, 'claude-haiku-4-5');
 * // → { model: 'claude-haiku-4-5', max_tokens: 256, system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'Hi' }] }
 */
export function toMessageParams(
  request: LlmRequest,
  defaultModel: string,
): Anthropic.MessageCreateParamsNonStreaming {
  const body: Anthropic.MessageCreateParamsNonStreaming = {
    model: request.model ?? defaultModel,
    max_tokens: request.maxTokens,
    messages: request.messages.map((message) => ({ role: message.role, content: message.text })),
  };
  if (request.system !== undefined && request.system !== '') {
    body.system = [
      {
        type: 'text',
        text: request.system,
        ...(request.cacheSystem ? { cache_control: { type: 'ephemeral' as const } } : {}),
      },
    ];
  }
  if (request.output) {
    // Constrained decoding supports a subset of JSON Schema; the SDK's transform moves the rest
    // into descriptions, so the nodes validate the answer with zod afterwards anyway.
    body.output_config = {
      format: { type: 'json_schema', schema: transformJSONSchema(request.output.schema) },
    };
  }
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: tool.inputSchema as Anthropic.Tool.InputSchema,
    }));
    body.tool_choice = { type: request.toolChoice ?? 'auto' };
  }
  if (request.userId !== undefined) body.metadata = { user_id: request.userId };
  return body;
}

function fromMessage(message: Anthropic.Message & { _request_id?: string | null }): LlmResponse {
  const texts: string[] = [];
  const toolCalls: LlmToolCall[] = [];
  // Select blocks by type: a thinking block may come first on models that think by default.
  for (const block of message.content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'tool_use')
      toolCalls.push({ id: block.id, name: block.name, input: block.input });
  }
  // Recorded responses omit newer fields, so tolerate undefined as well as null.
  const usage = message.usage;
  return {
    text: texts.join(''),
    toolCalls,
    stopReason: stopReason(message.stop_reason),
    usage: {
      inputTokens: usage?.input_tokens ?? 0,
      outputTokens: usage?.output_tokens ?? 0,
      cacheReadTokens: usage?.cache_read_input_tokens ?? 0,
      cacheWriteTokens: usage?.cache_creation_input_tokens ?? 0,
    },
    model: message.model,
    ...(message._request_id ? { requestId: message._request_id } : {}),
  };
}

function stopReason(reason: Anthropic.StopReason | null | undefined): LlmStopReason {
  switch (reason) {
    case 'end_turn':
      return 'end';
    case 'max_tokens':
    case 'stop_sequence':
    case 'tool_use':
    case 'refusal':
      return reason;
    case 'model_context_window_exceeded':
      return 'context_exceeded';
    default:
      return 'other';
  }
}

/** Turns whatever the SDK threw into a coded error. The provider's message text is kept out of it. */
function toAiError(error: unknown, call: LlmCallOptions, now: () => number): BotpeError<AiErrorCode> {
  const pastDeadline = call.deadline !== undefined && now() >= call.deadline;
  if (error instanceof Anthropic.APIUserAbortError) {
    return pastDeadline
      ? aiError('AI_TIMEOUT', 'the model did not answer before the deadline', {
          retryable: true,
          cause: error,
        })
      : aiError('AI_ABORTED', 'the call was aborted', { cause: error });
  }
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return aiError('AI_TIMEOUT', 'the model did not answer in time', { retryable: true, cause: error });
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return aiError('AI_UNAVAILABLE', 'could not connect to the model provider', {
      retryable: true,
      cause: error,
    });
  }
  if (error instanceof Anthropic.APIError) {
    const details = {
      provider: 'anthropic',
      status: error.status ?? null,
      type: error.type ?? null,
      errorCode: error.errorCode ?? null,
      requestId: error.requestID ?? null,
    };
    const code = codeForStatus(error.status, error.errorCode);
    const label = `${error.status ?? 'stream'} ${error.type ?? 'error'}`;
    return aiError(code, `the model provider answered ${label}`, {
      retryable: code === 'AI_RATE_LIMITED' || code === 'AI_UNAVAILABLE',
      details,
      cause: error,
    });
  }
  return aiError('AI_UNAVAILABLE', 'the model call failed', { retryable: true, cause: error });
}

function codeForStatus(status: number | undefined, errorCode: string | null): AiErrorCode {
  // An SSE `error` event after the 200 has no status: it is the streaming form of a 529.
  if (status === undefined) return 'AI_UNAVAILABLE';
  // A spend cap does not lift by retrying, unlike an ordinary rate limit.
  if (status === 429) return errorCode?.includes('spend_limit') ? 'AI_SPEND_LIMIT' : 'AI_RATE_LIMITED';
  if (status === 401 || status === 403) return 'AI_AUTH_FAILED';
  if (status === 408) return 'AI_TIMEOUT';
  if (status >= 500 || status === 409) return 'AI_UNAVAILABLE';
  return 'AI_REQUEST_REJECTED';
}
