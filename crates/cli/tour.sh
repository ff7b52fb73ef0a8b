#!/usr/bin/env bash
# The tour: `fe` against a local FlowEngine sandbox that this script starts
# itself. No account and no network needed: it builds `fe` and the sandbox
# (debug), starts `flowengine-sandbox --memory --port 0`, reads its URL and
# key from the first line it prints, and points `fe` at it with a throwaway
# HOME (your ~/.flowengine is never touched). Then: deploy examples/hello
# (progress bar on a terminal) and wait for ready, show its logs, set a
# secret and redeploy in place, add a domain, stream a chat reply, show usage.
# The sandbox is stopped on exit, whatever happens.
#
#   bash crates/cli/tour.sh        (make demo runs it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CARGO="${CARGO:-cargo}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/debug"

if [[ -z "${NO_COLOR:-}" && -t 1 ]]; then B=$'\033[1m'; D=$'\033[2m'; R=$'\033[0m'; else B=""; D=""; R=""; fi
step() { printf '\n%s== %s ==%s\n' "$B" "$*" "$R"; }
# Shows the command as typed (arguments with spaces in quotes), then runs it.
run() {
    local shown="" a
    for a in "$@"; do
        if [[ "$a" =~ [[:space:]] ]]; then shown+=" \"$a\""; else shown+=" $a"; fi
    done
    printf '%s$%s%s\n' "$B" "$shown" "$R"
    "$@"
}

step "Build fe and the sandbox (debug)"
run "$CARGO" build -q -p fe -p flowengine-sandbox --bins

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fe-tour.XXXXXX")"
SANDBOX_PID=""
HELLO_LINK="$ROOT/examples/hello/.flowengine"
[[ -e "$HELLO_LINK" ]] && KEEP_LINK=1 || KEEP_LINK=0
# The first deploy also adds .flowengine/ to the folder's .gitignore: kept to put back.
HELLO_GITIGNORE="$ROOT/examples/hello/.gitignore"
[[ -f "$HELLO_GITIGNORE" ]] && cp -p "$HELLO_GITIGNORE" "$TMP/hello.gitignore"
cleanup() {
    local status=$?
    if [[ -n "$SANDBOX_PID" ]] && kill -0 "$SANDBOX_PID" 2>/dev/null; then
        kill "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
    fi
    # The deploy links examples/hello to its sandbox function: leave the clone as it was.
    if [[ "$KEEP_LINK" == 0 ]]; then rm -rf "$HELLO_LINK"; fi
    if [[ -f "$TMP/hello.gitignore" ]]; then cp -p "$TMP/hello.gitignore" "$HELLO_GITIGNORE"; fi
    if [[ $status -ne 0 ]]; then
        echo "tour: FAILED (exit $status)" >&2
        if [[ -s "$TMP/sandbox.err" ]]; then sed 's/^/  sandbox: /' "$TMP/sandbox.err" >&2; fi
    fi
    rm -rf "$TMP"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Start a local FlowEngine sandbox (in memory, on a free port)"
printf '%s$ flowengine-sandbox --memory --port 0%s\n' "$B" "$R"
"$BIN/flowengine-sandbox" --memory --port 0 >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
SANDBOX_PID=$!
for _ in $(seq 1 300); do
    [[ -s "$TMP/sandbox.out" ]] && break
    kill -0 "$SANDBOX_PID" 2>/dev/null || { echo "the sandbox exited:" >&2; cat "$TMP/sandbox.err" >&2; exit 1; }
    sleep 0.1
done
FIRST="$(head -n 1 "$TMP/sandbox.out")"
URL="$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' <<<"$FIRST")"
KEY="$(sed -n 's/.*"api_key":"\([^"]*\)".*/\1/p' <<<"$FIRST")"
[[ -n "$URL" && -n "$KEY" ]] || { echo "cannot read the sandbox's first line: $FIRST" >&2; exit 1; }
echo "sandbox at $URL (key ${KEY:0:6}…)"

export FLOWENGINE_BASE_URL="$URL"
export FLOWENGINE_API_KEY="$KEY"
export HOME="$TMP/home"
mkdir -p "$HOME"
export PATH="$BIN:$PATH"

step "Who am I"
run fe whoami

step "Deploy examples/hello: pack, upload, build, wait for ready"
run fe deploy examples/hello --name hello --runtime nodejs22 --memory 1Gi

step "List the functions"
run fe list

step "Its logs (the build and the first lines of the service)"
run fe logs hello -n 8

step "Set a secret (the value is never printed), then redeploy in place"
run fe env set hello OPENAI_API_KEY=sk-tour-not-a-real-key
run fe env list hello
run fe deploy examples/hello

step "Map a custom domain: the DNS records to add"
run fe domain add hello api.example.com
run fe domain status hello

step "Stream a chat reply"
run fe chat "Create a calculator workflow"

step "Usage this month"
run fe usage

printf '\n%stour complete%s %s(the sandbox stops now; nothing was left in your HOME)%s\n' "$B" "$R" "$D" "$R"
