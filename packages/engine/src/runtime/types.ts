import type { EventEmitter } from 'eventemitter3';
import type { ConversationRef, InboundEvent, OutboundMessage } from '../messages.js';
import type { SessionStatus } from '../ports/store.js';

/** The status a step leaves the conversation in. */
export type StepStatus = 'waiting' | 'handoff' | 'ended' | 'unrouted';

/** An engine event: emitted on the engine and also returned, as data, in every StepResult. */
export type EngineEvent =
  | { type: 'message.received'; conversationKey: string; messageId: string; messageType: string }
  | { type: 'message.sent'; conversationKey: string; outboxId: string; providerMessageId: string }
  | {
      type: 'message.failed';
      conversationKey: string;
      /** The outbox entry, when the engine (or the provider's callback data) knows it. */
      outboxId?: string;
      /** The provider's id of the message, for a failure reported by a delivery status. */
      providerMessageId?: string;
      code: string;
      message: string;
    }
  | {
      type: 'message.delivered' | 'message.read';
      conversationKey: string;
      providerMessageId: string;
      timestamp: number;
    }
  | { type: 'node.entered'; conversationKey: string; flowId: string; nodeId: string; nodeType: string }
  | { type: 'edge.traversed'; conversationKey: string; flowId: string; edgeId: string }
  | { type: 'effect.failed'; conversationKey: string; nodeId: string; code: string; message: string }
  | { type: 'timer.fired'; conversationKey: string; timerId: string; stale: boolean }
  | { type: 'session.started'; conversationKey: string; flowId: string; flowVersion: number }
  | { type: 'session.ended'; conversationKey: string; flowId: string; reason: string }
  | {
      type: 'step';
      conversationKey: string;
      status: StepStatus;
      durationMs: number;
      duplicate: boolean;
      attempts: number;
    }
  | { type: 'error'; conversationKey?: string; code: string; message: string }
  | {
      type: `node.${string}` | `ai.${string}`;
      conversationKey: string;
      nodeId: string;
      [field: string]: unknown;
    };

/** What one step did. */
export interface StepResult {
  /** The replies of this step, in order. With a transport they have been sent (or are queued in the outbox). */
  outbound: OutboundMessage[];
  status: StepStatus;
  /** The node the conversation waits in (or ended in); null when unrouted. */
  nodeId: string | null;
  /** The session's variables after the step. */
  variables: Record<string, unknown>;
  events: EngineEvent[];
  /** True when the event had been processed before: nothing ran, nothing was sent. */
  duplicate: boolean;
}

export interface EngineEventMap {
  [type: string]: [EngineEvent];
}

export type { ConversationRef, InboundEvent, SessionStatus };

/** The engine, as hosts and adapters use it. */
export interface Engine extends EventEmitter<EngineEventMap> {
  /** Runs one step for an inbound message. Resolves once the step is committed (and delivered). */
  handle(event: InboundEvent): Promise<StepResult>;
  /** Starts a flow for a conversation without an inbound message (a campaign, a reminder). */
  start(
    conversation: ConversationRef,
    options: { flowId: string; variables?: Record<string, unknown>; contact?: { name?: string } },
  ): Promise<StepResult>;
  /** Ends a human handoff and lets the flow go on through the handoff node's `out`. */
  release(
    conversation: ConversationRef,
    options?: { variables?: Record<string, unknown> },
  ): Promise<StepResult>;
  /** Fires every due timer; one StepResult per timer. */
  tick(): Promise<StepResult[]>;
  /** Delivers outbox entries left by a crash. Returns how many were delivered. */
  recover(options?: { olderThanMs?: number }): Promise<number>;
  /**
   * Replaces the flows that start new conversations. Live sessions keep the version they started
   * on, unless the new version declares a migration (`migrate`) from it. Throws FLOW_INVALID and
   * changes nothing if a flow is invalid.
   */
  setFlows(flows: readonly unknown[]): void;
  /** Reports a provider status (delivered, read, failed) as an engine event. */
  reportStatus(
    event: Extract<EngineEvent, { type: 'message.delivered' | 'message.read' | 'message.failed' }>,
  ): void;
  /** Waits for steps in flight, then closes the store. */
  close(): Promise<void>;
}
