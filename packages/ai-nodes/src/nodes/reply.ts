import { defineNode, type Text } from '@botpe/engine';
import { z } from 'zod';
import type { LlmClient, LlmMessage } from '../port.js';
import { splitText, trimToSentence } from '../split.js';
import {
  AI_STATE_VARIABLE,
  type AiBudget,
  callModel,
  failure,
  HISTORY_ENTRY_MAX_CHARS,
  type HistoryEntry,
  inputText,
  maxTokensSchema,
  readState,
  runLlmEffect,
  settle,
  storedState,
  textSchema,
} from './common.js';

export interface ReplyData {
  /** The operator's instructions; interpolated, sent as the cached system prompt. */
  system?: Text;
  /** The user turn to answer. Default: the last user message (`{{$input}}`). */
  prompt?: Text;
  /** How many earlier exchanges (user + assistant) to send along. Default 10. */
  historyTurns?: number;
  /** Stores the reply text in this variable. */
  variable?: string;
  /** Send the reply to the user. Default true. */
  send?: boolean;
  maxTokens?: number;
  model?: string;
}

interface ReplyLocal {
  userText: string;
}

export const DEFAULT_HISTORY_TURNS = 10;
export const DEFAULT_REPLY_MAX_TOKENS = 1024;
/** Sent when the user turn would be empty (a sticker, a location…): the API rejects empty turns. */
const EMPTY_TURN = '(the customer sent no text)';

const replyData: z.ZodType<ReplyData> = z.object({
  system: textSchema.optional(),
  prompt: textSchema.optional(),
  historyTurns: z.number().int().min(0).max(50).optional(),
  variable: z.string().min(1).optional(),
  send: z.boolean().optional(),
  maxTokens: maxTokensSchema.optional(),
  model: z.string().min(1).optional(),
});

/**
 * `ai.reply`: answers the user with the model, remembering the last turns in `$ai.history`.
 *
 * @example
 * const reply = replyNode(createAnthropicClient(), { conversationTokens: 50_000 }, performance.now.bind(performance));
 * createEngine({ flows: [flow], nodes: [reply] });
 */
export function replyNode(client: LlmClient, budget: AiBudget, monotonic: () => number) {
  return defineNode<ReplyData, ReplyLocal>({
    type: 'ai.reply',
    data: replyData,
    handles: () => [{ id: 'out' }, { id: 'error' }],
    waits: () => false,
    writes: (data) => [AI_STATE_VARIABLE, ...(data.variable ? [data.variable] : [])],
    enter(context) {
      const { data } = context;
      const userText = (
        data.prompt === undefined ? inputText(context, undefined) : context.text(data.prompt)
      ).trim();
      const turn = userText === '' ? EMPTY_TURN : userText;
      const history = recentHistory(
        readState(context.variables).history,
        data.historyTurns ?? DEFAULT_HISTORY_TURNS,
      );
      const system = context.text(data.system).trim();
      return callModel(
        context,
        budget,
        {
          ...(data.model ? { model: data.model } : {}),
          ...(system ? { system, cacheSystem: true } : {}),
          messages: [...history, { role: 'user', text: turn }],
          maxTokens: data.maxTokens ?? DEFAULT_REPLY_MAX_TOKENS,
        },
        { userText: turn },
      );
    },
    onEffectResult(context, result) {
      const outcome = settle(context, 'ai.reply', result);
      if (!outcome.ok) return outcome.outcome;
      const { response, state, usageEvent } = outcome.settled;
      if (response.stopReason === 'refusal') return failure(context, 'AI_REFUSED', {}, state, [usageEvent]);
      // A reply cut by max_tokens keeps its complete sentences rather than ending mid-word.
      const text = (
        response.stopReason === 'max_tokens' ? trimToSentence(response.text) : response.text
      ).trim();
      if (text === '')
        return failure(context, 'AI_OUTPUT_INVALID', { reason: 'empty reply' }, state, [usageEvent]);
      const turns = context.data.historyTurns ?? DEFAULT_HISTORY_TURNS;
      const userText = context.local?.userText ?? EMPTY_TURN;
      state.history = recentHistory(
        [...state.history, entry('user', userText), entry('assistant', text)],
        turns,
      );
      const send = context.data.send ?? true;
      return {
        ...(send ? { send: splitText(text).map((piece) => ({ type: 'text' as const, text: piece })) } : {}),
        set: {
          [AI_STATE_VARIABLE]: storedState(state),
          ...(context.data.variable ? { [context.data.variable]: text } : {}),
        },
        events: [usageEvent],
        next: 'out',
      };
    },
    runEffect: runLlmEffect(client, monotonic),
  });
}

function entry(role: HistoryEntry['role'], text: string): HistoryEntry {
  return {
    role,
    text: text.length > HISTORY_ENTRY_MAX_CHARS ? text.slice(0, HISTORY_ENTRY_MAX_CHARS) : text,
  };
}

/** The last `turns` exchanges, starting with a user turn (the API wants user first). */
function recentHistory(history: HistoryEntry[], turns: number): LlmMessage[] {
  const kept = turns === 0 ? [] : history.slice(-turns * 2);
  const firstUser = kept.findIndex((item) => item.role === 'user');
  return firstUser === -1 ? [] : kept.slice(firstUser);
}
