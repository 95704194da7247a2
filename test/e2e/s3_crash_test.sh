#!/bin/bash
# Crash test of the lake's promise (docs/lake-layout.md, "Crash consistency") on S3:
# `cryptolake ingest --lake s3://lake/<prefix>` (s3rver behind the SigV4-checking proxy) is killed
# with SIGKILL
#   - deterministically by the proxy, when the N-th request arrives (before forwarding it: s3rver
#     never sees it) or right after s3rver answered it (the request took effect, the client never
#     learns it), N spread over an uninterrupted run's request count,
#   - and at spread-out delays,
# with --jobs 1 and 2, on a first ingest and on a republish of both days (one day's zip is above
# the 8 MiB multipart threshold). After every kill, boto3 lists and downloads the prefix: every key
# under silver/, bronze/ and _ledger/ must be byte-identical to a complete version of that key
# (the old or the new one; ledger timestamps aside), never a part. Then a re-run with the other
# --jobs must leave the prefix equal to an uninterrupted run's (.cltmp-runs/ aside).
# Finally, once the killed runs' leases are stale (older than the store's limit, 60 s, by the
# server's clock: the proxy shifts the Date header of its answers by 65 s rather than the test
# waiting; S3_CRASH_REAL_WAIT=1 sleeps 65 s instead), one more run per prefix must remove
# everything the dead runs left: no multipart upload (boto3 list_multipart_uploads -- s3rver 3.7.1 lacks it, the
# proxy answers it from s3rver's upload directory, which is also checked directly) and no
# .cltmp-runs/ object but the leases of runs still alive (none).
# Usage: s3_crash_test.sh <path to cryptolake>
set -euo pipefail
bin="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-s3crash.XXXXXX")"
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$here/s3_test_lib.sh"
cleanup() { s3_stop > /dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

s3_require_peers
s3_start --proxy
days=(2026-05-08 2026-05-09)
stale_s=65  # the store's abandoned_after (60 s) plus a margin

ingest() {  # ingest <prefix> <jobs> <source>: output in $work/<prefix>.log
  "$bin" ingest --source "$3" --lake "s3://lake/$1" --market cm --data-type aggTrades \
    --symbols BTCUSD_PERP --start "${days[0]}" --end "${days[1]}" --jobs "$2" --quiet > "$work/$1.log" 2>&1
}
proxy() { curl -sf -X "${2:-GET}" "http://127.0.0.1:$S3_PORT/__proxy/$1"; }

S3_SRC="$work/src_old" make_day "${days[0]}" 600000 0
S3_SRC="$work/src_old" make_day "${days[1]}" 100000 0
S3_SRC="$work/src_new" make_day "${days[0]}" 600000 1
S3_SRC="$work/src_new" make_day "${days[1]}" 100000 1

# References: uninterrupted runs.
mark=$(wc -l < "$S3_PROXY_LOG")
start=$(date +%s%N)
ingest ref_old 2 "$work/src_old" || fail "reference run: $(cat "$work/ref_old.log")"
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
requests=$(( $(wc -l < "$S3_PROXY_LOG") - mark ))
s3_copy ref_old ref_new
mark=$(wc -l < "$S3_PROXY_LOG")
ingest ref_new 2 "$work/src_new" || fail "republish reference: $(cat "$work/ref_new.log")"
requests_new=$(( $(wc -l < "$S3_PROXY_LOG") - mark ))
s3_snapshot ref_old "$work/ref_old"; s3_snapshot ref_new "$work/ref_new"
digest_tree "$work/ref_old" > "$work/ref_old.sum"; digest_tree "$work/ref_new" > "$work/ref_new.sum"
cmp -s "$work/ref_old.sum" "$work/ref_new.sum" && fail "the republish changed nothing"
echo "uninterrupted: first ingest ${took_ms} ms, $requests requests; republish $requests_new requests"

# Every key a reader can see must be a complete version of itself.
check_view() {  # check_view <prefix> <label> <reference dirs...>
  local prefix="$1" label="$2" key size ok ref; shift 2
  s3_snapshot "$prefix" "$work/view"
  while read -r key size; do
    case "$key" in .cltmp-runs/*) continue ;; esac
    ok=0
    for ref in "$@"; do
      [ -f "$ref/$key" ] || continue
      case "$key" in
        _ledger/*) cmp -s <(sed 's/"ingested_at": *"[^"]*"//' "$work/view/$key") \
                          <(sed 's/"ingested_at": *"[^"]*"//' "$ref/$key") && ok=1 ;;
        *) cmp -s "$work/view/$key" "$ref/$key" && ok=1 ;;
      esac
      [ "$ok" = 1 ] && break
    done
    [ "$ok" = 1 ] || fail "$label: s3://lake/$prefix/$key ($size bytes) is no complete version"
  done < "$work/view.list"
}

n=0; interrupted=0; det_kills=0
# kill_run <prefix> <jobs> <source> <point>: point = "req:<N>:<before|after>" or "delay:<s>".
kill_run() {
  local prefix="$1" jobs="$2" source="$3" point="$4" pid mark
  mark=$(wc -l < "$S3_PROXY_LOG")
  # Stopped until the proxy is armed with its pid, so the count starts at its first request.
  bash -c 'kill -STOP $$; exec "$@"' _ "$bin" ingest --source "$source" --lake "s3://lake/$prefix" \
    --market cm --data-type aggTrades --symbols BTCUSD_PERP --start "${days[0]}" --end "${days[1]}" \
    --jobs "$jobs" --quiet > "$work/killed.log" 2>&1 &
  pid=$!
  while [ "$(ps -o stat= -p "$pid" 2> /dev/null | cut -c1)" != T ]; do sleep 0.01; done
  case "$point" in
    req:*)
      local rest="${point#req:}"
      proxy "kill?pid=$pid&after=${rest%%:*}&when=${rest#*:}" POST > /dev/null || fail "arming the proxy"
      kill -CONT "$pid"
      wait "$pid" 2> /dev/null || true
      proxy reset POST > /dev/null
      if tail -n +"$((mark + 1))" "$S3_PROXY_LOG" | grep -q '"verdict":"killed-'; then det_kills=$((det_kills + 1)); fi ;;
    delay:*)
      kill -CONT "$pid"; sleep "${point#delay:}"
      kill -9 "$pid" 2> /dev/null || true
      wait "$pid" 2> /dev/null || true ;;
  esac
  if grep -q "ingested" "$work/killed.log"; then :; else interrupted=$((interrupted + 1)); fi
  # What the dead process had sent may still be on its way to s3rver: let it land first.
  local i
  for i in $(seq 1 600); do
    proxy stats | grep -q '"in_flight":0[,}]' && return 0
    sleep 0.05
  done
  fail "$label: requests of the killed run still in flight after 30 s"
}

rerun_and_compare() {  # rerun_and_compare <prefix> <jobs> <source> <reference sum> <label>
  ingest "$1" "$2" "$3" || fail "$5: re-run: $(cat "$work/$1.log")"
  s3_snapshot "$1" "$work/after"
  digest_tree "$work/after" > "$work/after.sum"
  cmp -s "$work/after.sum" "$4" || fail "$5: the re-run's lake differs from an uninterrupted run's: $(diff "$work/after.sum" "$4" | head)"
}

# Kill points: N spread over the run's requests (alternately before forwarding and after s3rver
# answered), and delays spread over the run's duration.
points() {  # points <requests>
  local r="$1" i
  for i in 1 2 3 4 5; do
    echo "req:$(( r * i / 6 > 0 ? r * i / 6 : 1 )):$([ $((i % 2)) = 1 ] && echo before || echo after)"
  done
  for i in 1 2; do echo "delay:$(echo "scale=3; $took_ms * $i / 3000" | bc)"; done
}

# Phase 1: first ingest into an empty prefix (emptied again after each round; the dead runs'
# .cltmp-runs/ state stays for the final clean-up check).
for point in $(points "$requests"); do
  n=$((n + 1)); jobs=$(( 1 + n % 2 )); label="kill #$n ($point, --jobs $jobs)"
  kill_run p1 "$jobs" "$work/src_old" "$point"
  check_view p1 "$label" "$work/ref_old"
  rerun_and_compare p1 $((3 - jobs)) "$work/src_old" "$work/ref_old.sum" "$label"
  s3_clear p1
done

# Phase 2: republish of both days over the old lake.
for point in $(points "$requests_new"); do
  n=$((n + 1)); jobs=$(( 1 + n % 2 )); label="republish kill #$n ($point, --jobs $jobs)"
  s3_clear p2; s3_copy ref_old p2
  kill_run p2 "$jobs" "$work/src_new" "$point"
  check_view p2 "$label" "$work/ref_old" "$work/ref_new"
  rerun_and_compare p2 $((3 - jobs)) "$work/src_new" "$work/ref_new.sum" "$label"
done
[ "$det_kills" -ge 8 ] || fail "only $det_kills request-count kills happened"
[ "$interrupted" -ge 10 ] || fail "only $interrupted of $n kills cut a run short"

# Final: after the staleness limit every dead run's uploads and markers must go.
before_uploads="$(s3_uploads "" | wc -l)"
if [ "${S3_CRASH_REAL_WAIT:-0}" = 1 ]; then
  echo "after $n kills: $before_uploads multipart uploads in flight; waiting ${stale_s}s for the dead runs' leases to go stale"
  sleep "$stale_s"
else
  echo "after $n kills: $before_uploads multipart uploads in flight; the server's clock (Date) moves ${stale_s}s ahead"
  proxy "clock?skew_s=$stale_s" POST > /dev/null || fail "setting the proxy's clock"
fi
ingest p1 1 "$work/src_old" || fail "final run p1: $(cat "$work/p1.log")"
ingest p2 1 "$work/src_new" || fail "final run p2: $(cat "$work/p2.log")"
left="$(s3_uploads "")"
proxy "clock?skew_s=0" POST > /dev/null
[ "$before_uploads" -ge 1 ] || fail "no kill left a multipart upload in flight: the clean-up was not exercised"
[ -z "$left" ] || fail "multipart uploads left after the clean-up: $left"
[ -z "$(ls -A "$S3_DATA_DIR/lake/._S3rver_uploads" 2> /dev/null)" ] || fail "s3rver still holds unfinished uploads"
for p in p1 p2; do
  s3_snapshot "$p" "$work/final"
  leftovers="$(grep '^\.cltmp-runs/' "$work/final.list" || true)"
  [ -z "$leftovers" ] || fail "s3://lake/$p: .cltmp-runs/ objects of finished or dead runs remain: $(echo "$leftovers" | head -5)"
done
s3_snapshot p1 "$work/final1"; digest_tree "$work/final1" > "$work/final1.sum"
cmp -s "$work/final1.sum" "$work/ref_old.sum" || fail "p1 after the clean-up differs from the reference"
[ "$(grep -c '"verdict":"rejected"' "$S3_PROXY_LOG" || true)" = 0 ] || fail "the proxy refused signatures"
s3_stop
echo "s3_crash_test: $n kills ($det_kills by request count, $interrupted cut a run short), every reader view complete, every re-run converged, $before_uploads abandoned uploads removed"
