#!/usr/bin/env bash
# `make bench` for Python: release builds of the binding (pip install), the
# sandbox and the Rust anchor, then bench.py's table.
#   VENV=/tmp/v bindings/python/bench/run.sh [--calls N --deltas N --concurrent N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
CARGO="${CARGO:-cargo}"
VENV="${VENV:-$ROOT/.venv}"
case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -r bindings/python/bench/requirements.txt
MATURIN_PEP517_ARGS="${MATURIN_PEP517_ARGS-}" "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet --force-reinstall --no-deps ./bindings/python
"$CARGO" build --quiet --release -p flowengine-sandbox
"$CARGO" build --quiet --release -p flowengine-python --example python-bench-peer
TARGET="$("$CARGO" metadata --format-version 1 --no-deps | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
"$VENV/bin/python" bindings/python/bench/bench.py --sandbox "$TARGET/release/flowengine-sandbox" --peer "$TARGET/release/examples/python-bench-peer" "$@"
