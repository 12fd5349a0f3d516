import type { ConversationRef, Engine, InboundMessage, StepResult } from '@botpe/engine';

type MessageBody = InboundMessage extends infer M
  ? M extends unknown
    ? Omit<M, 'id' | 'timestamp'>
    : never
  : never;

/** A fake WhatsApp-shaped message id of realistic length (~58 chars): the processed-ids list stores these. */
export function fakeMessageId(sequence: number): string {
  return `wamid.HBgLMTU1NTAwMDExMTEVAgARGBI${sequence.toString(16).toUpperCase().padStart(24, '0')}AA==`;
}

/** A fake user id in the 555 range, one per conversation index. */
export function fakeUserId(index: number): string {
  return `1555${String(index).padStart(7, '0')}`;
}

interface DocumentNode {
  id: string;
  type: string;
  data?: Record<string, unknown>;
}

/** What a user would answer to a question of this input type, so the flow moves on. */
function answerFor(input: Record<string, unknown> | undefined, turn: number): MessageBody {
  const type = typeof input?.type === 'string' ? input.type : 'text';
  switch (type) {
    case 'number': {
      const min = typeof input?.min === 'number' ? input.min : undefined;
      const max = typeof input?.max === 'number' ? input.max : undefined;
      return { type: 'text', text: String(min ?? (max !== undefined ? Math.min(max, 2) : 2)) };
    }
    case 'email':
      return { type: 'text', text: `user${turn % 100}@example.com` };
    case 'phone':
      return { type: 'text', text: '+15550001111' };
    case 'date':
      return { type: 'text', text: '2030-01-15' };
    case 'media':
      return { type: 'media', kind: 'image', mediaId: `media-${turn}`, mimeType: 'image/jpeg' };
    case 'location':
      return { type: 'location', latitude: 40.4168, longitude: -3.7038, name: 'Plaza Mayor' };
    default:
      return { type: 'text', text: `Alex answer ${turn % 1000}` };
  }
}

function titleText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') return String(Object.values(value)[0] ?? '');
  return '';
}

/**
 * Plays a user of a flow: sends the start keyword, then answers whatever the flow waits for
 * (a valid answer to a question, the next button or list row in turn), and starts again when
 * the conversation ends. Each call to `step()` is one `engine.handle` (or `release` for a handoff).
 *
 * @example
 * const user = createUser(engine, flow, 0);
 * await user.step(); // "hi"
 * await user.step(); // answers the first question
 */
export function createUser(
  engine: Engine,
  flow: { nodes: unknown },
  index: number,
  options: { firstId?: number } = {},
) {
  const nodes = new Map<string, DocumentNode>();
  for (const node of flow.nodes as DocumentNode[]) nodes.set(node.id, node);
  const start = [...nodes.values()].find((node) => node.type === 'start');
  const triggers = (start?.data?.triggers ?? []) as Array<{ type: string; keywords?: string[] }>;
  const greeting = triggers.find((trigger) => trigger.type === 'keyword')?.keywords?.[0] ?? 'hi';
  const conversation: ConversationRef = {
    channel: 'whatsapp',
    botId: '15550009999',
    userId: fakeUserId(index),
  };
  // Ids are unique across users so a shared store never sees one twice.
  let sequence = options.firstId ?? index * 1_000_000_000;
  let turn = 0;
  let last: StepResult | null = null;

  const next = (): MessageBody => {
    if (last === null || last.status === 'ended' || last.status === 'unrouted' || last.nodeId === null)
      return { type: 'text', text: greeting };
    const node = nodes.get(last.nodeId);
    const data = node?.data ?? {};
    switch (node?.type) {
      case 'question':
        return answerFor(data.input as Record<string, unknown> | undefined, turn);
      case 'buttons': {
        const buttons = (data.buttons ?? []) as Array<{ id: string; title: unknown }>;
        const button = buttons[turn % Math.max(1, buttons.length)];
        return button
          ? { type: 'button', buttonId: button.id, text: titleText(button.title) }
          : { type: 'text', text: 'ok' };
      }
      case 'list': {
        const rows = (
          (data.sections ?? []) as Array<{ rows: Array<{ id: string; title: unknown }> }>
        ).flatMap((section) => section.rows);
        const row = rows[turn % Math.max(1, rows.length)];
        return row
          ? { type: 'list', rowId: row.id, text: titleText(row.title) }
          : { type: 'text', text: 'ok' };
      }
      default:
        return { type: 'text', text: 'ok' };
    }
  };

  return {
    conversation,
    get last() {
      return last;
    },
    async step(): Promise<StepResult> {
      turn++;
      if (last?.status === 'handoff') {
        last = await engine.release(conversation);
        return last;
      }
      sequence++;
      const message = {
        ...next(),
        id: fakeMessageId(sequence),
        timestamp: 1_750_000_000_000 + sequence,
      } as InboundMessage;
      last = await engine.handle({ conversation, contact: { name: 'Alex' }, message });
      return last;
    },
  };
}
