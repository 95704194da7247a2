#!/bin/bash
# `cryptolake validate` against the OTLP test receiver (test/peers/otlp_receiver.mjs), which
# decodes with the official OpenTelemetry definitions.
#
# What it proves:
#  1. with a reachable endpoint (gRPC and http/protobuf) every check passes, exit 0, and the
#     receiver decoded both the test export and the demo ingest's metrics;
#  2. a closed port: exit 1, otlp_connectivity says "connection refused";
#  3. a receiver answering 401 / UNAUTHENTICATED: exit 1, "rejected the credentials", and the
#     Basic-auth secret in OTEL_EXPORTER_OTLP_HEADERS appears nowhere in the output;
#  3b. a wrong path: exit 1, the 404 diagnosis;
#  4. --json is one JSON object with every check; a bad --protocol is a usage error (exit 2).
# Usage: validate_test.sh <cryptolake binary>   (exit 77 = skipped: no node / peers)
set -euo pipefail
cli="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
peers="$here/../peers"
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
[ -d "$peers/node_modules/@opentelemetry/otlp-transformer" ] ||
  { echo "SKIP: test peers not installed (scripts/setup.sh)"; exit 77; }
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-validate.XXXXXX")"
# shellcheck source=../peers/otlp_receiver.sh
source "$peers/otlp_receiver.sh"
cleanup() { receiver_stop || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
js() { node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>{const d=JSON.parse(s);const r=($1);console.log(typeof r==='string'?r:JSON.stringify(r));})"; }
check() {
  local desc="$1" expr="$2" input
  input="$(cat)"
  [ "$(js "$expr" <<<"$input")" = "true" ] || { echo "$input" | head -c 3000 >&2; echo >&2; fail "$desc"; }
}
# run_validate EXPECTED_RC ENV... -- ARGS...: stdout to $work/out, stderr to $work/err.
run_validate() {
  local want="$1" envs=() rc=0
  shift
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  env -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_METRICS_EXPORTER "${envs[@]}" \
    "$cli" validate --timeout 3000 "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" = "$want" ] || { cat "$work/out" "$work/err" >&2; fail "exit $rc, expected $want"; }
}

secret="dmFsaWRhdGU6c2VjcmV0LXBhc3N3b3Jk"
receiver_start >/dev/null || fail "receiver did not start"

step "1. a reachable endpoint: every check passes and the metrics arrive"
for proto in grpc http/protobuf; do
  receiver_post /reset >/dev/null
  if [ "$proto" = grpc ]; then port=$RECEIVER_GRPC_PORT; else port=$RECEIVER_HTTP_PORT; fi
  run_validate 0 -- --endpoint "http://127.0.0.1:$port" --protocol "$proto"
  grep -qE '^otlp_connectivity +pass' "$work/out" || { cat "$work/out"; fail "$proto: connectivity"; }
  grep -qE '^end_to_end +pass' "$work/out" || { cat "$work/out"; fail "$proto: end_to_end"; }
  grep -q "10 passed, 0 failed, 0 skipped" "$work/out" || { cat "$work/out"; fail "$proto: not all passed"; }
  receiver_get /points | check "$proto: the test export and the ingest's metrics were decoded" "
    d.some(p => p.metric === 'cryptolake.workflow.executions' && p.attributes['workflow.name'] === 'validate') &&
    d.some(p => p.resource['service.name'] === 'crypto-data-lakehouse') &&
    new Set(d.map(p => p.request_index)).size >= 2"
  receiver_get /requests | check "$proto: every request accepted over $proto" "
    d.length >= 2 && d.every(r => r.accepted && r.transport === ('$proto' === 'grpc' ? 'grpc' : 'http'))"
done
cat "$work/out"

step "2. a closed port: connection refused, exit 1"
closed=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{const p=s.address().port;s.close(()=>console.log(p));})")
for proto in grpc http/protobuf; do
  run_validate 1 -- --endpoint "http://127.0.0.1:$closed" --protocol "$proto"
  grep -qE '^otlp_connectivity +fail .*connection refused' "$work/out" ||
    { cat "$work/out"; fail "$proto: no connection-refused diagnosis"; }
  grep -qE '^end_to_end +skip' "$work/out" || { cat "$work/out"; fail "$proto: end_to_end not skipped"; }
done

step "3. 401 / UNAUTHENTICATED: the credentials diagnosis, never the secret"
receiver_post /mode '{"mode":"unauthorized"}' >/dev/null
for proto in grpc http/protobuf; do
  receiver_post /reset >/dev/null
  if [ "$proto" = grpc ]; then port=$RECEIVER_GRPC_PORT; else port=$RECEIVER_HTTP_PORT; fi
  run_validate 1 "OTEL_EXPORTER_OTLP_HEADERS=Authorization=Basic%20$secret" -- \
    --endpoint "http://127.0.0.1:$port" --protocol "$proto"
  grep -qE '^otlp_connectivity +fail .*rejected the credentials' "$work/out" ||
    { cat "$work/out"; fail "$proto: no credentials diagnosis"; }
  ! grep -q "$secret" "$work/out" "$work/err" || fail "$proto: the secret was printed"
  receiver_get /requests | check "$proto: the header was sent and refused" "
    d.length >= 1 && d.every(r => !r.accepted && r.outcome === 'unauthorized') &&
    d.some(r => r.headers['authorization'] === 'Basic $secret')"
done
receiver_post /mode '{"mode":"ok"}' >/dev/null

step "3b. a wrong path (404): the path diagnosis"
run_validate 1 OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://127.0.0.1:$RECEIVER_HTTP_PORT/v1/metricz" \
  OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf --
grep -qE '^otlp_connectivity +fail .*HTTP 404.*wrong path' "$work/out" ||
  { cat "$work/out"; fail "no wrong-path diagnosis"; }

step "4. --json, usage errors, no endpoint"
run_validate 0 -- --json
js 'd' <"$work/out" | check "--json: every check, skips for the network checks" "
  d.ok === true && d.checks.length === 10 &&
  d.checks.every(c => typeof c.name === 'string' && ['pass','fail','skip'].includes(c.result) &&
                      typeof c.detail === 'string' && typeof c.duration_ms === 'number') &&
  d.checks.filter(c => c.result === 'skip').map(c => c.name).join() === 'otlp_connectivity,end_to_end'"
run_validate 1 -- --json --endpoint "http://127.0.0.1:$closed"
js 'd' <"$work/out" | check "--json on failure" "d.ok === false &&
  d.checks.find(c => c.name === 'otlp_connectivity').result === 'fail'"
run_validate 2 -- --protocol carrier-pigeon
run_validate 2 -- --timeout soon

echo "validate_test: all checks passed"
