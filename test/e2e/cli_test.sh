#!/bin/sh
# End-to-end test of the `cryptolake` binary: demo twice (second run writes nothing), exit codes
# 0 / 1 / 2, and the DuckDB peer reading the demo lake with hive partitioning when node is there.
# Usage: cli_test.sh <path to cryptolake>
set -eu
bin="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-cli.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. demo: exit 0, every file ingested, metrics printed.
TMPDIR="$work" "$bin" demo --lake "$work/lake" --keep-archive > "$work/demo1.txt" 2>&1 || fail "demo exited $?: $(cat "$work/demo1.txt")"
grep -q "0 failed" "$work/demo1.txt" || fail "demo summary: $(cat "$work/demo1.txt")"
grep -q '"cryptolake.data.records.ingested"' "$work/demo1.txt" || fail "demo printed no metrics"
archive="$(sed -n 's/.*CSV rows in \(.*\)$/\1/p' "$work/demo1.txt")"
[ -d "$archive/data" ] || fail "--keep-archive did not keep the mirror ($archive)"

# 2. Re-run: nothing ingested, lake tree and mtimes unchanged.
snap() { find "$1" -type f -printf '%P %s %T@\n' | sort; }
snap "$work/lake" > "$work/before.txt"
"$bin" demo --lake "$work/lake" --no-metrics > "$work/demo2.txt" 2>&1 || fail "second demo exited $?"
grep -q " 0 ingested" "$work/demo2.txt" || fail "second demo ingested again: $(cat "$work/demo2.txt")"
if grep -q "[1-9][0-9]* ingested" "$work/demo2.txt"; then fail "second demo ingested files"; fi
snap "$work/lake" > "$work/after.txt"
cmp -s "$work/before.txt" "$work/after.txt" || fail "second demo changed the lake: $(diff "$work/before.txt" "$work/after.txt")"

# 3. Usage errors exit 2.
set +e
"$bin" ingest --lake "$work/x" --market spot --data-type klines --start 2026-01-01 --end 2026-01-01 >/dev/null 2>&1
[ $? -eq 2 ] || fail "missing --symbols should exit 2"
"$bin" ingest --lake "$work/x" --market moon --data-type klines --symbols A --start 2026-01-01 --end 2026-01-01 >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad --market should exit 2"
"$bin" ingest --lake "$work/x" --market spot --data-type noSuchType --symbols A --start 2026-01-01 --end 2026-01-01 >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown --data-type should exit 2"
for interval in 7m ../x; do
  "$bin" ingest --lake "$work/x" --market spot --data-type klines --interval "$interval" --symbols A --start 2026-01-01 --end 2026-01-01 >/dev/null 2>&1
  [ $? -eq 2 ] || fail "--interval $interval should exit 2"
done
[ ! -e "$work/x/silver" ] || fail "a usage error wrote to the lake"
"$bin" --help > "$work/help.txt" 2>&1
[ $? -eq 0 ] || fail "--help should exit 0"
"$bin" ingest --help > "$work/help.txt" 2>&1
grep -q -- "--on-bad-rows" "$work/help.txt" || fail "ingest --help lacks --on-bad-rows"
set -e

# 4. A wrong .CHECKSUM: exit 1, the summary names the file and both digests, nothing in silver.
zip="$(find "$archive/data/futures/um" -name '*.zip' | sort | head -1)"
good="$(cut -c1-64 "$zip.CHECKSUM")"
echo "0000000000000000000000000000000000000000000000000000000000000000  $(basename "$zip")" > "$zip.CHECKSUM"
set +e
"$bin" ingest --source "$archive" --lake "$work/lake2" --market um --data-type klines --interval 1m \
  --symbols BTCUSDT --start 2026-04-29 --end 2026-04-30 --quiet > "$work/bad.txt" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "checksum mismatch should exit 1, got $rc: $(cat "$work/bad.txt")"
grep -q "$good" "$work/bad.txt" || fail "error does not name the actual digest: $(cat "$work/bad.txt")"
grep -q "0000000000000000000000000000000000000000000000000000000000000000" "$work/bad.txt" || fail "error does not name the expected digest"
grep -q "1 ingested" "$work/bad.txt" || fail "the other day should still ingest: $(cat "$work/bad.txt")"
[ -z "$(find "$work/lake2/silver" -path "*$(basename "$zip" .zip | sed 's/.*-1m-//')*" -type f)" ] || fail "silver written for the bad file"

# 4b. A lake URL whose scheme no store handles is a usage error (exit 2) naming the scheme, and
# nothing is written to a local directory named after it; an s3:// lake without credentials is a
# usage error naming the variables to set (the environment is emptied of AWS settings, and HOME
# points at an empty directory, so no ~/.aws file is found).
set +e
for url in gs://bucket/prefix s3://bucket/prefix; do
  scheme="${url%%:*}"
  (cd "$work" && env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
     -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SHARED_CREDENTIALS_FILE -u AWS_CONFIG_FILE \
     HOME="$work/empty-home" \
     "$bin" ingest --lake "$url" --market um --data-type klines --interval 1m \
     --symbols BTCUSDT --start 2024-01-01 --end 2024-01-01 > "$work/$scheme.txt" 2>&1)
  rc=$?
  [ $rc -eq 2 ] || fail "--lake $url should be a usage error (2), got $rc: $(cat "$work/$scheme.txt")"
  grep -q "$scheme://" "$work/$scheme.txt" || fail "the usage error does not name the scheme: $(cat "$work/$scheme.txt")"
  [ ! -e "$work/$scheme:" ] || fail "--lake $url created a local directory named $scheme:"
done
set -e
grep -q "AWS_ACCESS_KEY_ID" "$work/s3.txt" || fail "the s3:// error does not say what to set: $(cat "$work/s3.txt")"

# 5. DuckDB reads the demo lake with hive partitioning (skipped without node).
if command -v node >/dev/null 2>&1 && [ -d "$here/../peers/node_modules/@duckdb/node-api" ]; then
  out="$(node "$here/peers/query_lake.cjs" "$work/lake")"
  [ "$out" = '[{"market":"spot","symbol":"BTCUSDT","n":2880},{"market":"spot","symbol":"ETHUSDT","n":2880},{"market":"um","symbol":"BTCUSDT","n":2880}]' ] || fail "DuckDB over the demo lake: $out"
else
  # Steps 1-4 passed, but the real-peer check could not run: report SKIPPED
  # (exit 77, SKIP_RETURN_CODE in CMake), never a pass.
  echo "cli_test: steps 1-4 passed; step 5 skipped: node or @duckdb/node-api not installed (scripts/setup.sh)"
  exit 77
fi
echo "cli_test: all checks passed"
