import type { AnyNodeDefinition } from '@botpe/engine';
import { aiError } from '../errors.js';
import type { LlmClient } from '../port.js';
import { classifyNode } from './classify.js';
import type { AiBudget } from './common.js';
import { extractNode } from './extract.js';
import { replyNode } from './reply.js';

export interface AiNodesOptions {
  /** The model provider, e.g. `createAnthropicClient()`. */
  client: LlmClient;
  budget?: AiBudget;
  /** A monotonic clock in milliseconds, for the latency in `ai.usage` events. Default `performance.now`. */
  monotonic?: () => number;
}

/**
 * The `ai.reply`, `ai.classify` and `ai.extract` node types, ready for `createEngine({ nodes })`.
 *
 * @example
 * const client = createAnthropicClient({ model: 'claude-haiku-4-5' });
 * const engine = createEngine({
 *   flows: [supportFlow],
 *   nodes: aiNodes({ client, budget: { conversationTokens: 50_000, stepTimeoutMs: 15_000 } }),
 * });
 */
export function aiNodes(options: AiNodesOptions): AnyNodeDefinition[] {
  const { client, budget = {} } = options;
  if (typeof client?.complete !== 'function') {
    throw aiError(
      'AI_CONFIG_INVALID',
      'aiNodes needs a client with a complete() method (e.g. createAnthropicClient())',
    );
  }
  const { conversationTokens, stepTimeoutMs } = budget;
  if (conversationTokens !== undefined && !(Number.isInteger(conversationTokens) && conversationTokens > 0)) {
    throw aiError(
      'AI_CONFIG_INVALID',
      `budget.conversationTokens must be a positive integer, got ${conversationTokens}`,
    );
  }
  if (stepTimeoutMs !== undefined && !(stepTimeoutMs > 0)) {
    throw aiError(
      'AI_CONFIG_INVALID',
      `budget.stepTimeoutMs must be a positive number, got ${stepTimeoutMs}`,
    );
  }
  const monotonic = options.monotonic ?? (() => performance.now());
  return [
    replyNode(client, budget, monotonic),
    classifyNode(client, budget, monotonic),
    extractNode(client, budget, monotonic),
  ];
}
