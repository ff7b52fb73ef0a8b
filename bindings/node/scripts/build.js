#!/usr/bin/env node
'use strict';
// Builds the native addon from source: `cargo build -p flowengine-node`,
// then copies the library to ./flowengine.node. It is the package's
// `install` script, so `npm install /path/to/bindings/node` (and `npm install`
// or `npm ci` here) builds it; it needs only node and a Rust toolchain.
//
// Profile: `release` when the package is installed as a dependency of another
// project, `debug` (faster to build, shares target/debug with the workspace's
// tests) when npm runs in this folder. Override with FLOWENGINE_NODE_PROFILE=
// debug|release, or pass --release / --debug. FLOWENGINE_NODE_SKIP_BUILD=1
// skips the build (e.g. when flowengine.node is provided otherwise).
//
// `npm run build:napi` builds the same library through @napi-rs/cli (a pinned
// devDependency) instead: it also writes native.d.ts, the type definitions of
// the native layer. It passes `--target <host triple>` to cargo, so its
// artifacts live in target/<triple>/ apart from the workspace's.
const { spawnSync, spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const os = require('os');

const pkgDir = path.resolve(__dirname, '..');
const out = path.join(pkgDir, 'flowengine.node');

function fail(message) {
  console.error(`flowengine: ${message}`);
  process.exit(1);
}

if (process.env.FLOWENGINE_NODE_SKIP_BUILD === '1') {
  console.error('flowengine: FLOWENGINE_NODE_SKIP_BUILD=1, not building the native addon');
  process.exit(0);
}

function profile() {
  const argv = process.argv.slice(2);
  if (argv.includes('--release')) return 'release';
  if (argv.includes('--debug')) return 'debug';
  const env = process.env.FLOWENGINE_NODE_PROFILE;
  if (env === 'release' || env === 'debug') return env;
  if (env) fail(`FLOWENGINE_NODE_PROFILE must be debug or release, got ${env}`);
  // npm sets INIT_CWD to where it was run: elsewhere means "installed as a dependency".
  const initCwd = process.env.INIT_CWD;
  if (process.env.npm_lifecycle_event === 'install' && initCwd && path.resolve(initCwd) !== pkgDir) return 'release';
  return 'debug';
}

function findCargo() {
  const candidates = [process.env.CARGO, 'cargo', path.join(os.homedir(), '.cargo', 'bin', 'cargo')].filter(Boolean);
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { stdio: 'ignore' });
    if (r.status === 0) return c;
  }
  return fail('building the native addon needs a Rust toolchain (cargo), found none: install it from https://rustup.rs and run `npm rebuild flowengine`');
}

function manifest() {
  const m = path.join(pkgDir, 'Cargo.toml');
  if (!fs.existsSync(m)) fail(`${m} is missing: install the package from a checkout of the FlowEngine SDK repository (npm install /path/to/bindings/node)`);
  return m;
}

/** Copies the built library into place atomically (a loaded .so must not be rewritten in place). */
function install(lib) {
  const tmp = `${out}.${process.pid}.tmp`;
  fs.copyFileSync(lib, tmp);
  fs.renameSync(tmp, out);
}

function buildWithCargo() {
  const cargo = findCargo();
  const prof = profile();
  const args = ['build', '--manifest-path', manifest(), '-p', 'flowengine-node', '--lib', '--message-format=json-render-diagnostics'];
  if (prof === 'release') args.push('--release');
  const started = Date.now();
  console.error(`flowengine: building the native addon (${prof}): ${path.basename(cargo)} ${args.join(' ')}`);
  const child = spawn(cargo, args, { cwd: pkgDir, stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  let lib;
  child.stdout.on('data', (d) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      try {
        const msg = JSON.parse(line);
        if (msg.reason === 'compiler-artifact' && msg.target && msg.target.name === 'flowengine_node' && msg.target.kind.includes('cdylib')) {
          lib = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f));
        }
      } catch (_) {
        // not a JSON message
      }
    }
  });
  child.on('close', (code) => {
    if (code !== 0) fail(`cargo build failed (exit ${code})`);
    if (!lib) fail('cargo did not report the flowengine_node library');
    install(lib);
    console.error(`flowengine: native addon built in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${path.relative(process.cwd(), out) || out}`);
  });
}

function buildWithNapi() {
  let cli;
  try {
    cli = require.resolve('@napi-rs/cli/package.json', { paths: [pkgDir] });
  } catch (_) {
    fail('@napi-rs/cli is not installed (it is a devDependency: run `npm install` in bindings/node)');
  }
  const bin = path.join(path.dirname(cli), 'dist', 'cli.js');
  const args = [bin, 'build', '--manifest-path', manifest(), '--package', 'flowengine-node', '--output-dir', pkgDir, '--dts', 'native.d.ts', '--no-const-enum'];
  if (profile() === 'release') args.push('--release');
  console.error(`flowengine: napi ${args.slice(1).join(' ')}`);
  const r = spawnSync(process.execPath, args, { cwd: pkgDir, stdio: 'inherit' });
  if (r.status !== 0) fail(`napi build failed (exit ${r.status})`);
  // napi names the library <binaryName>.node (package.json "napi.binaryName").
  if (!fs.existsSync(out)) fail(`napi build did not write ${out}`);
}

if (process.argv.includes('--napi') || process.env.FLOWENGINE_NODE_BUILD === 'napi') buildWithNapi();
else buildWithCargo();
