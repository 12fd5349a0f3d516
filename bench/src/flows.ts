import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Answers land in this many variables in turn, so a session's size does not grow with the flow's. */
export const VARIABLE_SLOTS = 4;

/** How many waiting questions a generated flow of `nodes` nodes has (start + question/message pairs + a jump back). */
export function questionCount(nodes: number): number {
  if (!Number.isInteger(nodes) || nodes < 4)
    throw new RangeError(`a generated flow needs at least 4 nodes, got ${nodes}`);
  return Math.floor((nodes - 2) / 2);
}

/** The text of question `index` and of the acknowledgement after it: shared with the xstate floor, so both do the same work. */
export const questionText = (index: number) => `Question ${index}: what is your answer?`;
export const slotOf = (index: number) => `answer${index % VARIABLE_SLOTS}`;
export const acknowledgementTemplate = (index: number) =>
  `Thanks {{contact.name}}, noted "{{${slotOf(index)}}}".`;

/**
 * A flow of exactly `nodes` nodes (padded with one extra message when the count is odd): start, then
 * question → message pairs, and a jump back to the first question, so a conversation can go on forever
 * and every step does the same work (store an answer, send an acknowledgement and the next question).
 *
 * @example
 * const flow = generateFlow(1000, { version: 2 }); // 499 questions
 */
export function generateFlow(nodes: number, options: { id?: string; version?: number } = {}) {
  const questions = questionCount(nodes);
  const flowNodes: Array<{
    id: string;
    type: string;
    position: { x: number; y: number };
    data: Record<string, unknown>;
  }> = [];
  const edges: Array<{ id: string; source: string; target: string }> = [];
  const at = (index: number) => ({ x: (index % 20) * 250, y: Math.floor(index / 20) * 150 });
  flowNodes.push({
    id: 'start',
    type: 'start',
    position: at(0),
    data: { triggers: [{ type: 'keyword', keywords: ['hi'] }] },
  });
  let previous = 'start';
  for (let index = 0; index < questions; index++) {
    const question = `q${index}`;
    const acknowledgement = `m${index}`;
    flowNodes.push({
      id: question,
      type: 'question',
      position: at(flowNodes.length),
      data: { text: questionText(index), variable: slotOf(index), input: { type: 'text', maxLength: 200 } },
    });
    flowNodes.push({
      id: acknowledgement,
      type: 'message',
      position: at(flowNodes.length),
      data: { text: acknowledgementTemplate(index) },
    });
    edges.push({ id: `e-${previous}`, source: previous, target: question });
    edges.push({ id: `e-${question}`, source: question, target: acknowledgement });
    previous = acknowledgement;
  }
  if (flowNodes.length + 1 < nodes) {
    flowNodes.push({
      id: 'pad',
      type: 'message',
      position: at(flowNodes.length),
      data: { text: 'Next round.' },
    });
    edges.push({ id: `e-${previous}`, source: previous, target: 'pad' });
    previous = 'pad';
  }
  flowNodes.push({ id: 'again', type: 'jump', position: at(flowNodes.length), data: { target: 'q0' } });
  edges.push({ id: `e-${previous}`, source: previous, target: 'again' });
  return {
    schema: 'botpe.flow/v1',
    id: options.id ?? `generated-${nodes}`,
    version: options.version ?? 1,
    name: `Generated flow of ${nodes} nodes`,
    settings: { sessionTimeout: '24h' },
    variables: Array.from({ length: VARIABLE_SLOTS }, (_, index) => ({
      name: `answer${index}`,
      type: 'string' as const,
    })),
    nodes: flowNodes,
    edges,
  };
}

export interface ExampleFlow {
  file: string;
  document: Record<string, unknown>;
}

/** The flow documents in `examples/flows/*.json` (none yet is fine: the bench then runs the generated flows only). */
export function loadExampleFlows(directory: string): ExampleFlow[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .flatMap((file) => {
      const document: unknown = JSON.parse(readFileSync(join(directory, file), 'utf8'));
      // Scenario scripts or other JSON beside the flows are not flows.
      if (
        document === null ||
        typeof document !== 'object' ||
        !Array.isArray((document as { nodes?: unknown }).nodes)
      )
        return [];
      return [{ file, document: document as Record<string, unknown> }];
    });
}

/**
 * Texts of the small question/answer conversation that both our engine and BuilderBot run in the
 * side-by-side comparison, so both send the same bytes.
 */
export const SHOP_TEXT = {
  keyword: 'hello',
  welcome: 'Welcome to the shop!',
  askName: 'What is your name?',
  askSize: 'Which size: S, M or L?',
  confirm: (name: string, size: string) => `Thanks ${name}, size ${size} is noted.`,
} as const;

/**
 * The side-by-side conversation as a BotPe flow: "hello" → welcome + ask name → ask size → confirm
 * and end (3 inbound messages, 4 replies); the next "hello" starts it again.
 *
 * @example
 * const engine = createEngine({ flows: [shopFlow()], store: createMemoryStore() });
 */
export function shopFlow() {
  const node = (id: string, type: string, index: number, data: Record<string, unknown>) => ({
    id,
    type,
    position: { x: index * 250, y: 0 },
    data,
  });
  const ids = ['start', 'welcome', 'ask-name', 'ask-size', 'confirm'];
  return {
    schema: 'botpe.flow/v1',
    id: 'shop',
    version: 1,
    name: 'Shop (side by side with BuilderBot)',
    settings: { sessionTimeout: '24h' },
    variables: [
      { name: 'name', type: 'string' as const },
      { name: 'size', type: 'string' as const },
    ],
    nodes: [
      node('start', 'start', 0, { triggers: [{ type: 'keyword', keywords: [SHOP_TEXT.keyword] }] }),
      node('welcome', 'message', 1, { text: SHOP_TEXT.welcome }),
      node('ask-name', 'question', 2, {
        text: SHOP_TEXT.askName,
        variable: 'name',
        input: { type: 'text', maxLength: 200 },
      }),
      node('ask-size', 'question', 3, {
        text: SHOP_TEXT.askSize,
        variable: 'size',
        input: { type: 'text', maxLength: 200 },
      }),
      node('confirm', 'end', 4, { text: SHOP_TEXT.confirm('{{name}}', '{{size}}') }),
    ],
    edges: ids.slice(1).map((target, index) => ({ id: `e-${target}`, source: ids[index]!, target })),
  };
}
