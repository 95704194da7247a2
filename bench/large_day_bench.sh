#!/usr/bin/env bash
# Large-day memory benchmark: ingests a generated spot trades day of $ROWS rows (default 20 M,
# about 1.2 GB of CSV) and prints wall time and peak RSS for --jobs 1 and --jobs 2. Peak RSS must
# not grow with the file (docs/lake-layout.md, "Parallelism and memory"): run it with ROWS=2000000
# and ROWS=20000000 to see both.
# Usage: bench/large_day_bench.sh [path/to/cryptolake]    (KEEP_WORK=1 keeps the temp dir)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$here/../build/release/tools/cryptolake/cryptolake}"
rows="${ROWS:-20000000}"
[ -x "$bin" ] || { echo "large_day_bench: no cryptolake binary at $bin" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-large.XXXXXX")"
trap '[ "${KEEP_WORK:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"' EXIT
day=2025-06-02
rel="data/spot/daily/trades/BTCUSDT"
name="BTCUSDT-trades-$day"
mkdir -p "$work/src/$rel"
t0=$(( $(date -u -d "$day" +%s) * 1000000 ))
echo "== generating $rows rows"
# Spot trades from 2025 on: no header, times in microseconds.
awk -v n="$rows" -v t0="$t0" 'BEGIN {
  srand(3); p = 105000
  for (i = 1; i <= n; i++) {
    p += (rand() - 0.5) * 2; if (p < 1) p = 1
    q = 0.00001 + int(rand() * 100000) / 100000
    printf "%.0f,%.2f,%.5f,%.7f,%.0f,%s,True\n", 5000000000 + i, p, q, p * q,
           t0 + int(i * (86399000000 / n)), (rand() < 0.5 ? "True" : "False")
  }
}' > "$work/$name.csv"
csv_bytes=$(stat -c %s "$work/$name.csv")
(cd "$work" && zip -q -1 "src/$rel/$name.zip" "$name.csv" && rm "$name.csv")
(cd "$work/src/$rel" && sha256sum "$name.zip" > "$name.zip.CHECKSUM")
zip_bytes=$(stat -c %s "$work/src/$rel/$name.zip")
echo "rows=$rows csv_bytes=$csv_bytes zip_bytes=$zip_bytes"
printf '%-18s %10s %10s %10s %12s %14s\n' run "wall s" "user s" "sys s" "peak RSS MB" "rows/s"
for j in 1 2; do
  rm -rf "$work/lake$j"
  /usr/bin/time -f "%e %U %S %M" -o "$work/time$j" "$bin" ingest --source "$work/src" \
    --lake "$work/lake$j" --market spot --data-type trades --symbols BTCUSDT --start "$day" \
    --end "$day" --jobs "$j" --quiet > "$work/log$j" 2>&1 || { cat "$work/log$j"; exit 1; }
  read -r wall user sys rss_kb < "$work/time$j"
  printf '%-18s %10.2f %10.2f %10.2f %12d %14.0f\n' "--jobs $j" "$wall" "$user" "$sys" \
    $(( rss_kb / 1024 )) "$(echo "$rows / $wall" | bc -l)"
done
cmp -s <(cd "$work/lake1" && find silver -type f -exec sha256sum {} +) \
       <(cd "$work/lake2" && find silver -type f -exec sha256sum {} +) &&
  echo "check: the silver object is byte-identical for --jobs 1 and 2" ||
  { echo "silver differs between --jobs 1 and 2" >&2; exit 1; }
