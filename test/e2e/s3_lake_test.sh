#!/bin/bash
# End to end: `cryptolake demo|ingest --lake s3://lake/<prefix>` against s3rver behind the
# SigV4-checking proxy (test/peers/s3_signing_proxy.mjs: every request's signature is recomputed
# with the AWS SDK's signer; one mismatch fails this test), read back with independent clients:
#   1. demo to S3 and to a local directory: the S3 listing (keys + sizes, boto3) and the bytes of
#      every object equal the local lake's (ledger timestamps aside); PrintSample read it back.
#   2. ingest of generated COIN-M aggTrades days (one zip above the 8 MiB multipart threshold),
#      --jobs 2, to S3 and locally: same comparison; DuckDB reads the downloaded silver Parquet and
#      counts every row; multipart uploads were used (proxy log) and none is left (boto3
#      list_multipart_uploads, answered from s3rver's upload directory, and that directory).
#   2b. a 700,000-row spot trades day whose silver object (~11 MB) is itself a multipart upload
#      (streamed by --jobs 2 into one writer): S3 == local, DuckDB counts it.
#   3. the same ingest again: no PUT/POST/DELETE outside .cltmp-runs/ (proxy log); 0 ingested.
#   4. a republished day replaces its silver object (same key, new bytes), S3 == local again.
#   5. --on-bad-rows quarantine: the rejects file lands on S3, S3 == local.
#   6. --lake gs://x and --lake http://x exit 2 naming the scheme.
#   7. straight to s3rver (which answers ListMultipartUploads with 501): the ingest works.
#   8. neither the secret key nor any signature the proxy saw appears in any output (stdout,
#      stderr, --print-metrics in both formats).
#   9. (run before 8) gaps finds a demo day deleted from S3; fill brings it back from the loopback
#      Binance REST server under its archive key, with a fill record; gaps then exits 0.
# Skips (77) when node, s3rver, the proxy's npm packages or python3-boto3 are missing; the
# DuckDB check alone is skipped (77 at the end) without @duckdb/node-api.
# Usage: s3_lake_test.sh <path to cryptolake>
set -euo pipefail
bin="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-s3lake.XXXXXX")"
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$here/s3_test_lib.sh"
cleanup() { s3_stop > /dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

s3_require_peers
s3_start --proxy
outputs=()  # every file holding something cryptolake printed, for the secret check
run() {  # run <label> <cryptolake args...>: output in $work/<label>.out
  local label="$1"; shift
  outputs+=("$work/$label.out")
  "$bin" "$@" > "$work/$label.out" 2>&1
}
proxy_mark() { wc -l < "$S3_PROXY_LOG"; }
# Requests since a mark that wrote something ("METHOD path?query" lines), .cltmp-runs/ aside.
writes_since() {
  tail -n +"$(( $1 + 1 ))" "$S3_PROXY_LOG" | grep -v '"method":"\(GET\|HEAD\)"' |
    grep -v '/\.cltmp-runs/' || true
}
compare_lakes() {  # compare_lakes <label> <local lake dir> <s3 prefix>
  local label="$1" local_lake="$2" prefix="$3" dl="$work/dl-$1"
  s3_snapshot "$prefix" "$dl"
  grep -v '^\.cltmp-runs/' "$dl.list" > "$dl.keys" || true
  list_tree "$local_lake" > "$work/$label.local.keys"
  [ -s "$dl.keys" ] || fail "$label: the S3 lake is empty"
  cmp -s "$dl.keys" "$work/$label.local.keys" ||
    fail "$label: S3 listing (keys + sizes) differs from the local lake's: $(diff "$dl.keys" "$work/$label.local.keys" | head -20)"
  digest_tree "$dl" > "$dl.sum"; digest_tree "$local_lake" > "$work/$label.local.sum"
  cmp -s "$dl.sum" "$work/$label.local.sum" ||
    fail "$label: object bytes differ between S3 and local: $(diff "$dl.sum" "$work/$label.local.sum" | head -20)"
  echo "$label: S3 == local ($(wc -l < "$dl.keys") objects, bytes identical)"
}
rejected() { grep -c '"verdict":"rejected"' "$S3_PROXY_LOG" || true; }
# DuckDB over silver Parquet downloaded from S3: rows and distinct (date, id) must both be $4.
duck_skipped=""
duck_check() {  # duck_check <snapshot label> <glob under it> <id column> <rows>
  if [ ! -d "$s3_peers/node_modules/@duckdb/node-api" ]; then
    duck_skipped="@duckdb/node-api not installed in test/peers"; return 0
  fi
  local n
  n="$(node -e '
    const { createRequire } = require("node:module");
    const { DuckDBInstance } = createRequire(process.argv[1] + "/package.json")("@duckdb/node-api");
    (async () => {
      const c = await (await DuckDBInstance.create(":memory:")).connect();
      const glob = process.argv[2].replaceAll("\x27", "\x27\x27");
      const r = await c.runAndReadAll(`SELECT count(*)::BIGINT AS n, count(DISTINCT (date, ${process.argv[3]}))::BIGINT AS k FROM read_parquet(\x27${glob}\x27, hive_partitioning=true)`);
      const [row] = r.getRowObjectsJS(); console.log(`${row.n} ${row.k}`);
    })();' "$s3_peers" "$work/dl-$1/$2" "$3")" || fail "DuckDB over the downloaded $1 silver failed"
  [ "$n" = "$4 $4" ] || fail "DuckDB reads '$n' (rows, distinct keys) from the $1 silver downloaded from S3, expected $4"
  echo "DuckDB: $4 rows in the $1 silver Parquet downloaded from S3"
}

# 1. The demo (spot + USD-M klines, COIN-M aggTrades, USD-M monthly fundingRate).
run demo_s3 demo --lake s3://lake/demo --jobs 2 --metrics-format otlp-json ||
  fail "demo to S3 exited $?: $(cat "$work/demo_s3.out")"
grep -q "0 failed" "$work/demo_s3.out" || fail "demo to S3: $(cat "$work/demo_s3.out")"
grep -q "s3://lake/demo" "$work/demo_s3.out" || fail "demo does not describe the S3 lake: $(tail -5 "$work/demo_s3.out")"
run demo_local demo --lake "$work/demo_local" --jobs 2 --no-metrics || fail "local demo: $(cat "$work/demo_local.out")"
compare_lakes demo "$work/demo_local" demo
[ "$(rejected)" = 0 ] || fail "the proxy refused signatures: $(grep rejected "$S3_PROXY_LOG" | head -3)"

# 2. Generated aggTrades days: one zip above the 8 MiB multipart threshold.
make_day 2026-05-08 600000 0
make_day 2026-05-09 50000 0
big_zip="$work/src/data/futures/cm/daily/aggTrades/BTCUSD_PERP/BTCUSD_PERP-aggTrades-2026-05-08.zip"
[ "$(stat -c %s "$big_zip")" -gt $(( 8 * 1024 * 1024 )) ] || fail "the big day's zip is not above 8 MiB"
ingest_args=(--source "$work/src" --market cm --data-type aggTrades --symbols BTCUSD_PERP
  --start 2026-05-08 --end 2026-05-10 --jobs 2 --quiet)
mark=$(proxy_mark)
run ingest_s3 ingest --lake s3://lake/agg "${ingest_args[@]}" --print-metrics --metrics-format table ||
  fail "ingest to S3 exited $?: $(cat "$work/ingest_s3.out")"
grep -q "2 ingested" "$work/ingest_s3.out" || fail "ingest to S3: $(cat "$work/ingest_s3.out")"
run ingest_local ingest --lake "$work/agg_local" "${ingest_args[@]}" || fail "local ingest: $(cat "$work/ingest_local.out")"
compare_lakes agg "$work/agg_local" agg
multipart_creates=$(tail -n +"$((mark + 1))" "$S3_PROXY_LOG" | grep '"method":"POST"' | grep -c '"query":"uploads"' || true)
parts=$(tail -n +"$((mark + 1))" "$S3_PROXY_LOG" | grep '"method":"PUT"' | grep -c 'partNumber' || true)
[ "$multipart_creates" -ge 1 ] && [ "$parts" -ge 2 ] ||
  fail "no multipart upload for the $(stat -c %s "$big_zip")-byte zip (creates=$multipart_creates parts=$parts)"
echo "multipart: $multipart_creates uploads created, $parts parts"
left="$(s3_uploads "")"
[ -z "$left" ] || fail "multipart uploads left in the bucket: $left"
[ -z "$(ls -A "$S3_DATA_DIR/lake/._S3rver_uploads" 2> /dev/null)" ] || fail "s3rver holds unfinished uploads: $(ls "$S3_DATA_DIR/lake/._S3rver_uploads")"
duck_check agg "silver/aggTrades/**/*.parquet" agg_trade_id 650000

# 2b. A silver object above the multipart threshold: a 700,000-row spot trades day (~11 MB of
# Parquet streamed by --jobs 2 into one writer, ~18 MB zip).
make_trades_day 2025-06-02 700000
trades_args=(--source "$work/src" --market spot --data-type trades --symbols BTCUSDT
  --start 2025-06-02 --end 2025-06-02 --jobs 2 --quiet)
mark=$(proxy_mark)
run trades_s3 ingest --lake s3://lake/trades "${trades_args[@]}" || fail "trades ingest to S3: $(cat "$work/trades_s3.out")"
run trades_local ingest --lake "$work/trades_local" "${trades_args[@]}" || fail "local trades ingest"
compare_lakes trades "$work/trades_local" trades
silver_size=$(sed -n 's|^silver/trades/.*\.parquet \([0-9]*\)$|\1|p' "$work/dl-trades.list")
[ "${silver_size:-0}" -gt $(( 8 * 1024 * 1024 )) ] || fail "the trades silver object ($silver_size bytes) is not above 8 MiB"
tail -n +"$((mark + 1))" "$S3_PROXY_LOG" | grep '"method":"POST"' | grep '"query":"uploads"' | grep -q '/silver/trades/' ||
  fail "the ${silver_size}-byte silver object was not a multipart upload"
silver_parts=$(tail -n +"$((mark + 1))" "$S3_PROXY_LOG" | grep '"method":"PUT"' | grep 'partNumber' | grep -c '/silver/trades/' || true)
echo "multipart silver: $silver_size bytes in $silver_parts parts"
[ -z "$(s3_uploads "")" ] || fail "multipart uploads left after the trades ingest: $(s3_uploads "")"
duck_check trades "silver/trades/**/*.parquet" trade_id 700000

# 3. Idempotent re-run: nothing written.
mark=$(proxy_mark)
run rerun_s3 ingest --lake s3://lake/agg "${ingest_args[@]}" || fail "re-run exited $?: $(cat "$work/rerun_s3.out")"
grep -q " 0 ingested" "$work/rerun_s3.out" || fail "re-run ingested again: $(cat "$work/rerun_s3.out")"
w="$(writes_since "$mark")"
[ -z "$w" ] || fail "the idempotent re-run wrote to the lake: $(echo "$w" | head -5)"
echo "re-run: $(( $(proxy_mark) - mark )) requests, none writing outside .cltmp-runs/"

# 4. A republished day replaces its silver object in place.
silver_key="silver/aggTrades/market=cm/symbol=BTCUSD_PERP/date=2026-05-09/BTCUSD_PERP-aggTrades-2026-05-09.parquet"
old_sum="$(sha256sum < "$work/dl-agg/$silver_key")"
make_day 2026-05-09 50000 1
run republish_s3 ingest --lake s3://lake/agg "${ingest_args[@]}" || fail "republish exited $?: $(cat "$work/republish_s3.out")"
grep -q "1 ingested" "$work/republish_s3.out" || fail "republish: $(cat "$work/republish_s3.out")"
run republish_local ingest --lake "$work/agg_local" "${ingest_args[@]}" || fail "local republish"
compare_lakes republish "$work/agg_local" agg
[ "$(sha256sum < "$work/dl-republish/$silver_key")" != "$old_sum" ] || fail "the republished day's silver object was not replaced"
[ "$(grep -c '^silver/' "$work/dl-republish.list")" = 2 ] || fail "silver should hold exactly 2 objects: $(grep '^silver/' "$work/dl-republish.list")"

# 5. Quarantine: the rejects file lands on S3.
make_day 2026-05-10 20000 0 1
run quarantine_s3 ingest --lake s3://lake/agg "${ingest_args[@]}" --on-bad-rows quarantine ||
  fail "quarantine ingest exited $?: $(cat "$work/quarantine_s3.out")"
run quarantine_local ingest --lake "$work/agg_local" "${ingest_args[@]}" --on-bad-rows quarantine || fail "local quarantine"
compare_lakes quarantine "$work/agg_local" agg
grep -q '^silver/.*date=2026-05-10/.*\.rejects\.csv ' "$work/dl-quarantine.list" ||
  fail "no rejects file on S3: $(grep 2026-05-10 "$work/dl-quarantine.list")"
grep -q "not-a-price" "$work"/dl-quarantine/silver/aggTrades/*/*/date=2026-05-10/*.rejects.csv || fail "the rejects file lacks the bad row"

# 6. Schemes no store handles: usage error naming the scheme.
for url in gs://x http://x; do
  set +e; run "scheme_${url%%:*}" ingest --lake "$url" "${ingest_args[@]}"; rc=$?; set -e
  [ "$rc" = 2 ] || fail "--lake $url should exit 2, got $rc: $(cat "$work/scheme_${url%%:*}.out")"
  grep -q "${url%%:*}://" "$work/scheme_${url%%:*}.out" || fail "--lake $url: the error does not name the scheme: $(cat "$work/scheme_${url%%:*}.out")"
done

# 7. A server without ListMultipartUploads (s3rver itself, without the proxy, answers 501): the
# clean-up of abandoned uploads skips that step and the ingest works.
set +e
AWS_ENDPOINT_URL="http://127.0.0.1:$S3RVER_PORT" run direct_s3rver ingest --lake s3://lake/direct "${ingest_args[@]}" --on-bad-rows quarantine
rc=$?; set -e
[ "$rc" = 0 ] || fail "ingest straight to s3rver (no ListMultipartUploads) exited $rc: $(cat "$work/direct_s3rver.out")"
grep -q "3 ingested" "$work/direct_s3rver.out" || fail "ingest straight to s3rver: $(cat "$work/direct_s3rver.out")"

# 9. gaps and fill on the S3 lake: a demo day deleted from S3 is reported missing and filled from
# the loopback Binance REST server (serving the archive day's rows) into the same S3 key.
day_key="silver/klines/market=spot/symbol=BTCUSDT/interval=1m/date=2026-04-29/BTCUSDT-1m-2026-04-29.parquet"
s3_clear "demo/silver/klines/market=spot/symbol=BTCUSDT/interval=1m/date=2026-04-29/"
s3_clear "demo/_ledger/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2026-04-29.zip.json"
unzip -p "$work/demo_local/bronze/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2026-04-29.zip" > "$work/day.csv"
gap_args=(--market spot --data-type klines --interval 1m --symbols BTCUSDT --start 2026-04-29 --end 2026-04-30)
set +e; run gaps_s3 gaps --lake s3://lake/demo "${gap_args[@]}"; rc=$?; set -e
[ "$rc" = 1 ] && grep -q "missing_day" "$work/gaps_s3.out" || fail "gaps on S3 (exit $rc): $(cat "$work/gaps_s3.out")"
mkfifo "$work/rest.in"
node "$s3_peers/binance_rest_server.mjs" --klines "spot:BTCUSDT:1m:$work/day.csv" < "$work/rest.in" > "$work/rest.out" 2>&1 &
exec 8> "$work/rest.in"  # the server runs until this closes (fd 7 is the S3 launcher's)
for _ in $(seq 100); do grep -q READY "$work/rest.out" && break; sleep 0.1; done
rest_url="http://127.0.0.1:$(sed -n 's/^READY //p' "$work/rest.out")"
CRYPTOLAKE_BINANCE_SPOT_URL="$rest_url" run fill_s3 fill --lake s3://lake/demo "${gap_args[@]}" ||
  fail "fill on S3 exited $?: $(cat "$work/fill_s3.out")"
grep -q "rows added from REST: 1440" "$work/fill_s3.out" || fail "fill on S3: $(cat "$work/fill_s3.out")"
run gaps_s3_after gaps --lake s3://lake/demo "${gap_args[@]}" || fail "gaps after fill: $(cat "$work/gaps_s3_after.out")"
exec 8>&-
s3_snapshot demo "$work/dl-filled"
[ -f "$work/dl-filled/$day_key" ] || fail "the filled day is not on S3 under its archive key"
[ -f "$work/dl-filled/_fills/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2026-04-29.zip.json" ] ||
  fail "no fill record on S3"
echo "gaps + fill on S3: the deleted day came back from REST under its archive key"

# 8. No secret, no signature in anything cryptolake printed.
[ "$(rejected)" = 0 ] || fail "the proxy refused signatures: $(grep rejected "$S3_PROXY_LOG" | head -3)"
checked=$(wc -l < "$S3_PROXY_LOG")
sort -u "$S3_SIGNATURES" > "$work/signatures.uniq"
[ "$(wc -l < "$work/signatures.uniq")" -gt 10 ] || fail "the proxy saw too few signatures"
grep -q "cryptolake.data.records.ingested" "$work/ingest_s3.out" || fail "--print-metrics printed no metrics"
for f in "${outputs[@]}"; do
  if grep -qF "$S3_TEST_SECRET" "$f"; then fail "the secret key appears in $(basename "$f")"; fi
  if grep -qF -f "$work/signatures.uniq" "$f"; then fail "a request signature appears in $(basename "$f")"; fi
done
s3_stop
echo "s3_lake_test: $checked requests, every signature verified by the AWS SDK signer, 0 refused"
if [ -n "$duck_skipped" ]; then echo "s3_lake_test: DuckDB check skipped: $duck_skipped"; exit 77; fi
echo "s3_lake_test: all checks passed"
