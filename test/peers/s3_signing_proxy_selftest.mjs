// Self-test of the SigV4-checking proxy (s3_signing_proxy.mjs) before the S3
// end-to-end tests trust it. Run: node --test test/peers/s3_signing_proxy_selftest.mjs
//
// Starts s3rver + the proxy through s3rver_launcher.mjs (a child process, as
// the tests use it). The official AWS SDK S3 client sends real requests
// through the proxy (put, get, head, list v2, multipart upload, delete, bulk
// delete, keys with '=' and spaces) and every one must pass unchanged. Then
// requests signed by the SDK's signer are tampered with after signing (one
// flipped signature character, a signed header's value changed, the body
// changed, a wrong secret, a wrong region) and each must be refused with 403
// SignatureDoesNotMatch and never reach s3rver; a change to a header that is
// not signed must still pass (the proxy checks what is signed, no more).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
const {
  S3Client, PutObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand, ListMultipartUploadsCommand, DeleteObjectCommand, DeleteObjectsCommand,
} = require('@aws-sdk/client-s3');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Hash } = require('@smithy/hash-node');

const LAUNCHER = new URL('./s3rver_launcher.mjs', import.meta.url).pathname;
const KEY_ID = 'AKIDPROXYSELFTEST';
const SECRET = 'proxy-selftest-secret-7c1e';
const REGION = 'us-east-1';

let child; let port; let work; let dataDir; let log;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-s3proxy-'));
  dataDir = path.join(work, 'data');
  fs.mkdirSync(dataDir);
  log = path.join(work, 'proxy.log');
  child = spawn(process.execPath, [LAUNCHER, '--dir', dataDir, '--bucket', 'bkt', '--key', `${KEY_ID}:${SECRET}`,
    '--proxy', '--proxy-log', log], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  for await (const line of lines) {
    const m = /^READY (\d+)$/.exec(line);
    if (m) { port = Number(m[1]); break; }
  }
  assert.ok(port > 0, 'launcher printed no READY line');
});

after(async () => {
  child.stdin.end();
  await new Promise((resolve) => child.on('exit', resolve));
  fs.rmSync(work, { recursive: true, force: true });
});

function client(secret = SECRET) {
  return new S3Client({
    endpoint: `http://127.0.0.1:${port}`, region: REGION, forcePathStyle: true,
    credentials: { accessKeyId: KEY_ID, secretAccessKey: secret },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

function control(p, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

// Signs a request with the SDK's signer, lets `tamper` change it, sends it raw.
async function sendSigned({ method = 'PUT', key, body = Buffer.alloc(0), headers = {}, secret = SECRET, region = REGION, tamper = (r) => r }) {
  const signer = new SignatureV4({ credentials: { accessKeyId: KEY_ID, secretAccessKey: secret }, region, service: 's3', sha256: Hash.bind(null, 'sha256'), uriEscapePath: false });
  const p = `/bkt/${key.split('/').map(encodeURIComponent).join('/')}`;
  const signed = await signer.sign({
    method, protocol: 'http:', hostname: '127.0.0.1', port, path: p, query: {},
    headers: { host: `127.0.0.1:${port}`, 'x-amz-content-sha256': crypto.createHash('sha256').update(body).digest('hex'), ...headers },
    body,
  });
  const req = tamper({ method, path: p, headers: { ...signed.headers }, body });
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: { ...req.headers, 'content-length': req.body.length } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

function objectExists(key) {
  return client().send(new HeadObjectCommand({ Bucket: 'bkt', Key: key })).then(() => true, (e) => {
    if (e.$metadata?.httpStatusCode === 404) return false;
    throw e;
  });
}

test('the official S3 client passes through the proxy unchanged', async () => {
  const s3 = client();
  const before = await control('/__proxy/stats');
  const small = Buffer.from('hello, lake\n');
  const keys = ['silver/aggTrades/market=cm/symbol=BTCUSD_PERP/date=2026-05-08/x.parquet', 'odd key/with space+plus.txt'];
  for (const key of keys) {
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: key, Body: small, ContentType: 'application/octet-stream' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: key }));
    assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), small);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'bkt', Key: key }));
    assert.equal(head.ContentLength, small.length);
  }
  const range = await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: keys[0], Range: 'bytes=7-10' }));
  assert.equal(Buffer.from(await range.Body.transformToByteArray()).toString(), 'lake');
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'silver/', MaxKeys: 10 }));
  assert.deepEqual(listed.Contents.map((c) => c.Key), [keys[0]]);

  // Multipart: two parts (5 MiB minimum except the last), completed, read back.
  const part1 = crypto.randomBytes(5 * 1024 * 1024); const part2 = crypto.randomBytes(1000);
  const key = 'bronze/big.zip';
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'bkt', Key: key }));
  const pending = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'bkt', Prefix: 'bronze/' }));
  assert.deepEqual(pending.Uploads.map((u) => [u.Key, u.UploadId]), [[key, UploadId]]);
  const e1 = await s3.send(new UploadPartCommand({ Bucket: 'bkt', Key: key, UploadId, PartNumber: 1, Body: part1 }));
  const e2 = await s3.send(new UploadPartCommand({ Bucket: 'bkt', Key: key, UploadId, PartNumber: 2, Body: part2 }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'bkt', Key: key, UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1.ETag }, { PartNumber: 2, ETag: e2.ETag }] } }));
  const big = await s3.send(new GetObjectCommand({ Bucket: 'bkt', Key: key }));
  assert.deepEqual(Buffer.from(await big.Body.transformToByteArray()), Buffer.concat([part1, part2]));

  // Abort (answered by the proxy from s3rver's data dir): the upload is gone.
  const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'bkt', Key: 'bronze/aborted.zip' }));
  await s3.send(new UploadPartCommand({ Bucket: 'bkt', Key: 'bronze/aborted.zip', UploadId: aborted.UploadId, PartNumber: 1, Body: part2 }));
  await s3.send(new AbortMultipartUploadCommand({ Bucket: 'bkt', Key: 'bronze/aborted.zip', UploadId: aborted.UploadId }));
  const none = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'bkt' }));
  assert.equal(none.Uploads ?? undefined, undefined);
  await assert.rejects(s3.send(new AbortMultipartUploadCommand({ Bucket: 'bkt', Key: 'bronze/aborted.zip', UploadId: aborted.UploadId })), { name: 'NoSuchUpload' });
  assert.equal(await objectExists('bronze/aborted.zip'), false);

  await s3.send(new DeleteObjectCommand({ Bucket: 'bkt', Key: keys[1] }));
  await s3.send(new DeleteObjectsCommand({ Bucket: 'bkt', Delete: { Objects: [{ Key: keys[0] }, { Key: key }] } }));
  for (const k of [...keys, key]) assert.equal(await objectExists(k), false, k);

  const stats = await control('/__proxy/stats');
  assert.equal(stats.rejected, before.rejected, 'the proxy refused a request of the official client');
  assert.ok(stats.checked - before.checked >= 20, `only ${stats.checked - before.checked} requests checked`);
});

test('a correctly signed raw request passes; changing an unsigned header does not matter', async () => {
  const ok = await sendSigned({ key: 'raw/ok.txt', body: Buffer.from('abc') });
  assert.equal(ok.status, 200, ok.text);
  const unsigned = await sendSigned({ key: 'raw/ok2.txt', body: Buffer.from('abc'),
    tamper: (r) => ({ ...r, headers: { ...r.headers, 'user-agent': 'changed-after-signing' } }) });
  assert.equal(unsigned.status, 200, unsigned.text);
  assert.equal(await objectExists('raw/ok2.txt'), true);
});

const tamperings = {
  'one flipped signature character': (r) => {
    const auth = r.headers.authorization;
    const i = auth.length - 5;
    const flipped = auth[i] === '0' ? '1' : '0';
    return { ...r, headers: { ...r.headers, authorization: auth.slice(0, i) + flipped + auth.slice(i + 1) } };
  },
  'a signed header changed after signing': (r) => ({ ...r, headers: { ...r.headers, 'x-amz-meta-source': 'evil' } }),
  'the body changed after signing': (r) => {
    const body = Buffer.from(r.body); body[0] ^= 1;
    return { ...r, body };
  },
  'the key (path) changed after signing': (r) => ({ ...r, path: `${r.path}x` }),
  'x-amz-date changed after signing': (r) => ({ ...r, headers: { ...r.headers, 'x-amz-date': r.headers['x-amz-date'].replace(/.$/, '') + (r.headers['x-amz-date'].endsWith('1Z') ? '2Z' : '1Z') } }),
};

for (const [name, tamper] of Object.entries(tamperings)) {
  test(`refused: ${name}`, async () => {
    const key = `tampered/${name.replaceAll(' ', '-')}.txt`;
    const before = await control('/__proxy/stats');
    const res = await sendSigned({ key, body: Buffer.from('payload bytes'), headers: { 'x-amz-meta-source': 'test' }, tamper });
    assert.equal(res.status, 403);
    assert.match(res.text, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.doesNotMatch(res.text, new RegExp(SECRET));
    const stats = await control('/__proxy/stats');
    assert.equal(stats.rejected, before.rejected + 1);
    assert.equal(stats.forwarded, before.forwarded, 'a refused request reached s3rver');
    assert.equal(await objectExists(key), false);
    assert.equal(await objectExists(`${key}x`), false);
  });
}

test('refused: a wrong secret, a wrong region (the official client and the signer)', async () => {
  const before = await control('/__proxy/stats');
  await assert.rejects(client('not-the-secret').send(new PutObjectCommand({ Bucket: 'bkt', Key: 'w/x', Body: 'x' })), { name: 'SignatureDoesNotMatch' });
  const res = await sendSigned({ key: 'w/y', body: Buffer.from('y'), region: 'eu-west-1' });
  assert.equal(res.status, 403);
  const stats = await control('/__proxy/stats');
  assert.equal(stats.rejected, before.rejected + 2);
  assert.equal(await objectExists('w/x'), false);
});

test('the clock control shifts the Date of every answer, forwarded or answered by the proxy', async () => {
  const dateOf = (p, method) => new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, path: p, method }, (res) => { res.resume(); resolve(Date.parse(res.headers.date)); });
    r.on('error', reject); r.end();
  });
  await control('/__proxy/clock?skew_s=3600', 'POST');
  try {
    const s3 = client();
    let seen = null;
    s3.middlewareStack.add((next) => async (args) => {
      const out = await next(args);
      seen = Date.parse(out.response.headers.date);
      return out;
    }, { step: 'deserialize', name: 'captureDate' });
    await s3.send(new ListObjectsV2Command({ Bucket: 'bkt' }));
    assert.ok(seen - Date.now() > 3500 * 1000, `forwarded Date not shifted: ${seen}`);
    await s3.send(new ListMultipartUploadsCommand({ Bucket: 'bkt' }));
    assert.ok(seen - Date.now() > 3500 * 1000, `emulated Date not shifted: ${seen}`);
  } finally {
    await control('/__proxy/clock?skew_s=0', 'POST');
  }
  assert.ok(Math.abs((await dateOf('/bkt', 'GET')) - Date.now()) < 120 * 1000);
});

test('the log names operations, never signatures or secrets', () => {
  const text = fs.readFileSync(log, 'utf8');
  assert.match(text, /"verdict":"rejected"/);
  assert.match(text, /"verdict":"ok"/);
  assert.doesNotMatch(text, /Signature=|[0-9a-f]{64}/);
  assert.doesNotMatch(text, new RegExp(SECRET));
});
