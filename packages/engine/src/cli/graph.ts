import { parseArgs } from 'node:util';
import { parseFlow } from '../flow/parse.js';
import type { Flow } from '../flow/schema.js';
import { parseFileCommand } from './args.js';
import { type CliCommand, EXIT, writeLine } from './command.js';
import { readFlowFile } from './flow-file.js';

const usage = `Usage: botpe graph <flow.json>

Prints the flow as a Mermaid flowchart: nodes with their type, edges labelled with their handle,
jumps and global commands dotted.`;

/** Mermaid wants ids without punctuation, and labels without quotes. */
const id = (nodeId: string, index: number) => `n${index}_${nodeId.replace(/[^A-Za-z0-9_]/g, '_')}`;
const label = (text: string) =>
  text.replace(/"/g, '#quot;').replace(/[<>]/g, (char) => (char === '<' ? '#lt;' : '#gt;'));

/** A short description of a node for its box. */
function caption(type: string, data: Record<string, unknown>): string {
  const text = data.text;
  const first =
    typeof text === 'string' ? text : text && typeof text === 'object' ? Object.values(text)[0] : undefined;
  const extra =
    type === 'jump'
      ? `→ ${String(data.target)}`
      : type === 'subflow'
        ? `flow ${String(data.flowId)}`
        : type === 'action'
          ? String(data.name)
          : typeof first === 'string'
            ? first
            : '';
  const short = extra.length > 40 ? `${extra.slice(0, 39)}…` : extra;
  return short ? `${type}: ${short}` : type;
}

/**
 * The flow as Mermaid `flowchart TD` text.
 *
 * @example
 * console.log(flowToMermaid(parseFlow(doc).flow!));
 */
export function flowToMermaid(flow: Flow): string {
  const index = new Map(flow.nodes.map((node, position) => [node.id, position]));
  const ref = (nodeId: string) => id(nodeId, index.get(nodeId)!);
  const lines = ['flowchart TD'];
  for (const node of flow.nodes) {
    const text = label(
      `${node.id}\n${caption(node.type, (node.data ?? {}) as Record<string, unknown>)}`,
    ).replace(/\n/g, '<br/>');
    const shape =
      node.type === 'start' || node.type === 'end'
        ? [`(["`, `"])`]
        : node.type === 'condition'
          ? [`{"`, `"}`]
          : [`["`, `"]`];
    lines.push(`  ${ref(node.id)}${shape[0]}${text}${shape[1]}`);
  }
  for (const edge of flow.edges) {
    lines.push(
      `  ${ref(edge.source)} -->${edge.sourceHandle === 'out' ? '' : `|${label(edge.sourceHandle)}|`} ${ref(edge.target)}`,
    );
  }
  for (const node of flow.nodes) {
    if (node.type === 'jump')
      lines.push(`  ${ref(node.id)} -.-> ${ref(String((node.data as { target: string }).target))}`);
  }
  for (const command of flow.settings.commands ?? []) {
    lines.push(
      `  cmd_${label(command.keywords[0]!).replace(/[^A-Za-z0-9_]/g, '_')}[/"${label(command.keywords.join(', '))}"/] -.-> ${ref(command.target)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `botpe graph`: the flow as Mermaid. */
export const graphCommand: CliCommand = {
  name: 'graph',
  summary: 'print a flow as a Mermaid flowchart',
  usage,
  async run(args, io) {
    const parsed = parseFileCommand('graph', usage, io, () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: { help: { type: 'boolean', short: 'h' } },
      }),
    );
    if (typeof parsed === 'number') return parsed;
    const file = await readFlowFile(parsed.path);
    if (!file.ok) {
      writeLine(io.stderr, `botpe graph: ${file.problem}`);
      return EXIT.usage;
    }
    const result = parseFlow(file.document);
    if (!result.ok) {
      writeLine(io.stderr, `botpe graph: the flow has errors; run \`botpe validate ${parsed.path}\``);
      return EXIT.invalid;
    }
    io.stdout.write(flowToMermaid(result.flow));
    return EXIT.ok;
  },
};
