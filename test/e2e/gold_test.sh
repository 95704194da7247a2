#!/bin/bash
# End-to-end test of `cryptolake gold` against DuckDB: gold built from a generated demo lake (always)
# and from real archive fixture days (when ../shared/fixtures or $CRYPTOLAKE_FIXTURES_DIR is there)
# equals the same aggregation written in DuckDB SQL over the same silver (peers/gold_sql.cjs):
# same rows, integers/booleans/picked prices equal, summed doubles within 1e-9 relative
# (docs/gold.md, "Verification"). Also: a second run writes nothing, a deleted gold object is
# rebuilt, usage errors exit 2, --json parses.
# Usage: gold_test.sh <path to cryptolake>. Exit 77 (skipped) without node + @duckdb/node-api.
set -euo pipefail
bin="$1"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-gold.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
peers="${CRYPTOLAKE_PEERS_DIR:-$repo/test/peers}"
if ! command -v node >/dev/null 2>&1 || [ ! -d "$peers/node_modules/@duckdb/node-api" ]; then
  echo "gold_test: skipped: node or @duckdb/node-api not installed (scripts/setup.sh)"
  exit 77
fi

# Builds every gold product the lake's silver supports.
gold_all() {  # $1 = lake, rest = extra flags
  local lake="$1"; shift
  local specs=("spot klines" "um klines" "cm klines" "cm aggTrades" "um fundingRate")
  for spec in "${specs[@]}"; do
    set -- $spec "$@"
    local market="$1" type="$2"; shift 2
    "$bin" gold --lake "$lake" --market "$market" --data-type "$type" --all-symbols \
      --start 2019-01-01 --end 2030-12-31 "$@" || fail "gold $market $type exited $?"
  done
}
check() {  # $1 = lake, $2 = products
  node "$here/peers/gold_check.cjs" "$1" "$2" 1e-9 || fail "DuckDB disagrees with gold in $1"
}

# 1. Demo lake (generated: spot/um 1m klines, cm aggTrades, um fundingRate).
"$bin" demo --lake "$work/demo" --no-metrics > "$work/demo.txt" 2>&1 || fail "demo: $(cat "$work/demo.txt")"
gold_all "$work/demo" > "$work/gold1.txt"
grep -q " 0 failed" "$work/gold1.txt" || fail "first gold run: $(cat "$work/gold1.txt")"
check "$work/demo" klines,daily_summary,trade_bars,funding

# 2. A second run writes nothing: the gold tree (with mtimes) is unchanged, nothing is built.
snap() { find "$1/gold" "$1/_gold" -type f -printf '%P %s %T@\n' | sort; }
snap "$work/demo" > "$work/before.txt"
gold_all "$work/demo" > "$work/gold2.txt"
if grep -q "[1-9][0-9]* built" "$work/gold2.txt"; then fail "second run built: $(cat "$work/gold2.txt")"; fi
snap "$work/demo" > "$work/after.txt"
cmp -s "$work/before.txt" "$work/after.txt" || fail "second run changed gold: $(diff "$work/before.txt" "$work/after.txt")"

# 3. The comparison is not vacuous: a missing gold object is caught, and the next run restores it.
victim="$(find "$work/demo/gold/klines/market=um" -name '*-1h-*.parquet' | sort | head -1)"
rm "$victim"
if node "$here/peers/gold_check.cjs" "$work/demo" klines 1e-9 > /dev/null; then
  fail "gold_check passed with $victim deleted"
fi
"$bin" gold --lake "$work/demo" --market um --data-type klines --all-symbols --start 2019-01-01 \
  --end 2030-12-31 --json > "$work/gold3.json" || fail "rebuild exited $?"
node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1])); if (j.built < 1 || j.failed !== 0) process.exit(1)' \
  "$work/gold3.json" || fail "--json after a deleted object: $(cat "$work/gold3.json")"
[ -f "$victim" ] || fail "the deleted gold object was not rebuilt"
check "$work/demo" klines

# 4. Usage errors exit 2 and write nothing.
set +e
"$bin" gold --lake "$work/x" --market um --data-type klines --start 2024-01-01 --end 2024-01-01 >/dev/null 2>&1
[ $? -eq 2 ] || fail "missing --symbols should exit 2"
"$bin" gold --lake "$work/x" --market um --data-type klines --symbols A --intervals 7m --start 2024-01-01 --end 2024-01-01 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--intervals 7m should exit 2"
"$bin" gold --lake "$work/x" --market um --data-type bookTicker --symbols A --start 2024-01-01 --end 2024-01-01 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--data-type bookTicker should exit 2"
"$bin" gold --lake "$work/x" --market um --data-type klines --symbols A --start 2024-02-01 --end 2024-01-01 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--end before --start should exit 2"
set -e
[ ! -e "$work/x/gold" ] || fail "a usage error wrote gold"

# 5. Real archive days (spot/um/cm 1m klines, cm aggTrades, um fundingRate).
fixtures="${CRYPTOLAKE_FIXTURES_DIR:-$repo/../shared/fixtures}/binance-archive"
if [ ! -d "$fixtures/data" ]; then
  echo "gold_test: demo checks passed; real fixture days skipped: $fixtures not found"
  exit 0
fi
real="$work/real"
ingest() { "$bin" ingest --source "$fixtures" --lake "$real" --quiet "$@" > "$work/ingest.txt" 2>&1 || fail "ingest $*: $(cat "$work/ingest.txt")"; }
ingest --market spot --data-type klines --interval 1m --symbols BTCUSDT --start 2020-01-01 --end 2020-01-01
ingest --market um --data-type klines --interval 1m --symbols BTCUSDT --start 2022-09-05 --end 2022-09-05
ingest --market cm --data-type klines --interval 1m --symbols BTCUSD_PERP --start 2022-10-24 --end 2022-10-24
ingest --market cm --data-type aggTrades --symbols BTCUSD_PERP --start 2026-05-08 --end 2026-05-08
ingest --market um --data-type fundingRate --period monthly --symbols BTCUSDT --start 2026-04-01 --end 2026-04-30
gold_all "$real" > "$work/gold_real.txt"
grep -q " 0 failed" "$work/gold_real.txt" || fail "gold over fixtures: $(cat "$work/gold_real.txt")"
check "$real" klines,daily_summary,trade_bars,funding
echo "gold_test: all checks passed (demo lake and real fixture days)"
