// Public API of @botpe/engine. (Being filled in: the runtime, compiler and nodes land here.)
export * from './errors.js';
export * from './messages.js';
export type * from './ports/clock.js';
export { systemClock } from './ports/clock.js';
export type * from './ports/store.js';
export type * from './ports/transport.js';
export { unlimitedChannel } from './ports/transport.js';
export * from './nodes/define.js';
export * from './flow/issues.js';
export type * from './runtime/types.js';
