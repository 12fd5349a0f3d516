import { type ChannelLimits, whatsappChannelLimits } from '../ports/transport.js';

/** The channels `--channel` accepts, by name. */
export const channelLimitsByName: Readonly<Record<string, ChannelLimits>> = {
  whatsapp: whatsappChannelLimits,
};
