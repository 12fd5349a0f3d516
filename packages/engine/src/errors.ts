/**
 * One error class for every package, with a closed set of string codes per package.
 * Each code is documented in docs/errors.md; a test keeps the two in step.
 */

const marker = Symbol.for('botpe.error');

/** The codes `@botpe/engine` raises. */
export const ENGINE_ERROR_CODES = [
  'FLOW_INVALID',
  'FLOW_NOT_FOUND',
  'NODE_TYPE_CONFLICT',
  'CONFIG_INVALID',
  'STORE_FAILED',
  'STORE_CONFLICT_LIMIT',
  'SESSION_CORRUPT',
  'TRANSPORT_FAILED',
  'EFFECT_FAILED',
  'EFFECT_TIMEOUT',
  'ACTION_NOT_FOUND',
  'LOOP_LIMIT',
  'DURATION_INVALID',
  'ENGINE_CLOSED',
  'EVENT_INVALID',
  'ACTION_RESULT_INVALID',
  'HTTP_BLOCKED_ADDRESS',
  'HTTP_DNS_FAILED',
  'HTTP_INVALID_URL',
  'HTTP_INVALID_REQUEST',
  'HTTP_TOO_LARGE',
  'HTTP_TOO_MANY_REDIRECTS',
  'HTTP_REQUEST_FAILED',
] as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

export interface BotpeErrorOptions {
  cause?: unknown;
  /** Whether the same call may succeed if tried again (a rate limit, a timeout, a 5xx). */
  retryable?: boolean;
  /** Structured facts about the failure, safe to log (ids, not message bodies). */
  details?: Record<string, unknown>;
}

/**
 * The base error of every BotPe package.
 *
 * @example
 * try { await engine.handle(event); }
 * catch (error) { if (BotpeError.isInstance(error) && error.code === 'STORE_FAILED') retryLater(); }
 */
export class BotpeError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly [marker] = true;

  constructor(code: Code, message: string, options: BotpeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BotpeError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }

  /** True for a BotpeError from any copy of the package (works across duplicate installs). */
  static isInstance(value: unknown): value is BotpeError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

/**
 * An error raised by the engine itself, its message prefixed with the package.
 *
 * @example
 * throw engineError('FLOW_NOT_FOUND', 'no flow "pizza"', { details: { flowId: 'pizza' } });
 */
export function engineError(code: EngineErrorCode, message: string, options?: BotpeErrorOptions) {
  return new BotpeError(code, `[@botpe/engine] ${message}`, options);
}

/**
 * Turns anything user code threw into a short, loggable message.
 *
 * @example
 * describeError(new Error('boom')); // 'boom'
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return 'unknown error';
}
