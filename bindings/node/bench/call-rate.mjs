// Call rate of the SDK against the global fetch, on the same sandbox.
//
//   node bench/call-rate.mjs [seconds=3] [concurrency=1,8,32]
//
// Both sides make the same request (GET /api/v1/user with the key) and parse
// the JSON body; fetch does nothing else, the SDK also runs its transport
// (retry policy, error mapping) and re-checks the body against the spec's
// types. Anchor: the SDK >= 1.5x fetch's rate. Not part of `npm test`.
// Build the addon in release first for meaningful figures:
//   npm run build:release
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { startSandbox } = require('../test/sandbox.js');
const { FlowEngine } = require('../index.js');

const seconds = Number(process.argv[2] || 3);
const levels = (process.argv[3] || '1,8,32').split(',').map(Number);

async function rate(label, concurrency, once) {
  // warm up
  for (let i = 0; i < 50; i++) await once();
  let count = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      await once();
      count += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const perSec = count / ((performance.now() - started) / 1000);
  return { label, concurrency, perSec };
}

const sandbox = await startSandbox(process.env.BENCH_SANDBOX_ARGS ? process.env.BENCH_SANDBOX_ARGS.split(' ') : []);
try {
  const fe = new FlowEngine({ apiKey: sandbox.apiKey, baseURL: sandbox.url, configFile: '/nonexistent/config.json' });
  const url = `${sandbox.url}/api/v1/user`;
  const headers = { authorization: `Bearer ${sandbox.apiKey}` };
  const viaFetch = async () => {
    const res = await fetch(url, { headers });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  };
  const viaSdk = () => fe.account.user();
  const check = await viaSdk();
  if (!check.user_id) throw new Error('unexpected answer');
  const rows = [];
  for (const c of levels) {
    const f = await rate('fetch', c, viaFetch);
    const s = await rate('flowengine', c, viaSdk);
    rows.push({ concurrency: c, fetch: f.perSec, sdk: s.perSec, ratio: s.perSec / f.perSec });
  }
  console.log(`call rate, GET /api/v1/user on the sandbox (${seconds} s per run; anchor: >= 1.5x fetch)`);
  console.log('concurrency    fetch/s   flowengine/s   ratio');
  for (const r of rows) {
    console.log(`${String(r.concurrency).padStart(11)} ${r.fetch.toFixed(0).padStart(10)} ${r.sdk.toFixed(0).padStart(14)} ${r.ratio.toFixed(2).padStart(7)}x`);
  }
} finally {
  await sandbox.stop();
}
