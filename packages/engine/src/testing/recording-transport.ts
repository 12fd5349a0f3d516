import type { ConversationRef, OutboundMessage } from '../messages.js';
import { type ChannelLimits, type Transport, unlimitedChannel } from '../ports/transport.js';

export interface RecordedSend {
  conversation: ConversationRef;
  message: OutboundMessage;
  idempotencyKey: string;
  providerMessageId: string;
}

export interface RecordingTransport extends Transport {
  /** Every message accepted, in order. */
  readonly sent: RecordedSend[];
  /** The next `count` sends throw `error` (default 1). */
  failNext(error: Error, count?: number): void;
}

/**
 * A transport that records what it is asked to send. For tests and the CLI.
 *
 * @example
 * const transport = createRecordingTransport();
 * const engine = createEngine({ flows, transport });
 * await engine.handle(event);
 * expect(transport.sent.map((s) => s.message)).toEqual([{ type: 'text', text: 'Hi!' }]);
 */
export function createRecordingTransport(
  options: { channel?: string; limits?: ChannelLimits } = {},
): RecordingTransport {
  const sent: RecordedSend[] = [];
  const failures: Error[] = [];
  return {
    specVersion: 1,
    channel: options.channel ?? 'test',
    limits: options.limits ?? unlimitedChannel,
    sent,
    failNext(error, count = 1) {
      for (let index = 0; index < count; index++) failures.push(error);
    },
    async send(conversation, message, { idempotencyKey }) {
      const failure = failures.shift();
      if (failure) throw failure;
      const providerMessageId = `sent-${sent.length + 1}`;
      sent.push({ conversation, message, idempotencyKey, providerMessageId });
      return { providerMessageId };
    },
  };
}
