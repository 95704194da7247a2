#!/bin/bash
# `cryptolake run --shard i/4` against ONE s3rver bucket: four shard processes at once produce the
# same lake (same keys except _runs/, same bytes; ledgers without their timestamps) as one process
# writing another prefix of the bucket; and so do four shards after one of them was SIGKILLed
# mid-run (its re-run does only what is missing). Each shard writes its own _runs/ object only.
# Usage: run_s3_shard_test.sh <cryptolake> <demo_archive_tool>
set -euo pipefail
bin="$1"; gen="$2"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-runs3.XXXXXX")"
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$here/s3_test_lib.sh"
cleanup() { kill $(jobs -p) 2> /dev/null || true; s3_stop > /dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
py=/usr/bin/python3
export CRYPTOLAKE_BINANCE_SPOT_URL=http://127.0.0.1:9 CRYPTOLAKE_BINANCE_UM_URL=http://127.0.0.1:9
export CRYPTOLAKE_BINANCE_CM_URL=http://127.0.0.1:9
unset OTEL_METRICS_EXPORTER OTEL_EXPORTER_OTLP_ENDPOINT CRYPTOLAKE_SHARD JOB_COMPLETION_INDEX

s3_require_peers
# Behind the SigV4-checking proxy: it verifies every request's signature and forwards only whole
# requests (s3rver alone keeps the part of a PUT body a killed client sent, which real S3 never
# stores).
s3_start --proxy
"$gen" "$work/archive" 2026-04-01 4 20000 > /dev/null || fail "generating the archive"
cat > "$work/lake.toml" <<TOML
[lake]
url = "s3://lake/placeholder"
source = "$work/archive"
[run]
steps = ["ingest", "gaps", "fill", "gold"]
io_workers = 2
cpu_workers = 1
max_attempts = 3
retry_initial_backoff = "50ms"
retry_max_backoff = "500ms"
[[datasets]]
market = "spot"
data_type = "klines"
intervals = ["1m"]
symbols = ["BTCUSDT", "ETHUSDT"]
start = "2026-04-01"
end = "2026-04-04"
[[datasets]]
market = "cm"
data_type = "aggTrades"
symbols = ["BTCUSD_PERP"]
start = "2026-04-01"
end = "2026-04-04"
[[datasets]]
market = "um"
data_type = "fundingRate"
symbols = ["BTCUSDT"]
start = "2026-04-01"
end = "2026-04-04"
period = "monthly"
TOML

json() { "$py" -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
shard() {  # shard <prefix> <i> : runs shard i/4 into s3://lake/<prefix> (env lake URL overrides the file)
  CRYPTOLAKE_LAKE_URL="s3://lake/$1" "$bin" run --config "$work/lake.toml" --shard "$2/4" \
    --summary "$work/$1-shard$2.json" --quiet > "$work/$1-shard$2.out" 2>&1
}
# Keys and digests of a snapshot, _runs/ left out, ledger-like JSON without timestamps.
digest_snapshot() {
  (cd "$1" && find . -type f ! -path './_runs/*' ! -path './_ledger/*' ! -path './_absent/*' \
       ! -path './_gold/*' -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
   { find ./_ledger ./_absent ./_gold -type f 2> /dev/null || true; } | LC_ALL=C sort |
     while read -r f; do
       echo "$f $(sed -E 's/"(ingested_at|checked_at|built_at)": *"[^"]*"//g' "$f" | sha256sum)"
     done)
}

# One process.
CRYPTOLAKE_LAKE_URL=s3://lake/one "$bin" run --config "$work/lake.toml" --summary "$work/one.json" \
  --quiet > "$work/one.out" 2>&1 || fail "single run exited $?: $(cat "$work/one.out")"
[ "$(json "$work/one.json" 'j["outcome"]')" = succeeded ] || fail "single run: $(cat "$work/one.json")"
s3_snapshot one/ "$work/one"
digest_snapshot "$work/one" > "$work/one.sum"
grep -q 'silver/klines/' "$work/one.sum" && grep -q 'gold/trade_bars/' "$work/one.sum" ||
  fail "the single run's lake lacks silver or gold: $(head "$work/one.sum")"

# Four shards at once on one prefix.
pids=()
for i in 0 1 2 3; do shard four "$i" & pids+=($!); done
for i in 0 1 2 3; do wait "${pids[$i]}" || fail "shard $i exited: $(cat "$work/four-shard$i.out")"; done
s3_snapshot four/ "$work/four"
[ "$(ls "$work/four/_runs" | wc -l)" = 4 ] || fail "expected 4 _runs objects: $(ls "$work/four/_runs")"
digest_snapshot "$work/four" | diff "$work/one.sum" - > "$work/four.diff" ||
  fail "4 shards' lake differs from one process's: $(head "$work/four.diff")"
echo "4 shards on one bucket == 1 process ($(wc -l < "$work/one.sum") objects)"

# Shard 2 alone, killed with SIGKILL right after it committed its first file (one I/O worker,
# so it has more to do: the kill cuts a running shard), then all four shards at once, shard 2 a
# second time. s3rver's data directory shows when the first ledger entry lands.
CRYPTOLAKE_LAKE_URL=s3://lake/killed "$bin" run --config "$work/lake.toml" --shard 2/4 --quiet \
  --io-workers 1 --cpu-workers 1 --summary "$work/killed-victim.json" > /dev/null 2>&1 &
victim=$!
while kill -0 "$victim" 2> /dev/null &&
      [ -z "$(find "$S3_DATA_DIR/lake/killed/_ledger" -type f 2> /dev/null | head -1)" ]; do
  sleep 0.005
done
kill -9 "$victim" 2> /dev/null || fail "shard 2 finished before the kill: the kill proves nothing"
wait "$victim" 2> /dev/null || true
[ ! -f "$work/killed-victim.json" ] || fail "the killed shard wrote a summary"
echo "shard 2 killed with SIGKILL after its first commit"
pids=()
for i in 0 1 2 3; do shard killed "$i" & pids+=($!); done
for i in 0 1 2 3; do wait "${pids[$i]}" || fail "shard $i exited: $(cat "$work/killed-shard$i.out")"; done
s3_snapshot killed/ "$work/killed"
digest_snapshot "$work/killed" | diff "$work/one.sum" - > "$work/killed.diff" ||
  fail "after killing and re-running shard 2 the lake differs: $(head "$work/killed.diff")"
echo "PASS"
