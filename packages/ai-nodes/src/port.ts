/**
 * The LLM port: the one call the ai.* nodes and `generateFlow` need from a model provider.
 * It is small on purpose, so that another provider fits behind it with one file.
 * Changed only in a major version; `specVersion` says which shape an implementation follows.
 */

/** A JSON Schema object (draft 2020-12), as produced by `z.toJSONSchema`. */
export type JsonSchema = Record<string, unknown>;

/** One conversation turn. Untrusted user text belongs only in `user` turns. */
export interface LlmMessage {
  role: 'user' | 'assistant';
  text: string;
}

/** A tool the model may call. Tools are never forced (several current models reject forced tool choice). */
export interface LlmTool {
  name: string;
  description?: string;
  inputSchema: JsonSchema;
}

export interface LlmRequest {
  /** The model id; the client's default when absent. */
  model?: string;
  /** The operator's instructions. Never splice customer text in here. */
  system?: string;
  /** Mark the system prompt as a prompt-cache breakpoint (it should then be byte-identical across calls). */
  cacheSystem?: boolean;
  /** Alternating turns, starting and ending with `user` (a final assistant turn would be a prefill). */
  messages: LlmMessage[];
  maxTokens: number;
  /** Constrain the text reply to this JSON Schema (structured output). The reply text is then JSON. */
  output?: { schema: JsonSchema };
  tools?: LlmTool[];
  /** `auto` (default when tools are given) lets the model answer in text; `none` forbids calls. */
  toolChoice?: 'auto' | 'none';
  /** An opaque end-user id for abuse tracking: a hash, never a phone number or a name. */
  userId?: string;
}

/** Why the model stopped, in provider-neutral words. */
export type LlmStopReason =
  | 'end'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'refusal'
  | 'context_exceeded'
  | 'other';

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface LlmToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** Plain JSON, so a node can carry it through the engine's effect result. */
export interface LlmResponse {
  /** The text blocks joined (thinking blocks are left out). */
  text: string;
  toolCalls: LlmToolCall[];
  stopReason: LlmStopReason;
  usage: LlmUsage;
  /** The model that answered. */
  model: string;
  /** The provider's request id, for support tickets and logs. */
  requestId?: string;
}

export interface LlmCallOptions {
  /** Aborts the call (the engine aborts at the step's deadline). */
  signal?: AbortSignal;
  /** Milliseconds since the epoch after which the call must give up. */
  deadline?: number;
  /** Per-attempt timeout for this call, instead of the client's (e.g. long flow generations). */
  timeoutMs?: number;
}

/** A model provider. Failures are thrown as BotpeErrors with an `AI_*` code. */
export interface LlmClient {
  readonly specVersion: 1;
  /** A short provider name for events and logs, e.g. `anthropic`. */
  readonly provider: string;
  /** The model used when a request names none. */
  readonly defaultModel: string;
  complete(request: LlmRequest, options?: LlmCallOptions): Promise<LlmResponse>;
}

/** Total tokens a call consumed, the figure the per-conversation budget counts. */
export function totalTokens(usage: LlmUsage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}
