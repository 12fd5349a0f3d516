import { type ChannelLimits, whatsappChannelLimits } from '@botpe/engine';

/**
 * WhatsApp's limits as the engine's channel lint and the transport's fallbacks see them
 * (SPEC §9.4). The engine owns the numbers, so `botpe validate --channel whatsapp` and the
 * transport can never disagree.
 *
 * @example
 * import { whatsappLimits } from '@botpe/whatsapp-adapter';
 * if (buttons.length > whatsappLimits.maxButtons) console.log('will become a list');
 */
export const whatsappLimits: ChannelLimits = whatsappChannelLimits;

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
