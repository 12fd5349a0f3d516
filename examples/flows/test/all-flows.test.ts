import { readFileSync } from 'node:fs';
import {
  type AnyNodeDefinition,
  coreNodes,
  FLOW_ISSUE_CODES,
  type FlowIssue,
  parseFlow,
  whatsappChannelLimits,
} from '@botpe/engine';
import { describe, expect, it } from 'vitest';
import { exampleFlowFiles, loadExampleFlow } from './load-flow.js';

/** Node types outside the core (`ai.reply`, …) that a flow uses. */
function extensionTypes(document: unknown): string[] {
  const nodes = (document as { nodes?: Array<{ type?: unknown }> }).nodes ?? [];
  return nodes.map((node) => String(node.type)).filter((type) => type.includes('.'));
}

/** The extension node definitions a flow needs; the AI nodes are only built, never called, here. */
async function nodesFor(document: unknown): Promise<AnyNodeDefinition[]> {
  if (!extensionTypes(document).some((type) => type.startsWith('ai.'))) return [];
  const { aiNodes, createAnthropicClient } = await import('@botpe/ai-nodes');
  // Validation never reaches the model; the loopback URL makes sure nothing could leave the machine.
  return aiNodes({
    client: createAnthropicClient({ apiKey: 'test-key-never-sent', baseURL: 'http://127.0.0.1:9' }),
  });
}

const describeIssues = (issues: readonly FlowIssue[]) =>
  issues.map((issue) => `${issue.code} ${issue.nodeId ?? ''} ${issue.message}`);

describe('every example flow', () => {
  const files = exampleFlowFiles();

  it('includes the three core examples', () => {
    expect(files).toEqual(
      expect.arrayContaining(['appointment-booking.json', 'pizza-order.json', 'support-desk.json']),
    );
  });

  it.each(files)('%s parses with zero errors, also against WhatsApp limits', async (file) => {
    const document = loadExampleFlow(file);
    const nodes = await nodesFor(document);
    for (const options of [{ nodes }, { nodes, limits: whatsappChannelLimits }]) {
      const result = parseFlow(document, options);
      expect(describeIssues(result.errors)).toEqual([]);
      expect(result.ok).toBe(true);
    }
  });

  it.each(files.filter((file) => extensionTypes(loadExampleFlow(file)).length === 0))(
    '%s (core nodes only) has zero warnings under WhatsApp limits',
    (file) => {
      const result = parseFlow(loadExampleFlow(file), { limits: whatsappChannelLimits });
      expect(describeIssues(result.warnings)).toEqual([]);
    },
  );

  it.each(files)('%s keeps the editor fields a ReactFlow save writes', (file) => {
    const document = loadExampleFlow(file) as { nodes: Array<Record<string, unknown>> };
    for (const node of document.nodes) {
      expect(node.position).toEqual({ x: expect.any(Number), y: expect.any(Number) });
    }
  });
});

describe('docs/flow-format.md', () => {
  const doc = readFileSync(new URL('../../../docs/flow-format.md', import.meta.url), 'utf8');

  it('documents every validation issue code', () => {
    const missing = FLOW_ISSUE_CODES.filter((code) => !doc.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });

  it('has a section for every core node type', () => {
    const missing = coreNodes.map((node) => node.type).filter((type) => !doc.includes(`### ${type}\n`));
    expect(missing).toEqual([]);
  });

  it('shows JSON examples that the engine accepts as node data', () => {
    const examples = [...doc.matchAll(/```json\n(\{ "id": [\s\S]*?)\n```/g)].map((match) =>
      JSON.parse(match[1]!),
    );
    expect(examples.length).toBeGreaterThanOrEqual(coreNodes.length - 1);
    for (const node of examples as Array<{ id: string; type: string; data: unknown }>) {
      const definition = coreNodes.find((candidate) => candidate.type === node.type);
      expect(definition, node.type).toBeDefined();
      expect(definition!.data.safeParse(node.data).success, `${node.id} (${node.type})`).toBe(true);
    }
  });
});
