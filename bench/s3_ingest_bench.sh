#!/usr/bin/env bash
# S3 vs local ingest benchmark: one COIN-M aggTrades day of ~2.1 M rows (~134 MB CSV) ingested
# with `--jobs 2` into s3rver (started here on 127.0.0.1, direct: no signing proxy) and into a
# local directory, in the same run, alternately. Prints wall and CPU times of each and the ratio
# S3 / local (target: <= 1.5), plus where the S3 run's time goes: CPU of cryptolake vs CPU of
# s3rver (a Node process, serving on the same 2 cores), and bytes written.
#
# Input: the day bench/ingest_bench.sh uses (the fixture BTCUSD_PERP-aggTrades-2026-05-08, 105,280
# rows, repeated 20 times into one valid day) when the fixture mirror exists; otherwise a generated
# day of the same row count and columns (CRYPTOLAKE_FIXTURES_DIR overrides the mirror). The same
# zip is used for every run.
#
# Usage: bench/s3_ingest_bench.sh [path/to/cryptolake]
#   default binary: build/release/tools/cryptolake/cryptolake
#   RUNS=n (default 3) timings per target, best kept; JOBS (default 2); KEEP_WORK=1 keeps the temp dir
# Needs node and npm s3rver in test/peers (scripts/setup.sh), /usr/bin/time and bc (--bench).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bin="${1:-$repo/build/release/tools/cryptolake/cryptolake}"
fixtures="${CRYPTOLAKE_FIXTURES_DIR:-$repo/../shared/fixtures/binance-archive}"
runs="${RUNS:-3}"
jobs="${JOBS:-2}"
rel="data/futures/cm/daily/aggTrades/BTCUSD_PERP"
name="BTCUSD_PERP-aggTrades-2026-05-08"
src_zip="$fixtures/$rel/$name.zip"
peers="$repo/test/peers"

[ -x "$bin" ] || { echo "s3_ingest_bench: no cryptolake binary at $bin (build target cryptolake)" >&2; exit 2; }
[ -d "$peers/node_modules/s3rver" ] || { echo "s3_ingest_bench: npm s3rver missing in test/peers (scripts/setup.sh)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-s3bench.XXXXXX")"
launcher_pid=""
finish() {
  [ -n "$launcher_pid" ] && { exec 7>&-; wait "$launcher_pid" 2> /dev/null || true; }
  [ "${KEEP_WORK:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"
}
trap finish EXIT
mkdir -p "$work/mirror/$rel"
csv="$work/$name.csv"

echo "== building input in $work"
# shellcheck source=aggtrades_day.sh
source "$here/aggtrades_day.sh"
make_aggtrades_day "$src_zip" "$csv"
input="$AGGTRADES_INPUT"
rows=$(( $(wc -l < "$csv") - 1 ))
(cd "$work" && zip -q -6 "mirror/$rel/$name.zip" "$name.csv")
(cd "$work/mirror/$rel" && sha256sum "$name.zip" > "$name.zip.CHECKSUM")
rm -f "$csv"
zip_bytes=$(stat -c %s "$work/mirror/$rel/$name.zip")
echo "input: $input; rows=$rows zip_bytes=$zip_bytes"

# s3rver on 127.0.0.1, data on the same filesystem as the local lake.
mkdir -p "$work/s3rver"
mkfifo "$work/s3.stdin"
node "$peers/s3rver_launcher.mjs" --dir "$work/s3rver" --bucket lake < "$work/s3.stdin" \
  > "$work/s3.ready" 2> "$work/s3.err" &
launcher_pid=$!
exec 7> "$work/s3.stdin"
for _ in $(seq 1 300); do grep -q '^READY' "$work/s3.ready" && break; sleep 0.1; done
port="$(sed -n 's/^READY \([0-9]*\)$/\1/p' "$work/s3.ready")"
[ -n "$port" ] || { echo "s3rver did not start: $(cat "$work/s3.err")" >&2; exit 1; }
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN
# CPU seconds (user + sys) the s3rver process has used so far.
s3rver_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$launcher_pid/stat"
}

declare -A best best_cpu best_rss best_srv
run_one() {  # run_one <target> <lake>
  local target="$1" lake="$2" srv0 srv1 wall u s rss
  srv0=$(s3rver_cpu)
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$bin" ingest --source "$work/mirror" --lake "$lake" \
    --market cm --data-type aggTrades --symbols BTCUSD_PERP --start 2026-05-08 --end 2026-05-08 \
    --jobs "$jobs" --quiet > "$work/last.log" 2>&1 || { echo "$target run failed:"; cat "$work/last.log"; exit 1; }
  grep -q "1 ingested" "$work/last.log" || { echo "$target run did not ingest:"; cat "$work/last.log"; exit 1; }
  srv1=$(s3rver_cpu)
  read -r wall u s rss < "$work/time.txt"
  printf '  %-6s wall %6.2f s  cpu %6.2f s  s3rver cpu %5.2f s\n' "$target" "$wall" "$(echo "$u + $s" | bc)" "$(echo "$srv1 - $srv0" | bc)"
  if [ -z "${best[$target]:-}" ] || [ "$(echo "$wall < ${best[$target]}" | bc)" = 1 ]; then
    best[$target]=$wall; best_cpu[$target]=$(echo "$u + $s" | bc); best_rss[$target]=$((rss / 1024))
    best_srv[$target]=$(echo "$srv1 - $srv0" | bc)
  fi
}
echo "== $runs runs each, alternating, --jobs $jobs"
for i in $(seq "$runs"); do
  rm -rf "$work/lake$i"
  run_one local "$work/lake$i"
  run_one s3 "s3://lake/run$i"
done
# The S3 lake holds what the local one does.
silver_local=$(find "$work/lake1/silver" -name '*.parquet' -exec sha256sum {} + | awk '{print $1}')
silver_s3=$(find "$work/s3rver/lake/run1/silver" -name '*._S3rver_object' -exec sha256sum {} + | awk '{print $1}')
[ -n "$silver_s3" ] && [ "$silver_local" = "$silver_s3" ] || { echo "the S3 silver object differs from the local one" >&2; exit 1; }

echo
echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores"
printf '%-8s %10s %10s %14s %12s\n' "target" "wall s" "cpu s" "s3rver cpu s" "peak MB"
for t in local s3; do
  printf '%-8s %10.2f %10.2f %14s %12d\n' "$t" "${best[$t]}" "${best_cpu[$t]}" "${best_srv[$t]}" "${best_rss[$t]}"
done
printf 'S3 / local wall time: %.2fx (target <= 1.5)\n' "$(echo "${best[s3]} / ${best[local]}" | bc -l)"
uptime | sed 's/^/machine load during the run:/'
