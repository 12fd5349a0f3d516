import type { ChannelLimits } from '@botpe/engine';

/**
 * WhatsApp's limits as the engine's channel lint and the transport's fallbacks see them
 * (SPEC §9.4). The interactive body limit is 1024: Meta's list page says 4096 but every SDK
 * enforces 1024, and a message that is accepted everywhere is worth more than 3000 characters.
 *
 * @example
 * import { whatsappLimits } from '@botpe/whatsapp-adapter';
 * if (buttons.length > whatsappLimits.maxButtons) console.log('will become a list');
 */
export const whatsappLimits: ChannelLimits = Object.freeze({
  maxButtons: 3,
  maxButtonTitle: 20,
  maxListRows: 10,
  maxListSections: 10,
  maxRowTitle: 24,
  maxRowDescription: 72,
  maxSectionTitle: 24,
  maxListButtonLabel: 20,
  maxInteractiveBody: 1024,
  maxText: 4096,
  maxHeader: 60,
  maxFooter: 60,
  maxCaption: 1024,
});

/** Wire-level limits that have no place in the channel-neutral `ChannelLimits`. */
export const graphLimits = Object.freeze({
  maxButtonId: 256,
  maxRowId: 200,
  maxCtaDisplayText: 20,
  maxTemplateName: 512,
  maxBizOpaqueCallbackData: 512,
  /** Meta's documented maximum webhook payload. */
  maxWebhookBytes: 3 * 1024 * 1024,
});
