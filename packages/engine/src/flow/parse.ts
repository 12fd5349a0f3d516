import type { z } from 'zod';
import type { AnyNodeDefinition } from '../nodes/define.js';
import { createRegistry, type NodeRegistry } from '../nodes/registry.js';
import type { ChannelLimits } from '../ports/transport.js';
import { parseDuration } from './duration.js';
import type { FlowIssue } from './issues.js';
import {
  FLOW_SCHEMA_VERSION,
  type Flow,
  type FlowEdge,
  type FlowNode,
  flowDocumentSchema,
} from './schema.js';
import { placeholders } from './text.js';

export interface ParseFlowOptions {
  /** Extension node types (e.g. `aiNodes(...)`), beside the core ones. */
  nodes?: readonly AnyNodeDefinition[];
  /** Check the flow against a channel's limits (the channel lint). */
  limits?: ChannelLimits;
  /** The names of the host's actions: an `action` node naming another is an error. */
  actions?: readonly string[];
  /** The ids of the flows a `subflow` node may call. */
  flowIds?: readonly string[];
}

export type ParseFlowResult =
  | { ok: true; flow: Flow; errors: []; warnings: FlowIssue[] }
  | { ok: false; flow?: undefined; errors: FlowIssue[]; warnings: FlowIssue[] };

/** Variables every session has. */
const BUILT_IN_VARIABLES = new Set(['contact', '$input', '$locale']);

function zodIssues(
  error: z.ZodError,
  prefix: Array<string | number>,
  code: FlowIssue['code'],
  extra: Partial<FlowIssue>,
) {
  return error.issues.map(
    (issue): FlowIssue => ({
      code,
      severity: 'error',
      message: `${issue.message}${issue.path.length ? ` at ${issue.path.join('.')}` : ''}`,
      path: [
        ...prefix,
        ...issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
      ],
      ...extra,
    }),
  );
}

/** Every string inside a JSON value. */
function strings(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') found.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, found);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) strings(item, found);
  return found;
}

/**
 * Validates a flow document: the schema of the whole document, each node's `data`, and the graph
 * (edges, handles, start, cycles, reachability, variables, channel limits). Returns every problem at
 * once. Never throws, whatever the input.
 *
 * @example
 * const result = parseFlow(JSON.parse(text));
 * if (!result.ok) for (const issue of result.errors) console.error(issue.code, issue.nodeId, issue.message);
 */
export function parseFlow(input: unknown, options: ParseFlowOptions = {}): ParseFlowResult {
  const errors: FlowIssue[] = [];
  const warnings: FlowIssue[] = [];
  const report = (issue: FlowIssue) => (issue.severity === 'error' ? errors : warnings).push(issue);

  let registry: NodeRegistry;
  try {
    registry = createRegistry(options.nodes);
  } catch (error) {
    errors.push({ code: 'node.unknownType', severity: 'error', message: (error as Error).message, path: [] });
    return { ok: false, errors, warnings };
  }

  const document = flowDocumentSchema.safeParse(input);
  if (!document.success) {
    errors.push(...zodIssues(document.error, [], 'schema.invalid', {}));
    return { ok: false, errors, warnings };
  }
  const raw = document.data;
  if (raw.schema !== undefined && raw.schema !== FLOW_SCHEMA_VERSION) {
    errors.push({
      code: 'schema.unsupportedVersion',
      severity: 'error',
      message: `Unsupported flow format "${raw.schema}"; this engine reads "${FLOW_SCHEMA_VERSION}".`,
      path: ['schema'],
    });
    return { ok: false, errors, warnings };
  }

  // Nodes: unique ids, known types, valid data.
  const nodes: FlowNode[] = [];
  const nodeById = new Map<string, { node: FlowNode; index: number; definition: AnyNodeDefinition }>();
  raw.nodes.forEach((envelope, index) => {
    if (nodeById.has(envelope.id)) {
      report({
        code: 'node.duplicateId',
        severity: 'error',
        message: `Node id "${envelope.id}" is used twice.`,
        path: ['nodes', index, 'id'],
        nodeId: envelope.id,
      });
      return;
    }
    const definition = registry.get(envelope.type);
    if (!definition) {
      report({
        code: 'node.unknownType',
        severity: 'error',
        message: `Unknown node type "${envelope.type}".`,
        path: ['nodes', index, 'type'],
        nodeId: envelope.id,
      });
      return;
    }
    const data = definition.data.safeParse(envelope.data ?? {});
    if (!data.success) {
      errors.push(
        ...zodIssues(data.error, ['nodes', index, 'data'], 'node.invalidData', { nodeId: envelope.id }),
      );
      return;
    }
    const node: FlowNode = { id: envelope.id, type: envelope.type, data: data.data };
    nodes.push(node);
    nodeById.set(node.id, { node, index, definition });
    try {
      for (const issue of definition.lint?.(data.data, {
        nodeId: node.id,
        ...(options.limits ? { limits: options.limits } : {}),
        ...(options.actions ? { actions: options.actions } : {}),
        ...(options.flowIds ? { flowIds: options.flowIds } : {}),
      }) ?? []) {
        report({ ...issue, path: ['nodes', index, ...issue.path], nodeId: node.id });
      }
    } catch (error) {
      report({
        code: 'node.invalidData',
        severity: 'error',
        message: `The node's checks failed: ${(error as Error).message}`,
        path: ['nodes', index],
        nodeId: node.id,
      });
    }
  });

  // Edges: unique ids, existing ends, known handles, one edge per handle.
  const edges: FlowEdge[] = [];
  const edgeIds = new Set<string>();
  const usedHandles = new Set<string>();
  raw.edges.forEach((rawEdge, index) => {
    const path = ['edges', index];
    if (edgeIds.has(rawEdge.id)) {
      report({
        code: 'edge.duplicateId',
        severity: 'error',
        message: `Edge id "${rawEdge.id}" is used twice.`,
        path: [...path, 'id'],
        edgeId: rawEdge.id,
      });
      return;
    }
    edgeIds.add(rawEdge.id);
    const source = nodeById.get(rawEdge.source);
    const sourceHandle = rawEdge.sourceHandle ?? 'out';
    let valid = true;
    if (!source) {
      // A source that exists but failed validation already has its own error.
      if (!raw.nodes.some((node) => node.id === rawEdge.source)) {
        report({
          code: 'edge.danglingSource',
          severity: 'error',
          message: `Edge "${rawEdge.id}" leaves node "${rawEdge.source}", which does not exist.`,
          path: [...path, 'source'],
          edgeId: rawEdge.id,
        });
      }
      valid = false;
    } else if (!source.definition.handles(source.node.data).some((handle) => handle.id === sourceHandle)) {
      report({
        code: 'edge.unknownHandle',
        severity: 'error',
        message: `Node "${rawEdge.source}" (${source.node.type}) has no handle "${sourceHandle}".`,
        path: [...path, 'sourceHandle'],
        edgeId: rawEdge.id,
        nodeId: rawEdge.source,
      });
      valid = false;
    } else if (usedHandles.has(`${rawEdge.source}\u0000${sourceHandle}`)) {
      report({
        code: 'edge.duplicateHandle',
        severity: 'error',
        message: `Handle "${sourceHandle}" of node "${rawEdge.source}" has more than one edge.`,
        path: [...path, 'sourceHandle'],
        edgeId: rawEdge.id,
        nodeId: rawEdge.source,
      });
      valid = false;
    }
    if (!raw.nodes.some((node) => node.id === rawEdge.target)) {
      report({
        code: 'edge.danglingTarget',
        severity: 'error',
        message: `Edge "${rawEdge.id}" goes to node "${rawEdge.target}", which does not exist.`,
        path: [...path, 'target'],
        edgeId: rawEdge.id,
      });
      valid = false;
    }
    if (valid) {
      usedHandles.add(`${rawEdge.source}\u0000${sourceHandle}`);
      edges.push({ id: rawEdge.id, source: rawEdge.source, sourceHandle, target: rawEdge.target });
    }
  });

  // Exactly one start.
  const starts = raw.nodes.flatMap((node, index) => (node.type === 'start' ? [{ node, index }] : []));
  if (starts.length === 0) {
    report({
      code: 'start.missing',
      severity: 'error',
      message: 'The flow has no start node.',
      path: ['nodes'],
    });
  }
  for (const extra of starts.slice(1)) {
    report({
      code: 'start.multiple',
      severity: 'error',
      message: 'A flow has one start node; this is another.',
      path: ['nodes', extra.index],
      nodeId: extra.node.id,
    });
  }

  // Jump and command targets.
  const exists = (id: string) => raw.nodes.some((node) => node.id === id);
  for (const { node, index, definition } of nodeById.values()) {
    for (const target of definition.jumpTargets?.(node.data) ?? []) {
      if (!exists(target)) {
        report({
          code: 'jump.unknownTarget',
          severity: 'error',
          message: `Node "${node.id}" jumps to "${target}", which does not exist.`,
          path: ['nodes', index, 'data'],
          nodeId: node.id,
        });
      }
    }
  }
  const settings = raw.settings ?? {};
  settings.commands?.forEach((command, index) => {
    if (!exists(command.target)) {
      report({
        code: 'command.unknownTarget',
        severity: 'error',
        message: `Command "${command.keywords[0]}" goes to "${command.target}", which does not exist.`,
        path: ['settings', 'commands', index, 'target'],
      });
    }
  });
  for (const [from, to] of Object.entries(raw.migrate?.nodes ?? {})) {
    if (!exists(to)) {
      report({
        code: 'migration.unknownTarget',
        severity: 'error',
        message: `The migration maps "${from}" to "${to}", which does not exist.`,
        path: ['migrate', 'nodes', from],
      });
    }
  }
  if (settings.sessionTimeout !== undefined && parseDuration(settings.sessionTimeout) === null) {
    report({
      code: 'duration.invalid',
      severity: 'error',
      message: `sessionTimeout "${settings.sessionTimeout}" is not a duration.`,
      path: ['settings', 'sessionTimeout'],
    });
  }

  // Successors of each node (edges and jumps), for cycles and reachability.
  const successors = new Map<string, string[]>();
  for (const node of nodes) successors.set(node.id, []);
  for (const edge of edges) successors.get(edge.source)?.push(edge.target);
  for (const { node, definition } of nodeById.values()) {
    for (const target of definition.jumpTargets?.(node.data) ?? []) successors.get(node.id)!.push(target);
  }

  for (const cycle of cyclesWithoutWait(nodes, successors, (node) =>
    nodeById.get(node.id)!.definition.waits(node.data),
  )) {
    report({
      code: 'cycle.noWait',
      severity: 'error',
      message: `The nodes ${cycle.map((id) => `"${id}"`).join(' → ')} form a loop that never waits for the user.`,
      path: ['nodes', nodeById.get(cycle[0]!)!.index],
      nodeId: cycle[0]!,
    });
  }

  if (errors.length > 0) return { ok: false, errors, warnings };

  // Warnings: unreachable nodes, unconnected handles, variables read but never written.
  const reachable = new Set<string>();
  const roots = [
    ...starts.map((start) => start.node.id),
    ...(settings.commands ?? []).map((command) => command.target),
  ];
  for (const root of roots) {
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (reachable.has(id)) continue;
      reachable.add(id);
      stack.push(...(successors.get(id) ?? []));
    }
  }
  const written = new Set([...BUILT_IN_VARIABLES, ...(raw.variables ?? []).map((variable) => variable.name)]);
  for (const { node, definition } of nodeById.values()) {
    for (const variable of definition.writes?.(node.data) ?? []) written.add(variable.split(/[.[]/)[0]!);
  }
  for (const { node, index, definition } of nodeById.values()) {
    if (!reachable.has(node.id)) {
      report({
        code: 'node.unreachable',
        severity: 'warning',
        message: `Node "${node.id}" can never be reached from the start.`,
        path: ['nodes', index],
        nodeId: node.id,
      });
    }
    for (const handle of definition.handles(node.data)) {
      if (!handle.optional && !usedHandles.has(`${node.id}\u0000${handle.id}`)) {
        report({
          code: 'handle.unconnected',
          severity: 'warning',
          message: `Handle "${handle.id}" of node "${node.id}" has no edge: the conversation ends there.`,
          path: ['nodes', index],
          nodeId: node.id,
        });
      }
    }
    const reads = new Set(
      strings(node.data)
        .flatMap(placeholders)
        .map((path) => path.split(/[.[]/)[0]!),
    );
    for (const variable of reads) {
      if (!written.has(variable)) {
        report({
          code: 'variable.neverWritten',
          severity: 'warning',
          message: `Node "${node.id}" reads "{{${variable}}}", which nothing writes.`,
          path: ['nodes', index, 'data'],
          nodeId: node.id,
        });
      }
    }
  }

  for (const issue of missingTranslations(raw.nodes, nodeById, settings.defaultLocale)) report(issue);

  const flow: Flow = {
    schema: FLOW_SCHEMA_VERSION,
    id: raw.id,
    version: raw.version,
    ...(raw.name !== undefined ? { name: raw.name } : {}),
    settings,
    variables: raw.variables ?? [],
    nodes,
    edges,
    ...(raw.migrate ? { migrate: raw.migrate } : {}),
  };
  return { ok: true, flow, errors: [], warnings };
}

const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;

/** A text given as a locale map: every key a locale tag, every value a string. */
function isLocaleMap(value: unknown): value is Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return entries.length > 0 && entries.every(([key, text]) => LOCALE.test(key) && typeof text === 'string');
}

/** Locale maps that lack a locale the flow's other texts (or its defaultLocale) have. */
function missingTranslations(
  rawNodes: ReadonlyArray<{ id: string }>,
  nodeById: Map<string, { node: FlowNode; index: number }>,
  defaultLocale: string | undefined,
): FlowIssue[] {
  const maps: Array<{ nodeId: string; index: number; path: Array<string | number>; locales: string[] }> = [];
  const walk = (value: unknown, nodeId: string, index: number, path: Array<string | number>) => {
    if (isLocaleMap(value)) maps.push({ nodeId, index, path, locales: Object.keys(value) });
    else if (Array.isArray(value)) {
      for (const [position, item] of value.entries()) walk(item, nodeId, index, [...path, position]);
    } else if (value !== null && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) walk(item, nodeId, index, [...path, key]);
  };
  for (const { id } of rawNodes) {
    const entry = nodeById.get(id);
    if (entry) walk(entry.node.data, id, entry.index, ['nodes', entry.index, 'data']);
  }
  if (maps.length === 0) return [];
  const all = new Set(maps.flatMap((map) => map.locales));
  if (defaultLocale) all.add(defaultLocale);
  return maps.flatMap((map) => {
    const missing = [...all].filter((locale) => !map.locales.includes(locale));
    return missing.length === 0
      ? []
      : [
          {
            code: 'locale.missingTranslation' as const,
            severity: 'warning' as const,
            message: `This text of node "${map.nodeId}" has no ${missing.join(', ')} translation; the default locale's text is used.`,
            path: map.path,
            nodeId: map.nodeId,
          },
        ];
  });
}

/** Strongly connected groups of nodes that never wait, and that loop (Tarjan's algorithm). */
function cyclesWithoutWait(
  nodes: FlowNode[],
  successors: Map<string, string[]>,
  waits: (node: FlowNode) => boolean,
): string[][] {
  const eligible = new Map(nodes.filter((node) => !waits(node)).map((node) => [node.id, node]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (id: string) => {
    index.set(id, counter);
    low.set(id, counter);
    counter++;
    stack.push(id);
    onStack.add(id);
    for (const next of successors.get(id) ?? []) {
      if (!eligible.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(id, Math.min(low.get(id)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(id, Math.min(low.get(id)!, index.get(next)!));
      }
    }
    if (low.get(id) === index.get(id)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== id);
      if (component.length > 1 || (successors.get(id) ?? []).includes(id)) cycles.push(component.reverse());
    }
  };
  for (const id of eligible.keys()) if (!index.has(id)) visit(id);
  return cycles;
}
