#!/bin/bash
# Gold benchmark (issue 13): a month of 1m klines for 10 symbols (USD-M, 30 days x 1440 bars,
# generated deterministically: seeded random walks, a few minutes left out so some buckets are
# incomplete), ingested into a local lake, then every gold interval (5m, 15m, 1h, 4h, 1d) and the
# daily summaries built by `cryptolake gold --jobs 1` and by DuckDB (threads=1) running the same
# SQL e2e.gold verifies against, writing the same Parquet partitions. Best of $RUNS (default 3);
# every timed run rebuilds everything (`--force`; DuckDB into an empty directory).
#
#   bench/gold_bench.sh [build/release/tools/cryptolake/cryptolake]
#
# The local store fsyncs every object it publishes (1,800 Parquet files + 600 ledger entries
# here); the table's sys column shows that share (docs/benchmarks.md, "Gold (issue 13)").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(realpath "${1:-$here/../build/release/tools/cryptolake/cryptolake}")"
runs="${RUNS:-3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-gold-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 1. The archive mirror: data/futures/um/daily/klines/<S>/1m/<S>-1m-<D>.zip + .CHECKSUM.
python3 - "$work/mirror" <<'PY'
import hashlib, io, os, random, sys, zipfile, datetime
root = sys.argv[1]
symbols = [f"SYM{i}USDT" for i in range(10)]
start = datetime.date(2024, 3, 1)
for si, sym in enumerate(symbols):
    rng = random.Random(1000 + si)
    price = 100.0 * (si + 1)
    for d in range(30):
        day = start + datetime.timedelta(days=d)
        t0 = int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp()) * 1000
        missing = set(rng.sample(range(1440), 3)) if d % 7 == 3 else set()
        lines = ["open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore"]
        for m in range(1440):
            o = price
            c = max(0.01, o * (1 + rng.gauss(0, 0.001)))
            h = max(o, c) * (1 + abs(rng.gauss(0, 0.0005)))
            l = min(o, c) * (1 - abs(rng.gauss(0, 0.0005)))
            price = c
            if m in missing:
                continue
            v = round(rng.uniform(1, 500), 3)
            tb = round(v * rng.uniform(0.2, 0.8), 3)
            vwap = (o + h + l + c) / 4
            ts = t0 + m * 60000
            lines.append(f"{ts},{o:.2f},{h:.2f},{l:.2f},{c:.2f},{v},{ts + 59999},{v * vwap:.4f},{rng.randint(1, 900)},{tb},{tb * vwap:.4f},0")
        name = f"{sym}-1m-{day.isoformat()}"
        d_ = os.path.join(root, "data/futures/um/daily/klines", sym, "1m")
        os.makedirs(d_, exist_ok=True)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name + ".csv", "\n".join(lines) + "\n")
        data = buf.getvalue()
        with open(os.path.join(d_, name + ".zip"), "wb") as f:
            f.write(data)
        with open(os.path.join(d_, name + ".zip.CHECKSUM"), "w") as f:
            f.write(f"{hashlib.sha256(data).hexdigest()}  {name}.zip\n")
PY
symbols="$(seq -s, -f 'SYM%gUSDT' 0 9)"
"$bin" ingest --source "$work/mirror" --lake "$work/lake" --market um --data-type klines \
  --interval 1m --symbols "$symbols" --start 2024-03-01 --end 2024-03-30 --jobs 2 --quiet \
  > "$work/ingest.txt" 2>&1 || { cat "$work/ingest.txt"; exit 1; }
rows=$(find "$work/lake/silver" -name '*.parquet' | wc -l)
echo "input: $rows silver 1m kline files (10 symbols x 30 days), $(du -sh "$work/lake/silver" | cut -f1)"

best_of() {  # label, command...: sets best (wall s), best_cpu, best_sys
  best=""; local label="$1"; shift
  for _ in $(seq "$runs"); do
    [ -n "${before_each:-}" ] && eval "$before_each"
    /usr/bin/time -f "%e %U %S" -o "$work/time.txt" "$@" > "$work/last.txt" 2>&1 || {
      echo "$label failed:"; cat "$work/last.txt"; exit 1; }
    read -r dt u s < "$work/time.txt"
    if [ -z "$best" ] || [ "$(echo "$dt < $best" | bc -l)" = 1 ]; then
      best=$dt; best_cpu=$(echo "$u + $s" | bc -l); best_sys=$s; best_out="$(cat "$work/last.txt")"; fi
  done
}

before_each=""
best_of "cryptolake gold" "$bin" gold --lake "$work/lake" --market um --data-type klines \
  --all-symbols --start 2024-03-01 --end 2024-03-30 --jobs 1 --force
cl=$best; cl_cpu=$best_cpu; cl_sys=$best_sys
echo "cryptolake: $best_out"
before_each="rm -rf '$work/duck'"
best_of "duckdb threads=1" node "$here/gold_duckdb.cjs" "$work/lake" "$work/duck" 1
duck=$best; duck_cpu=$best_cpu; duck_sys=$best_sys; duck_query=$best_out

cl_files=$(find "$work/lake/gold" -name '*.parquet' | wc -l)
duck_files=$(find "$work/duck" -name '*.parquet' | wc -l)
printf '\n%-32s %8s %8s %8s %8s\n' "run (best of $runs)" "wall s" "cpu s" "sys s" "files"
printf '%-32s %8.3f %8.3f %8.3f %8d\n' "cryptolake gold --jobs 1" "$cl" "$cl_cpu" "$cl_sys" "$cl_files"
printf '%-32s %8.3f %8.3f %8.3f %8d   (queries alone: %s s)\n' "DuckDB threads=1 (node)" "$duck" "$duck_cpu" "$duck_sys" "$duck_files" "$duck_query"
printf 'DuckDB 1 thread / cryptolake --jobs 1, wall: %.2fx (>= 1 means cryptolake is at least as fast)\n' "$(echo "$duck / $cl" | bc -l)"
printf 'same, DuckDB query time only (no node/DuckDB start-up): %.2fx\n' "$(echo "$duck_query / $cl" | bc -l)"
uptime | sed 's/^/machine load during the run:/'
