'use strict';
// Streams (chat, log tail), `break` and close(), and pagination, against the
// sandbox; connection release against a local server that streams forever.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { FlowEngine } = require('..');
const { startSandbox, ROOT } = require('./sandbox');
const { fakeServer } = require('./fake-server');

let sandbox;
let fe;
before(async () => {
  sandbox = await startSandbox();
  fe = new FlowEngine({ apiKey: sandbox.apiKey, baseURL: sandbox.url, configFile: '/nonexistent/config.json' });
});
after(() => sandbox && sandbox.stop());

const chunkLine = (content, finish = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** A chat endpoint that sends a chunk every 10 ms and never ends; records when the client goes away. */
async function endlessChat(everyMs = 10) {
  const state = { closed: 0 };
  const s = await fakeServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    res.write(chunkLine(`c${n++} `));
    const timer = setInterval(() => res.write(chunkLine(`c${n++} `)), everyMs);
    res.on('close', () => {
      clearInterval(timer);
      state.closed += 1;
    });
  });
  return Object.assign(s, { state });
}

async function until(cond, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

test('for await over a chat stream: camelCase chunks, multi-byte UTF-8, finish reason and conversation', async () => {
  const stream = fe.chat.stream({ message: 'Create a calculator workflow', model: 'regular' });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length >= 2, `${chunks.length} chunks`);
  for (const c of chunks) {
    assert.deepEqual(Object.keys(c).sort(), ['content', 'conversationId', 'finishReason', 'id', 'model', 'raw']);
    assert.equal(typeof c.content, 'string');
  }
  const text = chunks.map((c) => c.content).join('');
  assert.ok(text.includes('👋'), text);
  assert.equal(chunks.filter((c) => c.finishReason).at(-1).finishReason, 'stop');
  assert.equal(stream.content, text);
  assert.equal(stream.finishReason, 'stop');
  assert.ok(stream.conversationId);
  // The conversation exists, with the message in it.
  const { chat } = await fe.chats.get(stream.conversationId);
  assert.ok(chat.message_count >= 1);
});

test('chat.send collects the reply and continues a conversation', async () => {
  const first = await fe.chat.send({ message: 'hello', model: 'regular' });
  assert.equal(first.finishReason, 'stop');
  assert.ok(first.chunks >= 2 && first.content.includes('hello'));
  const second = await fe.chat.send({ message: 'again', model: 'boost', conversationId: first.conversationId });
  assert.equal(second.conversationId, first.conversationId);
});

test('break closes the connection', async () => {
  const s = await endlessChat();
  try {
    const local = new FlowEngine({ apiKey: 'fe_x', baseURL: s.url, configFile: '/nonexistent/config.json' });
    const stream = local.chat.stream({ message: 'hi', model: 'regular' });
    let n = 0;
    for await (const chunk of stream) {
      assert.match(chunk.content, /^c\d+ $/);
      if (++n === 3) break;
    }
    assert.ok(await until(() => s.state.closed === 1), 'the server saw the connection close');
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
  } finally {
    await s.close();
  }
});

test('close() ends a pending next() with done and releases the connection', async () => {
  const s = await endlessChat(60000);
  try {
    const local = new FlowEngine({ apiKey: 'fe_x', baseURL: s.url, configFile: '/nonexistent/config.json' });
    const stream = local.chat.stream({ message: 'hi', model: 'regular' });
    assert.equal((await stream.next()).value.content, 'c0 ');
    const pending = stream.next(); // the next chunk is a minute away
    await new Promise((r) => setTimeout(r, 50));
    stream.close();
    assert.deepEqual(await pending, { done: true, value: undefined });
    stream.close(); // idempotent
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
    assert.ok(await until(() => s.state.closed === 1));
  } finally {
    await s.close();
  }
});

test('many chat streams at once stay independent', async () => {
  const streams = Array.from({ length: 8 }, (_, i) => fe.chat.stream({ message: `m${i}`, model: 'regular' }));
  const replies = await Promise.all(streams.map((s) => s.finalReply()));
  replies.forEach((r, i) => assert.ok(r.content.includes(`m${i}`), r.content));
});

test('functions.logs.tail yields new log lines as strings, and resumes nothing twice', async () => {
  const name = `tail-${Date.now().toString(36)}`;
  const fn = await fe.functions.create({ name, runtime: 'nodejs22' });
  await fe.functions.deployFolder(fn.id, path.join(ROOT, 'examples', 'hello'), { pollInterval: 50 });
  const tail = fe.functions.logs.tail(fn.id, { signal: AbortSignal.timeout(20000) });
  const first = tail.next(); // connects
  await new Promise((r) => setTimeout(r, 200));
  // A source edit queues a redeploy, which writes build log lines.
  const { files } = await fe.functions.source.get(fn.id);
  await fe.functions.source.update(fn.id, { files: { ...files, 'README.md': 'tail test\n' } });
  const lines = [(await first).value];
  for await (const line of tail) {
    lines.push(line);
    if (lines.length >= 3) break;
  }
  assert.equal(lines.length, 3);
  for (const l of lines) assert.equal(typeof l, 'string');
  assert.equal(new Set(lines).size, lines.length, 'no line twice');
  assert.match(lines.join('\n'), /INFO/);
});

test('chats.list: await gives one page, for await walks every page', async () => {
  const local = new FlowEngine({ apiKey: await freshAccount(), baseURL: sandbox.url, configFile: '/nonexistent/config.json' });
  const titles = ['a', 'b', 'c', 'd', 'e'];
  for (const title of titles) await local.chats.create({ title });
  const page = await local.chats.list({ limit: 2 });
  assert.equal(page.chats.length, 2);
  assert.equal(page.total, 5);
  const seen = [];
  for await (const chat of local.chats.list({ limit: 2 })) seen.push(chat.title);
  assert.deepEqual([...seen].sort(), titles);
  const fromOffset = [];
  for await (const chat of local.chats.list({ limit: 2, offset: 3 })) fromOffset.push(chat.id);
  assert.equal(fromOffset.length, 2);
  // then/catch/finally behave like a promise
  const total = await local.chats.list().then((p) => p.total);
  assert.equal(total, 5);
});

async function freshAccount() {
  const res = await fetch(`${sandbox.url}/_sandbox/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sandbox.apiKey}` },
    body: JSON.stringify({ functions_tier: 'free', main_tier: 'free' }),
  });
  assert.ok(res.ok, `POST /_sandbox/accounts: ${res.status}`);
  return (await res.json()).api_key;
}

test('the raw narrow waist: fe.call and fe.stream with wire names', async () => {
  const user = await fe.call('getUser');
  assert.equal(user.tier, 'pro_plus');
  const err = await fe.call('chat', { message: 'x', model: 'regular' }).then(() => null, (e) => e);
  assert.equal(err.kind, 'invalid_argument');
  const reply = await fe.stream('chat', { message: 'raw', model: 'regular', conversation_id: undefined }).finalReply();
  assert.ok(reply.content.includes('raw'));
});
