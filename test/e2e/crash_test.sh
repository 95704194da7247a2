#!/bin/bash
# Crash test of the lake's promise (docs/lake-layout.md, "Crash consistency"): `cryptolake ingest`
# is killed with SIGKILL at 24+ points -- at random delays and right after each publish step (the
# silver object, the bronze zip, the ledger entry appearing) -- with --jobs 1 and 2, on a first
# ingest and on a republished archive file. After every kill, what a reader globbing
# silver/**/*.parquet sees must be, file by file, byte-identical to a complete version (the old
# or the new one), never a part and never two versions side by side. Then a re-run with the other
# --jobs must leave the lake byte-identical to an uninterrupted run (ledger timestamps aside) with
# no temp file left. Finally two runs with different --jobs on one lake at once must give the
# same lake.
# Usage: crash_test.sh <path to cryptolake>
set -euo pipefail
bin="$1"
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-crash.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
rel="data/futures/cm/daily/aggTrades/BTCUSD_PERP"
days=(2026-05-08 2026-05-09)

# A valid aggTrades day of $2 rows (version $3 shifts prices, so the bytes differ).
make_day() {
  local day="$1" rows="$2" version="$3" name="BTCUSD_PERP-aggTrades-$1"
  local t0; t0=$(( $(date -u -d "$day" +%s) * 1000 ))
  mkdir -p "$work/src/$rel"
  awk -v n="$rows" -v t0="$t0" -v v="$version" 'BEGIN {
      print "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker"
      srand(7); p = 60000 + v
      for (i = 1; i <= n; i++) {
        p += (rand() - 0.5) * 4; if (p < 1) p = 1
        printf "%.0f,%.1f,%d,%.0f,%.0f,%.0f,%s\n", 1000000 + i, p, 1 + int(rand() * 50), 2000000 + 2 * i,
               2000000 + 2 * i + 1, t0 + int(i * 86399000 / n), (rand() < 0.5 ? "true" : "false")
      }
    }' > "$work/$name.csv"
  rm -f "$work/src/$rel/$name.zip"
  (cd "$work" && zip -q -6 "src/$rel/$name.zip" "$name.csv")
  (cd "$work/src/$rel" && sha256sum "$name.zip" > "$name.zip.CHECKSUM")
  rm -f "$work/$name.csv"
}

ingest() {  # ingest <lake> <jobs>
  "$bin" ingest --source "$work/src" --lake "$1" --market cm --data-type aggTrades \
    --symbols BTCUSD_PERP --start "${days[0]}" --end "${days[1]}" --jobs "$2" > "$1.log" 2>&1
}

# Every data object of a lake with its bytes' digest (the ledger without its timestamp).
digest_lake() {
  (cd "$1" && find . -type f ! -path './.cltmp-runs/*' ! -path './_ledger/*' -print0 | sort -z |
     xargs -0 sha256sum
   find ./_ledger -type f 2>/dev/null | sort | while read -r f; do
     echo "$f $(sed 's/"ingested_at": *"[^"]*"//' "$f" | sha256sum)"; done)
}

# What a glob reader sees: every silver/**/*.parquet must be a complete version of its name.
check_reader_view() {  # check_reader_view <lake> <label> <reference lake>...
  local lake="$1" label="$2"; shift 2
  local f ok ref
  while IFS= read -r -d '' f; do
    ok=0
    for ref in "$@"; do
      if [ -f "$ref/$f" ] && cmp -s "$lake/$f" "$ref/$f"; then ok=1; break; fi
    done
    [ "$ok" = 1 ] || fail "$label: a reader sees $f, which is no complete version"
  done < <(cd "$lake" && find silver -name '*.parquet' -print0 2>/dev/null)
}

check_no_temp() {
  local left; left="$(find "$1" -name '.cltmp-*' -type f ! -name '*.lock' | head -5)"
  [ -z "$left" ] || fail "$2: temp files left: $left"
}

# Kill `ingest <lake> <jobs>` at a point: "delay:<seconds>" or "after:<glob under the lake>".
kill_at() {
  local lake="$1" jobs="$2" point="$3" pid
  ingest "$lake" "$jobs" & pid=$!
  case "$point" in
    delay:*) sleep "${point#delay:}" ;;
    after:*)
      local pattern="${point#after:}"
      while kill -0 "$pid" 2>/dev/null; do
        compgen -G "$lake/$pattern" > /dev/null && break
      done ;;
  esac
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

rows=600000
for d in "${days[@]}"; do make_day "$d" "$rows" 0; done
ingest "$work/ref_old" 1 || fail "reference run: $(cat "$work/ref_old.log")"
digest_lake "$work/ref_old" > "$work/ref_old.sum"
start=$(date +%s%N); ingest "$work/timing" 1; took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "uninterrupted ingest: ${took_ms} ms"

points=("after:silver/aggTrades/*/*/date=${days[0]}/*.parquet" "after:bronze/$rel/*-${days[0]}.zip"
        "after:_ledger/$rel/*-${days[0]}.zip.json" "after:silver/aggTrades/*/*/date=${days[1]}/*.parquet"
        "after:bronze/$rel/*-${days[1]}.zip" "after:_ledger/$rel/*-${days[1]}.zip.json")
for i in $(seq 1 8); do points+=("delay:0.$(printf '%03d' $(( (i * 7919) % (took_ms > 999 ? 999 : took_ms + 1) )))"); done

n=0
interrupted=0  # kills that really cut a run short (the test would prove nothing otherwise)
count_interrupted() {
  local entries; entries=$( (find "$1/_ledger" -name '*.json' 2>/dev/null || true) | wc -l)
  if [ "$entries" -lt 2 ] || ! cmp -s <(digest_lake "$1") "$2"; then interrupted=$((interrupted + 1)); fi
}
# Phase 1: first ingest, killed; re-run with the other --jobs.
for point in "${points[@]}"; do
  for jobs in 1 2; do
    n=$((n + 1)); lake="$work/lake$n"; other=$((3 - jobs))
    kill_at "$lake" "$jobs" "$point"
    check_reader_view "$lake" "kill #$n ($point, --jobs $jobs)" "$work/ref_old"
    count_interrupted "$lake" "$work/ref_old.sum"
    ingest "$lake" "$other" || fail "re-run after kill #$n: $(cat "$lake.log")"
    digest_lake "$lake" > "$lake.sum"
    cmp -s "$lake.sum" "$work/ref_old.sum" || fail "kill #$n ($point, --jobs $jobs): the re-run's lake differs: $(diff "$lake.sum" "$work/ref_old.sum" | head)"
    check_no_temp "$lake" "kill #$n"
    [ "$n" -le 2 ] || rm -rf "$lake"
  done
done

# Phase 2: both days republished (new digests), killed during the republish.
cp -r "$work/lake1" "$work/base_old"
for d in "${days[@]}"; do make_day "$d" "$rows" 1; done
cp -r "$work/base_old" "$work/ref_new"; ingest "$work/ref_new" 1 || fail "republish reference"
digest_lake "$work/ref_new" > "$work/ref_new.sum"
for point in "${points[@]:0:6}" "delay:0.05" "delay:0.2"; do
  for jobs in 2 1; do
    n=$((n + 1)); lake="$work/lake$n"; other=$((3 - jobs))
    rm -rf "$lake"; cp -r "$work/base_old" "$lake"
    kill_at "$lake" "$jobs" "$point"
    check_reader_view "$lake" "republish kill #$n ($point, --jobs $jobs)" "$work/ref_old" "$work/ref_new"
    count_interrupted "$lake" "$work/ref_new.sum"
    ingest "$lake" "$other" || fail "re-run after republish kill #$n: $(cat "$lake.log")"
    digest_lake "$lake" > "$lake.sum"
    cmp -s "$lake.sum" "$work/ref_new.sum" || fail "republish kill #$n: the re-run's lake differs: $(diff "$lake.sum" "$work/ref_new.sum" | head)"
    check_no_temp "$lake" "republish kill #$n"
    rm -rf "$lake"
  done
done

# Phase 3: two runs with different --jobs on one lake at once.
lake="$work/concurrent"
ingest "$lake" 1 & a=$!
"$bin" ingest --source "$work/src" --lake "$lake" --market cm --data-type aggTrades \
  --symbols BTCUSD_PERP --start "${days[0]}" --end "${days[1]}" --jobs 2 > "$lake.2.log" 2>&1 & b=$!
wait "$a" || fail "concurrent run 1: $(cat "$lake.log")"
wait "$b" || fail "concurrent run 2: $(cat "$lake.2.log")"
digest_lake "$lake" | grep -v '^.*_ledger' > "$lake.sum"
grep -v '_ledger' "$work/ref_new.sum" | grep -v "bronze" > "$work/ref_new.silver"
grep -v "bronze" "$lake.sum" > "$lake.silver"
cmp -s "$lake.silver" "$work/ref_new.silver" || fail "concurrent runs: silver differs: $(diff "$lake.silver" "$work/ref_new.silver" | head)"
check_no_temp "$lake" "concurrent runs"
[ "$interrupted" -ge 20 ] || fail "only $interrupted of $n kills interrupted a run"
echo "crash_test: $n kill points ($interrupted cut a run short), every reader view complete, every re-run converged"
