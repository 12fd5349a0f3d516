import { BotpeError, type BotpeErrorOptions } from '@botpe/engine';

/** The codes `@botpe/whatsapp-adapter` raises. Each is documented in docs/errors.md. */
export const WHATSAPP_ADAPTER_ERROR_CODES = [
  'WHATSAPP_CONFIG_INVALID',
  'WHATSAPP_MESSAGE_INVALID',
  'WHATSAPP_LIMIT_EXCEEDED',
  'WHATSAPP_WINDOW_CLOSED',
  'WHATSAPP_RATE_LIMITED',
  'WHATSAPP_AUTH_FAILED',
  'WHATSAPP_GRAPH_ERROR',
  'WHATSAPP_NETWORK_ERROR',
  'WHATSAPP_TIMEOUT',
  'WHATSAPP_ABORTED',
  'WHATSAPP_MEDIA_INVALID',
  'WHATSAPP_UNKNOWN_BOT',
  'WHATSAPP_SIGNATURE_INVALID',
  'WHATSAPP_BODY_TOO_LARGE',
  'WHATSAPP_BODY_INVALID',
] as const;

export type WhatsAppErrorCode = (typeof WHATSAPP_ADAPTER_ERROR_CODES)[number];

/** Raises one of this package's errors, with the package prefix on the message. */
export function whatsappError(
  code: WhatsAppErrorCode,
  message: string,
  options?: BotpeErrorOptions,
): BotpeError<WhatsAppErrorCode> {
  return new BotpeError(code, `[@botpe/whatsapp-adapter] ${message}`, options);
}
