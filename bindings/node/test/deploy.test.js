'use strict';
// The folder helpers against the sandbox: deployFolder (progress, wait,
// failure), uploadFolder, and packFolder (dry run, tarball, limits; the same
// helper as fe.packFolder and fe.functions.packFolder).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { FlowEngine, packFolder, DeployFailedError, InvalidArgumentError, FlowEngineError } = require('..');
const { startSandbox, ROOT } = require('./sandbox');

const HELLO = path.join(ROOT, 'examples', 'hello');
let sandbox;
let fe;
before(async () => {
  sandbox = await startSandbox();
  fe = new FlowEngine({ apiKey: sandbox.apiKey, baseURL: sandbox.url, configFile: '/nonexistent/config.json' });
});
after(() => sandbox && sandbox.stop());

const unique = (p) => `${p}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

test('deployFolder packs, uploads, triggers and waits until ready, reporting each step', async () => {
  const fn = await fe.functions.create({ name: unique('deploy'), runtime: 'nodejs22' });
  const progress = [];
  const outcome = await fe.functions.deployFolder(fn.id, HELLO, { pollInterval: 50, onProgress: (p) => progress.push(p) });
  assert.equal(outcome.status, 'ready');
  assert.equal(outcome.functionId, fn.id);
  assert.ok(outcome.deploymentId && outcome.url);
  assert.equal(outcome.files, 3);
  assert.ok(outcome.compressedBytes > 0 && outcome.bytes > 0);
  const phases = progress.map((p) => p.phase);
  assert.equal(phases[0], 'packed');
  assert.deepEqual([...new Set(phases)], ['packed', 'uploading', 'triggered', 'building', 'ready']);
  assert.deepEqual(progress[0], { phase: 'packed', files: 3, bytes: outcome.bytes, compressedBytes: outcome.compressedBytes });
  const last = progress.filter((p) => p.phase === 'uploading').at(-1);
  assert.equal(last.sent, last.total);
  const got = await fe.functions.get(fn.id);
  assert.equal(got.status, 'ready');
  assert.equal(got.latest_deployment.status, 'ready');
});

test('deployFolder without wait returns once the build is triggered', async () => {
  const fn = await fe.functions.create({ name: unique('nowait'), runtime: 'nodejs22' });
  const outcome = await fe.functions.deployFolder(fn.id, HELLO, { wait: false });
  assert.ok(['creating', 'building'].includes(outcome.status), outcome.status);
  assert.equal(outcome.url, null);
});

test('a failed build is a DeployFailedError carrying the build log', async () => {
  const fn = await fe.functions.create({ name: unique('nopy'), runtime: 'python312' });
  const err = await fe.functions.deployFolder(fn.id, HELLO, { pollInterval: 50 }).then(() => null, (e) => e);
  assert.ok(err instanceof DeployFailedError, err && err.stack);
  assert.ok(err instanceof FlowEngineError);
  assert.equal(err.kind, 'deploy_failed');
  assert.match(err.message, /build log/);
});

test('an onProgress that throws stops the deploy and rejects with its error', async () => {
  const fn = await fe.functions.create({ name: unique('throws'), runtime: 'nodejs22' });
  const boom = new Error('boom');
  const err = await fe.functions
    .deployFolder(fn.id, HELLO, {
      onProgress: (p) => {
        if (p.phase === 'packed') throw boom;
      },
    })
    .then(() => null, (e) => e);
  assert.equal(err, boom);
});

test('uploadFolder sends the folder as multipart and creates the function', async () => {
  const accepted = await fe.functions.uploadFolder(HELLO, { name: unique('up'), runtime: 'nodejs22' });
  assert.equal(accepted.success, true);
  assert.ok(accepted.function_id && accepted.deployment_id);
  const err = await fe.functions.uploadFolder(HELLO, { name: 'Bad Name' }).then(() => null, (e) => e);
  assert.ok(err instanceof InvalidArgumentError);
  assert.equal(err.field, 'name');
});

test('packFolder: a dry run lists the files; a pack is a deterministic .tar.gz', async () => {
  const plan = await packFolder(HELLO, { dryRun: true });
  assert.equal(plan.fileCount, 3);
  assert.deepEqual(plan.files.map((f) => f.path), ['.gitignore', 'index.js', 'package.json']);
  assert.equal(plan.compressedBytes, null);
  assert.equal(plan.tarball, undefined);
  const a = await fe.packFolder(HELLO);
  const b = await packFolder(HELLO);
  assert.ok(a.tarball instanceof Uint8Array);
  assert.equal(a.compressedBytes, a.tarball.length);
  assert.deepEqual(Buffer.from(a.tarball), Buffer.from(b.tarball), 'same folder, same bytes');
  const tar = zlib.gunzipSync(a.tarball);
  assert.equal(tar.subarray(0, 10).toString(), '.gitignore');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fe-pack-')), 'hello.tar.gz');
  const written = await packFolder(HELLO, { output: out });
  assert.equal(written.tarball, undefined);
  assert.deepEqual(fs.readFileSync(out), Buffer.from(a.tarball));
});

test('fe.functions.packFolder is packFolder in the functions group (as Python has fe.functions.pack_folder)', async () => {
  const offline = new FlowEngine({ apiKey: 'fe_x', baseURL: 'http://127.0.0.1:9', configFile: '/nonexistent/config.json' });
  const viaGroup = await offline.functions.packFolder(HELLO, { dryRun: true });
  const viaClient = await fe.packFolder(HELLO, { dryRun: true });
  const viaPackage = await packFolder(HELLO, { dryRun: true });
  assert.deepEqual(viaGroup.files.map((f) => f.path), ['.gitignore', 'index.js', 'package.json']);
  assert.deepEqual(viaGroup.files, viaClient.files);
  assert.deepEqual(viaGroup, viaPackage);
  assert.equal(viaGroup.tarball, undefined);
  const ignored = await offline.functions.packFolder(HELLO, { dryRun: true, ignore: ['package.json'] });
  assert.deepEqual(ignored.files.map((f) => f.path), ['.gitignore', 'index.js']);
  const a = await offline.functions.packFolder(HELLO);
  const b = await packFolder(HELLO);
  assert.deepEqual(Buffer.from(a.tarball), Buffer.from(b.tarball), 'same folder, same bytes');
  const wrong = await offline.functions.packFolder(HELLO, { dry_run: true }).then(() => null, (e) => e);
  assert.ok(wrong instanceof InvalidArgumentError, 'unknown options are refused');
  const aborted = await offline.functions.packFolder(HELLO, { signal: AbortSignal.abort() }).then(() => null, (e) => e);
  assert.equal(aborted && aborted.name, 'AbortError', 'an aborted signal rejects, packing nothing');
});

test('packFolder checks the limits before anything, naming the offending file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fe-limits-'));
  const long = 'x'.repeat(120);
  fs.writeFileSync(path.join(dir, long), 'too long a name');
  const err = await packFolder(dir, { dryRun: true }).then(() => null, (e) => e);
  assert.ok(err instanceof InvalidArgumentError, err && err.stack);
  assert.equal(err.field, long);
  fs.writeFileSync(path.join(dir, 'index.js'), 'ok');
  const ignored = await packFolder(dir, { dryRun: true, ignore: [long] });
  assert.deepEqual(ignored.files.map((f) => f.path), ['index.js']);
  const missing = await packFolder(path.join(dir, 'nope'), { dryRun: true }).then(() => null, (e) => e);
  assert.ok(missing instanceof InvalidArgumentError);
  const deployEmpty = await fe.functions.deployFolder('f1', fs.mkdtempSync(path.join(os.tmpdir(), 'fe-empty-'))).then(() => null, (e) => e);
  assert.ok(deployEmpty instanceof InvalidArgumentError);
  assert.equal(deployEmpty.field, 'path');
});
