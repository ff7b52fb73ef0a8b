'use strict';
// `{ signal }` cancels any call or stream (the connection is dropped, the
// promise rejects with the signal's reason), and no call blocks the event loop.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { FlowEngine } = require('..');
const { fakeServer, json } = require('./fake-server');
const { startSandbox, ROOT } = require('./sandbox');

let stalled; // accepts requests and never answers; counts closed connections
let closed = 0;
let sandbox;
before(async () => {
  stalled = await fakeServer((req, res) => {
    res.on('close', () => {
      closed += 1;
    });
    if (req.url.startsWith('/api/v1/chat')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'first' }, finish_reason: null }] })}\n\n`);
    }
    // otherwise: no answer at all
  });
  sandbox = await startSandbox();
});
after(async () => {
  await stalled.close();
  if (sandbox) await sandbox.stop();
});

const client = (url = stalled.url) => new FlowEngine({ apiKey: 'fe_x', baseURL: url, maxRetries: 0, configFile: '/nonexistent/config.json' });

async function until(cond, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

test('an already aborted signal rejects at once, sending nothing', async () => {
  const before = stalled.requests.length;
  const ac = new AbortController();
  ac.abort();
  const err = await client().account.user({ signal: ac.signal }).then(() => null, (e) => e);
  assert.equal(err.name, 'AbortError');
  assert.equal(stalled.requests.length, before);
});

test('aborting a call in flight rejects with AbortError and drops the connection', async () => {
  const closedBefore = closed;
  const seenBefore = stalled.requests.length;
  const ac = new AbortController();
  const call = client().functions.list({ signal: ac.signal });
  // Abort once the request is in flight (the server has it), however busy the machine.
  assert.ok(await until(() => stalled.requests.length > seenBefore, 10000), 'the request reached the server');
  const started = Date.now();
  ac.abort();
  const err = await call.then(() => null, (e) => e);
  assert.equal(err.name, 'AbortError');
  assert.ok(Date.now() - started < 2000);
  assert.ok(await until(() => closed > closedBefore), 'the server saw the connection close');
});

test('the signal’s own reason is what the call rejects with', async () => {
  const ac = new AbortController();
  const reason = new Error('user went away');
  setTimeout(() => ac.abort(reason), 50);
  const err = await client().functions.get('f1', { signal: ac.signal }).then(() => null, (e) => e);
  assert.equal(err, reason);
  const timeoutErr = await client().functions.get('f1', { signal: AbortSignal.timeout(50) }).then(() => null, (e) => e);
  assert.equal(timeoutErr.name, 'TimeoutError');
});

test('aborting a stream mid-iteration rejects the pending next() and closes the connection', async () => {
  const closedBefore = closed;
  const ac = new AbortController();
  const stream = client().chat.stream({ message: 'hi', model: 'regular', signal: ac.signal });
  const seen = [];
  const err = await (async () => {
    for await (const chunk of stream) {
      seen.push(chunk.content);
      setTimeout(() => ac.abort(), 50);
    }
  })().then(() => null, (e) => e);
  assert.deepEqual(seen, ['first']);
  assert.equal(err.name, 'AbortError');
  assert.ok(await until(() => closed > closedBefore), 'the server saw the connection close');
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
});

test('aborting a log tail, and a paginated walk', async () => {
  const fe = client(sandbox.url);
  const real = new FlowEngine({ apiKey: sandbox.apiKey, baseURL: sandbox.url, configFile: '/nonexistent/config.json' });
  const fn = await real.functions.create({ name: `abort-${Date.now().toString(36)}`, runtime: 'nodejs22' });
  const ac = new AbortController();
  const tail = real.functions.logs.tail(fn.id, { signal: ac.signal });
  const pending = tail.next();
  setTimeout(() => ac.abort(), 100);
  const err = await pending.then(() => null, (e) => e);
  assert.equal(err && err.name, 'AbortError');
  const ac2 = new AbortController();
  ac2.abort();
  const walk = await (async () => {
    // eslint-disable-next-line no-unused-vars
    for await (const _ of real.chats.list({ signal: ac2.signal }));
  })().then(() => null, (e) => e);
  assert.equal(walk.name, 'AbortError');
  assert.ok(fe);
});

test('aborting deployFolder while it waits for the build', async () => {
  const fe = new FlowEngine({ apiKey: sandbox.apiKey, baseURL: sandbox.url, configFile: '/nonexistent/config.json' });
  const fn = await fe.functions.create({ name: `abort-deploy-${Date.now().toString(36)}`, runtime: 'nodejs22' });
  const ac = new AbortController();
  const phases = [];
  const err = await fe.functions
    .deployFolder(fn.id, path.join(ROOT, 'examples', 'hello'), {
      signal: ac.signal,
      pollInterval: 1000,
      onProgress: (p) => {
        phases.push(p.phase);
        if (p.phase === 'triggered') ac.abort();
      },
    })
    .then(() => null, (e) => e);
  assert.equal(err && err.name, 'AbortError');
  assert.ok(phases.includes('triggered'));
  assert.ok(!phases.includes('ready'), phases.join(','));
});

test('no call blocks the event loop: timers keep firing while 50 calls wait', async () => {
  const fe = client();
  const ac = new AbortController();
  const calls = Array.from({ length: 50 }, () => fe.account.user({ signal: ac.signal }).catch(() => null));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(timer);
  ac.abort();
  await Promise.all(calls);
  const elapsed = Date.now() - started;
  assert.ok(ticks >= elapsed / 5 / 3, `${ticks} ticks in ${elapsed} ms`);
});

test('making a client is quick (the HTTP client is built off the event loop)', () => {
  const started = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) new FlowEngine({ apiKey: 'fe_x', baseURL: 'http://127.0.0.1:9', configFile: '/nonexistent/config.json' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6 / 20;
  assert.ok(ms < 10, `${ms.toFixed(2)} ms a client`);
});

test('json helper sanity (fake server)', async () => {
  const s = await fakeServer((req, res) => json(res, 200, { success: true, user_id: 'u', credits_remaining: 1, tier: 'free' }));
  try {
    const user = await client(s.url).account.user({ signal: new AbortController().signal });
    assert.equal(user.user_id, 'u');
    assert.equal(s.requests[0].headers.authorization, 'Bearer fe_x');
    assert.match(s.requests[0].headers['user-agent'], /^flowengine-node\/0\.1\.0 /);
  } finally {
    await s.close();
  }
});
