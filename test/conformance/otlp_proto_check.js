// OTLP protobuf conformance: cryptolake's hand-written codec against the
// official generated definitions (@opentelemetry/otlp-transformer 0.57.2,
// build/src/generated/root.js, from test/peers/node_modules).
//
//   node otlp_proto_check.js <path/to/otlp_proto_peer> <encode|decode> [work dir]
//
// encode: otlp_proto_peer writes our protobuf and our OTLP/JSON encoding of one
//   rich request; root.js decodes the protobuf and every field value must
//   equal the JSON's (compared semantically: proto3 defaults, which neither
//   encoding has to carry, are dropped on both sides; doubles compared with
//   Object.is, so -0 and NaN count). root.js must also re-encode its decoded
//   message to exactly our bytes (we claim the canonical serialisation), and
//   likewise the unit tests' golden file (testdata/otlp_request.pb.hex).
// decode: root.js encodes a rich request built here (including fields our data
//   model does not have: exemplars, flags, dropped counts); otlp_proto_peer
//   decodes it and prints OTLP/JSON, which must equal root.js's own view of
//   the message minus those fields.
//
// Exit codes: 0 pass, 1 mismatch or error, 77 skipped (node modules missing).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const kSkip = 77;
const peers = process.env.CRYPTOLAKE_PEERS_DIR || path.join(__dirname, '..', 'peers');
const rootPath = path.join(peers, 'node_modules', '@opentelemetry', 'otlp-transformer', 'build',
  'src', 'generated', 'root.js');
if (!fs.existsSync(rootPath)) {
  console.log(`SKIPPED: ${rootPath} is missing (run scripts/setup.sh)`);
  process.exit(kSkip);
}
const root = require(rootPath);
const v1 = root.opentelemetry.proto.collector.metrics.v1;
const Request = v1.ExportMetricsServiceRequest;
const kToObject = { longs: String, enums: Number, bytes: String, json: true };

// Implicit-presence (proto3 non-optional) scalar fields and their defaults.
// Oneof members (asInt, asDouble, the AnyValue members) and the `optional`
// fields (sum, min, max) are not listed: their presence must match exactly.
const kImplicitDefaults = {
  startTimeUnixNano: '0', timeUnixNano: '0', count: '0', zeroCount: '0',
  zeroThreshold: 0, scale: 0, offset: 0, aggregationTemporality: 0, isMonotonic: false,
  name: '', description: '', unit: '', version: '', schemaUrl: '', key: '',
  flags: 0, droppedAttributesCount: 0,
};

// Drops proto3 defaults (and empty lists) so an encoding that leaves them out
// compares equal to one that writes them.
function normalise(value) {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (Array.isArray(v) && v.length === 0) continue;
      if (Object.prototype.hasOwnProperty.call(kImplicitDefaults, k) &&
          Object.is(v, kImplicitDefaults[k])) continue;
      out[k] = normalise(v);
    }
    return out;
  }
  return value;
}

// Removes keys our data model does not carry, anywhere in the tree.
function without(value, keys) {
  if (Array.isArray(value)) return value.map((v) => without(v, keys));
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) if (!keys.includes(k)) out[k] = without(v, keys);
    return out;
  }
  return value;
}

function diff(p, a, b, out) {
  if (out.length > 40) return;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
      out.push(`${p}: expected ${JSON.stringify(a)}, got ${JSON.stringify(b)}`);
      return;
    }
    a.forEach((x, i) => diff(`${p}[${i}]`, x, b[i], out));
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!(k in a)) out.push(`${p}.${k}: unexpected ${JSON.stringify(b[k])}`);
      else if (!(k in b)) out.push(`${p}.${k}: missing (expected ${JSON.stringify(a[k])})`);
      else diff(`${p}.${k}`, a[k], b[k], out);
    }
    return;
  }
  if (!Object.is(a, b)) out.push(`${p}: expected ${JSON.stringify(a)}, got ${JSON.stringify(b)}`);
}

function report(what, expected, actual) {
  const out = [];
  diff('', expected, actual, out);
  if (out.length) {
    console.log(`FAIL ${what}:\n  ${out.join('\n  ')}`);
    if (process.env.CONFORMANCE_VERBOSE) {
      console.log(`expected: ${JSON.stringify(expected)}\nactual:   ${JSON.stringify(actual)}`);
    }
    return false;
  }
  console.log(`ok   ${what}`);
  return true;
}

// Counts fields so a vacuous pass (nothing decoded) is caught.
function leafCount(value) {
  if (Array.isArray(value)) return value.reduce((n, v) => n + leafCount(v), 0);
  if (value && typeof value === 'object') {
    return Object.values(value).reduce((n, v) => n + leafCount(v), 0);
  }
  return 1;
}

function checkEncode(peer, dir) {
  const pb = path.join(dir, 'ours.pb');
  const js = path.join(dir, 'ours.json');
  execFileSync(peer, ['encode', pb, js], { stdio: ['ignore', 'inherit', 'inherit'] });
  const bytes = fs.readFileSync(pb);
  const ours = JSON.parse(fs.readFileSync(js, 'utf8'));
  const msg = Request.decode(bytes);  // Throws on malformed input.
  const official = Request.toObject(msg, kToObject);
  let ok = leafCount(official) > 1000 ||
    (console.log(`FAIL encode: only ${leafCount(official)} values decoded`), false);
  ok = report('encode: official decoder reads every value we encoded',
    normalise(ours), normalise(official)) && ok;
  const reencoded = Buffer.from(Request.encode(msg).finish());
  if (Buffer.compare(reencoded, bytes) === 0) {
    console.log(`ok   encode: official encoder reproduces our ${bytes.length} bytes exactly`);
  } else {
    let at = 0;
    while (at < bytes.length && reencoded[at] === bytes[at]) at++;
    console.log(`FAIL encode: official re-encoding differs from ours at byte ${at} ` +
      `(ours ${bytes.length} bytes, official ${reencoded.length})`);
    ok = false;
  }
  // The unit tests' golden bytes must be canonical for root.js too.
  const golden = path.join(__dirname, '..', '..', 'src', 'metrics', 'export', 'testdata',
    'otlp_request.pb.hex');
  const goldenBytes = Buffer.from(fs.readFileSync(golden, 'utf8').replace(/\s+/g, ''), 'hex');
  const goldenAgain = Buffer.from(Request.encode(Request.decode(goldenBytes)).finish());
  if (goldenBytes.length > 0 && Buffer.compare(goldenAgain, goldenBytes) === 0) {
    console.log(`ok   encode: official decoder/encoder reproduce the ${goldenBytes.length} golden bytes`);
  } else {
    console.log(`FAIL encode: ${golden} does not survive official decode + encode unchanged`);
    ok = false;
  }
  return ok;
}

// A request with every kind and value type, written the way the JS SDK's
// exporters fill messages (explicit zeros included), plus fields we skip.
function richRequest() {
  const attrs = (sym) => [
    { key: 'symbol', value: { stringValue: sym } },
    { key: 'shard', value: { intValue: '-7' } },
    { key: 'spot', value: { boolValue: false } },
    { key: 'w', value: { doubleValue: 0.1 } },
  ];
  const exemplar = { timeUnixNano: '5', asDouble: 1.5, spanId: Buffer.alloc(8, 1),
    traceId: Buffer.alloc(16, 2), filteredAttributes: attrs('X') };
  return {
    resourceMetrics: [{
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'js-peer' } },
          { key: 'zeta', value: { arrayValue: { values: [{ intValue: '1' }, { intValue: '-9223372036854775808' }] } } },
          { key: 'alpha', value: { arrayValue: { values: [{ stringValue: 'x' }, { stringValue: '\u00e9\u20ac' }] } } },
          { key: 'beta', value: { arrayValue: { values: [{ doubleValue: -0 }, { doubleValue: 2.5 }] } } },
          { key: 'gamma', value: { arrayValue: { values: [{ boolValue: true }] } } },
        ],
        droppedAttributesCount: 3,
      },
      schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
      scopeMetrics: [{
        scope: { name: 'js', version: '9.9', attributes: attrs('S'), droppedAttributesCount: 1 },
        schemaUrl: 'https://scope.example/schema',
        metrics: [
          { name: 'c', description: 'counter', unit: '1',
            sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [
              { attributes: attrs('BTC'), startTimeUnixNano: '1700000000000000000',
                timeUnixNano: '1700000001000000000', asInt: '9223372036854775807', flags: 1,
                exemplars: [exemplar] },
              { startTimeUnixNano: '0', timeUnixNano: '0', asInt: '0' },
            ] } },
          { name: 'g', gauge: { dataPoints: [
            { timeUnixNano: '3', asDouble: -1e-310 },
            { timeUnixNano: '4', asDouble: NaN },
            { timeUnixNano: '4', asDouble: -Infinity },
          ] } },
          { name: 'h', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints: [
            { attributes: attrs('ETH'), startTimeUnixNano: '10', timeUnixNano: '20', count: '7',
              sum: 0, bucketCounts: ['1', '0', '6'], explicitBounds: [1, 10], min: 0, max: 12,
              flags: 0, exemplars: [exemplar] },
            { timeUnixNano: '20', count: '0', bucketCounts: [], explicitBounds: [] },
          ] } },
          { name: 'e', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [
            { attributes: attrs('SOL'), startTimeUnixNano: '10', timeUnixNano: '20', count: '9',
              sum: 4.25, scale: -3, zeroCount: '1', zeroThreshold: 0.001,
              positive: { offset: -2, bucketCounts: ['1', '2', '300'] },
              negative: { offset: 2147483647, bucketCounts: ['5'] }, min: -8, max: 8, flags: 1 },
            { timeUnixNano: '21', scale: 20, positive: {}, negative: { offset: -2147483648 } },
          ] } },
        ],
      }],
    }],
  };
}

function checkDecode(peer, dir) {
  const msg = Request.fromObject(richRequest());
  const err = Request.verify(msg);
  if (err) throw new Error(`bad test request: ${err}`);
  const bytes = Buffer.from(Request.encode(msg).finish());
  const pb = path.join(dir, 'official.pb');
  fs.writeFileSync(pb, bytes);
  const out = execFileSync(peer, ['decode', pb], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const ours = JSON.parse(out);
  const official = Request.toObject(Request.decode(bytes), kToObject);
  // Not in our data model: skipped by the decoder by design.
  const expected = without(official, ['exemplars', 'flags', 'droppedAttributesCount']);
  // Our model keeps attributes as canonical sets: sorted by key.
  const sortAttributes = (v) => {
    if (Array.isArray(v)) return v.map(sortAttributes);
    if (v && typeof v === 'object') {
      const o = {};
      for (const [k, x] of Object.entries(v)) {
        o[k] = k === 'attributes' ? [...x].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(sortAttributes)
          : sortAttributes(x);
      }
      return o;
    }
    return v;
  };
  let ok = leafCount(expected) > 100 ||
    (console.log(`FAIL decode: only ${leafCount(expected)} values in the request`), false);
  ok = report('decode: we read every value the official encoder wrote',
    normalise(sortAttributes(expected)), normalise(ours)) && ok;
  return ok;
}

function main() {
  const [peer, mode, workArg] = process.argv.slice(2);
  if (!peer || !['encode', 'decode'].includes(mode)) {
    console.error('usage: node otlp_proto_check.js <otlp_proto_peer> <encode|decode> [work dir]');
    process.exit(1);
  }
  const dir = workArg || fs.mkdtempSync(path.join(os.tmpdir(), 'otlp-proto-'));
  fs.mkdirSync(dir, { recursive: true });
  const ok = mode === 'encode' ? checkEncode(peer, dir) : checkDecode(peer, dir);
  process.exit(ok ? 0 : 1);
}

main();
