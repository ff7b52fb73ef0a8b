#!/usr/bin/env bash
# The Swift binding's checks on a machine without a Swift compiler (make test
# calls this), from a fresh clone:
#
#   1. syntax: every .swift file (generated and hand-written, the package,
#      its tests, examples/swift) parses with tree-sitter-swift, with no ERROR
#      or MISSING node (tools/swift-syntax.js; npm ci --ignore-scripts in tools/);
#   2. abi: uniffi's Python bindings of the same libflowengine_ffi that Swift
#      links replay every scenario of tests/scenarios against a sandbox, plus
#      the ABI's own tests (cancellation, close, errors, pack) — pytest in $VENV;
#   3. methods: every public method of the spec has its Swift method with its
#      arguments, every schema a Swift type, every type reference a declaration,
#      read from the parse of the Swift sources (tools/check_methods.py);
#
# after checking that the committed uniffi output is fresh
# (scripts/generate-native.sh --check) and that the generated typed surface is
# (flowengine-codegen check). Ends with one line: "swift: N passed, N failed".
#
#   bindings/swift/test.sh                 VENV=/tmp/v bindings/swift/test.sh -k chat   (extra args go to pytest)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
PYTHON="${PYTHON:-python3}"
CARGO="${CARGO:-cargo}"
VENV="${VENV:-$root/.venv}"
case "$VENV" in /*) ;; *) VENV="$root/$VENV" ;; esac
PY="$VENV/bin/python"
started=$SECONDS

# --- tools ---------------------------------------------------------------------
if [[ ! -x $PY ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$PY" -m pip install --disable-pip-version-check --quiet -r "$here/requirements-test.txt"
stamp="$here/tools/node_modules/.flowengine-ci.stamp"
if [[ ! -f $stamp || $here/tools/package-lock.json -nt $stamp || $here/tools/package.json -nt $stamp ]]; then
    echo "swift: npm ci --ignore-scripts (tree-sitter, tree-sitter-swift)"
    (cd "$here/tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    touch "$stamp"
fi

# --- build + freshness of the generated files ------------------------------------
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "swift: cargo build (flowengine-swift, its uniffi-bindgen, flowengine-sandbox)"
PY_OUT="$work/py" CARGO="$CARGO" bash "$here/scripts/generate-native.sh" --check
"$CARGO" run --quiet -p flowengine-codegen -- check
"$CARGO" build --quiet -p flowengine-sandbox
target_dir="$("$CARGO" metadata --format-version 1 --no-deps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
export FLOWENGINE_SANDBOX_BIN="${FLOWENGINE_SANDBOX_BIN:-$target_dir/debug/flowengine-sandbox}"
echo "swift: built in $((SECONDS - started)) s"

failed=0
passed=0

# --- 1. syntax -------------------------------------------------------------------
mapfile -t swift_files < <(cd "$root" && { find bindings/swift/Sources bindings/swift/Tests examples/swift -name '*.swift' 2>/dev/null; find bindings/swift examples/swift -maxdepth 2 -name Package.swift; } | sort -u)
# The checker must see a broken file as broken (a check that passes everything checks nothing).
printf 'public struct Broken {\n    func f( -> Int { 1 }\n' > "$work/broken.swift"
if (cd "$here/tools" && node swift-syntax.js "$work/broken.swift" >/dev/null 2>&1); then
    echo "swift: the syntax checker accepted a broken file" >&2
    exit 1
fi
syntax_line=""
if syntax_line="$(cd "$root" && node "$here/tools/swift-syntax.js" --decls "$work/decls.json" "${swift_files[@]}")"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
fi
echo "$syntax_line"

# --- 2. the C ABI through uniffi's Python bindings -------------------------------------
log="$work/pytest.log"
set +e
(cd "$here/tests/abi" && FLOWENGINE_FFI_PY_DIR="$work/py" "$PY" -m pytest -q -p no:cacheprovider -p no:asyncio -rsx "$@") 2>&1 | tee "$log"
pytest_status=${PIPESTATUS[0]}
set -e
summary="$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$log" | tail -n 1)"
count() { echo "$summary" | grep -oE "[0-9]+ $1" | grep -oE "[0-9]+" || echo 0; }
abi_passed="$(count passed)"
abi_failed=$(( $(count failed) + $(count error) ))
abi_line="$(grep -E '^abi: ' "$log" | tail -n 1 || true)"
if [[ $pytest_status -ne 0 && $abi_failed -eq 0 ]]; then abi_failed=1; fi
passed=$((passed + abi_passed))
failed=$((failed + abi_failed))

# --- 3. every spec method has its Swift method ----------------------------------------
methods_line=""
if methods_line="$("$PY" "$here/tools/check_methods.py" openapi/flowengine.yaml "$work/decls.json")"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
fi
echo "$methods_line"

echo "swift: ${syntax_line#swift syntax: } | abi: $abi_passed passed, $abi_failed failed${abi_line:+ (${abi_line#abi: })} | ${methods_line#swift methods: } | $((SECONDS - started)) s"
echo "swift: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
