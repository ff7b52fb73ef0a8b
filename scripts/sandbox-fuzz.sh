#!/usr/bin/env bash
# Fuzzes the sandbox against openapi/flowengine.yaml with schemathesis.
#
#   VENV=.venv scripts/sandbox-fuzz.sh      (VENV holds schemathesis==4.32.5)
#
# Builds the sandbox (debug), starts it on a free port with an in-memory
# database and fast timings, seeds a fuzz account and fixture ids through the
# API (tests/sandbox/seed.py), runs every check of schemathesis on all 55
# operations with tests/sandbox/schemathesis.toml and tests/sandbox/st_hooks.py,
# prints one line of figures, stops the sandbox, and exits non-zero on any
# failure or warning. Knobs: SANDBOX_FUZZ_EXAMPLES (per operation, default 25),
# SANDBOX_FUZZ_SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
ST="$VENV/bin/st"
PY="$VENV/bin/python"
EXAMPLES=${SANDBOX_FUZZ_EXAMPLES:-25}
SEED=${SANDBOX_FUZZ_SEED:-1}

[[ -x "$ST" ]] || { echo "sandbox-fuzz: $ST not found (pip install schemathesis==4.32.5 into \$VENV)" >&2; exit 2; }

cargo build -q -p flowengine-sandbox

tmp=$(mktemp -d)
pid=
cleanup() {
    if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

target/debug/flowengine-sandbox --memory --port 0 --check-responses \
    --build-step-ms 5 --log-poll-ms 50 --tail-max-ms 500 --instance-boot-ms 50 --backup-ms 50 \
    --domain-verify-ms 100 --whatsapp-connect-ms 100 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 100); do [[ -s "$tmp/out" ]] && break; sleep 0.1; done
[[ -s "$tmp/out" ]] || { echo "sandbox-fuzz: the sandbox did not start:" >&2; cat "$tmp/err" >&2; exit 1; }
url=$(head -1 "$tmp/out" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["url"])')
key=$("$PY" tests/sandbox/seed.py "$url" tests/sandbox/schemathesis.toml "$tmp")

export SANDBOX_FUZZ_HOOKS="$PWD/tests/sandbox/st_hooks.py" SANDBOX_FUZZ_SPEC="$PWD/openapi/flowengine.yaml"
set +e
"$ST" --config-file "$tmp/schemathesis.toml" run openapi/flowengine.yaml \
    --url "$url" -H "Authorization: Bearer $key" \
    --checks all --max-examples "$EXAMPLES" --seed "$SEED" \
    --request-timeout 20 --generation-database none --no-color >"$tmp/st.log" 2>&1
rc=$?
set -e
cat "$tmp/st.log"

cases=$(grep -Eo '[0-9]+ generated' "$tmp/st.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
failures=$(grep -Eo '[0-9]+ unique failures?' "$tmp/st.log" | tail -1 | grep -Eo '^[0-9]+' || echo 0)
warnings=$(grep -c '^  ⚠️' "$tmp/st.log" || true)
if ! kill -0 "$pid" 2>/dev/null; then
    echo "sandbox-fuzz: the sandbox died; its stderr:"; tail -50 "$tmp/err"
    rc=1
elif [[ -s "$tmp/err" ]]; then
    echo "sandbox stderr (last lines):"; tail -20 "$tmp/err"
fi
echo "sandbox-fuzz: schemathesis 4.32.5, 55 operations, $cases cases, $failures failures, $warnings warnings (seed $SEED, exit $rc)"
exit "$rc"
