#!/usr/bin/env bash
# flowengine-mcp's MCP client tests: the Python `mcp` package's ClientSession
# drives the built server over stdio against a local sandbox.
#
#   crates/mcp/test.sh            (VENV=.venv by default; created when missing)
#   VENV=/path/to/venv crates/mcp/test.sh -k deploy   (extra args go to pytest)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV="${VENV:-.venv}"
CARGO="${CARGO:-cargo}"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -r crates/mcp/requirements-test.txt

"$CARGO" build -q -p flowengine-mcp -p flowengine-sandbox

# The sandbox: in memory, on a free port, with quick builds and log polling.
SANDBOX_OUT="$(mktemp)"
target/debug/flowengine-sandbox --memory --port 0 --build-step-ms 100 --log-poll-ms 200 >"$SANDBOX_OUT" 2>/dev/null &
SANDBOX_PID=$!
cleanup() {
    kill "$SANDBOX_PID" 2>/dev/null || true
    wait "$SANDBOX_PID" 2>/dev/null || true
    rm -f "$SANDBOX_OUT" "${REPORT:-}"
}
trap cleanup EXIT

# Its first line of standard output is JSON: {url, api_key, ...}.
for _ in $(seq 1 100); do
    [[ -s "$SANDBOX_OUT" ]] && break
    kill -0 "$SANDBOX_PID" 2>/dev/null || { echo "test.sh: the sandbox exited at start" >&2; exit 1; }
    sleep 0.1
done
FIRST="$(head -n 1 "$SANDBOX_OUT")"
export FLOWENGINE_SANDBOX_URL FLOWENGINE_SANDBOX_KEY
FLOWENGINE_SANDBOX_URL="$("$VENV/bin/python" -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$FIRST")"
FLOWENGINE_SANDBOX_KEY="$("$VENV/bin/python" -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$FIRST")"
export FLOWENGINE_MCP_BIN="$ROOT/target/debug/flowengine-mcp"

REPORT="$(mktemp)"
status=0
# (The shared venv also holds pytest-asyncio for the Python suite; these tests
# run on anyio, so its loop-scope default is pinned to keep its warning out.)
"$VENV/bin/python" -m pytest crates/mcp/tests -q -p no:cacheprovider -o asyncio_default_fixture_loop_scope=function --junitxml="$REPORT" "$@" || status=$?

# One line: tools listed, tests passed / failed.
TOOLS="$("$FLOWENGINE_MCP_BIN" --list-tools | "$VENV/bin/python" -c 'import json,sys; print(len(json.load(sys.stdin)))')"
"$VENV/bin/python" - "$REPORT" "$TOOLS" <<'PY' || true
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot()
suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
total, failed = int(suite.get("tests", 0)), int(suite.get("failures", 0)) + int(suite.get("errors", 0))
skipped = int(suite.get("skipped", 0))
print(f"flowengine-mcp: {sys.argv[2]} tools; MCP client tests over stdio against the sandbox: {total - failed - skipped} passed, {failed} failed, {skipped} skipped in {float(suite.get('time', 0)):.1f}s")
PY
exit "$status"
