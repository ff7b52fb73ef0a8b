// Time of `require('flowengine')` in a fresh process (anchor: <= 50 ms), and
// of the first client (which opens the native addon), median of 15 runs.
//
//   node bench/require-time.mjs
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const script = `
const t0 = process.hrtime.bigint();
const { FlowEngine } = require(${JSON.stringify(pkg)});
const t1 = process.hrtime.bigint();
new FlowEngine({ apiKey: 'fe_x', baseURL: 'http://127.0.0.1:9', configFile: '/nonexistent' });
const t2 = process.hrtime.bigint();
const empty0 = process.hrtime.bigint(); require('node:util'); const empty1 = process.hrtime.bigint();
console.log(JSON.stringify({ require: Number(t1 - t0) / 1e6, firstClient: Number(t2 - t1) / 1e6 }));
`;
const runs = [];
for (let i = 0; i < 15; i++) runs.push(JSON.parse(execFileSync(process.execPath, ['-e', script]).toString()));
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const req = median(runs.map((r) => r.require));
const first = median(runs.map((r) => r.firstClient));
console.log(`require('flowengine'): ${req.toFixed(1)} ms median of ${runs.length} (anchor: <= 50 ms)`);
console.log(`first new FlowEngine() (loads the native addon): ${first.toFixed(1)} ms median`);
