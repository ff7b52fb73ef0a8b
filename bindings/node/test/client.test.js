'use strict';
// The package itself: entry points, the client's options and their
// resolution, the request it sends, retries, and the generated surface.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, execFile } = require('child_process');
const execFileAsync = require('util').promisify(execFile);
const fs = require('fs');
const os = require('os');
const path = require('path');
const util = require('util');
const pkg = require('..');
const { fakeServer, json } = require('./fake-server');

const { FlowEngine, operations } = pkg;
const PKG_DIR = path.resolve(__dirname, '..');
const KEY = 'fe_0123456789abcdef0123456789abcdef01234567';
const servers = [];
after(() => Promise.all(servers.map((s) => s.close())));
async function serve(handler) {
  const s = await fakeServer(handler);
  servers.push(s);
  return s;
}
const USER = { success: true, user_id: 'u1', credits_remaining: 5, tier: 'free' };

test('require() and import both give the same FlowEngine', () => {
  const cjs = execFileSync(process.execPath, ['-e', "const {FlowEngine, NotFoundError}=require('flowengine'); console.log(typeof FlowEngine, typeof NotFoundError)"], {
    cwd: PKG_DIR,
    env: { ...process.env, NODE_PATH: path.dirname(PKG_DIR) },
  }).toString();
  assert.equal(cjs.trim(), 'function function');
  const esm = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', `import FE, { FlowEngine, RateLimitError, operations } from ${JSON.stringify(path.join(PKG_DIR, 'index.mjs'))}; import { createRequire } from 'module'; const r = createRequire(import.meta.url)(${JSON.stringify(PKG_DIR)}); console.log(FE === FlowEngine, FlowEngine === r.FlowEngine, RateLimitError === r.RateLimitError, Object.keys(operations).length)`],
  ).toString();
  assert.equal(esm.trim(), `true true true ${Object.keys(operations).length}`);
  // package.json "exports" points both conditions at these files.
  const { exports } = JSON.parse(fs.readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8'));
  assert.deepEqual(exports['.'], { import: { types: './index.d.mts', default: './index.mjs' }, require: { types: './index.d.ts', default: './index.js' } });
});

test('every operation of the spec is a method of its group', () => {
  const fe = new FlowEngine({ apiKey: KEY, baseURL: 'http://127.0.0.1:9', configFile: '/nonexistent/config.json' });
  const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  assert.equal(Object.keys(operations).length, 55);
  for (const [id, info] of Object.entries(operations)) {
    const group = info.group.split('.').reduce((o, g) => o && o[camel(g)], fe);
    assert.ok(group, `${id}: no group ${info.group}`);
    for (const method of Object.keys(info.methods)) assert.equal(typeof group[method], 'function', `${id}: ${info.group}.${method}`);
  }
  // DESIGN.md's table, camelCased.
  const table = {
    functions: ['list', 'create', 'get', 'update', 'delete', 'requestUpload', 'deploy', 'deployFolder', 'uploadFolder', 'deployGithub', 'forkTemplate', 'usage', 'limits', 'packFolder'],
    'functions.source': ['get', 'update'],
    'functions.logs': ['list', 'tail'],
    'functions.secrets': ['list', 'set', 'delete'],
    'functions.domain': ['add', 'get', 'remove'],
    'functions.billing': ['get', 'update', 'verifyCard'],
    chat: ['stream', 'send'],
    chats: ['list', 'create', 'get', 'delete'],
    account: ['user', 'credits'],
    'n8n.instances': ['create', 'list', 'get', 'delete', 'manage', 'logs'],
    instances: ['list', 'status', 'manage', 'logs', 'deployments', 'updateConfig', 'updateDomain'],
    'instances.backups': ['list', 'create'],
    provision: ['n8n', 'openclaw', 'website'],
    'whatsapp.sessions': ['create', 'list', 'get', 'delete', 'setWebhook'],
    email: ['senders', 'send'],
  };
  for (const [group, methods] of Object.entries(table)) {
    const g = group.split('.').reduce((o, k) => o[k], fe);
    for (const m of methods) assert.equal(typeof g[m], 'function', `${group}.${m}`);
  }
});

test('the client sends the key as a Bearer header, its user agent, and keeps a base URL path prefix', async () => {
  const s = await serve((req, res) => json(res, 200, USER));
  const fe = new FlowEngine({ apiKey: KEY, baseURL: `${s.url}/proxy/fe/`, configFile: '/nonexistent/config.json' });
  assert.equal(fe.baseURL, `${s.url}/proxy/fe`);
  assert.deepEqual(await fe.account.user(), USER);
  const [req] = s.requests;
  assert.equal(req.url, '/proxy/fe/api/v1/user');
  assert.equal(req.headers.authorization, `Bearer ${KEY}`);
  assert.match(req.headers['user-agent'], /^flowengine-node\/0\.1\.0 flowengine-rust\//);
  for (const text of [util.inspect(fe, { depth: 5, showHidden: true }), JSON.stringify(fe)]) assert.ok(!text.includes(KEY.slice(3)), text);
});

test('options map camelCase keys to wire names, in the query and the body', async () => {
  const s = await serve((req, res) => {
    if (req.url.startsWith('/api/v1/functions/usage')) return json(res, 200, { from: 'a', to: 'b', total: { requests: 0, vcpu_seconds: 0, gib_seconds: 0, cost_usd: 0 }, functions: [] });
    return json(res, 201, { id: 'f1', name: 'n', runtime: 'nodejs22', status: 'creating' });
  });
  const fe = new FlowEngine({ apiKey: KEY, baseURL: s.url, configFile: '/nonexistent/config.json' });
  await fe.functions.create({ name: 'n', runtime: 'nodejs22', maxInstances: 3, cpuThrottling: false, triggerConfig: { schedule: '* * * * *' } });
  assert.deepEqual(JSON.parse(s.requests[0].body), { name: 'n', runtime: 'nodejs22', max_instances: 3, cpu_throttling: false, trigger_config: { schedule: '* * * * *' } });
  await fe.functions.usage({ functionId: 'f1', from: '2026-01-01' });
  const url = new URL(s.requests[1].url, s.url);
  assert.equal(url.searchParams.get('function_id'), 'f1');
  assert.equal(url.searchParams.get('from'), '2026-01-01');
});

test('settings come from the environment when not given', async () => {
  const s = await serve((req, res) => json(res, 200, USER));
  // Not execFileSync: the server answering it lives in this process.
  const { stdout } = await execFileAsync(process.execPath, ['-e', `const { FlowEngine } = require(${JSON.stringify(PKG_DIR)}); new FlowEngine({ configFile: '/nonexistent', timeout: 5000 }).account.user().then(u => console.log(u.user_id))`], {
    env: { ...process.env, FLOWENGINE_API_KEY: KEY, FLOWENGINE_BASE_URL: s.url },
  });
  assert.equal(stdout.trim(), 'u1');
  assert.equal(s.requests[0].headers.authorization, `Bearer ${KEY}`);
});

test('the config file is read when neither the options nor the environment say', async () => {
  const s = await serve((req, res) => json(res, 200, USER));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fe-cfg-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify({ api_key: KEY, base_url: s.url }));
  const saved = [process.env.FLOWENGINE_API_KEY, process.env.FLOWENGINE_BASE_URL];
  delete process.env.FLOWENGINE_API_KEY;
  delete process.env.FLOWENGINE_BASE_URL;
  try {
    const fe = new FlowEngine({ configFile: file });
    assert.equal(fe.baseURL, s.url);
    assert.equal((await fe.account.user()).user_id, 'u1');
  } finally {
    if (saved[0] !== undefined) process.env.FLOWENGINE_API_KEY = saved[0];
    if (saved[1] !== undefined) process.env.FLOWENGINE_BASE_URL = saved[1];
  }
});

test('retries: a GET is retried on 503, a POST is not retried on 500', async () => {
  let n = 0;
  const s = await serve((req, res) => {
    n += 1;
    if (req.method === 'GET') return n < 3 ? json(res, 503, { error: 'unavailable' }, { 'retry-after': '0' }) : json(res, 200, USER);
    return json(res, 500, { error: 'server_error', message: 'boom' });
  });
  const fe = new FlowEngine({ apiKey: KEY, baseURL: s.url, maxRetries: 2, configFile: '/nonexistent/config.json' });
  assert.equal((await fe.account.user()).user_id, 'u1');
  assert.equal(n, 3);
  n = 0;
  const err = await fe.chats.create({ title: 'x' }).then(() => null, (e) => e);
  assert.ok(err instanceof pkg.InternalServerError);
  assert.equal(n, 1);
});
