'use strict';
// examples/node/tour.ts (type-checked by test.sh with tsc --strict) also runs:
// transpiled to JS, against a sandbox, it must end with "tour complete".
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFile } = require('child_process');
const ts = require('typescript');
const { startSandbox, ROOT } = require('./sandbox');

let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(() => sandbox && sandbox.stop());

test('examples/node/tour.ts runs against the sandbox', async () => {
  const source = fs.readFileSync(path.join(ROOT, 'examples', 'node', 'tour.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  // Run from the repository root (tour.ts deploys examples/hello); `flowengine`
  // resolves to this package through NODE_PATH.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fe-tour-'));
  const file = path.join(dir, 'tour.js');
  fs.writeFileSync(file, outputText);
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(path.resolve(__dirname, '..'), path.join(dir, 'node_modules', 'flowengine'));
  try {
    const { code, stdout, stderr } = await new Promise((resolve) => {
      execFile(
        process.execPath,
        [file],
        { cwd: ROOT, env: { ...process.env, NODE_PATH: path.join(dir, 'node_modules'), FLOWENGINE_API_KEY: sandbox.apiKey, FLOWENGINE_BASE_URL: sandbox.url }, timeout: 120000 },
        (err, out, errOut) => resolve({ code: err ? err.code : 0, stdout: out, stderr: errOut }),
      );
    });
    assert.equal(code, 0, `tour failed:\n${stdout}\n${stderr}`);
    assert.match(stdout, /deployed: ready/);
    assert.match(stdout, /tour complete\s*$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
