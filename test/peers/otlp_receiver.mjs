// otlp_receiver.mjs: the OTLP metrics receiver cryptolake's tests export to.
//
// What it is
//   A real OTLP metrics peer: an OTLP/gRPC server and an OTLP/HTTP server that
//   decode every ExportMetricsServiceRequest with the official protobuf
//   definitions (npm @opentelemetry/otlp-transformer 0.57.2,
//   build/src/generated/root.js), record what arrived, and answer the way a
//   test asks (success, 503, 429 with Retry-After / RetryInfo, stall, partial
//   success, 400, refused connections). A separate admin HTTP API lets a test
//   read what was received and change the behaviour.
//
// Command line
//   node test/peers/otlp_receiver.mjs [--grpc-port N] [--http-port N]
//       [--admin-port N] [--tls-cert FILE --tls-key FILE [--tls-ca FILE]]
//       [--seed N]
//   Every server listens on 127.0.0.1; ports default to 0 (the OS picks).
//   With --tls-cert/--tls-key both OTLP servers (gRPC and HTTP) use TLS; with
//   --tls-ca as well they demand a client certificate signed by that CA. The
//   admin API is always plain HTTP. --seed seeds the PRNG behind fail_rate
//   (default 1, so runs are repeatable).
//   Once everything listens it prints exactly one line to stdout,
//     {"grpc_port":N,"http_port":N,"admin_port":N}
//   and nothing else ever goes to stdout (brief diagnostics go to stderr).
//   SIGTERM / SIGINT / POST /shutdown close the servers and exit 0.
//
// OTLP servers
//   gRPC: /opentelemetry.proto.collector.metrics.v1.MetricsService/Export
//     (grpc-js; incoming grpc-encoding gzip is inflated by grpc-js). grpc-js
//     is fed connections from our own net.Server through its public
//     createConnectionInjector(), so connections are counted exactly and
//     "refuse" can close and reopen the very same port. The raw HTTP/2
//     request headers (including grpc-encoding, grpc-timeout, content-type,
//     user-agent and pseudo-headers, which grpc-js hides from handlers) are
//     taken from the grpc-js HTTP/2 server's 'stream' event; that server is
//     reached through grpc-js's internal `http2Servers` map. If a grpc-js
//     version lacks it, only the metadata grpc-js hands to the handler is
//     recorded and records say raw_headers:false.
//   HTTP (HTTP/1.1, as OTLP/HTTP exporters use; no h2c):
//     POST to /v1/metrics or any path ending in /v1/metrics (OpenObserve:
//     /api/<org>/v1/metrics). Content-Type application/x-protobuf or
//     application/json (OTLP/JSON), anything else 415. Content-Encoding gzip
//     or identity, anything else 415. Success: 200 with an
//     ExportMetricsServiceResponse in the request's encoding. Failures carry
//     a google.rpc.Status body in the request's encoding.
//   OTLP/JSON: JSON.parse, traceId/spanId hex -> bytes, then the official
//     ExportMetricsServiceRequest.fromObject. fromObject ignores unknown keys
//     (as OTLP requires of receivers), so the receiver also re-serialises the
//     message and lists every input key it did not understand (e.g.
//     snake_case names) and every int64 sent as a JSON number or enum sent as
//     a string in the record's warnings; tests should assert it is empty.
//   Protobuf (HTTP and gRPC): the official decoder skips fields it does not
//     know, so the receiver re-encodes what it decoded; if that is not the
//     same size as the message received, warnings says so (a field number
//     these definitions do not have, e.g. one newer than otlp-transformer
//     0.57.2 such as Metric.metadata, or a legal but non-canonical encoding
//     such as unpacked repeated scalars or non-minimal varints).
//
// Admin API (127.0.0.1:<admin_port>, JSON)
//   GET  /requests?since=N[&wait_ms=M]  records from index N (array); with
//        wait_ms, first waits up to M ms until one of them is answered (not
//        pending), so a test can wait for an export without sleeping. A record:
//        index, time_ms (arrival, ms since epoch, float), transport
//        (grpc|http), path, content_type, encoding (Content-Encoding or
//        grpc-encoding, or "identity"), headers ({lower-case name: value, or
//        array of values if repeated}; exactly as received, secrets included;
//        gRPC: the HTTP/2 headers with pseudo-headers, -bin values still
//        base64), raw_headers,
//        body_size (HTTP: bytes on the wire; gRPC: the message after grpc-js
//        inflated it), decoded_size, status ({http}|{grpc, grpc_name}; http 0
//        when the client went away before an answer),
//        outcome (ok|partial|unavailable|throttle|bad_request|fail_rate|
//        unauthorized|decode_error|unsupported_media_type|not_found|method_not_allowed|
//        too_large|client_gone|pending|not_handled), accepted (bool), error,
//        warnings, tls ({authorized, peer_cn} when TLS), point_count,
//        request (ExportMetricsServiceRequest.toObject with longs: String,
//        enums: Number, defaults: false, arrays: true, json: true; trace and
//        span ids as hex).
//   GET  /points?since=N[&wait_ms=M]  flattened data points of accepted
//        requests (with wait_ms: waits up to M ms for point N to exist), each:
//        index, request_index, time_ms, resource ({k: v}), resource_schema_url,
//        scope {name, version, attributes}, metric, description, unit, type
//        (sum|gauge|histogram|exponentialHistogram|summary), temporality
//        (0|1 delta|2 cumulative, null for gauge/summary), isMonotonic (sums),
//        attributes ({k: v}; int64 as strings, arrays as arrays, kvlists as
//        objects, bytes as base64), startTimeUnixNano, timeUnixNano (strings),
//        flags, exemplars (count); sum/gauge: valueType (asInt|asDouble|null)
//        and value (asInt as string or asDouble as number; NaN/Infinity as
//        strings); histogram: count, sum, bucketCounts, explicitBounds, min,
//        max (uint64 counts as strings); exponentialHistogram: count,
//        sum, scale, zeroCount, zeroThreshold, positive {offset, bucketCounts},
//        negative {...}, min, max; summary: count, sum, quantileValues.
//   GET  /stats  {requests, accepted, points, rejected (requests answered with
//        failure), connections {grpc, http, total} (TCP connections accepted
//        by the OTLP listeners), by_status {"http:200": n, "grpc:OK": n, ...},
//        mode, grpc_raw_headers}
//   GET  /sums   {series key: {...}}; key = metric name + " " + JSON of the
//        attributes sorted by name. Per series: metric, attributes, type,
//        temporality, points (number of points), sum (sum of the values of all
//        points, a number), sum_exact (decimal string, integer series only),
//        last (value of the point with the greatest timeUnixNano; ties go to
//        the later arrival), last_time_unix_nano; histograms instead: count and
//        sum summed over points (count_exact as a string), last_count,
//        last_sum. Only accepted requests count.
//   GET  /mode   the current mode.
//   POST /mode   {mode, retry_after_s, http_status, grpc_code, stall_ms,
//        fail_rate, rejected, error_message, seed}; answers {ok, mode,
//        grpc_port, http_port} once the mode is in force (400 on bad input):
//          ok           success (requests fail at random with probability
//                       fail_rate, 0..1: HTTP 503 / gRPC UNAVAILABLE)
//          unavailable  HTTP 503 / gRPC UNAVAILABLE for every request
//          throttle     HTTP 429 + Retry-After: ceil(retry_after_s) / gRPC
//                       RESOURCE_EXHAUSTED with google.rpc.Status carrying a
//                       google.rpc.RetryInfo (retry_delay = retry_after_s) in
//                       grpc-status-details-bin; retry_after_s defaults to 1;
//                       retry_after_s: null sends neither (not retryable).
//                       http_status: 503 and grpc_code: "UNAVAILABLE" select
//                       the other throttling answers OTLP allows (still with
//                       Retry-After / RetryInfo)
//          stall        hold each request stall_ms, then answer as "ok" (with
//                       fail_rate); stall_ms 0/absent: hold until the mode
//                       changes, then answer per the new mode
//          partial      success with partial_success {rejected_data_points:
//                       rejected (default 1), error_message}; fail_rate applies
//          bad_request  HTTP 400 / gRPC INVALID_ARGUMENT
//          unauthorized HTTP 401 / gRPC UNAUTHENTICATED (a backend rejecting
//                       the credentials; the headers are still recorded)
//          refuse       close both OTLP listeners and every open connection
//                       (new connections are refused); leaving "refuse"
//                       listens again on the same ports before /mode answers
//        seed re-seeds the PRNG. A request answered with failure is recorded
//        with accepted:false and its points are not in /points or /sums;
//        neither are those of a request whose client went away while it was
//        held (outcome client_gone). Points of a partial success all count.
//   POST /reset      clears records, points, sums and stats (not the mode).
//   POST /shutdown   answers {"ok":true} and exits 0.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import zlib from 'node:zlib';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const otlpRoot = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
// The protobufjs that otlp-transformer itself uses, for google.rpc messages.
const protobuf = createRequire(require.resolve('@opentelemetry/otlp-transformer/package.json'))('protobufjs');

const collector = otlpRoot.opentelemetry.proto.collector.metrics.v1;
const ExportRequest = collector.ExportMetricsServiceRequest;
const ExportResponse = collector.ExportMetricsServiceResponse;
const TO_OBJECT = { longs: String, enums: Number, defaults: false, arrays: true, json: true, bytes: String };
const GRPC_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const MAX_BODY = 64 * 1024 * 1024;
const CALL_ID_HEADER = 'x-otlp-receiver-internal-call-id';

// ---- google.rpc.Status / RetryInfo, built by reflection -------------------
const rpcRoot = new protobuf.Root();
{
  const any = new protobuf.Type('Any')
    .add(new protobuf.Field('type_url', 1, 'string'))
    .add(new protobuf.Field('value', 2, 'bytes'));
  const duration = new protobuf.Type('Duration')
    .add(new protobuf.Field('seconds', 1, 'int64'))
    .add(new protobuf.Field('nanos', 2, 'int32'));
  rpcRoot.define('google.protobuf').add(any).add(duration);
  const status = new protobuf.Type('Status')
    .add(new protobuf.Field('code', 1, 'int32'))
    .add(new protobuf.Field('message', 2, 'string'))
    .add(new protobuf.Field('details', 3, 'google.protobuf.Any', 'repeated'));
  const retryInfo = new protobuf.Type('RetryInfo')
    .add(new protobuf.Field('retry_delay', 1, 'google.protobuf.Duration'));
  rpcRoot.define('google.rpc').add(status).add(retryInfo);
  rpcRoot.resolveAll();
}
const RpcStatus = rpcRoot.lookupType('google.rpc.Status');
const RetryInfo = rpcRoot.lookupType('google.rpc.RetryInfo');
const RETRY_INFO_URL = 'type.googleapis.com/google.rpc.RetryInfo';

function splitDelay(seconds) {
  // Zero fields are left out, as a proto3 encoder would.
  const whole = Math.floor(seconds);
  const nanos = Math.round((seconds - whole) * 1e9);
  return { ...(whole ? { seconds: whole } : {}), ...(nanos ? { nanos } : {}) };
}

// google.rpc.Status as protobuf bytes (code, message, optional RetryInfo).
function statusBytes(code, message, retryAfterS) {
  const details = [];
  if (retryAfterS != null) {
    const info = RetryInfo.encode(RetryInfo.create({ retry_delay: splitDelay(retryAfterS) })).finish();
    details.push({ type_url: RETRY_INFO_URL, value: info });
  }
  return Buffer.from(RpcStatus.encode(RpcStatus.create({ code, message, details })).finish());
}

// The same Status in the protobuf JSON mapping.
function statusJson(code, message, retryAfterS) {
  const out = { code, message };
  if (retryAfterS != null) {
    const d = splitDelay(retryAfterS);
    const frac = d.nanos ? '.' + String(d.nanos).padStart(9, '0').replace(/0+$/, '') : '';
    out.details = [{ '@type': RETRY_INFO_URL, retryDelay: `${d.seconds ?? 0}${frac}s` }];
  }
  return out;
}

// ---- command line -----------------------------------------------------------
function parseArgs(argv) {
  const opts = { grpcPort: 0, httpPort: 0, adminPort: 0, seed: 1 };
  const names = {
    '--grpc-port': 'grpcPort', '--http-port': 'httpPort', '--admin-port': 'adminPort',
    '--tls-cert': 'tlsCert', '--tls-key': 'tlsKey', '--tls-ca': 'tlsCa', '--seed': 'seed',
  };
  for (let i = 0; i < argv.length; ++i) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) usage(`bad argument: ${argv[i]}`);
    const value = argv[++i];
    if (key.endsWith('Port') || key === 'seed') {
      if (!/^\d+$/.test(value)) usage(`${argv[i - 1]} needs a non-negative integer`);
      opts[key] = Number(value);
    } else {
      opts[key] = value;
    }
  }
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) usage('--tls-cert and --tls-key go together');
  if (opts.tlsCa && !opts.tlsCert) usage('--tls-ca needs --tls-cert and --tls-key');
  return opts;
}

function usage(why) {
  process.stderr.write(`otlp_receiver: ${why}\nusage: node otlp_receiver.mjs [--grpc-port N] [--http-port N] ` +
    '[--admin-port N] [--tls-cert F --tls-key F [--tls-ca F]] [--seed N]\n');
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const tls = opts.tlsCert ? {
  cert: fs.readFileSync(opts.tlsCert),
  key: fs.readFileSync(opts.tlsKey),
  ca: opts.tlsCa ? fs.readFileSync(opts.tlsCa) : null,
} : null;

// ---- PRNG for fail_rate (xorshift32, seeded through a splitmix-style mix) ----
function makePrng(seed) {
  let x = (Number(seed) >>> 0) ^ 0x9e3779b9;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  if (x === 0) x = 0x6d2b79f5;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}
let random = makePrng(opts.seed);

// ---- state ------------------------------------------------------------------
const MODES = ['ok', 'unavailable', 'throttle', 'stall', 'partial', 'bad_request', 'unauthorized', 'refuse'];
let mode = { mode: 'ok', fail_rate: 0 };
let records = [];
let points = [];
let sums = new Map();
let stats;
function resetStats() {
  stats = { requests: 0, accepted: 0, points: 0, rejected: 0, connections: { grpc: 0, http: 0, total: 0 }, by_status: {} };
}
resetStats();
const stallWaiters = new Set();

const nowMs = () => performance.timeOrigin + performance.now();

function newRecord(transport, timeMs) {
  const rec = {
    index: records.length, time_ms: timeMs, transport, path: null, content_type: null, encoding: 'identity',
    headers: {}, raw_headers: true, body_size: 0, decoded_size: null, status: null, outcome: 'pending',
    accepted: false, error: null, warnings: [], tls: null, point_count: 0, request: null,
  };
  records.push(rec);
  stats.requests++;
  return rec;
}

function statusKey(rec) {
  return rec.transport === 'http' ? `http:${rec.status.http}` : `grpc:${rec.status.grpc_name}`;
}

// Called once per request with its final answer.
function finish(rec, outcome, status, accepted, message) {
  rec.outcome = outcome;
  rec.status = status;
  rec.accepted = accepted;
  if (message && !accepted) rec.error = rec.error ?? message;
  if (records[rec.index] !== rec) return; // arrived before a /reset
  const key = statusKey(rec);
  stats.by_status[key] = (stats.by_status[key] ?? 0) + 1;
  if (!accepted) stats.rejected++;
  else {
    stats.accepted++;
    if (rec.request) addPoints(rec);
  }
  notifyChange();
}

// ---- decoding helpers -------------------------------------------------------
function hexToBase64Ids(value) {
  // OTLP/JSON writes trace/span ids as hex; fromObject expects base64 or bytes.
  if (Array.isArray(value)) { value.forEach(hexToBase64Ids); return; }
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if ((k === 'traceId' || k === 'spanId') && typeof v === 'string') {
      if (!/^([0-9a-fA-F]{2})*$/.test(v)) throw new Error(`${k} is not hex: ${JSON.stringify(v)}`);
      value[k] = Buffer.from(v, 'hex');
    } else {
      hexToBase64Ids(v);
    }
  }
}

const INT64_FIELDS = new Set(['startTimeUnixNano', 'timeUnixNano', 'asInt', 'count', 'bucketCounts',
  'zeroCount', 'intValue', 'rejectedDataPoints']);
const ENUM_FIELDS = new Set(['aggregationTemporality']);

// Lists input keys the official decoder ignored, int64 given as JSON numbers and
// enums given as names, by comparing the input with the decoded message.
function jsonWarnings(input, decoded, path, out) {
  if (Array.isArray(input)) {
    input.forEach((v, i) => jsonWarnings(v, Array.isArray(decoded) ? decoded[i] : undefined, `${path}[${i}]`, out));
    return;
  }
  if (!input || typeof input !== 'object' || Buffer.isBuffer(input)) return;
  for (const [k, v] of Object.entries(input)) {
    const p = path ? `${path}.${k}` : k;
    if (v === null) continue;
    if (!decoded || typeof decoded !== 'object' || !(k in decoded)) {
      out.push(`unknown field ${p}`);
      continue;
    }
    if (INT64_FIELDS.has(k)) {
      const bad = Array.isArray(v) ? v.some((e) => typeof e === 'number') : typeof v === 'number';
      if (bad) out.push(`int64 as JSON number at ${p}`);
    } else if (ENUM_FIELDS.has(k) && typeof v === 'string') {
      out.push(`enum as string at ${p}`);
    }
    jsonWarnings(v, decoded[k], p, out);
  }
}

function checkReencoded(rec, message, size) {
  const again = ExportRequest.encode(message).finish().length;
  if (again !== size) {
    rec.warnings.push(`protobuf message of ${size} bytes re-encodes to ${again} bytes: fields unknown to the ` +
      'official definitions were dropped, or the encoding is not canonical (unpacked repeated, long varints)');
  }
}

function base64ToHexIds(value) {
  if (Array.isArray(value)) { value.forEach(base64ToHexIds); return; }
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if ((k === 'traceId' || k === 'spanId') && typeof v === 'string') value[k] = Buffer.from(v, 'base64').toString('hex');
    else base64ToHexIds(v);
  }
}

function toPlain(message) {
  const obj = ExportRequest.toObject(message, TO_OBJECT);
  base64ToHexIds(obj);
  return obj;
}

// ---- flattening -------------------------------------------------------------
function anyValue(v) {
  if (!v) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return v.intValue;
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyValue);
  if ('kvlistValue' in v) return attrs(v.kvlistValue.values);
  if ('bytesValue' in v) return v.bytesValue;
  return null;
}

function attrs(list) {
  const out = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function sortedJson(obj) {
  const sorted = {};
  for (const k of Object.keys(obj).sort()) sorted[k] = obj[k];
  return JSON.stringify(sorted);
}

function addPoints(rec) {
  const obj = rec.request;
  for (const rm of obj.resourceMetrics ?? []) {
    const resource = attrs(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      const scope = { name: sm.scope?.name ?? '', version: sm.scope?.version ?? '', attributes: attrs(sm.scope?.attributes) };
      for (const m of sm.metrics ?? []) {
        const kinds = ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'];
        const type = kinds.find((k) => m[k]);
        if (!type) continue;
        const data = m[type];
        for (const dp of data.dataPoints ?? []) {
          const p = {
            index: points.length, request_index: rec.index, time_ms: rec.time_ms, resource,
            resource_schema_url: rm.schemaUrl ?? '', scope, metric: m.name ?? '', description: m.description ?? '',
            unit: m.unit ?? '', type,
            temporality: (type === 'gauge' || type === 'summary') ? null : (data.aggregationTemporality ?? 0),
            attributes: attrs(dp.attributes),
            startTimeUnixNano: dp.startTimeUnixNano ?? '0', timeUnixNano: dp.timeUnixNano ?? '0',
            flags: dp.flags ?? 0, exemplars: (dp.exemplars ?? []).length,
          };
          if (type === 'sum') p.isMonotonic = data.isMonotonic ?? false;
          if (type === 'sum' || type === 'gauge') {
            p.valueType = 'asInt' in dp ? 'asInt' : ('asDouble' in dp ? 'asDouble' : null);
            p.value = p.valueType ? dp[p.valueType] : null;
          } else if (type === 'histogram') {
            Object.assign(p, { count: dp.count ?? '0', sum: dp.sum ?? null, bucketCounts: dp.bucketCounts ?? [],
              explicitBounds: dp.explicitBounds ?? [], min: dp.min ?? null, max: dp.max ?? null });
          } else if (type === 'exponentialHistogram') {
            const range = (r) => ({ offset: r?.offset ?? 0, bucketCounts: r?.bucketCounts ?? [] });
            Object.assign(p, { count: dp.count ?? '0', sum: dp.sum ?? null, scale: dp.scale ?? 0,
              zeroCount: dp.zeroCount ?? '0', zeroThreshold: dp.zeroThreshold ?? 0,
              positive: range(dp.positive), negative: range(dp.negative), min: dp.min ?? null, max: dp.max ?? null });
          } else {
            Object.assign(p, { count: dp.count ?? '0', sum: dp.sum ?? 0, quantileValues: dp.quantileValues ?? [] });
          }
          points.push(p);
          rec.point_count++;
          stats.points++;
          addToSums(p);
        }
      }
    }
  }
}

const asNumber = (v) => (typeof v === 'string' ? Number(v) : v);

function addToSums(p) {
  const key = `${p.metric} ${sortedJson(p.attributes)}`;
  let s = sums.get(key);
  if (!s) {
    s = { metric: p.metric, attributes: p.attributes, type: p.type, temporality: p.temporality, points: 0 };
    if (p.type === 'sum' || p.type === 'gauge') Object.assign(s, { sum: 0, sum_exact: '0', _int: true, _exact: 0n });
    else Object.assign(s, { count: 0, count_exact: '0', _count: 0n, sum: 0 });
    s.last = null; s.last_time_unix_nano = null;
    sums.set(key, s);
  }
  s.points++;
  const t = BigInt(p.timeUnixNano);
  const newer = s.last_time_unix_nano === null || t >= BigInt(s.last_time_unix_nano);
  if (p.type === 'sum' || p.type === 'gauge') {
    s.sum += p.value === null ? 0 : Number(p.value);
    if (p.valueType === 'asInt') s._exact += BigInt(p.value); else s._int = false;
    if (newer) { s.last = p.value; s.last_time_unix_nano = p.timeUnixNano; }
  } else {
    s._count += BigInt(p.count);
    s.count = Number(s._count);
    s.count_exact = s._count.toString();
    s.sum += asNumber(p.sum ?? 0);
    if (newer) { s.last_count = p.count; s.last_sum = p.sum; s.last_time_unix_nano = p.timeUnixNano; }
  }
}

function sumsView() {
  const out = {};
  for (const [key, s] of sums) {
    const v = {};
    for (const [k, x] of Object.entries(s)) if (!k.startsWith('_')) v[k] = x;
    if ('_int' in s) v.sum_exact = s._int ? s._exact.toString() : null;
    if (typeof v.sum === 'number' && !Number.isFinite(v.sum)) v.sum = String(v.sum);
    out[key] = v;
  }
  return out;
}

// ---- the answer a request gets ----------------------------------------------
// A plan is {outcome, accepted, http, grpc, message, retryAfterS, partial}.
function waitWhileStalled() {
  return new Promise((resolve) => {
    const w = {
      resolve: (why) => { clearTimeout(w.timer); stallWaiters.delete(w); resolve(why); },
      timer: null,
    };
    if (mode.stall_ms > 0) w.timer = setTimeout(() => w.resolve('timer'), mode.stall_ms);
    stallWaiters.add(w);
  });
}

async function plan() {
  let m = mode;
  while (m.mode === 'stall') {
    const stalled = m;
    const why = await waitWhileStalled();
    m = why === 'timer' ? { mode: 'ok', fail_rate: stalled.fail_rate } : mode;
  }
  const ok = (outcome, partial) => ({ outcome, accepted: true, http: 200, grpc: grpc.status.OK, partial });
  switch (m.mode) {
    case 'unavailable':
      return { outcome: 'unavailable', accepted: false, http: 503, grpc: grpc.status.UNAVAILABLE, message: 'receiver mode: unavailable' };
    case 'throttle':
      return { outcome: 'throttle', accepted: false, http: m.http_status, grpc: grpc.status[m.grpc_code],
        message: 'receiver mode: throttle', retryAfterS: m.retry_after_s };
    case 'bad_request':
      return { outcome: 'bad_request', accepted: false, http: 400, grpc: grpc.status.INVALID_ARGUMENT, message: 'receiver mode: bad_request' };
    case 'unauthorized':
      return { outcome: 'unauthorized', accepted: false, http: 401, grpc: grpc.status.UNAUTHENTICATED, message: 'receiver mode: unauthorized' };
    case 'refuse':
      // Only reachable by a request held across a switch to "refuse"; its
      // connection is being destroyed anyway.
      return { outcome: 'unavailable', accepted: false, http: 503, grpc: grpc.status.UNAVAILABLE, message: 'receiver mode: refuse' };
    default:
      break;
  }
  if (m.fail_rate > 0 && random() < m.fail_rate) {
    return { outcome: 'fail_rate', accepted: false, http: 503, grpc: grpc.status.UNAVAILABLE, message: 'receiver: random failure (fail_rate)' };
  }
  if (m.mode === 'partial') {
    return ok('partial', { rejectedDataPoints: String(m.rejected), errorMessage: m.error_message });
  }
  return ok('ok');
}

// ---- HTTP -------------------------------------------------------------------
function headerObject(rawHeaders) {
  const out = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (!(name in out)) out[name] = value;
    else if (Array.isArray(out[name])) out[name].push(value);
    else out[name] = [out[name], value];
  }
  return out;
}

function mediaType(value) {
  return String(value ?? '').split(';')[0].trim().toLowerCase();
}

function tlsInfo(socket) {
  if (!socket || typeof socket.getPeerCertificate !== 'function') return null;
  const cert = socket.getPeerCertificate();
  return { authorized: Boolean(socket.authorized), peer_cn: cert?.subject?.CN ?? null };
}

async function onHttpRequest(req, res) {
  const rec = newRecord('http', nowMs());
  let gone = false;
  let held = false;  // waiting in plan(): a client that leaves now is recorded at once
  res.on('close', () => {
    if (res.writableFinished) return;
    gone = true;
    if (held && rec.outcome === 'pending') {
      finish(rec, 'client_gone', { http: 0 }, false, 'client went away while the request was held');
    }
  });
  const url = new URL(req.url, 'http://receiver');
  rec.path = url.pathname;
  rec.headers = headerObject(req.rawHeaders);
  rec.content_type = req.headers['content-type'] ?? null;
  rec.encoding = req.headers['content-encoding'] ?? 'identity';
  if (tls) rec.tls = tlsInfo(req.socket);

  const chunks = [];
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY) { tooLarge = true; continue; }
      chunks.push(chunk);
    }
  } catch (err) {
    rec.error = `reading body: ${err.message}`;
    gone = true;
  }
  rec.body_size = size;
  const kind = mediaType(req.headers['content-type']) === 'application/json' ? 'json'
    : mediaType(req.headers['content-type']) === 'application/x-protobuf' ? 'protobuf' : null;

  const fail = (httpStatus, outcome, message) => {
    finish(rec, outcome, { http: httpStatus }, false, message);
    if (gone) return;
    if (kind === 'json') {
      res.writeHead(httpStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify(statusJson(grpc.status.UNKNOWN, message)));
    } else if (kind === 'protobuf') {
      res.writeHead(httpStatus, { 'content-type': 'application/x-protobuf' });
      res.end(statusBytes(grpc.status.UNKNOWN, message));
    } else {
      res.writeHead(httpStatus, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${message}\n`);
    }
  };
  if (gone) return finish(rec, 'client_gone', { http: 0 }, false, rec.error ?? 'client went away');
  if (!(url.pathname === '/v1/metrics' || url.pathname.endsWith('/v1/metrics'))) {
    return fail(404, 'not_found', `no OTLP metrics endpoint at ${url.pathname}`);
  }
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return fail(405, 'method_not_allowed', `method ${req.method} not allowed`);
  }
  if (tooLarge) return fail(413, 'too_large', `body larger than ${MAX_BODY} bytes`);
  if (!kind) return fail(415, 'unsupported_media_type', `unsupported content type ${JSON.stringify(rec.content_type)}`);
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'identity') {
    return fail(415, 'unsupported_media_type', `unsupported content encoding ${JSON.stringify(encoding)}`);
  }

  let message;
  try {
    let body = Buffer.concat(chunks);
    if (encoding === 'gzip') body = zlib.gunzipSync(body, { maxOutputLength: MAX_BODY });
    rec.decoded_size = body.length;
    if (kind === 'protobuf') {
      message = ExportRequest.decode(body);
      checkReencoded(rec, message, body.length);
    } else {
      const input = JSON.parse(body.toString('utf8'));
      if (!input || typeof input !== 'object' || Array.isArray(input)) throw new Error('OTLP/JSON body is not an object');
      const snapshot = JSON.parse(JSON.stringify(input));
      hexToBase64Ids(input);
      message = ExportRequest.fromObject(input);
      jsonWarnings(snapshot, ExportRequest.toObject(message, TO_OBJECT), '', rec.warnings);
    }
    rec.request = toPlain(message);
  } catch (err) {
    return fail(400, 'decode_error', `cannot decode ${kind} body: ${err.message}`);
  }

  held = true;
  const p = await plan();
  held = false;
  if (gone || req.socket.destroyed) {
    if (rec.outcome !== 'pending') return undefined;  // recorded when the client went away
    return finish(rec, 'client_gone', { http: 0 }, false, 'client went away while the request was held');
  }
  if (!p.accepted) {
    finish(rec, p.outcome, { http: p.http }, false, p.message);
    const headers = { 'content-type': kind === 'json' ? 'application/json' : 'application/x-protobuf' };
    if (p.retryAfterS != null) headers['retry-after'] = String(Math.ceil(p.retryAfterS));
    res.writeHead(p.http, headers);
    const code = p.grpc;
    return res.end(kind === 'json' ? JSON.stringify(statusJson(code, p.message, p.retryAfterS))
      : statusBytes(code, p.message, p.retryAfterS));
  }
  const response = ExportResponse.fromObject(p.partial ? { partialSuccess: p.partial } : {});
  finish(rec, p.outcome, { http: 200 }, true);
  if (kind === 'json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ExportResponse.toObject(response, { longs: String, enums: Number, defaults: false })));
  } else {
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end(Buffer.from(ExportResponse.encode(response).finish()));
  }
}

// ---- gRPC -------------------------------------------------------------------
const grpcNames = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));
const rawGrpcCalls = new Map();
let grpcCallSeq = 0;
let grpcRawHeaders = false;

const exportServiceDefinition = {
  Export: {
    path: GRPC_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: (msg) => Buffer.from(ExportRequest.encode(msg).finish()),
    requestDeserialize: (buf) => {
      // Never throws: a decoding failure is recorded and answered by the handler.
      try {
        return { message: ExportRequest.decode(buf), size: buf.length };
      } catch (err) {
        return { error: err, size: buf.length };
      }
    },
    responseSerialize: (msg) => Buffer.from(ExportResponse.encode(msg).finish()),
    responseDeserialize: (buf) => ExportResponse.decode(buf),
  },
};

function metadataObject(metadata) {
  const out = {};
  for (const [name, values] of Object.entries(metadata.getMap ? metadata.toJSON() : {})) {
    const shown = values.map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : v));
    out[name] = shown.length === 1 ? shown[0] : shown;
  }
  return out;
}

function grpcStatusFields(code) {
  return { grpc: code, grpc_name: grpcNames[code] ?? String(code) };
}

async function onGrpcExport(call, callback) {
  const callId = call.metadata.get(CALL_ID_HEADER)[0];
  const raw = callId !== undefined ? rawGrpcCalls.get(String(callId)) : undefined;
  if (raw) rawGrpcCalls.delete(String(callId));
  call.metadata.remove(CALL_ID_HEADER);
  const rec = newRecord('grpc', raw?.time ?? nowMs());
  rec.path = call.getPath ? call.getPath() : GRPC_PATH;
  if (raw) {
    rec.headers = raw.headers;
    rec.content_type = raw.headers['content-type'] ?? null;
    rec.encoding = raw.headers['grpc-encoding'] ?? 'identity';
  } else {
    rec.headers = metadataObject(call.metadata);
    rec.raw_headers = false;
    rec.encoding = null;
  }
  if (tls) {
    const auth = call.getAuthContext ? call.getAuthContext() : {};
    rec.tls = { authorized: auth.transportSecurityType === 'ssl', peer_cn: auth.sslPeerCertificate?.subject?.CN ?? null };
  }
  // A client that gives up while its request is held is recorded at once (client_gone), so a
  // test can see it without releasing the hold; the held handler then answers nobody.
  let gone = false;
  call.on('cancelled', () => {
    if (gone) return;
    gone = true;
    if (rec.outcome === 'pending') {
      finish(rec, 'client_gone', grpcStatusFields(grpc.status.CANCELLED), false, 'client cancelled while the request was held');
    }
  });
  const { message, error, size } = call.request;
  rec.body_size = size;
  rec.decoded_size = size;
  if (error) {
    const msg = `cannot decode protobuf message: ${error.message}`;
    finish(rec, 'decode_error', grpcStatusFields(grpc.status.INVALID_ARGUMENT), false, msg);
    return callback({ code: grpc.status.INVALID_ARGUMENT, details: msg });
  }
  checkReencoded(rec, message, size);
  rec.request = toPlain(message);

  const p = await plan();
  if (gone || call.cancelled) {
    if (rec.outcome !== 'pending') return undefined;  // recorded when the client went away
    return finish(rec, 'client_gone', grpcStatusFields(grpc.status.CANCELLED), false, 'client cancelled while the request was held');
  }
  if (!p.accepted) {
    finish(rec, p.outcome, grpcStatusFields(p.grpc), false, p.message);
    const trailers = new grpc.Metadata();
    if (p.retryAfterS != null) {
      trailers.set('grpc-status-details-bin', statusBytes(p.grpc, p.message, p.retryAfterS));
    }
    return callback({ code: p.grpc, details: p.message, metadata: trailers });
  }
  finish(rec, p.outcome, grpcStatusFields(grpc.status.OK), true);
  callback(null, ExportResponse.fromObject(p.partial ? { partialSuccess: p.partial } : {}));
}

const grpcServer = new grpc.Server({
  'grpc.max_receive_message_length': MAX_BODY,
  'grpc.max_send_message_length': MAX_BODY,
});
grpcServer.addService(exportServiceDefinition, { Export: onGrpcExport });
const grpcCredentials = tls
  ? grpc.ServerCredentials.createSsl(tls.ca, [{ private_key: tls.key, cert_chain: tls.cert }], Boolean(tls.ca))
  : grpc.ServerCredentials.createInsecure();
const knownHttp2Servers = grpcServer.http2Servers instanceof Map ? new Set(grpcServer.http2Servers.keys()) : null;
const grpcInjector = grpcServer.createConnectionInjector(grpcCredentials);
if (knownHttp2Servers) {
  const h2 = [...grpcServer.http2Servers.keys()].find((s) => !knownHttp2Servers.has(s));
  if (h2) {
    grpcRawHeaders = true;
    h2.prependListener('stream', (stream, headers) => {
      const id = String(++grpcCallSeq);
      const copy = {};
      for (const [k, v] of Object.entries(headers)) copy[k] = Array.isArray(v) ? [...v] : v;
      const entry = { time: nowMs(), headers: copy, socket: stream.session?.socket };
      rawGrpcCalls.set(id, entry);
      headers[CALL_ID_HEADER] = id;
      stream.once('close', () => {
        // Still here: grpc-js answered without calling our handler (unknown
        // method, bad compression, oversized message, ...). Record it anyway.
        if (!rawGrpcCalls.has(id)) return;
        rawGrpcCalls.delete(id);
        const rec = newRecord('grpc', entry.time);
        rec.path = copy[':path'] ?? null;
        rec.headers = copy;
        rec.content_type = copy['content-type'] ?? null;
        rec.encoding = copy['grpc-encoding'] ?? 'identity';
        const sent = stream.sentTrailers?.['grpc-status'] ?? stream.sentHeaders?.['grpc-status'];
        const code = sent !== undefined ? Number(sent) : grpc.status.UNKNOWN;
        rec.error = `grpc-js answered without calling the handler (${stream.sentTrailers?.['grpc-message'] ?? 'stream closed'})`;
        finish(rec, 'not_handled', grpcStatusFields(code), false);
      });
    });
  }
}
if (!grpcRawHeaders) process.stderr.write('otlp_receiver: grpc-js internals not reachable; recording handler metadata only\n');

// ---- listeners (closable and reopenable on the same port) ---------------------
class Listener {
  constructor(name, server) {
    this.name = name;
    this.server = server;
    this.sockets = new Set();
    this.port = 0;
    server.on('connection', (socket) => {
      stats.connections[name]++;
      stats.connections.total++;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      const onError = (err) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        this.port = this.server.address().port;
        resolve(this.port);
      });
    });
  }

  close() {
    return new Promise((resolve) => {
      if (!this.server.listening) { resolve(); return; }
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    });
  }
}

// gRPC: our own TCP server, each connection handed to grpc-js.
const grpcNet = net.createServer((socket) => grpcInjector.injectConnection(socket));
const grpcListener = new Listener('grpc', grpcNet);

const httpHandler = (req, res) => {
  onHttpRequest(req, res).catch((err) => {
    process.stderr.write(`otlp_receiver: http handler error: ${err.stack}\n`);
    if (!res.headersSent) { res.writeHead(500); res.end(); }
  });
};
const otlpHttp = tls
  ? https.createServer({ cert: tls.cert, key: tls.key, ca: tls.ca ?? undefined, requestCert: Boolean(tls.ca),
    rejectUnauthorized: Boolean(tls.ca) }, httpHandler)
  : http.createServer(httpHandler);
const httpListener = new Listener('http', otlpHttp);

// ---- admin API ----------------------------------------------------------------
function sendJson(res, code, value) {
  const body = JSON.stringify(value);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text ? JSON.parse(text) : {};
}

function validateMode(body) {
  if (!body || typeof body !== 'object' || !MODES.includes(body.mode)) {
    throw new Error(`mode must be one of ${MODES.join(', ')}`);
  }
  const m = { mode: body.mode, fail_rate: 0 };
  const num = (name, min, max) => {
    const v = body[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (max !== undefined && v > max)) {
      throw new Error(`${name} must be a number in [${min}, ${max ?? 'inf'}]`);
    }
    return v;
  };
  if (body.fail_rate !== undefined) m.fail_rate = num('fail_rate', 0, 1);
  if (m.mode === 'throttle') {
    m.retry_after_s = body.retry_after_s === null ? null : (body.retry_after_s === undefined ? 1 : num('retry_after_s', 0));
    m.http_status = body.http_status ?? 429;
    if (m.http_status !== 429 && m.http_status !== 503) throw new Error('http_status must be 429 or 503');
    m.grpc_code = body.grpc_code ?? 'RESOURCE_EXHAUSTED';
    if (m.grpc_code !== 'RESOURCE_EXHAUSTED' && m.grpc_code !== 'UNAVAILABLE') {
      throw new Error('grpc_code must be "RESOURCE_EXHAUSTED" or "UNAVAILABLE"');
    }
  }
  if (m.mode === 'stall') m.stall_ms = body.stall_ms === undefined ? 0 : num('stall_ms', 0);
  if (m.mode === 'partial') {
    m.rejected = body.rejected === undefined ? 1 : num('rejected', 0);
    if (!Number.isInteger(m.rejected)) throw new Error('rejected must be an integer');
    m.error_message = body.error_message === undefined ? 'receiver mode: partial' : String(body.error_message);
  }
  if (body.seed !== undefined) {
    if (!Number.isInteger(body.seed) || body.seed < 0) throw new Error('seed must be a non-negative integer');
    m.seed = body.seed;
  }
  return m;
}

async function setMode(next) {
  const wasRefusing = mode.mode === 'refuse';
  if (next.seed !== undefined) random = makePrng(next.seed);
  mode = next;
  if (next.mode === 'refuse' && !wasRefusing) {
    // Cut connections first, so requests held by "stall" see their client gone.
    await Promise.all([grpcListener.close(), httpListener.close()]);
  } else if (next.mode !== 'refuse' && wasRefusing) {
    await grpcListener.listen(grpcListener.port);
    await httpListener.listen(httpListener.port);
  }
  for (const w of [...stallWaiters]) w.resolve('mode');
}

// Long polling: resolves once check() holds or after ms (0: at once).
const changeWaiters = new Set();
function waitFor(check, ms) {
  if (ms <= 0 || check()) return Promise.resolve();
  return new Promise((resolve) => {
    const w = () => { if (check()) done(); };
    const timer = setTimeout(() => done(), ms);
    const done = () => { clearTimeout(timer); changeWaiters.delete(w); resolve(); };
    changeWaiters.add(w);
  });
}
function notifyChange() {
  for (const w of [...changeWaiters]) w();
}
function waitMs(url) {
  const v = Number(url.searchParams.get('wait_ms') ?? '0');
  return Number.isFinite(v) ? Math.min(Math.max(v, 0), 600000) : 0;
}

async function onAdmin(req, res) {
  const url = new URL(req.url, 'http://admin');
  const since = Math.max(0, Number.parseInt(url.searchParams.get('since') ?? '0', 10) || 0);
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /requests':
      await waitFor(() => records.slice(since).some((r) => r.outcome !== 'pending'), waitMs(url));
      return sendJson(res, 200, records.slice(since));
    case 'GET /points':
      await waitFor(() => points.length > since, waitMs(url));
      return sendJson(res, 200, points.slice(since));
    case 'GET /stats':
      return sendJson(res, 200, { ...stats, mode, grpc_raw_headers: grpcRawHeaders });
    case 'GET /sums':
      return sendJson(res, 200, sumsView());
    case 'GET /mode':
      return sendJson(res, 200, mode);
    case 'POST /mode': {
      let next;
      try {
        next = validateMode(await readJson(req));
      } catch (err) {
        return sendJson(res, 400, { error: err.message });
      }
      try {
        await setMode(next);
      } catch (err) {
        return sendJson(res, 500, { error: `cannot apply mode: ${err.message}`, mode });
      }
      return sendJson(res, 200, { ok: true, mode, grpc_port: grpcListener.port, http_port: httpListener.port });
    }
    case 'POST /reset':
      await readJson(req).catch(() => ({}));
      records = [];
      points = [];
      sums = new Map();
      resetStats();
      return sendJson(res, 200, { ok: true });
    case 'POST /shutdown':
      await readJson(req).catch(() => ({}));
      res.once('finish', () => shutdown(0));
      return sendJson(res, 200, { ok: true });
    default:
      return sendJson(res, 404, { error: `no route ${route}` });
  }
}

const admin = http.createServer((req, res) => {
  onAdmin(req, res).catch((err) => sendJson(res, 500, { error: err.message }));
});

// ---- start / stop -------------------------------------------------------------
let stopping = false;
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const w of [...stallWaiters]) w.resolve('mode');
  grpcInjector.destroy();
  grpcServer.forceShutdown();
  Promise.all([grpcListener.close(), httpListener.close()]).finally(() => process.exit(code));
  admin.closeAllConnections?.();
  admin.close();
  setTimeout(() => process.exit(code), 1000).unref();
}
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));

try {
  const grpcPort = await grpcListener.listen(opts.grpcPort);
  const httpPort = await httpListener.listen(opts.httpPort);
  const adminPort = await new Promise((resolve, reject) => {
    admin.once('error', reject);
    admin.listen(opts.adminPort, '127.0.0.1', () => resolve(admin.address().port));
  });
  process.stdout.write(`${JSON.stringify({ grpc_port: grpcPort, http_port: httpPort, admin_port: adminPort })}\n`);
} catch (err) {
  process.stderr.write(`otlp_receiver: cannot listen: ${err.message}\n`);
  process.exit(1);
}
