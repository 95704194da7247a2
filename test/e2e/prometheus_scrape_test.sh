#!/bin/bash
# End to end with a real Prometheus server (Debian package prometheus 2.42): prometheus_demo
# serves our endpoint, `promtool check metrics` lints what it serves (text 0.0.4), then a
# Prometheus server scrapes it every second (it negotiates OpenMetrics 1.0.0) and its HTTP API
# must return our counter (with _total), gauge (unit suffix), up-down counter (as a gauge),
# histogram_quantile over our buckets, the otel_scope_* labels and target_info.
# Usage: prometheus_scrape_test.sh <path to prometheus_demo>. Exit 77 (skipped) without
# prometheus/promtool/curl/jq.
set -euo pipefail
demo="$1"
for tool in /usr/bin/prometheus /usr/bin/promtool curl jq; do
  if ! command -v "$tool" >/dev/null; then echo "SKIP: $tool not installed"; exit 77; fi
done
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-prom-e2e.XXXXXX")"
demo_pid=""; prom_pid=""
cleanup() {
  [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/prometheus.log" ] && tail -20 "$work/prometheus.log" >&2
  exit 1
}

# 1. Our endpoint on a free port.
"$demo" --port 0 > "$work/demo.out" 2> "$work/demo.err" &
demo_pid=$!
port=""
for _ in $(seq 100); do
  port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/demo.out")"
  [ -n "$port" ] && break
  kill -0 "$demo_pid" 2>/dev/null || fail "prometheus_demo exited: $(cat "$work/demo.err")"
  sleep 0.1
done
[ -n "$port" ] || fail "prometheus_demo did not start"
endpoint="http://127.0.0.1:$port/metrics"
sleep 0.3  # A few ticks recorded.

# 2. promtool lints the live text 0.0.4 output: exit 0 and nothing printed.
curl -sf "$endpoint" > "$work/text.txt" || fail "GET $endpoint"
lint="$(/usr/bin/promtool check metrics < "$work/text.txt" 2>&1)" || fail "promtool check metrics: $lint"
[ -z "$lint" ] || fail "promtool check metrics: $lint"
grep -q '^demo_requests_total{route="/api",otel_scope_name="cryptolake.demo",otel_scope_version="1.0.0"} ' \
  "$work/text.txt" || fail "no demo_requests_total sample in: $(cat "$work/text.txt")"
ctype="$(curl -s -o /dev/null -w '%{content_type}' \
  -H 'Accept: application/openmetrics-text;version=1.0.0' "$endpoint")"
[ "$ctype" = "application/openmetrics-text; version=1.0.0; charset=utf-8" ] || fail "OpenMetrics content type: $ctype"
[ "$(curl -sf -H 'Accept: application/openmetrics-text;version=1.0.0' "$endpoint" | tail -1)" = "# EOF" ] ||
  fail "OpenMetrics body does not end with # EOF"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/other")" = 404 ] || fail "not 404 off /metrics"

# 3. A Prometheus server scraping it every second.
# shellcheck source=prometheus_lib.sh
source "$(dirname "$0")/prometheus_lib.sh"
prometheus_start "$port" "$work"

# query <promql>: prints the first result's value ("" when no result).
query() { prom_query "$1"; }

# Wait (up to 30 s) until two scrapes of ours have landed.
ok=""
for _ in $(seq 60); do
  kill -0 "$prom_pid" 2>/dev/null || fail "prometheus exited"
  if [ "$(query 'count_over_time(up{job="cryptolake"}[1m])' 2>/dev/null || true)" \> "1" ] &&
     [ "$(query 'up{job="cryptolake"}' 2>/dev/null || true)" = "1" ]; then
    ok=1; break
  fi
  sleep 0.5
done
[ -n "$ok" ] || fail "Prometheus did not scrape the endpoint: $(curl -s "$api/targets")"

expect() {  # expect <promql> <awk condition on v> <what>
  local v; v="$(query "$1")"
  [ -n "$v" ] || fail "$3: no result for $1"
  awk -v v="$v" "BEGIN { exit !($2) }" || fail "$3: $1 = $v"
  echo "ok: $3: $1 = $v"
}
expect 'demo_requests_total{route="/api",otel_scope_name="cryptolake.demo",otel_scope_version="1.0.0",job="cryptolake"}' \
  'v > 0' "counter with _total and scope labels"
expect 'demo_requests_total{route="/health"} / on() demo_requests_total{route="/api"}' \
  'v >= 1.5 && v <= 2.5' "counter series per attribute"
expect 'demo_temperature_celsius{sensor="a"}' 'v == 21.5' "gauge with unit suffix"
expect 'demo_queue_items{queue="ingest"}' 'v == 3' "up-down counter as a gauge, {item} dropped"
expect 'histogram_quantile(0.5, sum by (le) (demo_latency_seconds_bucket{route="/api"}))' \
  'v > 0.0299999 && v < 0.0300001' "histogram_quantile over our buckets"
expect 'demo_latency_seconds_count{route="/api"} - ignoring(le) demo_latency_seconds_bucket{route="/api",le="+Inf"}' \
  'v == 0' "histogram +Inf bucket equals _count"
expect 'demo_latency_seconds_sum{route="/api"} / demo_latency_seconds_count{route="/api"}' \
  'v > 0.0299999 && v < 0.0300001' "histogram _sum"
expect 'target_info{service_name="cryptolake-prom-demo",deployment_environment="e2e"}' 'v == 1' "target_info"
expect 'count({__name__=~"demo_.*"})' 'v >= 10' "demo_* series"
unscoped="$(query 'count({__name__=~"demo_.*", otel_scope_name!="cryptolake.demo"})')"
[ -z "$unscoped" ] || fail "$unscoped demo_* series without otel_scope_name=cryptolake.demo"
# Exactly these names: no doubled _total, no {item} annotation, no duplicate family. (Prometheus
# 2.42 stores OpenMetrics _created lines as series of their own.)
names="$(curl -sf "$api/label/__name__/values" | jq -r '.data[]' | grep '^demo_' | tr '\n' ' ')"
expected="demo_latency_seconds_bucket demo_latency_seconds_count demo_latency_seconds_created \
demo_latency_seconds_sum demo_queue_items demo_requests_created demo_requests_total \
demo_temperature_celsius "
[ "$names" = "$expected" ] || fail "metric names: got '$names', want '$expected'"
echo "ok: metric names: $names"
echo "PASS"
