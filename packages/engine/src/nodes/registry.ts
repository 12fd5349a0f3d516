import { engineError } from '../errors.js';
import { actionNode } from './action.js';
import { buttonsNode } from './buttons.js';
import { conditionNode } from './condition.js';
import type { AnyNodeDefinition } from './define.js';
import { delayNode } from './delay.js';
import { endNode } from './end.js';
import { handoffNode } from './handoff.js';
import { httpNode } from './http.js';
import { jumpNode } from './jump.js';
import { listNode } from './list.js';
import { messageNode } from './message.js';
import { questionNode } from './question.js';
import { setNode } from './set.js';
import { startNode } from './start.js';
import { subflowNode } from './subflow.js';

/** The node types every engine knows. */
export const coreNodes: readonly AnyNodeDefinition[] = [
  startNode,
  messageNode,
  questionNode,
  buttonsNode,
  listNode,
  conditionNode,
  setNode,
  httpNode,
  delayNode,
  jumpNode,
  handoffNode,
  subflowNode,
  actionNode,
  endNode,
];

/** Node definitions by type: the core ones plus extensions. A type defined twice is a configuration error. */
export type NodeRegistry = ReadonlyMap<string, AnyNodeDefinition>;

const registries = new WeakMap<readonly AnyNodeDefinition[], NodeRegistry>();
const coreRegistry: NodeRegistry = new Map(coreNodes.map((node) => [node.type, node]));

export function createRegistry(extra: readonly AnyNodeDefinition[] = []): NodeRegistry {
  if (extra.length === 0) return coreRegistry;
  const cached = registries.get(extra);
  if (cached) return cached;
  const registry = new Map(coreRegistry);
  for (const node of extra) {
    if (registry.has(node.type)) {
      throw engineError('NODE_TYPE_CONFLICT', `node type "${node.type}" is defined twice`, {
        details: { type: node.type },
      });
    }
    registry.set(node.type, node);
  }
  registries.set(extra, registry);
  return registry;
}
