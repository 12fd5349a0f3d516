import { z } from 'zod';
import type { OutboundMessage } from '../messages.js';
import { channelIssues } from './channel-lint.js';
import { textSchema } from './common.js';
import { defineNode } from './define.js';

export const mediaSchema = z
  .object({
    kind: z.enum(['image', 'video', 'audio', 'document', 'sticker']),
    url: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    caption: textSchema.optional(),
    filename: z.string().optional(),
  })
  .refine((media) => (media.url === undefined) !== (media.id === undefined), {
    message: 'media needs exactly one of url and id',
  });

const messageData = z
  .object({ text: textSchema.optional(), media: mediaSchema.optional() })
  .refine((data) => data.text !== undefined || data.media !== undefined, {
    message: 'a message needs text, media or both',
  });

/** `message`: sends text and/or media, then goes on. */
export const messageNode = defineNode({
  type: 'message',
  data: messageData,
  handles: () => [{ id: 'out' }],
  waits: () => false,
  instant: true,
  lint: (data, context) => channelIssues.message(data, context),
  enter: (context) => {
    const send: OutboundMessage[] = [];
    const text = context.text(context.data.text);
    if (text) send.push({ type: 'text', text });
    const { media } = context.data;
    if (media) {
      const caption = context.text(media.caption);
      send.push({
        type: 'media',
        kind: media.kind,
        ...(media.url !== undefined ? { url: context.text(media.url) } : { id: media.id! }),
        ...(caption ? { caption } : {}),
        ...(media.filename !== undefined ? { filename: media.filename } : {}),
      });
    }
    return { send, next: 'out' };
  },
});
