#!/usr/bin/env bash
# The Node benchmarks with release builds of the addon and the sandbox (what
# the figures in README.md were measured with): call rate against the global
# fetch (anchor >= 1.5x) and require('flowengine') time (anchor <= 50 ms).
# Leaves the release addon in place; `npm run build` brings back a debug one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
"${CARGO:-cargo}" build --quiet --release --manifest-path "$root/Cargo.toml" -p flowengine-sandbox
node scripts/build.js --release
target="${CARGO_TARGET_DIR:-$root/target}"
FLOWENGINE_SANDBOX_BIN="$target/release/flowengine-sandbox" node bench/call-rate.mjs "${BENCH_SECONDS:-3}" "${BENCH_CONCURRENCY:-1,8,32}"
node bench/require-time.mjs
