import { z } from 'zod';
import type { OutboundMessage } from '../messages.js';
import { channelIssues } from './channel-lint.js';
import { matchOption, RESERVED_HANDLES, uniqueIds } from './choice.js';
import type { MissCount } from './common.js';
import { durationSchema, missOutcome, optional, retrySchema, textSchema, timeoutTimers } from './common.js';
import { defineNode, type NodeContext } from './define.js';

const rowSchema = z.object({
  id: z.string().min(1),
  title: textSchema,
  description: textSchema.optional(),
  value: z.unknown().optional(),
});

const listData = z
  .object({
    text: textSchema,
    buttonLabel: textSchema,
    sections: z.array(z.object({ title: textSchema.optional(), rows: z.array(rowSchema).min(1) })).min(1),
    header: textSchema.optional(),
    footer: textSchema.optional(),
    variable: z.string().min(1).optional(),
    retry: retrySchema.optional(),
    timeout: durationSchema.optional(),
  })
  .refine((data) => uniqueIds(data.sections.flatMap((section) => section.rows)), {
    message: 'row ids must be unique across sections',
    path: ['sections'],
  })
  .refine(
    (data) => data.sections.every((section) => section.rows.every((row) => !RESERVED_HANDLES.has(row.id))),
    {
      message: 'a row id cannot be "noMatch" or "timeout"',
      path: ['sections'],
    },
  );

type ListData = z.infer<typeof listData>;

const rowsOf = (data: ListData) => data.sections.flatMap((section) => section.rows);

function render(context: NodeContext<ListData, MissCount>, body: string): OutboundMessage {
  const header = context.text(context.data.header);
  const footer = context.text(context.data.footer);
  return {
    type: 'list',
    text: body,
    buttonLabel: context.text(context.data.buttonLabel),
    sections: context.data.sections.map((section) => {
      const title = context.text(section.title);
      return {
        ...(title ? { title } : {}),
        rows: section.rows.map((row) => {
          const description = context.text(row.description);
          return { id: row.id, title: context.text(row.title), ...(description ? { description } : {}) };
        }),
      };
    }),
    ...(header ? { header } : {}),
    ...(footer ? { footer } : {}),
  };
}

/** `list`: a list message; leaves through the chosen row's id. */
export const listNode = defineNode<ListData, MissCount>({
  type: 'list',
  data: listData,
  handles: (data) => [
    ...rowsOf(data).map((row) => ({ id: row.id })),
    optional('noMatch'),
    optional('timeout'),
  ],
  settles: true,
  waits: () => true,
  writes: (data) => (data.variable ? [data.variable] : []),
  lint: (data, context) => channelIssues.list(data, context),
  enter: (context) => ({
    send: [render(context, context.text(context.data.text))],
    local: { misses: 0 },
    wait: { timers: timeoutTimers(context) },
  }),
  onInput: (context, message) => {
    const rows = rowsOf(context.data);
    const picked = matchOption(
      rows.map((row) => ({ id: row.id, title: context.text(row.title) })),
      message,
    );
    if (picked) {
      const row = rows.find((candidate) => candidate.id === picked.id)!;
      return {
        ...(context.data.variable ? { set: { [context.data.variable]: row.value ?? row.id } } : {}),
        next: picked.id,
      };
    }
    return missOutcome(context, 'noMatch', () => [
      render(context, context.text(context.data.retry?.text ?? context.data.text)),
    ]);
  },
  onTimer: (_context, name) => (name === 'timeout' ? { next: 'timeout' } : { wait: {} }),
});
