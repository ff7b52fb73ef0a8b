#!/usr/bin/env bash
# Lint the OpenAPI contract: Redocly (config: redocly.yaml) + openapi-spec-validator.
# Called by `make lint-spec`, which installs both tools first (tools/node_modules, .venv).
# Runs both tools and prints one figure per tool; fails on any Redocly error, on any problem in
# redocly.yaml itself, and on any openapi-spec-validator finding.
set -euo pipefail

SPEC="${SPEC:-openapi/flowengine.yaml}"
REDOCLY="${REDOCLY:-tools/node_modules/.bin/redocly}"
REDOCLY_CONFIG="${REDOCLY_CONFIG:-redocly.yaml}"
SPEC_VALIDATOR="${SPEC_VALIDATOR:-.venv/bin/openapi-spec-validator}"
export REDOCLY_TELEMETRY=off

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --- Redocly -----------------------------------------------------------------
rc=0
"$REDOCLY" lint "$SPEC" --config "$REDOCLY_CONFIG" --format=json \
    >"$tmp/redocly.json" 2>"$tmp/redocly.err" || rc=$?
# Redocly's stderr carries a Node 20 end-of-life banner (box drawing) on every
# run; keep everything else.
grep -v -e '[║╔╚]' "$tmp/redocly.err" | sed '/^[[:space:]]*$/d' >"$tmp/redocly.msg" || true

failed=0
node - "$tmp/redocly.json" "$tmp/redocly.msg" "$rc" <<'JS' || failed=1
const fs = require('fs');
const [jsonPath, msgPath, rcText] = process.argv.slice(2);
const msg = fs.readFileSync(msgPath, 'utf8');
let report;
try {
  report = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
} catch (e) {
  process.stderr.write(msg + '\nredocly: did not produce a report (exit ' + rcText + ')\n');
  process.exit(1);
}
for (const p of report.problems) {
  const loc = (p.location && p.location[0]) || {};
  const file = (loc.source && loc.source.ref) || '?';
  const start = loc.start ? `${loc.start.line}:${loc.start.col}` : '';
  const sev = p.severity === 'error' ? 'error  ' : 'warning';
  console.log(`  ${file}:${start}  ${sev}  ${p.ruleId}  ${p.message}`);
  if (loc.pointer) console.log(`      at ${loc.pointer}`);
}
const t = report.totals;
const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;
console.log(`redocly ${report.version}: ${plural(t.errors, 'error')}, ${plural(t.warnings, 'warning')}` +
  (t.ignored ? `, ${t.ignored} ignored` : ''));
// An unknown or misspelt rule in redocly.yaml is only a warning for Redocly:
// treat any problem in the config file as a failure, so a rule cannot silently vanish.
if (/Your config has|Unused rules found|is not expected here/.test(msg)) {
  process.stderr.write(msg + '\nredocly: problem in the configuration file (see above)\n');
  process.exit(1);
}
if (t.errors > 0 || rcText !== '0') process.exit(1);
JS

# --- openapi-spec-validator --------------------------------------------------
if out="$("$SPEC_VALIDATOR" "$SPEC" 2>&1)"; then
    echo "openapi-spec-validator: OK"
else
    # Its messages can quote the whole document: keep them readable.
    printf '%s\n' "$out" | cut -c1-400 | head -n 40 >&2
    echo "openapi-spec-validator: FAILED" >&2
    failed=1
fi

exit "$failed"
