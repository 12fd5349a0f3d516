import type { ChannelLimits } from '../ports/transport.js';

/**
 * WhatsApp Cloud API limits for interactive and text messages, as the channel lint checks them.
 * Kept here until the WhatsApp adapter's transport exposes its own `limits` to the CLI.
 */
export const whatsappChannelLimits: ChannelLimits = {
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
};

/** The channels `--channel` accepts, by name. */
export const channelLimitsByName: Readonly<Record<string, ChannelLimits>> = {
  whatsapp: whatsappChannelLimits,
};
