'use strict';
// Every error class: each HTTP status and transport failure, through a local
// server whose answers the test picks, plus what the client catches itself.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const fe_ = require('..');
const { fakeServer, json } = require('./fake-server');

const { FlowEngine } = fe_;
const KEY = 'fe_0123456789abcdef0123456789abcdef01234567';
const servers = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function serve(handler) {
  const s = await fakeServer(handler);
  servers.push(s);
  return s;
}

function client(url, extra = {}) {
  return new FlowEngine({ apiKey: KEY, baseURL: url, maxRetries: 0, configFile: '/nonexistent/config.json', ...extra });
}

/** The checks every SDK error passes. */
function checkError(e, Class, kind) {
  assert.ok(e instanceof Class, `${e && e.name} is not a ${Class.name}: ${e && e.message}`);
  assert.ok(e instanceof fe_.FlowEngineError);
  assert.ok(e instanceof Error);
  assert.equal(e.name, Class.name);
  assert.equal(e.kind, kind);
  for (const text of [e.message, String(e.stack), JSON.stringify(e), util.inspect(e)]) {
    assert.ok(!text.includes(KEY) && !text.includes(KEY.slice(3, 20)), `the key leaks: ${text}`);
  }
}

const statuses = [
  [400, { success: false, error: 'bad_request', message: 'memory too big', field: 'memory' }, {}, fe_.BadRequestError, 'bad_request', { field: 'memory', code: 'bad_request' }],
  [401, { error: 'unauthorized', message: 'Missing or invalid API key' }, {}, fe_.AuthenticationError, 'authentication', { code: 'unauthorized' }],
  [402, { error: 'payment_required', message: 'Add a card', upgrade_url: 'https://flowengine.cloud/settings/billing' }, {}, fe_.PaymentRequiredError, 'payment_required', { upgradeUrl: 'https://flowengine.cloud/settings/billing' }],
  [403, { error: 'Boost mode unavailable', upgrade_required: true, upgrade_url: 'https://flowengine.cloud/#pricing' }, { 'x-request-id': 'req_42' }, fe_.PermissionDeniedError, 'permission_denied', { upgradeUrl: 'https://flowengine.cloud/#pricing', requestId: 'req_42', message: 'Boost mode unavailable' }],
  [404, { error: 'not_found', message: 'Function not found' }, {}, fe_.NotFoundError, 'not_found', { message: 'Function not found' }],
  [409, { error: 'conflict', code: 'no_eligible_sender', message: 'quota' }, {}, fe_.ConflictError, 'conflict', { code: 'no_eligible_sender' }],
  [429, { error: 'Too many concurrent deploys' }, { 'retry-after': '7' }, fe_.RateLimitError, 'rate_limited', { retryAfter: 7000 }],
  [500, { error: 'server_error', message: 'Insufficient credits' }, {}, fe_.InternalServerError, 'server', {}],
];

for (const [status, body, headers, Class, kind, fields] of statuses) {
  test(`HTTP ${status} is a ${Class.name} with its fields`, async () => {
    const s = await serve((req, res) => json(res, status, body, headers));
    const err = await client(s.url).functions.get('f1').then(() => null, (e) => e);
    checkError(err, Class, kind);
    assert.ok(err instanceof fe_.APIStatusError);
    assert.equal(err.status, status);
    for (const [k, v] of Object.entries(fields)) assert.equal(err[k], v, k);
  });
}

test('an HTML error page keeps its status and is never a JSON parse crash', async () => {
  const s = await serve((req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<!DOCTYPE html><html><body>Bad gateway</body></html>');
  });
  const err = await client(s.url).account.user().then(() => null, (e) => e);
  checkError(err, fe_.InternalServerError, 'server');
  assert.equal(err.status, 502);
  assert.match(err.message, /^HTTP 502 Bad Gateway: <!DOCTYPE html>/);
});

test('a success body that does not match the spec is an APIDecodeError with a snippet', async () => {
  const s = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"functions": "not a list"}');
  });
  const err = await client(s.url).functions.list().then(() => null, (e) => e);
  checkError(err, fe_.APIDecodeError, 'decode');
  assert.match(err.message, /not a list/);
});

test('a refused connection is an APIConnectionError', async () => {
  const s = await serve(() => {});
  const url = s.url;
  await s.close();
  servers.splice(servers.indexOf(s), 1);
  const err = await client(url).account.user().then(() => null, (e) => e);
  checkError(err, fe_.APIConnectionError, 'connection');
  assert.equal(err.status, undefined);
});

test('no byte within `timeout` (ms) is an APITimeoutError, also an APIConnectionError', async () => {
  const s = await serve(() => {}); // never answers
  const started = Date.now();
  const err = await client(s.url, { timeout: 300 }).account.user().then(() => null, (e) => e);
  checkError(err, fe_.APITimeoutError, 'timeout');
  assert.ok(err instanceof fe_.APIConnectionError);
  const took = Date.now() - started;
  assert.ok(took >= 250 && took < 5000, `took ${took} ms`);
});

test('a chat stream that breaks off is an APIStreamError', async () => {
  const s = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}\n\n');
    setTimeout(() => res.end(), 20); // no finish_reason, no [DONE]
  });
  const stream = client(s.url).chat.stream({ message: 'hi', model: 'regular' });
  const first = await stream.next();
  assert.equal(first.value.content, 'Hel');
  const err = await stream.next().then(() => null, (e) => e);
  checkError(err, fe_.APIStreamError, 'stream');
  assert.ok(err instanceof fe_.APIConnectionError, 'a broken stream is a connection error, as in Python');
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
});

test('bad arguments are InvalidArgumentErrors naming the field, before anything is sent', async () => {
  const s = await serve((req, res) => json(res, 200, {}));
  const fe = client(s.url);
  const cases = [
    [() => fe.chat.send({ message: 'hi', model: 'turbo' }), 'model'],
    [() => fe.chat.send({ model: 'regular' }), 'message'],
    [() => fe.functions.create({ name: 'x', runtime: 'nodejs22', max_instances: 3 }), 'max_instances'],
    [() => fe.functions.secrets.set('f1', { name: 'lower', value: 'x' }), 'name'],
    [() => fe.instances.logs('i1', { lines: 5000 }), 'lines'],
    [() => fe.chats.list({ limit: 0 }).then((p) => p), 'limit'],
    [() => fe.functions.get(undefined), 'id'],
    [() => fe.functions.deployFolder('f1', 42), 'path'],
    [() => fe.functions.list({ signal: 'soon' }), 'signal'],
    [() => fe.functions.list('nope'), 'params'],
  ];
  for (const [call, field] of cases) {
    const err = await call().then(() => null, (e) => e);
    checkError(err, fe_.InvalidArgumentError, 'invalid_argument');
    assert.equal(err.field, field, err.message);
  }
  assert.equal(s.requests.length, 0, 'nothing was sent');
});

test('a bad config throws at once, naming the option', () => {
  const cases = [
    [{ baseURL: 'ftp://example.com' }, 'baseURL'],
    [{ baseURL: 'not a url' }, 'baseURL'],
    [{ apiKey: 'fe_ bad key' }, 'apiKey'],
    [{ timeout: -1 }, 'timeout'],
    [{ timeout: '2s' }, 'timeout'],
    [{ maxRetries: 1.5 }, 'maxRetries'],
    [{ maxRetries: 99 }, 'maxRetries'],
    [{ apikey: KEY }, 'apikey'],
  ];
  for (const [options, field] of cases) {
    let err;
    try {
      new FlowEngine({ configFile: '/nonexistent/config.json', ...options });
    } catch (e) {
      err = e;
    }
    checkError(err, fe_.InvalidArgumentError, 'invalid_argument');
    assert.equal(err.field, field, err.message);
  }
});

test('no key anywhere is an AuthenticationError before any request', async () => {
  const saved = process.env.FLOWENGINE_API_KEY;
  delete process.env.FLOWENGINE_API_KEY;
  try {
    const s = await serve((req, res) => json(res, 200, {}));
    const fe = new FlowEngine({ baseURL: s.url, configFile: '/nonexistent/config.json' });
    const err = await fe.account.user().then(() => null, (e) => e);
    checkError(err, fe_.AuthenticationError, 'authentication');
    assert.match(err.message, /no API key/);
    assert.equal(s.requests.length, 0);
  } finally {
    if (saved !== undefined) process.env.FLOWENGINE_API_KEY = saved;
  }
});

test('every kind of the core has its class, exported by the package', () => {
  const { ERROR_CLASSES } = require('../lib/errors');
  const kinds = ['bad_request', 'authentication', 'payment_required', 'permission_denied', 'not_found', 'conflict', 'rate_limited', 'server', 'connection', 'timeout', 'decode', 'invalid_argument', 'stream', 'deploy_failed'];
  for (const kind of kinds) {
    const Class = ERROR_CLASSES[kind];
    assert.ok(Class, kind);
    assert.equal(fe_[Class.name], Class, `${Class.name} is exported`);
    const e = require('../lib/errors').fromDetails({ kind, message: 'm', status: 418, code: 'c', field: 'f', upgrade_url: 'u', retry_after: 1.5, request_id: 'r' });
    assert.ok(e instanceof Class);
    assert.deepEqual([e.status, e.code, e.field, e.upgradeUrl, e.retryAfter, e.requestId], [418, 'c', 'f', 'u', 1500, 'r']);
  }
});

test('a kind a newer core may add is an APIStatusError with a status, a FlowEngineError without (as in Python)', () => {
  const { fromDetails } = require('../lib/errors');
  const withStatus = fromDetails({ kind: 'from_the_future', message: 'm', status: 418 });
  assert.equal(withStatus.constructor, fe_.APIStatusError);
  assert.equal(withStatus.status, 418);
  const without = fromDetails({ kind: 'from_the_future', message: 'm' });
  assert.equal(without.constructor, fe_.FlowEngineError);
});
