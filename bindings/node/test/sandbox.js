'use strict';
// Starts target/debug/flowengine-sandbox on a free port for a test file and
// reads the JSON line it prints first ({url, api_key, ...}).
const { spawn } = require('child_process');
const path = require('path');
const fs = require('fs');
const readline = require('readline');

const ROOT = path.resolve(__dirname, '..', '..', '..');

function sandboxBinary() {
  const fromEnv = process.env.FLOWENGINE_SANDBOX_BIN;
  if (fromEnv) return fromEnv;
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
  const bin = path.join(targetDir, 'debug', 'flowengine-sandbox');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run \`cargo build -p flowengine-sandbox\` first (test.sh does)`);
  return bin;
}

/** Fast background timings, as the Rust suite's SandboxConfig::for_tests(). */
const FAST = [
  '--log-poll-ms', '50',
  '--build-step-ms', '30',
  '--domain-verify-ms', '200',
  '--instance-boot-ms', '100',
  '--backup-ms', '100',
  '--whatsapp-connect-ms', '200',
];

async function startSandbox(extra = []) {
  const child = spawn(sandboxBinary(), ['--memory', '--port', '0', ...FAST, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 20000) stderr = stderr.slice(-10000);
  });
  const lines = readline.createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sandbox printed nothing in 20 s; stderr: ${stderr}`)), 20000);
    lines.once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited (${code}) before it was ready; stderr: ${stderr}`));
    });
  });
  lines.on('line', () => {}); // keep draining stdout
  const info = JSON.parse(first);
  return {
    url: info.url,
    apiKey: info.api_key,
    info,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

module.exports = { startSandbox, ROOT };
