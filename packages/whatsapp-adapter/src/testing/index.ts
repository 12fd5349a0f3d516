// Test helpers of @botpe/whatsapp-adapter: a local Graph API emulator and signed webhook builders.
export {
  type GraphEmulator,
  type GraphEmulatorOptions,
  type InjectedError,
  type RecordedMessage,
  type RecordedRequest,
  startGraphEmulator,
} from './emulator.js';
export {
  buildInboundWebhook,
  buildStatusWebhook,
  type InboundSpec,
  type InboundSpecMessage,
  nextTestMessageId,
  type StatusSpec,
  signWebhook,
  type WebhookEnvelope,
} from './webhooks.js';
