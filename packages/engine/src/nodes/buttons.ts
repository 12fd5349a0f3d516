import { z } from 'zod';
import type { OutboundMessage } from '../messages.js';
import { channelIssues } from './channel-lint.js';
import { matchOption, RESERVED_HANDLES, uniqueIds } from './choice.js';
import type { MissCount } from './common.js';
import { durationSchema, missOutcome, optional, retrySchema, textSchema, timeoutTimers } from './common.js';
import { defineNode, type NodeContext } from './define.js';

const buttonsData = z.object({
  text: textSchema,
  buttons: z
    .array(z.object({ id: z.string().min(1), title: textSchema, value: z.unknown().optional() }))
    .min(1)
    .refine(uniqueIds, { message: 'button ids must be unique' })
    .refine((buttons) => buttons.every((button) => !RESERVED_HANDLES.has(button.id)), {
      message: 'a button id cannot be "noMatch" or "timeout"',
    }),
  header: textSchema.optional(),
  footer: textSchema.optional(),
  variable: z.string().min(1).optional(),
  retry: retrySchema.optional(),
  timeout: durationSchema.optional(),
});

type ButtonsData = z.infer<typeof buttonsData>;

function render(context: NodeContext<ButtonsData, MissCount>, body: string): OutboundMessage {
  const header = context.text(context.data.header);
  const footer = context.text(context.data.footer);
  return {
    type: 'buttons',
    text: body,
    buttons: context.data.buttons.map((button) => ({ id: button.id, title: context.text(button.title) })),
    ...(header ? { header } : {}),
    ...(footer ? { footer } : {}),
  };
}

/** `buttons`: reply buttons; leaves through the chosen button's id. */
export const buttonsNode = defineNode<ButtonsData, MissCount>({
  type: 'buttons',
  data: buttonsData,
  handles: (data) => [
    ...data.buttons.map((button) => ({ id: button.id })),
    optional('noMatch'),
    optional('timeout'),
  ],
  settles: true,
  waits: () => true,
  writes: (data) => (data.variable ? [data.variable] : []),
  lint: (data, context) => channelIssues.buttons(data, context),
  enter: (context) => ({
    send: [render(context, context.text(context.data.text))],
    local: { misses: 0 },
    wait: { timers: timeoutTimers(context) },
  }),
  onInput: (context, message) => {
    const options = context.data.buttons.map((button) => ({
      id: button.id,
      title: context.text(button.title),
    }));
    const picked = matchOption(options, message);
    if (picked) {
      const button = context.data.buttons.find((candidate) => candidate.id === picked.id)!;
      return {
        ...(context.data.variable ? { set: { [context.data.variable]: button.value ?? button.id } } : {}),
        next: picked.id,
      };
    }
    return missOutcome(context, 'noMatch', () => [
      render(context, context.text(context.data.retry?.text ?? context.data.text)),
    ]);
  },
  onTimer: (_context, name) => (name === 'timeout' ? { next: 'timeout' } : { wait: {} }),
});
