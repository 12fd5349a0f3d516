// Public API of @botpe/whatsapp-adapter.

export {
  createWhatsAppClient,
  type MediaInfo,
  type SendOptions,
  type SendResult,
  type WhatsAppClient,
  type WhatsAppClientOptions,
} from './client/client.js';
export { GraphApiError, type GraphErrorInfo } from './client/graph-error.js';
export {
  type GraphEnvelopeOptions,
  type InteractiveHeader,
  toGraphBody,
  type WhatsAppMessage,
} from './client/messages.js';
export type { PairRateOptions } from './client/rate-limit.js';
export { type GraphIssue, validateGraphMessage } from './client/validate.js';
export { WHATSAPP_ADAPTER_ERROR_CODES, type WhatsAppErrorCode } from './errors.js';
export { graphLimits, whatsappLimits } from './limits.js';
export { signWebhookBody, verifySignature } from './signature.js';
export { type FallbackOptions, splitText, toWhatsAppMessages, truncate } from './transport/fallbacks.js';
export {
  createWhatsAppTransport,
  type WhatsAppTransport,
  type WhatsAppTransportOptions,
} from './transport/transport.js';
export { CUSTOMER_SERVICE_WINDOW_MS } from './transport/window.js';
export { createWebhookHandler, type WebhookHandler, type WebhookHandlerOptions } from './webhook/handler.js';
export {
  type IgnoredItem,
  type ParsedWebhook,
  type ParseWebhookOptions,
  parseWebhook,
  type StatusEvent,
  type WebhookError,
  type WhatsAppStatus,
} from './webhook/parse.js';
