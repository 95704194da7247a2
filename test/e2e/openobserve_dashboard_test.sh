#!/bin/bash
# The OpenObserve dashboard (deploy/openobserve/cryptolake-dashboard.json) queries streams that
# exist: a real `cryptolake demo` (embedded archive, no network) exports OTLP/HTTP to the test
# receiver (test/peers/otlp_receiver.mjs, decoding with the official definitions), the metric
# names it decoded are renamed as OpenObserve's OTLP ingestion names streams (runs of characters
# outside [a-zA-Z0-9_:] -> '_'; histograms -> _bucket/_sum/_count/_min/_max), and
#  1. every stream any dashboard query names (PromQL metric names, SQL FROM "stream") is one the
#     instrument catalog produces (telemetry_catalog --json, openobserve_streams);
#  2. every stream of a panel not marked "(needs: ...)" in its description arrived from the demo;
#  3. every panel has a query, and the file is an OpenObserve v8 dashboard (tabs/panels/queries).
# Usage: openobserve_dashboard_test.sh <cryptolake> <telemetry_catalog> <dashboard.json>
# (exit 77 = skipped: no node / test peers).
set -euo pipefail
cli="$1"; catalog="$2"; dashboard="$3"
here="$(cd "$(dirname "$0")" && pwd)"
peers="$here/../peers"
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
[ -d "$peers/node_modules/@opentelemetry/otlp-transformer" ] ||
  { echo "SKIP: test peers not installed (scripts/setup.sh)"; exit 77; }
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-o2dash.XXXXXX")"
# shellcheck source=../peers/otlp_receiver.sh
source "$peers/otlp_receiver.sh"
cleanup() { receiver_stop || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

receiver_start >/dev/null || fail "receiver did not start"
env OTEL_METRICS_EXPORTER=otlp OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_HTTP_PORT/api/default" \
  CRYPTOLAKE_OTLP_PROFILE=openobserve OTEL_SERVICE_NAME=cryptolake-dashboard-e2e \
  "$cli" demo --lake "$work/lake" --no-metrics >"$work/demo.out" 2>"$work/demo.err" ||
  { cat "$work/demo.err" >&2; fail "cryptolake demo failed"; }
receiver_get /points >"$work/points.json" || fail "no points from the receiver"
"$catalog" --json >"$work/catalog.json" || fail "telemetry_catalog --json failed"

node - "$dashboard" "$work/points.json" "$work/catalog.json" <<'JS'
const fs = require('fs');
const [dashFile, pointsFile, catalogFile] = process.argv.slice(2);
const dash = JSON.parse(fs.readFileSync(dashFile, 'utf8'));
const points = JSON.parse(fs.readFileSync(pointsFile, 'utf8'));
const catalog = JSON.parse(fs.readFileSync(catalogFile, 'utf8'));
const stream = n => n.replace(/[^a-zA-Z0-9_:]+/g, '_');
const arrived = new Set();
for (const p of points) {
  const base = stream(p.metric);
  if (p.type === 'histogram') for (const s of ['_bucket', '_sum', '_count', '_min', '_max']) arrived.add(base + s);
  else arrived.add(base);
}
const known = new Set(catalog.flatMap(c => c.openobserve_streams));
// Metric names in PromQL: identifiers not followed by '(' (functions) and not keywords,
// label names (inside {} or by/without (...)) or durations.
const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool',
  'and', 'or', 'unless', 'offset', 'le', 'inf', 'nan', 'sum', 'min', 'max', 'avg', 'count',
  'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group']);
function promqlStreams(q) {
  const stripped = q.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '$1()').replace(/\[[^\]]*\]/g, '[]');
  const out = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(') || keywords.has(m[0].toLowerCase())) continue;
    out.push(m[0]);
  }
  return out;
}
const sqlStreams = q => [...q.matchAll(/\bFROM\s+"([^"]+)"/gi)].map(m => m[1]);
const errors = [];
if (dash.version !== 8 || !Array.isArray(dash.tabs) || !dash.dashboardId) errors.push('not a v8 dashboard');
let panels = 0, live = 0;
for (const tab of dash.tabs || []) for (const panel of tab.panels || []) {
  panels++;
  const needs = /\(needs: [^)]+\)/.test(panel.description || '');
  if (!Array.isArray(panel.queries) || panel.queries.length === 0) errors.push(`${panel.title}: no query`);
  for (const q of panel.queries || []) {
    const names = panel.queryType === 'sql' ? sqlStreams(q.query) : promqlStreams(q.query);
    if (names.length === 0) errors.push(`${panel.title}: no stream in ${q.query}`);
    if (q.fields && !names.includes(q.fields.stream)) errors.push(`${panel.title}: fields.stream ${q.fields.stream} not in its query`);
    for (const n of names) {
      if (!known.has(n)) errors.push(`${panel.title}: ${n} is no stream of the instrument catalog`);
      else if (!needs && !arrived.has(n)) errors.push(`${panel.title}: ${n} did not arrive from the demo`);
      else if (!needs) live++;
    }
  }
}
console.log(`${panels} panels, ${live} live stream references; the demo sent ${arrived.size} streams`);
if (errors.length) { console.error(errors.join('\n')); process.exit(1); }
JS
echo PASS
