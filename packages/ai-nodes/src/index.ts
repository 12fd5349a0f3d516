// Public API of @botpe/ai-nodes.

export {
  type AnthropicClientOptions,
  createAnthropicClient,
  DEFAULT_MODEL,
  toMessageParams,
} from './anthropic.js';
export { AI_ERROR_CODES, type AiErrorCode, aiError } from './errors.js';
export { type GenerateFlowOptions, type GenerateFlowResult, generateFlow } from './generate-flow.js';
export type { ClassifyData, Intent } from './nodes/classify.js';
export { AI_STATE_VARIABLE, type AiBudget, type AiState, type HistoryEntry } from './nodes/common.js';
export type { ExtractData } from './nodes/extract.js';
export type { ExtractField, FieldType } from './nodes/fields.js';
export { type AiNodesOptions, aiNodes } from './nodes/index.js';
export type { ReplyData } from './nodes/reply.js';
export type * from './port.js';
export { splitText, trimToSentence, WHATSAPP_TEXT_LIMIT } from './split.js';
