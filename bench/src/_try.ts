import { compareWithBuilderBot } from './builderbot.js';
const t = performance.now();
const r = await compareWithBuilderBot({ samples: Number(process.argv[2] ?? 300), historyWindow: Number(process.argv[3] ?? 1000) });
console.log(JSON.stringify(r, null, 1), ((performance.now() - t) / 1000).toFixed(1), 's');
process.exit(0);
