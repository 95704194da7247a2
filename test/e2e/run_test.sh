#!/bin/bash
# End-to-end test of `cryptolake run` over a generated local archive (test/e2e/demo_archive_tool):
#   1. a run from a TOML config writes the lake (silver, gold), collection_summary.json and
#      _runs/<run id>.json; exit 0, outcome succeeded;
#   2. a second run skips every task and changes nothing in the lake (bytes and mtimes);
#   3. SIGKILL at spread-out random points, then a re-run: the lake equals the uninterrupted
#      run's (every key; silver/gold Parquet byte for byte; ledgers without their timestamps),
#      no temp file left;
#   4. SIGTERM mid-run: exit 143, summary outcome "interrupted" with cancelled tasks, no temp
#      file, and the re-run completes the lake;
#   5. four `--shard i/4` processes at once on one lake == the single process's lake;
#   6. --dry-run prints the plan; a bad config exits 2 naming file, line and key.
# Usage: run_test.sh <cryptolake> <demo_archive_tool>
set -euo pipefail
bin="$1"; gen="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-run.XXXXXX")"
trap 'kill $(jobs -p) 2> /dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
py=/usr/bin/python3
# Fill must never reach the real Binance API from a test: a closed loopback port.
export CRYPTOLAKE_BINANCE_SPOT_URL=http://127.0.0.1:9 CRYPTOLAKE_BINANCE_UM_URL=http://127.0.0.1:9
export CRYPTOLAKE_BINANCE_CM_URL=http://127.0.0.1:9
unset OTEL_METRICS_EXPORTER OTEL_EXPORTER_OTLP_ENDPOINT CRYPTOLAKE_SHARD JOB_COMPLETION_INDEX

"$gen" "$work/archive" 2026-04-01 6 20000 > /dev/null || fail "generating the archive"

config() {  # config <lake> <file>
  cat > "$2" <<TOML
[lake]
url = "$1"
source = "$work/archive"
[run]
steps = ["ingest", "gaps", "fill", "gold"]
io_workers = 3
cpu_workers = 2
max_attempts = 2
retry_initial_backoff = "10ms"
retry_max_backoff = "50ms"
task_timeout = "5m"
[[datasets]]
market = "spot"
data_type = "klines"
intervals = ["1m"]
symbols = ["BTCUSDT", "ETHUSDT"]
start = "2026-04-01"
end = "2026-04-06"
[[datasets]]
market = "um"
data_type = "klines"
intervals = ["1m"]
symbols = ["BTCUSDT"]
start = "2026-04-01"
end = "2026-04-06"
[[datasets]]
market = "cm"
data_type = "aggTrades"
symbols = ["BTCUSD_PERP"]
start = "2026-04-01"
end = "2026-04-06"
[[datasets]]
market = "um"
data_type = "fundingRate"
symbols = ["BTCUSDT"]
start = "2026-04-01"
end = "2026-04-06"
period = "monthly"
[gold]
intervals = ["5m", "1h", "1d"]
TOML
}

run() {  # run <name> [flags...]: config $work/<name>.toml, lake $work/<name>, summary $work/<name>.json
  local name="$1"; shift
  [ -f "$work/$name.toml" ] || config "$work/$name" "$work/$name.toml"
  "$bin" run --config "$work/$name.toml" --summary "$work/$name.json" --quiet "$@" \
    > "$work/$name.out" 2> "$work/$name.err"
}

json() {  # json <file> <python expression over j>
  "$py" -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

# Every object but run records, with its digest; ledger-like JSON without its timestamps.
digest_lake() {
  (cd "$1" && find . -type f ! -path './.cltmp-runs/*' ! -path './_runs/*' ! -path './_ledger/*' \
       ! -path './_absent/*' ! -path './_gold/*' -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
   { find ./_ledger ./_absent ./_gold -type f 2> /dev/null || true; } | LC_ALL=C sort |
     while read -r f; do
       echo "$f $(sed -E 's/"(ingested_at|checked_at|built_at)": *"[^"]*"//g' "$f" | sha256sum)"
     done)
}

check_no_temp() {
  local left; left="$(find "$1" -path '*/.cltmp-runs/*' -type f ! -name '*.lock' | head -5)"
  [ -z "$left" ] || fail "$2: temp files left: $left"
}

# 1. The reference run.
start=$(date +%s%N)
run ref || fail "first run exited $?: $(cat "$work/ref.err" "$work/ref.out")"
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "uninterrupted run: ${took_ms} ms"
[ "$(json "$work/ref.json" 'j["outcome"]')" = succeeded ] || fail "outcome: $(cat "$work/ref.json")"
tasks=$(json "$work/ref.json" 'j["totals"]["tasks"]')
# spot 2 symbols x 6 days + um 6 days: 4 steps each; cm aggTrades 6 days: 4 steps;
# fundingRate one month: 4 steps.
[ "$tasks" = $(( (12 + 6 + 6 + 1) * 4 )) ] || fail "expected 100 tasks, got $tasks"
[ "$(json "$work/ref.json" 'j["steps"]["ingest"]["succeeded"]')" = 25 ] || fail "ingest counts: $(cat "$work/ref.json")"
[ "$(json "$work/ref.json" 'j["steps"]["gold"]["succeeded"]')" = 25 ] || fail "gold counts: $(cat "$work/ref.json")"
[ "$(ls "$work/ref/_runs" | wc -l)" = 1 ] || fail "expected one _runs object"
cmp -s "$work/ref.json" "$work/ref/_runs/$(json "$work/ref.json" 'j["run_id"]').json" ||
  fail "_runs/<run id>.json differs from the local summary"
json "$work/ref.json" 'j["run_id"]' | grep -Eq '^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$' || fail "run id format"
ls "$work"/ref/gold/klines/market=um/symbol=BTCUSDT/interval=1h/date=2026-04-03/*.parquet > /dev/null ||
  fail "no gold klines"
ls "$work"/ref/gold/trade_bars/market=cm/symbol=BTCUSD_PERP/interval=1m/date=2026-04-06/*.parquet > /dev/null ||
  fail "no gold trade bars"
ls "$work"/ref/gold/funding/market=um/symbol=BTCUSDT/month=2026-04/*.parquet > /dev/null ||
  fail "no gold funding"
digest_lake "$work/ref" > "$work/ref.sum"

# 2. Second run: every task skipped, nothing in the lake changes (only a new _runs object).
snap() { (cd "$1" && find . -type f ! -path './_runs/*' ! -path './.cltmp-runs/*' -printf '%P %s %T@\n' | LC_ALL=C sort); }
snap "$work/ref" > "$work/ref.snap"
run ref || fail "second run exited $?: $(cat "$work/ref.err")"
[ "$(json "$work/ref.json" 'j["totals"]["skipped"]')" = "$tasks" ] ||
  fail "second run did not skip everything: $(json "$work/ref.json" 'j["totals"]')"
snap "$work/ref" > "$work/ref2.snap"
cmp -s "$work/ref.snap" "$work/ref2.snap" || fail "second run changed the lake: $(diff "$work/ref.snap" "$work/ref2.snap" | head)"
[ "$(ls "$work/ref/_runs" | wc -l)" = 2 ] || fail "expected a second _runs object"

# 3. SIGKILL at random points, then resume.
# Kill points are drawn from the first 80 % of an uninterrupted run's time; a run can be faster
# than that one was (load changes), so draw until 6 kills hit a running process (at most 12).
cut_short=0
attempt=0
while [ "$cut_short" -lt 6 ] && [ "$attempt" -lt 12 ]; do
  attempt=$((attempt + 1))
  name="kill$attempt"
  config "$work/$name" "$work/$name.toml"
  window_ms=$(( took_ms * 8 / 10 ))
  delay_ms=$(( RANDOM % (window_ms > 0 ? window_ms : 1) ))
  "$bin" run --config "$work/$name.toml" --summary "$work/$name.json" --quiet > /dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -9 "$pid" 2> /dev/null; then cut_short=$((cut_short + 1)); fi
  wait "$pid" 2> /dev/null || true
  run "$name" || fail "$name: re-run after SIGKILL at ${delay_ms} ms exited $?: $(cat "$work/$name.err")"
  check_no_temp "$work/$name" "$name"
  digest_lake "$work/$name" > "$work/$name.sum"
  diff "$work/ref.sum" "$work/$name.sum" > "$work/$name.diff" ||
    fail "$name (SIGKILL at ${delay_ms} ms): lake differs from the uninterrupted run: $(head "$work/$name.diff")"
  echo "SIGKILL at ${delay_ms} ms: resumed run == uninterrupted run"
done
[ "$cut_short" -ge 6 ] || fail "only $cut_short of $attempt kills hit a running process"

# 4. SIGTERM mid-run: stops cleanly.
config "$work/term" "$work/term.toml"
"$bin" run --config "$work/term.toml" --summary "$work/term.json" --io-workers 1 --cpu-workers 1 \
  > "$work/term.out" 2> "$work/term.err" &
pid=$!
while kill -0 "$pid" 2> /dev/null && ! compgen -G "$work/term/_ledger/data/spot/daily/klines/*/1m/*.json" > /dev/null; do sleep 0.01; done
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 143 ] || fail "SIGTERM: exit $rc (want 143): $(cat "$work/term.err")"
[ "$(json "$work/term.json" 'j["outcome"]')" = interrupted ] || fail "SIGTERM outcome: $(json "$work/term.json" 'j["outcome"]')"
[ "$(json "$work/term.json" 'j["totals"]["cancelled"]')" -gt 0 ] || fail "SIGTERM: nothing cancelled"
[ "$(json "$work/term.json" 'sum(t["detail"] != "interrupted" for t in j["tasks"] if t["outcome"] == "cancelled")')" = 0 ] ||
  fail "cancelled tasks are not marked interrupted"
check_no_temp "$work/term" "SIGTERM"
run term || fail "re-run after SIGTERM exited $?: $(cat "$work/term.err")"
digest_lake "$work/term" | diff "$work/ref.sum" - > /dev/null || fail "re-run after SIGTERM differs"

# 5. Four shards at once on one lake.
config "$work/shards" "$work/shards.toml"
pids=()
for i in 0 1 2 3; do
  "$bin" run --config "$work/shards.toml" --shard "$i/4" --summary "$work/shard$i.json" --quiet \
    > "$work/shard$i.out" 2>&1 & pids+=($!)
done
for i in 0 1 2 3; do wait "${pids[$i]}" || fail "shard $i exited $?: $(cat "$work/shard$i.out")"; done
total=0
for i in 0 1 2 3; do
  json "$work/shard$i.json" 'j["run_id"]' | grep -Eq -- "-shard${i}of4\$" || fail "shard $i run id"
  total=$(( total + $(json "$work/shard$i.json" 'j["totals"]["tasks"]') ))
done
[ "$total" = "$tasks" ] || fail "shards ran $total tasks, one process $tasks"
[ "$(ls "$work/shards/_runs" | wc -l)" = 4 ] || fail "expected four _runs objects"
digest_lake "$work/shards" | diff "$work/ref.sum" - > "$work/shards.diff" ||
  fail "4 shards' lake differs from one process's: $(head "$work/shards.diff")"

# 6. --dry-run and config errors.
"$bin" run --config "$work/ref.toml" --dry-run --shard 1/4 > "$work/plan.txt" || fail "dry run"
grep -q '^# shard 1/4: ' "$work/plan.txt" || fail "dry run header: $(head -2 "$work/plan.txt")"
grep -q 'gold/.*after fill/' "$work/plan.txt" || fail "dry run shows no dependencies"
# Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX with --shard-count or CRYPTOLAKE_SHARD_COUNT.
JOB_COMPLETION_INDEX=3 "$bin" run --config "$work/ref.toml" --shard-count 4 --dry-run | grep -q '^# shard 3/4: ' ||
  fail "--shard-count with JOB_COMPLETION_INDEX"
JOB_COMPLETION_INDEX=2 CRYPTOLAKE_SHARD_COUNT=4 "$bin" run --config "$work/ref.toml" --dry-run | grep -q '^# shard 2/4: ' ||
  fail "JOB_COMPLETION_INDEX with CRYPTOLAKE_SHARD_COUNT"
printf '[run]\nio_workers = 2\nio_wrokers = 3\n' > "$work/bad.toml"
rc=0; "$bin" run --config "$work/bad.toml" > "$work/bad.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "bad config: exit $rc"
grep -q 'bad.toml:3: unknown key .io_wrokers.' "$work/bad.out" || fail "bad config message: $(cat "$work/bad.out")"
rc=0; CRYPTOLAKE_IO_WORKERS=zero "$bin" run --config "$work/ref.toml" --dry-run > "$work/bad.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q CRYPTOLAKE_IO_WORKERS "$work/bad.out" || fail "bad env: exit $rc $(cat "$work/bad.out")"
# Flags beat the environment, which beats the file.
CRYPTOLAKE_LAKE_URL="$work/from-env" "$bin" run --config "$work/ref.toml" --steps ingest --dry-run > "$work/p2.txt"
grep -q '^ingest/' "$work/p2.txt" && ! grep -q '^gold/' "$work/p2.txt" || fail "--steps not applied"
echo "PASS"
