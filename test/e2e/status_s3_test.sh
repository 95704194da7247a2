#!/bin/bash
# `cryptolake status --lake s3://...` against s3rver behind the SigV4-checking proxy: the demo
# lake written to S3 reports exactly what the same demo in a local directory reports (the JSON
# minus the lake URL and the scan time), read with --jobs 1 and --jobs 8; the secret key never
# appears in the output. Skips (77) when node, s3rver, the proxy's packages or boto3 are missing.
# Usage: status_s3_test.sh <path to cryptolake>
set -euo pipefail
bin="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-status-s3.XXXXXX")"
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$here/s3_test_lib.sh"
cleanup() { s3_stop > /dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

s3_require_peers
s3_start --proxy
TMPDIR="$work" "$bin" demo --lake "s3://lake/st" --no-metrics > "$work/demo-s3.txt" 2>&1 || fail "demo to S3: $(cat "$work/demo-s3.txt")"
TMPDIR="$work" "$bin" demo --lake "$work/local" --no-metrics > "$work/demo-local.txt" 2>&1 || fail "local demo: $(cat "$work/demo-local.txt")"
"$bin" status --lake "$work/local" --json > "$work/local.json" || fail "local status exited $?"
for jobs in 1 8; do
  "$bin" status --lake "s3://lake/st" --json --jobs "$jobs" > "$work/s3-$jobs.json" 2> "$work/s3-$jobs.err" ||
    fail "status on S3 (--jobs $jobs) exited $?: $(cat "$work/s3-$jobs.err")"
  "$S3_PYTHON" - "$work/local.json" "$work/s3-$jobs.json" <<'PY' || fail "S3 status differs from local (--jobs $jobs)"
import json, sys
local, s3 = (json.load(open(p)) for p in sys.argv[1:3])
assert s3["lake"] == "s3://lake/st", s3["lake"]
for doc in (local, s3):
    del doc["lake"], doc["scanned_at"]
assert len(s3["datasets"]) == 5 and s3["problems"] == [], s3["problems"]
assert s3 == local, json.dumps(s3)[:2000]
PY
done
"$bin" status --lake "s3://lake/st" --html "$work/s3.html" > "$work/s3-table.txt" 2>&1 || fail "status --html on S3"
grep -q '^um/fundingRate/BTCUSDT ' "$work/s3-table.txt" || fail "S3 table: $(cat "$work/s3-table.txt")"
if grep -q -- "$AWS_SECRET_ACCESS_KEY" "$work"/s3-*.json "$work"/s3-*.err "$work/s3-table.txt" "$work/s3.html"; then
  fail "the secret key appears in the output"
fi
s3_stop
echo PASS
