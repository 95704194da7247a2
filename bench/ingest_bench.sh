#!/usr/bin/env bash
# Ingest benchmark: cryptolake vs DuckDB vs Polars on one big COIN-M aggTrades day.
#
# Input: the fixture day futures/cm/daily/aggTrades/BTCUSD_PERP/BTCUSD_PERP-aggTrades-2026-05-08
# (105,280 rows) repeated 20 times. Copy k gets its ids shifted by k * (id span) and its times
# squeezed into the k-th twentieth of the same UTC day, so the result is still a valid day:
# unique increasing ids, non-decreasing times, all within 2026-05-08 (~2.1 M rows, ~134 MB CSV).
# It is zipped with a correct .CHECKSUM into a temp archive mirror.
#
# Runs, in one go on this machine:
#   cryptolake ingest --jobs 1 and --jobs 2   (zip -> verify -> inflate -> parse -> validate -> Parquet)
#   DuckDB  COPY (SELECT * FROM read_csv(...)) TO ... (FORMAT parquet, COMPRESSION zstd), threads 1, 2
#           on the already unzipped CSV (so DuckDB does less work than cryptolake)
#   Polars  readCSV -> writeParquet zstd, POLARS_MAX_THREADS=1 and 2
# and prints rows/s (wall), CPU seconds, ratios and output sizes, and checks with DuckDB that the
# cryptolake lakes hold every row once. Each timing is the best of $RUNS runs (default 3).
#
# Usage: bench/ingest_bench.sh [path/to/cryptolake]
#   default binary: build/release/tools/cryptolake/cryptolake
#   RUNS=n (default 3) timings per tool; KEEP_WORK=1 keeps the temp dir; ONLY_CRYPTOLAKE=1 skips peers
#   CRYPTOLAKE_FIXTURES_DIR overrides the fixture mirror (default ../shared/fixtures/binance-archive)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bin="${1:-$repo/build/release/tools/cryptolake/cryptolake}"
fixtures="${CRYPTOLAKE_FIXTURES_DIR:-$repo/../shared/fixtures/binance-archive}"
runs="${RUNS:-3}"
rel="data/futures/cm/daily/aggTrades/BTCUSD_PERP"
name="BTCUSD_PERP-aggTrades-2026-05-08"
src_zip="$fixtures/$rel/$name.zip"

[ -x "$bin" ] || { echo "ingest_bench: no cryptolake binary at $bin (build target cryptolake)" >&2; exit 2; }
[ -f "$src_zip" ] || { echo "ingest_bench: fixture $src_zip not found (set CRYPTOLAKE_FIXTURES_DIR)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-bench.XXXXXX")"
# KEEP_WORK=1 keeps the input mirror and outputs (for profiling); default removes them.
rm_work() { [ "${KEEP_WORK:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"; }
trap rm_work EXIT
mkdir -p "$work/mirror/$rel"
csv="$work/$name.csv"

echo "== building input in $work"
# shellcheck source=aggtrades_day.sh
source "$here/aggtrades_day.sh"
make_aggtrades_day "$src_zip" "$csv"
rows=$(( $(wc -l < "$csv") - 1 ))
csv_bytes=$(stat -c %s "$csv")
(cd "$work" && zip -q -6 "mirror/$rel/$name.zip" "$name.csv")
(cd "$work/mirror/$rel" && sha256sum "$name.zip" > "$name.zip.CHECKSUM")
zip_bytes=$(stat -c %s "$work/mirror/$rel/$name.zip")
echo "rows=$rows csv_bytes=$csv_bytes zip_bytes=$zip_bytes"

best=""
best_cpu=""
# time_best <label> <command...>: runs the command $runs times, keeps the fastest wall time and the
# CPU time (user + sys, all threads) of that run. CPU time is the fairer number on a busy machine.
time_best() {
  local label="$1"; shift
  best=""; best_cpu=""
  for _ in $(seq "$runs"); do
    [ -n "${before_each:-}" ] && eval "$before_each"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" > "$work/last.log" 2>&1 || {
      echo "$label failed:"; cat "$work/last.log"; return 1; }
    local dt cpu
    read -r dt u s rss_kb < "$work/time.txt"
    cpu=$(echo "$u + $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$dt < $best" | bc -l)" = 1 ]; then
      best=$dt; best_cpu=$cpu; best_sys=$s; best_rss_mb=$(( rss_kb / 1024 )); fi
  done
}

declare -A secs size cpu sys rss
for j in 1 2; do
  # Every timed run starts from an empty lake (otherwise the second run would skip the file).
  before_each="rm -rf '$work/lake$j'"
  time_best "cryptolake --jobs $j" "$bin" ingest --source "$work/mirror" --lake "$work/lake$j" \
    --market cm --data-type aggTrades --symbols BTCUSD_PERP --start 2026-05-08 --end 2026-05-08 \
    --jobs "$j" --compression zstd --quiet
  before_each=""
  secs[cl$j]=$best; cpu[cl$j]=$best_cpu; sys[cl$j]=$best_sys; rss[cl$j]=$best_rss_mb
  size[cl$j]=$(find "$work/lake$j/silver" -name '*.parquet' -printf '%s\n' | awk '{s += $1} END {print s}')
done

cat > "$work/duck.mjs" <<'EOF'
import { DuckDBInstance } from '@duckdb/node-api';
const [csv, out, threads] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads });
const c = await db.connect();
await c.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
EOF
cat > "$work/polars.mjs" <<'EOF'
import pl from 'nodejs-polars';
const [csv, out] = process.argv.slice(2);
pl.readCSV(csv).writeParquet(out, { compression: 'zstd' });
EOF
cat > "$work/count.mjs" <<'EOF'
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const r = await c.runAndReadAll(`SELECT count(*)::BIGINT AS n, count(DISTINCT agg_trade_id)::BIGINT AS ids FROM read_parquet('${process.argv[2]}/silver/**/*.parquet', hive_partitioning=true)`);
const [row] = r.getRowObjectsJS();
console.log(`${row.n} ${row.ids}`);
EOF
cp "$work/duck.mjs" "$work/polars.mjs" "$work/count.mjs" "$here/peers/"
cleanup_peers() { rm -f "$here/peers/duck.mjs" "$here/peers/polars.mjs" "$here/peers/count.mjs"; }
trap 'cleanup_peers; rm_work' EXIT

have_duck=1; have_polars=1
[ "${ONLY_CRYPTOLAKE:-0}" = 1 ] && { have_duck=0; have_polars=0; }
for t in 1 2; do
  if [ $have_duck = 1 ]; then
    if time_best "duckdb threads=$t" node "$here/peers/duck.mjs" "$csv" "$work/duck$t.parquet" "$t"; then
      secs[duck$t]=$best; cpu[duck$t]=$best_cpu; sys[duck$t]=$best_sys; rss[duck$t]=$best_rss_mb; size[duck$t]=$(stat -c %s "$work/duck$t.parquet")
    else have_duck=0; fi
  fi
  if [ $have_polars = 1 ]; then
    if time_best "polars threads=$t" env POLARS_MAX_THREADS=$t node "$here/peers/polars.mjs" "$csv" "$work/polars$t.parquet"; then
      secs[polars$t]=$best; cpu[polars$t]=$best_cpu; size[polars$t]=$(stat -c %s "$work/polars$t.parquet")
    else have_polars=0; fi
  fi
done

# Sanity: DuckDB reads back every row cryptolake wrote, each agg_trade_id once.
if [ "${ONLY_CRYPTOLAKE:-0}" != 1 ]; then
  for j in 1 2; do
    read -r n ids < <(node "$here/peers/count.mjs" "$work/lake$j")
    [ "$n" = "$rows" ] && [ "$ids" = "$rows" ] || { echo "lake$j: DuckDB reads $n rows / $ids ids, expected $rows" >&2; exit 1; }
  done
  echo "check: DuckDB reads $rows rows with $rows distinct agg_trade_id from both cryptolake lakes"
fi

echo
printf '%-28s %10s %10s %8s %10s %14s %14s\n' "run (best of $runs)" "wall s" "cpu s" "sys s" "peak MB" "rows/s (wall)" "output bytes"
for k in cl1 cl2 duck1 duck2 polars1 polars2; do
  [ -n "${secs[$k]:-}" ] || { printf '%-28s %10s\n' "$k" "n/a"; continue; }
  printf '%-28s %10.3f %10.3f %8s %10s %14.0f %14d\n' "$k" "${secs[$k]}" "${cpu[$k]}" "${sys[$k]:--}" "${rss[$k]:--}" "$(echo "$rows / ${secs[$k]}" | bc -l)" "${size[$k]}"
done
echo
if [ -n "${secs[duck1]:-}" ]; then
  printf 'cryptolake --jobs 1 vs DuckDB 1 thread : %.2fx rows/s (target >= 2.0)\n' "$(echo "${secs[duck1]} / ${secs[cl1]}" | bc -l)"
  printf 'cryptolake --jobs 2 vs DuckDB 2 threads: %.2fx rows/s (target > 1.0)\n' "$(echo "${secs[duck2]} / ${secs[cl2]}" | bc -l)"
  printf 'cryptolake output / DuckDB output      : %.3f (target <= 1.1)\n' "$(echo "${size[cl1]} / ${size[duck1]}" | bc -l)"
  printf 'CPU seconds, DuckDB 1 thread / cryptolake --jobs 1: %.2fx (node start-up included for DuckDB)\n' "$(echo "${cpu[duck1]} / ${cpu[cl1]}" | bc -l)"
  uptime | sed 's/^/machine load during the run:/'
fi
if [ -n "${secs[polars1]:-}" ]; then
  printf 'cryptolake --jobs 1 vs Polars 1 thread : %.2fx rows/s\n' "$(echo "${secs[polars1]} / ${secs[cl1]}" | bc -l)"
  printf 'cryptolake --jobs 2 vs Polars 2 threads: %.2fx rows/s\n' "$(echo "${secs[polars2]} / ${secs[cl2]}" | bc -l)"
fi
