#!/bin/bash
# Every ```promql block of docs/observability/metrics.md against a real Prometheus server
# (Debian package prometheus) scraping the ingest pipeline's metrics: pipeline_prometheus_demo
# runs `cryptolake demo`'s ingests twice behind our Prometheus endpoint, Prometheus scrapes it
# every second, and each block must return at least one sample whose value is a number (not NaN).
# A block whose first line is "# needs: <reason>" is for an instrument the demo cannot produce
# (a REST fill run, an S3 store): it is listed as skipped, not queried. Lines starting with '#'
# are comments and are removed before querying.
# With the catalog printer given, it also cross-checks names: every cryptolake series Prometheus
# stored is one `telemetry_catalog --json` lists (prometheus_series), and an instrument with any
# series stored has all of them.
# Usage: metrics_promql_test.sh <pipeline_prometheus_demo> <metrics.md> [<telemetry_catalog>].
# Exit 77 (skipped) without prometheus/curl/jq/python3.
set -euo pipefail
demo="$1"
doc="$2"
catalog="${3:-}"
for tool in /usr/bin/prometheus curl jq python3; do
  if ! command -v "$tool" >/dev/null; then echo "SKIP: $tool not installed"; exit 77; fi
done
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-promql.XXXXXX")"
demo_pid=""; prom_pid=""
cleanup() {
  [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/prometheus.log" ] && tail -5 "$work/prometheus.log" >&2
  exit 1
}

# The blocks, one per file (NUL-free): $work/blocks/NNN.promql.
mkdir -p "$work/blocks"
python3 - "$doc" "$work/blocks" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"^```promql\n(.*?)^```", text, re.S | re.M)
if not blocks:
    sys.exit("no ```promql blocks in " + sys.argv[1])
for i, b in enumerate(blocks):
    open(f"{sys.argv[2]}/{i:03d}.promql", "w").write(b)
PY

OTEL_SERVICE_NAME=cryptolake-promql "$demo" --port 0 --start-file "$work/start" > "$work/demo.out" 2> "$work/demo.err" &
demo_pid=$!
port=""
for _ in $(seq 100); do
  port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/demo.out")"
  [ -n "$port" ] && break
  kill -0 "$demo_pid" 2>/dev/null || fail "pipeline_prometheus_demo exited: $(cat "$work/demo.err")"
  sleep 0.1
done
[ -n "$port" ] || fail "pipeline_prometheus_demo did not start"

# shellcheck source=prometheus_lib.sh
source "$(dirname "$0")/prometheus_lib.sh"
prometheus_start "$port" "$work"

# The rounds start after Prometheus has scraped the endpoint twice.
for _ in $(seq 300); do
  n="$(curl -sf --get "$api/query" --data-urlencode 'query=count_over_time(up{job="cryptolake"}[1m])' 2>/dev/null | jq -r '.data.result[0].value[1] // 0' || echo 0)"
  [ "${n:-0}" -ge 2 ] 2>/dev/null && break
  sleep 0.2
done
touch "$work/start"
# Both ingest rounds done, then 3 more scrapes so the second round is in every rate window.
for _ in $(seq 600); do
  grep -q '^ingested ' "$work/demo.out" && break
  kill -0 "$demo_pid" 2>/dev/null || fail "pipeline_prometheus_demo exited: $(cat "$work/demo.err")"
  sleep 0.1
done
grep -q '^ingested ' "$work/demo.out" || fail "the ingest rounds did not finish"
sleep 3.5
up="$(curl -sf --get "$api/query" --data-urlencode 'query=up{job="cryptolake"}' | jq -r '.data.result[0].value[1] // ""')"
[ "$up" = 1 ] || fail "Prometheus does not scrape the endpoint: $(curl -s "$api/targets")"

checked=0; skipped=0; failed=0
for f in "$work"/blocks/*.promql; do
  first="$(head -n 1 "$f")"
  query="$(grep -v '^[[:space:]]*#' "$f")"
  if [[ "$first" == "# needs:"* ]]; then
    echo "skip: ${first#\# needs: }: $(echo "$query" | tr '\n' ' ')"
    skipped=$((skipped + 1))
    continue
  fi
  answer="$(curl -s --get "$api/query" --data-urlencode "query=$query")"
  values="$(echo "$answer" | jq -r 'if .status == "success" then (.data.result[] | .value[1]) else "ERROR " + .error end' 2>/dev/null || true)"
  if echo "$values" | grep -qv -e '^NaN$' -e '^ERROR' -e '^$'; then
    echo "ok: $(echo "$query" | tr '\n' ' ') -> $(echo "$values" | head -n 3 | tr '\n' ' ')"
    checked=$((checked + 1))
  else
    echo "FAIL: no numeric sample: $(echo "$query" | tr '\n' ' ') -> $(echo "$answer" | head -c 300)" >&2
    failed=$((failed + 1))
  fi
done
echo "checked $checked, skipped $skipped, failed $failed"

if [ -n "$catalog" ]; then
  "$catalog" --json > "$work/catalog.json" || fail "telemetry_catalog --json failed"
  curl -sf "$api/label/__name__/values" | jq -r '.data[]' > "$work/names.txt"
  python3 - "$work/catalog.json" "$work/names.txt" <<'PY' || fail "Prometheus names differ from the catalog's"
import json, re, sys
catalog = json.load(open(sys.argv[1]))
stored = {n for n in open(sys.argv[2]).read().split()
          if n.startswith(("cryptolake_", "process_memory")) and not n.endswith("_created")}
series = {s: c["name"] for c in catalog for s in c["prometheus_series"]}
bad = sorted(stored - set(series))
for c in catalog:
    have = [s for s in c["prometheus_series"] if s in stored]
    if have and len(have) != len(c["prometheus_series"]):
        bad.append(f'{c["name"]}: stored {have} of {c["prometheus_series"]}')
print(f"{len(stored)} cryptolake series stored, all named as telemetry_catalog says" if not bad else "\n".join(bad))
sys.exit(1 if bad else 0)
PY
fi
[ "$failed" = 0 ] || fail "$failed PromQL examples returned no data"
[ "$checked" -ge 10 ] || fail "only $checked examples checked live"
echo PASS
