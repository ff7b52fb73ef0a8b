'use strict';
// Loads the native addon (flowengine.node, built from source by
// scripts/build.js) on first use, so that `require('flowengine')` stays
// cheap: the addon is opened when the first client is made.
const path = require('path');

let addon;

function load() {
  if (addon) return addon;
  const file = process.env.FLOWENGINE_NODE_ADDON || path.join(__dirname, '..', 'flowengine.node');
  try {
    addon = require(file);
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND') {
      const err = new Error(
        `the FlowEngine native addon is not built (${file}): run \`npm run build\` in ${path.join(__dirname, '..')} ` +
          '(it needs a Rust toolchain: https://rustup.rs)',
      );
      err.code = 'FLOWENGINE_ADDON_MISSING';
      throw err;
    }
    throw e;
  }
  return addon;
}

module.exports = { load };
