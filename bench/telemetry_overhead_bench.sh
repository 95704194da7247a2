#!/usr/bin/env bash
# Telemetry overhead benchmark (issue 12): the ~2.1 M-row aggTrades day (bench/aggtrades_day.sh)
# ingested with full instrumentation exporting over OTLP/gRPC to the test receiver
# (test/peers/otlp_receiver.mjs) every second, against the same ingest with
# OTEL_SDK_DISABLED=true, in one run, alternating (the first of each pair swaps every round),
# $ROUNDS rounds each (default 5). Prints every
# wall time, the medians and their ratio; the target is a median ratio <= 1.01. Also checks the
# receiver really got the instrumented runs' metrics (the last cumulative records ingested = rows),
# and measures the fixed per-process part of the difference on an ingest with nothing to do.
#
# Usage: bench/telemetry_overhead_bench.sh [path/to/cryptolake]
#   ROUNDS=n (default 5); JOBS=n (default 1); KEEP_WORK=1 keeps the temp dir
#   CRYPTOLAKE_FIXTURES_DIR overrides the fixture mirror (default ../shared/fixtures/binance-archive)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bin="${1:-$repo/build/release/tools/cryptolake/cryptolake}"
fixtures="${CRYPTOLAKE_FIXTURES_DIR:-$repo/../shared/fixtures/binance-archive}"
rounds="${ROUNDS:-5}"
jobs="${JOBS:-1}"
rel="data/futures/cm/daily/aggTrades/BTCUSD_PERP"
name="BTCUSD_PERP-aggTrades-2026-05-08"
peers="$repo/test/peers"

[ -x "$bin" ] || { echo "telemetry_overhead_bench: no cryptolake binary at $bin" >&2; exit 2; }
[ -d "$peers/node_modules/@opentelemetry" ] || {
  echo "telemetry_overhead_bench: npm packages missing in test/peers (scripts/setup.sh)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-otelbench.XXXXXX")"
# shellcheck source=../test/peers/otlp_receiver.sh
source "$peers/otlp_receiver.sh"
finish() {
  receiver_stop 2> /dev/null || true
  [ "${KEEP_WORK:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"
}
trap finish EXIT
mkdir -p "$work/mirror/$rel"
csv="$work/$name.csv"
echo "== building input in $work"
# shellcheck source=aggtrades_day.sh
source "$here/aggtrades_day.sh"
make_aggtrades_day "$fixtures/$rel/$name.zip" "$csv"
rows=$(( $(wc -l < "$csv") - 1 ))
(cd "$work" && zip -q -6 "mirror/$rel/$name.zip" "$name.csv")
(cd "$work/mirror/$rel" && sha256sum "$name.zip" > "$name.zip.CHECKSUM")
rm -f "$csv"
echo "input: $AGGTRADES_INPUT; rows=$rows"

receiver_start
ingest() {
  rm -rf "$work/lake"
  /usr/bin/time -f "%e" -o "$work/time.txt" "$bin" ingest --source "$work/mirror" \
    --lake "$work/lake" --market cm --data-type aggTrades --symbols BTCUSD_PERP \
    --start 2026-05-08 --end 2026-05-08 --jobs "$jobs" --quiet > "$work/last.log" 2>&1 || {
    echo "ingest failed:"; cat "$work/last.log"; exit 1; }
  cat "$work/time.txt"
}
on=(); off=()
run_on() {
  (unset OTEL_SDK_DISABLED; export OTEL_METRICS_EXPORTER=otlp OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_GRPC_PORT" \
    OTEL_METRIC_EXPORT_INTERVAL=1000; ingest)
}
run_off() { (export OTEL_SDK_DISABLED=true; ingest); }
# Alternating, and which goes first swaps every round, so neither side always runs right after
# the other's lake was deleted.
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then
    t_on=$(run_on); t_off=$(run_off)
  else
    t_off=$(run_off); t_on=$(run_on)
  fi
  on+=("$t_on"); off+=("$t_off")
  echo "round $r: instrumented+OTLP ${t_on} s, OTEL_SDK_DISABLED ${t_off} s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
m_on=$(median "${on[@]}"); m_off=$(median "${off[@]}")
ratio=$(echo "$m_on / $m_off" | bc -l)
# The instrumented runs' metrics reached the receiver: the last cumulative records ingested.
got=$(receiver_get /sums | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const sums = JSON.parse(s); let n = 0;
    for (const [k, v] of Object.entries(sums)) if (k.startsWith("cryptolake.data.records.ingested ")) n = Math.max(n, Number(v.last));
    console.log(n); });')
echo "receiver: cryptolake.data.records.ingested = $got (one run: $rows)"
# Where the default (advisory) bucket boundaries put p50 and p99 of the histograms the
# instrumented runs recorded: "interior" when neither falls in the first bucket (<= the lowest
# bound) nor in the overflow bucket (> the highest bound). Cumulative points: the last of each
# series holds the run's whole distribution.
receiver_get '/points?since=0' | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const last = new Map();
    for (const p of JSON.parse(s)) {
      if (p.type !== "histogram") continue;
      const key = p.metric + " " + JSON.stringify(p.attributes);
      const prev = last.get(key);
      if (!prev || BigInt(p.timeUnixNano) >= BigInt(prev.timeUnixNano)) last.set(key, p);
    }
    const byMetric = new Map();
    for (const p of last.values()) {
      const m = byMetric.get(p.metric) || { counts: null, bounds: p.explicitBounds };
      const c = p.bucketCounts.map(Number);
      m.counts = m.counts ? m.counts.map((x, i) => x + c[i]) : c;
      byMetric.set(p.metric, m);
    }
    for (const [metric, m] of byMetric) {
      const total = m.counts.reduce((a, b) => a + b, 0);
      const at = (q) => { let acc = 0; for (let i = 0; i < m.counts.length; i++) { acc += m.counts[i]; if (acc >= q * total) return i; } return m.counts.length - 1; };
      const desc = (i) => i === 0 ? "<= " + m.bounds[0] : i === m.bounds.length ? "> " + m.bounds[i - 1] : "(" + m.bounds[i - 1] + ", " + m.bounds[i] + "]";
      const p50 = at(0.5), p99 = at(0.99), inner = (i) => i > 0 && i < m.bounds.length;
      console.log(`buckets ${metric}: n=${total} p50 in ${desc(p50)}, p99 in ${desc(p99)}: ${inner(p50) && inner(p99) ? "interior" : "NOT interior"}`);
    }
  });'

# The fixed per-process part of the difference: an ingest with nothing to do (a date the mirror
# does not hold), 10 runs each way, mean wall time.
empty_ms() {
  local t0 i; t0=$(date +%s%N)
  for i in $(seq 10); do
    "$bin" ingest --source "$work/mirror" --lake "$work/empty" --market cm --data-type aggTrades \
      --symbols BTCUSD_PERP --start 2026-05-07 --end 2026-05-07 --quiet > /dev/null 2>&1
  done
  echo $(( ($(date +%s%N) - t0) / 10000000 ))
}
e_on=$(unset OTEL_SDK_DISABLED; export OTEL_METRICS_EXPORTER=otlp OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_GRPC_PORT" OTEL_METRIC_EXPORT_INTERVAL=1000; empty_ms)
e_off=$(export OTEL_SDK_DISABLED=true; empty_ms)
echo "empty ingest (fixed cost per process): instrumented+OTLP ${e_on} ms, disabled ${e_off} ms"
printf 'median instrumented+OTLP %s s, median disabled %s s, ratio %.4f (target <= 1.01), cpu: %s\n' \
  "$m_on" "$m_off" "$ratio" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
