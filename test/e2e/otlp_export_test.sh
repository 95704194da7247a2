#!/bin/bash
# OTLP export end to end, against the test receiver (test/peers/otlp_receiver.mjs), which decodes
# everything with the official OpenTelemetry protobuf definitions (npm otlp-transformer), never
# with our code. The exporting process is tools/otlp_load, configured only through OTEL_*
# variables, exactly as `cryptolake` is.
#
# What it proves:
#  1. every protocol (grpc, http/protobuf, http/json), with and without gzip, delivers the
#     resource, the scope, a monotonic sum and a histogram, cumulative by default and delta when
#     asked, exponential histograms when asked, and the configured headers; the totals the
#     receiver sums equal what was recorded;
#  2. secrets (header values) never appear in what we print nor in the metrics we send (our
#     self-metrics, otel.sdk.exporter.*, travel in the same requests);
#  3. a partial success is reported (count and message) and not retried;
#  4. a 429 with Retry-After / RESOURCE_EXHAUSTED with RetryInfo is retried after the delay and
#     everything arrives;
#  5. a 30-second outage (connections refused): recording never blocks, the circuit opens, and
#     afterwards every data point recorded during the outage arrives (delta: sums equal exactly);
#     while the circuit is open the receiver sees at most one probe per probe interval;
#  6. with the spool on, the exporting process killed (SIGKILL) mid-outage and started again
#     after it: every total it had made durable arrives, in order, exactly once;
#  7. the `cryptolake` CLI's resource (docs/export.md, "Resource attributes"): service.name
#     crypto-data-lakehouse, deployment.environment.name from DEPLOYMENT_ENV, crypto.*,
#     host.name, process.pid as an int; OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME override.
# Usage: otlp_export_test.sh <otlp_load binary> [<cryptolake binary>]
#   (exit 77 = skipped: no node; without the cryptolake binary step 7 is skipped)
set -euo pipefail
load="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cli=""
[ -n "${2:-}" ] && cli="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
here="$(cd "$(dirname "$0")" && pwd)"
peers="$here/../peers"
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
[ -d "$peers/node_modules/@opentelemetry/otlp-transformer" ] ||
  { echo "SKIP: test peers not installed (scripts/setup.sh)"; exit 77; }
work="$(mktemp -d "${TMPDIR:-/tmp}/cryptolake-otlp.XXXXXX")"
# shellcheck source=../peers/otlp_receiver.sh
source "$peers/otlp_receiver.sh"
cleanup() { receiver_stop || true; [ -n "${load_pid:-}" ] && kill -9 "$load_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
# js EXPR: evaluates EXPR with `d` = the JSON on stdin; prints the result.
js() { node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>{const d=JSON.parse(s);const r=($1);console.log(typeof r==='string'?r:JSON.stringify(r));})"; }
# check DESCRIPTION EXPR: fails unless EXPR (with `d` = stdin JSON) is true.
check() {
  local desc="$1" expr="$2" input
  input="$(cat)"
  [ "$(js "$expr" <<<"$input")" = "true" ] || { echo "$input" | head -c 3000 >&2; echo >&2; fail "$desc"; }
}

secret="c2VjcmV0LXRva2VuLWZvci10ZXN0cw"
receiver_start >/dev/null || fail "receiver did not start"
base_env=(OTEL_METRICS_EXPORTER=otlp OTEL_METRIC_EXPORT_INTERVAL=200 OTEL_EXPORTER_OTLP_TIMEOUT=2000
  "OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20$secret,organization=acme"
  OTEL_SERVICE_NAME=otlp-e2e)

# run_load ENV... -- ARGS...: runs otlp_load with the base environment plus ENV; stdout to
# $work/out.json, stderr to $work/err.txt.
run_load() {
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  env "${base_env[@]}" "${envs[@]}" "$load" "$@" >"$work/out.json" 2>"$work/err.txt" ||
    { cat "$work/err.txt" >&2; fail "otlp_load failed"; }
  ! grep -q "$secret" "$work/out.json" "$work/err.txt" || fail "a header value leaked into our output"
}

# Received totals of load.records per series must equal the recorded ones.
check_totals() {  # check_totals <temporality 1|2>
  local sums recorded
  sums="$(receiver_get /sums)"
  recorded="$(js 'd.recorded' <"$work/out.json")"
  echo "$sums" | check "received totals equal recorded ($recorded)" "
    (() => { const rec = $recorded; let ok = Object.keys(rec).length > 0;
      for (const [s, n] of Object.entries(rec)) {
        const e = d['load.records {\"series\":\"' + s + '\"}'];
        if (!e || e.temporality !== $1) { ok = false; continue; }
        const got = $1 === 1 ? Number(e.sum_exact) : Number(e.last);
        if (got !== n) ok = false;
      }
      return ok; })()"
}

# ---------------------------------------------------------------------------------------------
step "1. every protocol delivers what the official definitions decode"
for proto in grpc http/protobuf http/json; do
  for gzip in none gzip; do
    receiver_post /reset >/dev/null
    if [ "$proto" = grpc ]; then port=$RECEIVER_GRPC_PORT; else port=$RECEIVER_HTTP_PORT; fi
    run_load OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" OTEL_EXPORTER_OTLP_PROTOCOL=$proto \
      OTEL_EXPORTER_OTLP_COMPRESSION=$gzip -- --duration-ms 600 --rate 500 --series 3
    check_totals 2
    receiver_get /requests | check "$proto/$gzip: resource, scope, headers, encoding" "
      d.length > 0 && d.every(r => r.accepted) &&
      d.every(r => (r.warnings || []).length === 0) &&
      d.every(r => r.headers['authorization'] === 'Bearer $secret' && r.headers['organization'] === 'acme') &&
      d.every(r => !JSON.stringify(r.request).includes('$secret')) &&
      d.some(r => JSON.stringify(r.request).includes('otel.sdk.exporter.metric_data_point.exported')) &&
      d.every(r => ('$gzip' === 'gzip') === (r.encoding === 'gzip')) &&
      d.every(r => r.transport === ('$proto' === 'grpc' ? 'grpc' : 'http')) &&
      ('$proto' !== 'http/json' || d.every(r => r.content_type.startsWith('application/json'))) &&
      ('$proto' !== 'http/protobuf' || d.every(r => r.content_type.startsWith('application/x-protobuf')))"
    receiver_get /points | check "$proto/$gzip: points" "
      d.some(p => p.metric === 'load.records' && p.type === 'sum' && p.isMonotonic === true &&
                  p.unit === '{record}' && p.resource['service.name'] === 'otlp-e2e' &&
                  p.resource['telemetry.sdk.language'] === 'cpp' &&
                  p.scope.name === 'otlp_load' && p.scope.version === '1.0.0') &&
      d.some(p => p.metric === 'load.value' && p.type === 'histogram' && p.temporality === 2 &&
                  p.unit === 's' && Number(p.count) > 0 && p.bucketCounts.length === p.explicitBounds.length + 1)"
  done
done

step "1b. delta temporality and exponential histograms when asked"
receiver_post /reset >/dev/null
run_load OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_HTTP_PORT/" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta \
  OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=base2_exponential_bucket_histogram \
  -- --duration-ms 600 --rate 500 --series 2
check_totals 1
receiver_get /points | check "exponential histogram, delta" "
  d.some(p => p.metric === 'load.value' && p.type === 'exponentialHistogram' && p.temporality === 1 &&
              Number(p.count) > 0 && typeof p.scale === 'number')"

step "1c. the plan's example: only OTEL_EXPORTER_OTLP_ENDPOINT=http://host:4317-style set means gRPC"
receiver_post /reset >/dev/null
env OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_GRPC_PORT" OTEL_METRIC_EXPORT_INTERVAL=200 \
  "$load" --duration-ms 400 --rate 200 >"$work/out.json" 2>"$work/err.txt" || fail "otlp_load failed"
receiver_get /requests | check "gRPC chosen with no protocol and no OTEL_METRICS_EXPORTER" \
  "d.length > 0 && d.every(r => r.transport === 'grpc' && r.accepted)"
check_totals 2

step "1c'. OpenObserve-style endpoint: /api/<org> base, Basic auth, stream-name, the openobserve profile"
receiver_post /reset >/dev/null
run_load OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_HTTP_PORT/api/default" \
  "OTEL_EXPORTER_OTLP_HEADERS=Authorization=Basic%20$secret,stream-name=cryptolake" \
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta CRYPTOLAKE_OTLP_PROFILE=openobserve \
  -- --duration-ms 400 --rate 200
receiver_get /requests | check "POST /api/default/v1/metrics, protobuf, Basic auth and stream-name" "
  d.length > 0 && d.every(r => r.accepted && r.transport === 'http' && r.path === '/api/default/v1/metrics' &&
    r.content_type.startsWith('application/x-protobuf') && r.headers['authorization'] === 'Basic $secret' &&
    r.headers['stream-name'] === 'cryptolake')"
receiver_get /points | check "the profile exports cumulative sums and explicit histograms" "
  d.filter(p => p.metric === 'load.records').every(p => p.temporality === 2) &&
  d.some(p => p.metric === 'load.value' && p.type === 'histogram')"

step "1d. TLS with a private CA and a client certificate (mTLS), gRPC and HTTP"
if command -v openssl >/dev/null; then
  tls="$work/tls"; mkdir -p "$tls"
  ssl() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1 failed"; }
  ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=e2e-ca \
    -keyout "$tls/ca.key" -out "$tls/ca.crt"
  for who in server client; do
    if [ $who = server ]; then ext="subjectAltName=IP:127.0.0.1"; cn=127.0.0.1; else ext="extendedKeyUsage=clientAuth"; cn=e2e-client; fi
    ssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
      -keyout "$tls/$who.key" -out "$tls/$who.csr"
    echo "$ext" > "$tls/$who.ext"
    ssl x509 -req -in "$tls/$who.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
      -days 1 -extfile "$tls/$who.ext" -out "$tls/$who.crt"
  done
  plain_ports=("$RECEIVER_GRPC_PORT" "$RECEIVER_HTTP_PORT" "$RECEIVER_ADMIN_PORT" "$RECEIVER_PID")
  receiver_start --tls-cert "$tls/server.crt" --tls-key "$tls/server.key" --tls-ca "$tls/ca.crt" >/dev/null ||
    fail "TLS receiver did not start"
  tls_pid=$RECEIVER_PID
  for proto in grpc http/protobuf; do
    if [ "$proto" = grpc ]; then port=$RECEIVER_GRPC_PORT; else port=$RECEIVER_HTTP_PORT; fi
    run_load OTEL_EXPORTER_OTLP_ENDPOINT="https://127.0.0.1:$port" OTEL_EXPORTER_OTLP_PROTOCOL=$proto \
      OTEL_EXPORTER_OTLP_CERTIFICATE="$tls/ca.crt" OTEL_EXPORTER_OTLP_CLIENT_KEY="$tls/client.key" \
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE="$tls/client.crt" -- --duration-ms 400 --rate 200
  done
  receiver_get /requests | check "both TLS transports delivered with the client certificate" "
    d.some(r => r.transport === 'grpc') && d.some(r => r.transport === 'http') &&
    d.every(r => r.accepted && r.tls && r.tls.authorized && r.tls.peer_cn === 'e2e-client')"
  # Without the client certificate the server refuses: nothing is accepted, nothing crashes.
  receiver_post /reset >/dev/null
  run_load OTEL_EXPORTER_OTLP_ENDPOINT="https://127.0.0.1:$RECEIVER_HTTP_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
    OTEL_EXPORTER_OTLP_CERTIFICATE="$tls/ca.crt" -- --duration-ms 300 --rate 100 --shutdown-timeout-ms 1000
  receiver_get /stats | check "no request accepted without a client certificate" "d.accepted === 0"
  receiver_stop
  RECEIVER_GRPC_PORT=${plain_ports[0]} RECEIVER_HTTP_PORT=${plain_ports[1]}
  RECEIVER_ADMIN_PORT=${plain_ports[2]} RECEIVER_PID=${plain_ports[3]}
else
  echo "  skipped: no openssl command"
fi

# ---------------------------------------------------------------------------------------------
step "3. partial success is reported, not retried"
receiver_post /reset >/dev/null
receiver_post /mode '{"mode":"partial","rejected":2,"error_message":"two points out of range"}' >/dev/null
run_load OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_HTTP_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
  -- --duration-ms 300 --rate 100
grep -q "two points out of range" "$work/err.txt" || { cat "$work/err.txt"; fail "partial success message not reported"; }
js 'd.delivery' <"$work/out.json" | check "rejected points counted, nothing dropped" \
  "d.rejected_points >= 2 && d.dropped_points === 0"
receiver_get /stats | check "no retries of a partial success" "d.requests === d.accepted"
receiver_post /mode '{"mode":"ok"}' >/dev/null

step "4. throttling with Retry-After (HTTP) and RetryInfo (gRPC) is honoured"
for proto in http/protobuf grpc; do
  receiver_post /reset >/dev/null
  receiver_post /mode '{"mode":"throttle","retry_after_s":1}' >/dev/null
  if [ "$proto" = grpc ]; then port=$RECEIVER_GRPC_PORT; else port=$RECEIVER_HTTP_PORT; fi
  ( sleep 1.5; receiver_post /mode '{"mode":"ok"}' >/dev/null ) &
  restore_pid=$!
  run_load OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" OTEL_EXPORTER_OTLP_PROTOCOL=$proto \
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta -- --duration-ms 2500 --rate 200 \
    --shutdown-timeout-ms 15000
  wait "$restore_pid"
  check_totals 1
  receiver_get /requests | check "$proto: throttled requests were answered, then accepted" "
    d.some(r => !r.accepted && r.outcome === 'throttle') && d.some(r => r.accepted) &&
    (() => { const t = d.filter(r => r.outcome === 'throttle').map(r => r.time_ms);
             for (let i = 1; i < t.length; i++) if (t[i] - t[i-1] < 900) return false; return true; })()"
done

# ---------------------------------------------------------------------------------------------
step "5. a 30 s outage: recording never blocks, the circuit opens, nothing is lost"
receiver_post /reset >/dev/null
receiver_post /mode '{"mode":"refuse"}' >/dev/null
( sleep 30; receiver_post /mode '{"mode":"ok"}' >/dev/null ) &
restore_pid=$!
run_load OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_GRPC_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta CRYPTOLAKE_OTLP_PROBE_INTERVAL=2000 \
  -- --duration-ms 34000 --rate 1000 --series 4 --shutdown-timeout-ms 20000
wait "$restore_pid"
check_totals 1
grep -q "unreachable" "$work/err.txt" || { cat "$work/err.txt"; fail "no warning about the unreachable endpoint"; }
[ "$(grep -c "unreachable" "$work/err.txt")" -le 2 ] || { cat "$work/err.txt"; fail "the warning repeats"; }
js 'd' <"$work/out.json" | check "no drops; Add never blocked (max < 100 ms)" \
  "d.delivery.dropped_points === 0 && d.add_ns.max < 100e6"
echo "  Add latency during the outage: $(js 'd.add_ns' <"$work/out.json")"

step "5b. while the circuit is open, one probe per probe interval"
receiver_post /reset >/dev/null
receiver_post /mode '{"mode":"unavailable"}' >/dev/null
run_load OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_HTTP_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
  CRYPTOLAKE_OTLP_CIRCUIT_FAILURES=3 CRYPTOLAKE_OTLP_PROBE_INTERVAL=1000 \
  -- --duration-ms 10000 --rate 100 --shutdown-timeout-ms 100
# 10 s: at most 3 failures to open (plus their backoffs), then a probe per >= 1 s; the final
# shutdown attempt may add one.
receiver_get /stats | check "at most failures + duration/probe interval + 2 requests" \
  "d.requests >= 4 && d.requests <= 3 + 10 + 2"
receiver_post /mode '{"mode":"ok"}' >/dev/null

# ---------------------------------------------------------------------------------------------
step "6. spool: killed mid-outage, restarted after it, every durable total arrives once"
receiver_post /reset >/dev/null
receiver_post /mode '{"mode":"refuse"}' >/dev/null
spool="$work/spool"
spool_env=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_HTTP_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta CRYPTOLAKE_OTLP_SPOOL_DIR="$spool"
  OTEL_METRIC_EXPORT_INTERVAL=60000)
env "${base_env[@]}" "${spool_env[@]}" OTEL_METRIC_EXPORT_INTERVAL=60000 \
  "$load" --steps 1000 --step-ms 20 --state "$work/state" >"$work/out1.json" 2>"$work/err1.txt" &
load_pid=$!
sleep 4
kill -9 "$load_pid"; wait "$load_pid" 2>/dev/null || true; load_pid=
[ -s "$work/state" ] || fail "the killed run made nothing durable"
durable_total=$(tail -n 1 "$work/state" | cut -d' ' -f2)
ls "$spool" | grep -q . || fail "nothing in the spool"
receiver_post /mode '{"mode":"ok"}' >/dev/null
env "${base_env[@]}" "${spool_env[@]}" "$load" --no-record --shutdown-timeout-ms 20000 \
  >"$work/out.json" 2>"$work/err.txt" || fail "restarted otlp_load failed"
# The totals the killed run reached at each step: 1, 3, 6, ... (step i adds i+1).
receiver_get /sums | check "received sum is a step total >= the last durable one ($durable_total)" "
  (() => { const e = d['load.records {\"series\":\"s0\"}']; if (!e) return false;
           const got = Number(e.sum_exact); let t = 0;
           for (let i = 0; i < 1000; i++) { t += i + 1; if (t === got) return got >= $durable_total; }
           return false; })()"
receiver_get /points | check "replayed in order" "
  (() => { const p = d.filter(x => x.metric === 'load.records');
           for (let i = 1; i < p.length; i++) if (BigInt(p[i].timeUnixNano) < BigInt(p[i-1].timeUnixNano)) return false;
           return p.length > 0; })()"
[ -z "$(ls "$spool" | grep -v '^lock$' || true)" ] || { ls -la "$spool"; fail "spool not emptied after delivery"; }

# ---------------------------------------------------------------------------------------------
step "7. the cryptolake CLI's resource attributes"
if [ -n "$cli" ]; then
  # run_cli ENV...: `cryptolake demo` exporting over OTLP/HTTP, the resource variables of the
  # calling environment unset and ENV set.
  run_cli() {
    receiver_post /reset >/dev/null
    rm -rf "$work/demo-lake"
    env -u OTEL_SERVICE_NAME -u OTEL_RESOURCE_ATTRIBUTES -u DEPLOYMENT_ENV -u KUBERNETES_SERVICE_HOST \
      OTEL_METRICS_EXPORTER=otlp OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
      OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RECEIVER_HTTP_PORT" "$@" \
      "$cli" demo --lake "$work/demo-lake" --no-metrics >"$work/cli-out.txt" 2>"$work/cli-err.txt" ||
      { cat "$work/cli-err.txt" >&2; fail "cryptolake demo failed"; }
  }
  run_cli DEPLOYMENT_ENV=e2e
  receiver_get /points | check "the CLI's defaults" "
    d.some(p => p.metric.startsWith('cryptolake.')) && d.every(p => {
      const r = p.resource;
      return r['service.name'] === 'crypto-data-lakehouse' && r['service.version'] === r['telemetry.sdk.version'] &&
        /^[0-9a-f-]{36}\$/.test(r['service.instance.id']) &&
        r['deployment.environment.name'] === 'e2e' && !('deployment.environment' in r) &&
        r['crypto.exchange'] === 'binance' && r['crypto.data_types'] === 'klines,aggTrades,fundingRate' &&
        r['crypto.market_types'] === 'spot,um,cm' && r['lakehouse.layers'] === 'bronze,silver,gold' &&
        r['lakehouse.storage_backend'] === 'local' && r['lakehouse.format'] === 'parquet' &&
        typeof r['host.name'] === 'string' && r['host.name'].length > 0 &&
        /^[1-9][0-9]*\$/.test(String(r['process.pid'])) &&
        !('k8s.pod.name' in r) && !('k8s.namespace.name' in r); })"
  receiver_get /requests | check "process.pid is an int attribute" "
    d.length > 0 && d.every(r => r.accepted && r.request.resourceMetrics.every(rm =>
      rm.resource.attributes.some(a => a.key === 'process.pid' && 'intValue' in a.value)))"
  run_cli DEPLOYMENT_ENV=e2e KUBERNETES_SERVICE_HOST=10.0.0.1 K8S_NAMESPACE=lakehouse K8S_POD_NAME=ingest-0 \
    OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=prod,crypto.exchange=binance-test \
    OTEL_SERVICE_NAME=lakehouse-e2e
  receiver_get /points | check "the environment overrides the CLI's defaults; k8s attributes in a pod" "
    d.length > 0 && d.every(p => {
      const r = p.resource;
      return r['service.name'] === 'lakehouse-e2e' && r['deployment.environment.name'] === 'prod' &&
        r['crypto.exchange'] === 'binance-test' && r['lakehouse.format'] === 'parquet' &&
        r['k8s.namespace.name'] === 'lakehouse' && r['k8s.pod.name'] === 'ingest-0'; })"
else
  echo "  skipped: no cryptolake binary given"
fi

echo "otlp_export_test: all checks passed"
