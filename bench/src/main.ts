import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runBench } from './run.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const output = fileURLToPath(new URL('../results/latest.json', import.meta.url));

const { results, exitCode } = await runBench({ quick, log: (line) => console.log(line) });
mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${output}`);
process.exit(exitCode);
