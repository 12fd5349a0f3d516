import { createAnthropicClient, type LlmClient } from '@botpe/ai-nodes';
import { createFakeAnthropic, type FakeAnthropic } from '@botpe/ai-nodes/testing';
import type { EngineEvent, StepResult } from '@botpe/engine';

/** A flow node as tests write it: `[id, type, data]`. */
type NodeSpec = [id: string, type: string, data?: Record<string, unknown>];
/** An edge as tests write it: `'source:handle->target'` (handle defaults to out). */
type EdgeSpec = string;

/** Builds a flow document from compact node and edge lists; the first node is the start. */
export function flow(nodes: NodeSpec[], edges: EdgeSpec[], extra: Record<string, unknown> = {}) {
  return {
    schema: 'botpe.flow/v1',
    id: 'test-flow',
    version: 1,
    nodes: nodes.map(([id, type, data], index) => ({
      id,
      type,
      position: { x: 0, y: index * 100 },
      data: data ?? {},
    })),
    edges: edges.map((spec, index) => {
      const [from, target] = spec.split('->') as [string, string];
      const [source, sourceHandle = 'out'] = from.split(':') as [string, string?];
      return { id: `e${index}`, source, sourceHandle, target };
    }),
    ...extra,
  };
}

export interface FakeSetup {
  fake: FakeAnthropic;
  client: LlmClient;
}

/** A fake Messages API and a real-SDK client pointed at it. */
export async function fakeClient(
  options: { maxRetries?: number; timeoutMs?: number } = {},
): Promise<FakeSetup> {
  const fake = await createFakeAnthropic({ apiKey: 'test-key' });
  const client = createAnthropicClient({
    apiKey: 'test-key',
    baseURL: fake.baseURL,
    maxRetries: options.maxRetries ?? 0,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  return { fake, client };
}

/** The events of a step with this type. */
export function eventsOf(result: StepResult, type: string): Array<EngineEvent & Record<string, unknown>> {
  return result.events.filter((event) => event.type === type) as Array<EngineEvent & Record<string, unknown>>;
}

/** The texts of text replies. */
export function texts(replies: ReadonlyArray<{ type: string; text?: string }>): string[] {
  return replies.flatMap((reply) => (reply.type === 'text' && reply.text !== undefined ? [reply.text] : []));
}
