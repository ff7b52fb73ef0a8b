#!/usr/bin/env bash
# Peak RSS of pack + upload + deploy of a 100 MB / 1,000-file folder, against
# a sandbox in its own process (so that only the client is measured).
set -euo pipefail
cd "$(dirname "$0")/.."
# Two builds: with `--example`, one cargo build would select only the example
# and leave the sandbox binary unbuilt on a fresh clone.
cargo build -q --release -p flowengine-sandbox
cargo build -q --release -p flowengine --example bench_deploy
out=$(mktemp)
target/release/flowengine-sandbox --memory --port 0 >"$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.1; done
first=$(head -n1 "$out")
export FLOWENGINE_BASE_URL=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$first")
export FLOWENGINE_API_KEY=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$first")
target/release/examples/bench_deploy
