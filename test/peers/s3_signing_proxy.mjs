// A loopback proxy in front of s3rver that checks every request's AWS
// Signature V4 before forwarding it. s3rver 3.7.1 accepts any V4 signature
// from a known access key, so without this proxy a test against s3rver proves
// requests and XML parsing but not signing.
//
// For each request the proxy recomputes the signature with the AWS SDK's own
// signer (@smithy/signature-v4 with @smithy/hash-node), from the request's own
// SignedHeaders, x-amz-date and x-amz-content-sha256, the known secret key of
// the access key in the Credential, the region and service "s3". It refuses
// with 403 and an S3 XML error `SignatureDoesNotMatch` (counting a rejection)
// when
//   - the Authorization header is missing or not AWS4-HMAC-SHA256,
//   - the access key is unknown, or the credential scope is not
//     <x-amz-date's day>/<region>/s3/aws4_request,
//   - the recomputed SignedHeaders list or signature differs,
//   - x-amz-content-sha256 is a hex digest that does not match the body
//     (UNSIGNED-PAYLOAD skips the body check; STREAMING-* is refused).
// Otherwise it forwards the request (method, path and query as received, every
// header but the hop-by-hop ones, the body byte for byte) to s3rver and
// streams the answer back.
//
// Two S3 operations s3rver 3.7.1 lacks are answered by the proxy itself, from
// s3rver's own on-disk state (only when started with the s3rver data dir), so
// stores that abort uploads and tests that look for leftover uploads can run:
//   ListMultipartUploads  GET /<bucket>?uploads[&prefix=...]
//   AbortMultipartUpload  DELETE /<bucket>/<key>?uploadId=<id>
// Each in-flight upload is the directory <dir>/<bucket>/._S3rver_uploads/<id>
// (its file `key` names the object); Initiated is that file's mtime.
//
// Control endpoints (never signed, never counted, never forwarded) under
// /__proxy/ (an invalid bucket name, so no S3 request can collide):
//   GET  /__proxy/stats                        JSON counters, and in_flight: requests received
//        and not yet answered (a killed client's last request may still reach s3rver)
//   POST /__proxy/kill?pid=P&after=N[&method=M][&when=before|after]
//        SIGKILL process P when the N-th checked request (counted from now,
//        only requests with method M if given) arrives: `before` (default)
//        forwarding it to s3rver, or `after` s3rver answered it but before the
//        client gets the answer. The request is then never answered.
//   POST /__proxy/clock?skew_s=S               from now on, every answer's Date header is the
//        real time plus S seconds: the server's clock as a client sees it, so a
//        test can age leases and uploads (LastModified, Initiated stay real)
//        without waiting; skew_s=0 turns it off
//   POST /__proxy/reset                        zero the counters and the kill (not the clock)
//
// The log (option `log`) gets one JSON line per request:
//   {"n":1,"method":"PUT","path":"/bucket/key","query":"uploadId&partNumber","status":200,"verdict":"ok"}
// Query parameter names only, never values, never the Authorization header.
// Signatures seen are appended to the file `signatures` (if given), one a
// line, so a test can assert that no output of the client contains one.
//
// Standalone:
//   node s3_signing_proxy.mjs --upstream <s3rver port> [--key ID:SECRET]...
//        [--region us-east-1] [--s3rver-dir DIR] [--log FILE] [--signatures FILE]
// prints "READY <port>", serves until stdin closes, then prints the stats
// line "STATS {...}" on stderr.
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { SignatureV4 } = require('@smithy/signature-v4');
const { Hash } = require('@smithy/hash-node');

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
// Hop-by-hop headers: they describe this connection, not the request.
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'expect', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-connection',
]);

function xmlEscape(s) {
  return String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

function s3Error(res, status, code, message) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(code)}</Code>` +
    `<Message>${xmlEscape(message)}</Message><RequestId>s3-signing-proxy</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

// Splits a raw query string into decoded name -> value (or values) as the
// signer wants them; it re-encodes them canonically itself.
function parseQuery(raw) {
  const query = {};
  if (!raw) return query;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    if (name in query) {
      query[name] = [].concat(query[name], value);
    } else {
      query[name] = value;
    }
  }
  return query;
}

function parseAuthorization(header) {
  const m = /^AWS4-HMAC-SHA256 (.*)$/.exec(header ?? '');
  if (!m) return null;
  const fields = {};
  for (const item of m[1].split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) return null;
    fields[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  if (!fields.Credential || !fields.SignedHeaders || !fields.Signature) return null;
  const [accessKeyId, ...scope] = fields.Credential.split('/');
  return { accessKeyId, scope: scope.join('/'), signedHeaders: fields.SignedHeaders, signature: fields.Signature };
}

// x-amz-date (yyyymmddThhmmssZ) as a Date, or null.
function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

// Checks one request. Returns null when it is correctly signed, else the reason.
async function verify(req, body, { keys, region }) {
  const auth = parseAuthorization(req.headers.authorization);
  if (!auth) return 'missing or malformed AWS4-HMAC-SHA256 Authorization header';
  const secretAccessKey = keys.get(auth.accessKeyId);
  if (secretAccessKey === undefined) return 'unknown access key';
  const amzDate = req.headers['x-amz-date'];
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) return 'missing or malformed x-amz-date';
  if (auth.scope !== `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`) return 'wrong credential scope';
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (payloadHash === undefined) return 'missing x-amz-content-sha256';
  if (payloadHash.startsWith('STREAMING-')) return 'streaming payload signatures are not supported by this proxy';
  if (payloadHash !== 'UNSIGNED-PAYLOAD') {
    if (!/^[0-9a-f]{64}$/.test(payloadHash)) return 'x-amz-content-sha256 is neither a lowercase hex SHA-256 nor UNSIGNED-PAYLOAD';
    const actual = crypto.createHash('sha256').update(body).digest('hex');
    if (actual !== payloadHash) return 'x-amz-content-sha256 does not match the body';
  }
  const signedNames = auth.signedHeaders.split(';');
  for (const required of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signedNames.includes(required)) return `${required} is not signed`;
  }
  const headers = {};
  for (const name of signedNames) {
    const value = req.headers[name];
    if (value === undefined) return `signed header ${name} is absent`;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const [rawPath, rawQuery] = splitUrl(req.url);
  const credentials = { accessKeyId: auth.accessKeyId, secretAccessKey };
  if (req.headers['x-amz-security-token'] !== undefined) {
    credentials.sessionToken = req.headers['x-amz-security-token'];
  }
  // S3 signs the path as sent (no second encoding, no normalization).
  const signer = new SignatureV4({ credentials, region, service: 's3', sha256: Hash.bind(null, 'sha256'), uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: '127.0.0.1', path: rawPath, query: parseQuery(rawQuery), headers },
    { signingDate, signableHeaders: new Set(signedNames) });
  const expected = parseAuthorization(signed.headers.authorization);
  if (expected.signedHeaders !== auth.signedHeaders) return 'SignedHeaders is not the canonical (sorted, lowercase) list';
  if (expected.signature !== auth.signature) return 'signature differs from the one recomputed with the AWS SDK signer';
  return null;
}

function splitUrl(url) {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// --- The two operations s3rver lacks, from its data directory --------------------------------
function uploadsDir(dataDir, bucket) {
  return path.join(dataDir, bucket, '._S3rver_uploads');
}

function listUploads(dataDir, bucket) {
  const dir = uploadsDir(dataDir, bucket);
  let ids = [];
  try { ids = fs.readdirSync(dir); } catch { return []; }
  const out = [];
  for (const id of ids) {
    try {
      const keyFile = path.join(dir, id, 'key');
      out.push({ id, key: fs.readFileSync(keyFile, 'utf8'), initiated: fs.statSync(keyFile).mtime });
    } catch { /* an upload being created or completed right now */ }
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : 1));
  return out;
}

function answerListUploads(res, dataDir, bucket, query) {
  const prefix = query.prefix ?? '';
  const uploads = listUploads(dataDir, bucket).filter((u) => u.key.startsWith(prefix));
  const items = uploads.map((u) => `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${xmlEscape(u.id)}</UploadId>` +
    '<Initiator><ID>123456789000</ID><DisplayName>S3rver</DisplayName></Initiator>' +
    '<Owner><ID>123456789000</ID><DisplayName>S3rver</DisplayName></Owner>' +
    `<StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`).join('');
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Bucket>${xmlEscape(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
    `<Prefix>${xmlEscape(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${items}` +
    '</ListMultipartUploadsResult>';
  res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), date: res.shownDate });
  res.end(body);
  return 200;
}

function answerAbort(res, dataDir, bucket, key, uploadId) {
  const dir = path.join(uploadsDir(dataDir, bucket), uploadId);
  let storedKey = null;
  try { storedKey = fs.readFileSync(path.join(dir, 'key'), 'utf8'); } catch { /* absent */ }
  if (storedKey === null || storedKey !== key || uploadId.includes('/') || uploadId.startsWith('.')) {
    s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    return 404;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  res.writeHead(204, { date: res.shownDate });
  res.end();
  return 204;
}

// --- The proxy -------------------------------------------------------------------------------
// Starts the proxy. Options: upstreamPort, keys (Map access key -> secret),
// region, s3rverDir (optional), log (optional path), signatures (optional path).
// Resolves to { port, stats(), close() }.
export async function startSigningProxy(options) {
  const { upstreamPort, keys, region = 'us-east-1', s3rverDir, log, signatures } = options;
  const stats = { checked: 0, rejected: 0, forwarded: 0, emulated: 0, by_method: {} };
  // Requests received and not yet answered or dropped (a killed client's last request may still
  // be on its way to s3rver: tests wait for 0 before they look at the bucket).
  let inFlight = 0;
  let kill = null;  // { pid, remaining, method, when }
  let skewMs = 0;
  const shownDate = () => new Date(Date.now() + skewMs).toUTCString();
  const logFd = log ? fs.openSync(log, 'a') : null;
  const sigFd = signatures ? fs.openSync(signatures, 'a') : null;

  function record(entry) {
    if (logFd !== null) fs.writeSync(logFd, `${JSON.stringify(entry)}\n`);
  }

  function control(req, res, pathname, query) {
    const json = (obj) => {
      const body = JSON.stringify(obj);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (pathname === '/__proxy/stats') return json({ ...stats, in_flight: inFlight });
    if (pathname === '/__proxy/reset' && req.method === 'POST') {
      Object.assign(stats, { checked: 0, rejected: 0, forwarded: 0, emulated: 0, by_method: {} });
      kill = null;
      return json(stats);
    }
    if (pathname === '/__proxy/clock' && req.method === 'POST') {
      const skew = Number(query.skew_s);
      if (!Number.isFinite(skew)) { res.writeHead(400); return res.end('skew_s required\n'); }
      skewMs = skew * 1000;
      return json({ skew_s: skew });
    }
    if (pathname === '/__proxy/kill' && req.method === 'POST') {
      const pid = Number(query.pid); const after = Number(query.after);
      if (!(pid > 1) || !(after >= 1)) { res.writeHead(400); return res.end('pid and after required\n'); }
      kill = { pid, remaining: after, method: query.method, when: query.when === 'after' ? 'after' : 'before' };
      return json({ armed: kill });
    }
    res.writeHead(404); res.end();
  }

  function killNow() {
    try { process.kill(kill.pid, 'SIGKILL'); } catch { /* already gone */ }
    kill = null;
  }

  const server = http.createServer(async (req, res) => {
    const [rawPath, rawQuery] = splitUrl(req.url);
    const query = parseQuery(rawQuery);
    if (rawPath.startsWith('/__proxy/')) return control(req, res, rawPath, query);
    res.shownDate = shownDate();
    inFlight++;
    res.on('close', () => { inFlight--; });
    const body = await readBody(req);
    const n = ++stats.checked;
    stats.by_method[req.method] = (stats.by_method[req.method] ?? 0) + 1;
    const entry = { n, method: req.method, path: rawPath, query: Object.keys(query).join('&'), bytes: body.length };
    const auth = parseAuthorization(req.headers.authorization);
    if (auth && sigFd !== null) fs.writeSync(sigFd, `${auth.signature}\n`);
    let reason;
    try {
      reason = await verify(req, body, { keys, region });
    } catch (e) {
      reason = `signer failed: ${e.message}`;
    }
    if (reason !== null) {
      stats.rejected++;
      record({ ...entry, status: 403, verdict: 'rejected', reason });
      return s3Error(res, 403, 'SignatureDoesNotMatch', `The request signature we calculated does not match the signature you provided (${reason}).`);
    }
    let holdKill = false;
    if (kill && (!kill.method || kill.method === req.method) && --kill.remaining === 0) {
      if (kill.when === 'before') {
        record({ ...entry, status: 0, verdict: 'killed-before' });
        killNow();
        req.socket.destroy();
        return;
      }
      holdKill = true;
    }
    // s3rver lacks these two: answer them from its data directory.
    const segments = rawPath.split('/');
    const bucket = decodeURIComponent(segments[1] ?? '');
    const bucketOnly = segments.length === 2 || (segments.length === 3 && segments[2] === '');
    if (s3rverDir && req.method === 'GET' && bucketOnly && 'uploads' in query) {
      stats.emulated++;
      record({ ...entry, status: answerListUploads(res, s3rverDir, bucket, query), verdict: 'ok', emulated: true });
      return;
    }
    if (s3rverDir && req.method === 'DELETE' && !bucketOnly && segments.length > 2 && 'uploadId' in query) {
      stats.emulated++;
      const key = segments.slice(2).map(decodeURIComponent).join('/');
      record({ ...entry, status: answerAbort(res, s3rverDir, bucket, key, String(query.uploadId)), verdict: 'ok', emulated: true });
      return;
    }
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (HOP_BY_HOP.has(req.rawHeaders[i].toLowerCase())) continue;
      headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    const upstream = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers });
    upstream.on('response', (up) => {
      stats.forwarded++;
      record({ ...entry, status: up.statusCode, verdict: holdKill ? 'killed-after' : 'ok' });
      if (holdKill) {
        up.resume();
        up.on('end', () => { killNow(); req.socket.destroy(); });
        return;
      }
      const out = [];
      for (let i = 0; i < up.rawHeaders.length; i += 2) {
        const name = up.rawHeaders[i].toLowerCase();
        if (HOP_BY_HOP.has(name)) continue;
        out.push(up.rawHeaders[i], name === 'date' && skewMs !== 0 ? shownDate() : up.rawHeaders[i + 1]);
      }
      res.writeHead(up.statusCode, out);
      up.pipe(res);
    });
    upstream.on('error', (e) => {
      record({ ...entry, status: 502, verdict: 'upstream-error', reason: e.message });
      if (!res.headersSent) s3Error(res, 502, 'BadGateway', 'upstream s3rver failed');
      else res.destroy();
    });
    upstream.end(body);
  });
  server.keepAliveTimeout = 30000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    stats: () => ({ ...stats, by_method: { ...stats.by_method } }),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
      if (logFd !== null) fs.closeSync(logFd);
      if (sigFd !== null) fs.closeSync(sigFd);
    }),
  };
}

// Parses --key ID:SECRET options (default the s3rver pair S3RVER:S3RVER).
export function parseKeys(specs) {
  const keys = new Map();
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    if (colon <= 0) throw new Error('--key wants ID:SECRET');
    keys.set(spec.slice(0, colon), spec.slice(colon + 1));
  }
  if (keys.size === 0) keys.set('S3RVER', 'S3RVER');
  return keys;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = (name) => {
    const out = [];
    for (let i = 2; i + 1 < process.argv.length; ++i) if (process.argv[i] === `--${name}`) out.push(process.argv[++i]);
    return out;
  };
  const [upstream] = args('upstream');
  if (!upstream) {
    process.stderr.write('usage: s3_signing_proxy.mjs --upstream PORT [--key ID:SECRET]... [--region R] [--s3rver-dir DIR] [--log FILE] [--signatures FILE]\n');
    process.exit(2);
  }
  const proxy = await startSigningProxy({
    upstreamPort: Number(upstream), keys: parseKeys(args('key')), region: args('region')[0] ?? 'us-east-1',
    s3rverDir: args('s3rver-dir')[0], log: args('log')[0], signatures: args('signatures')[0],
  });
  process.stdout.write(`READY ${proxy.port}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    process.stderr.write(`STATS ${JSON.stringify(proxy.stats())}\n`);
    await proxy.close();
    process.exit(0);
  });
}
