import { z } from 'zod';
import { coreNodes } from '../nodes/registry.js';

/** The current flow format. */
export const FLOW_SCHEMA_VERSION = 'botpe.flow/v1';

const durationText = z.union([z.string().min(1), z.number().nonnegative()]);

export const variableSchema = z.object({
  name: z.string().min(1),
  type: z.enum(['string', 'number', 'boolean', 'date', 'json']).optional(),
  default: z.unknown().optional(),
});

export const settingsSchema = z.object({
  sessionTimeout: durationText.optional(),
  defaultLocale: z.string().min(1).optional(),
  commands: z
    .array(z.object({ keywords: z.array(z.string().min(1)).min(1), target: z.string().min(1) }))
    .optional(),
});

/** A node as a ReactFlow editor saves it; editor fields (`position`, `selected`, `measured`, …) are kept but unused. */
export const nodeEnvelopeSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  data: z.unknown().optional(),
});

export const edgeSchema = z.looseObject({
  id: z.string().min(1),
  source: z.string().min(1),
  target: z.string().min(1),
  sourceHandle: z.string().nullish(),
  targetHandle: z.string().nullish(),
});

/** The document header and graph; each node's `data` is checked against its type afterwards. */
export const flowDocumentSchema = z.looseObject({
  schema: z.string().optional(),
  id: z.string().min(1),
  version: z.number().int().nonnegative(),
  name: z.string().optional(),
  settings: settingsSchema.optional(),
  variables: z.array(variableSchema).optional(),
  nodes: z.array(nodeEnvelopeSchema),
  edges: z.array(edgeSchema),
  migrate: z
    .object({
      from: z.array(z.number().int().nonnegative()).min(1),
      nodes: z.record(z.string(), z.string().min(1)).optional(),
    })
    .optional(),
});

export type FlowSettings = z.infer<typeof settingsSchema>;
export type FlowVariable = z.infer<typeof variableSchema>;

/** A validated flow, as `parseFlow` returns it. */
export interface Flow {
  schema: typeof FLOW_SCHEMA_VERSION;
  id: string;
  version: number;
  name?: string;
  settings: FlowSettings;
  variables: FlowVariable[];
  nodes: FlowNode[];
  edges: FlowEdge[];
  /**
   * Moves live sessions of older versions to this one: `from` lists the versions, `nodes` maps an old
   * node id to its id here (unlisted ids are kept). A session whose node has no counterpart stays.
   */
  migrate?: { from: number[]; nodes?: Record<string, string> };
}

export interface FlowNode {
  id: string;
  type: string;
  /** The node's data, as its type's schema parsed it. */
  data: unknown;
}

export interface FlowEdge {
  id: string;
  source: string;
  /** `out` when the editor left it empty. */
  sourceHandle: string;
  target: string;
}

/**
 * The flow format as JSON Schema (draft 2020-12), for editors: the header, and each core node type
 * with its exact `data`.
 *
 * @example
 * writeFileSync('flow.schema.json', JSON.stringify(flowJsonSchema(), null, 2));
 */
export function flowJsonSchema(): Record<string, unknown> {
  const nodeSchemas = coreNodes.map((node) =>
    z.looseObject({ id: z.string().min(1), type: z.literal(node.type), data: node.data }),
  );
  const document = flowDocumentSchema.extend({
    schema: z.literal(FLOW_SCHEMA_VERSION).optional(),
    nodes: z.array(z.union(nodeSchemas as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])),
  });
  return z.toJSONSchema(document, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
}
