/**
 * Profiles the engine's step on the memory store: `node --cpu-prof --import tsx src/profile.ts [nodes] [steps]`,
 * then `tsx src/profile-summary.ts <file.cpuprofile>` for the top functions by self time.
 */
import { createEngine, createMemoryStore } from '@botpe/engine';
import { createUser } from './conversation.js';
import { generateFlow } from './flows.js';

const nodes = Number(process.argv[2] ?? 10);
const steps = Number(process.argv[3] ?? 50_000);
const flow = generateFlow(nodes);
const engine = createEngine({ flows: [flow], store: createMemoryStore() });
const user = createUser(engine, flow, 0);
const began = performance.now();
for (let index = 0; index < steps; index++) await user.step();
console.log(
  `${steps} steps on a ${nodes}-node flow: ${(((performance.now() - began) / steps) * 1000).toFixed(1)} µs/step`,
);
await engine.close();
