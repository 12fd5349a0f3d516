import { BotpeError, type BotpeErrorOptions } from '@botpe/engine';

/** The codes `@botpe/ai-nodes` raises. Each one is documented in docs/errors.md. */
export const AI_ERROR_CODES = [
  'AI_CONFIG_INVALID',
  'AI_AUTH_FAILED',
  'AI_REQUEST_REJECTED',
  'AI_RATE_LIMITED',
  'AI_SPEND_LIMIT',
  'AI_UNAVAILABLE',
  'AI_TIMEOUT',
  'AI_ABORTED',
  'AI_REFUSED',
  'AI_OUTPUT_INVALID',
  'AI_BUDGET_EXCEEDED',
  'AI_FLOW_INVALID',
] as const;

export type AiErrorCode = (typeof AI_ERROR_CODES)[number];

/**
 * Builds the package's error: a BotpeError whose message starts with `[@botpe/ai-nodes]`.
 *
 * @example
 * throw aiError('AI_TIMEOUT', 'the model did not answer before the deadline', { retryable: true });
 */
export function aiError(
  code: AiErrorCode,
  message: string,
  options?: BotpeErrorOptions,
): BotpeError<AiErrorCode> {
  return new BotpeError(code, `[@botpe/ai-nodes] ${message}`, options);
}
