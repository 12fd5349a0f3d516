/**
 * @botpe/engine: validate flows drawn in a ReactFlow editor, compile them to xstate v5 machines,
 * and run one step per inbound message with exactly-once turns.
 */
export { type CompiledFlow, type CompileOptions, compileFlow } from './compile/compile.js';
export * from './errors.js';
export { type Duration, parseDuration } from './flow/duration.js';
export * from './flow/issues.js';
export { type ParseFlowOptions, type ParseFlowResult, parseFlow } from './flow/parse.js';
export { readPath } from './flow/paths.js';
export {
  FLOW_SCHEMA_VERSION,
  type Flow,
  type FlowEdge,
  type FlowNode,
  type FlowSettings,
  type FlowVariable,
  flowJsonSchema,
} from './flow/schema.js';
export { interpolate } from './flow/text.js';
export * from './messages.js';
export { channelIssues } from './nodes/channel-lint.js';
export * from './nodes/define.js';
export { coreNodes } from './nodes/registry.js';
export type * from './ports/clock.js';
export { systemClock } from './ports/clock.js';
export type * from './ports/store.js';
export type * from './ports/transport.js';
export { unlimitedChannel, whatsappChannelLimits } from './ports/transport.js';
export { createEngine, type EngineLimits, type EngineOptions } from './runtime/engine.js';
export { createMemoryStore, type MemoryStoreOptions } from './runtime/memory-store.js';
export type * from './runtime/types.js';
