// Starts s3rver on 127.0.0.1 (ephemeral port) for cryptolake's S3 listing
// tests, creates buckets, uploads every file under a directory into each
// (keys are paths relative to it, optionally only names ending in a suffix),
// prints "READY <port>" and serves until its stdin closes (so it never
// outlives the test that started it).
//
// Usage: node s3rver_launcher.mjs --dir <tmp data dir> --bucket NAME[:DIR[:SUFFIX]] ...
//          [--key ID:SECRET]... [--proxy] [--proxy-log FILE] [--proxy-signatures FILE]
//          [--info FILE]
//   --key      registers one more access key pair with s3rver (S3RVER:S3RVER always works), so
//              a test can use a secret distinctive enough to grep its output for
//   --proxy    starts the SigV4-checking proxy (s3_signing_proxy.mjs) in front of s3rver, knowing
//              the same keys; "READY <port>" then names the proxy's port, and closing stdin
//              prints the proxy's "STATS {...}" line on stderr
//   --info     writes {"s3rver_port":..,"proxy_port":..,"dir":..} to FILE before READY
import { createRequire } from 'node:module';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { writeFileSync } from 'node:fs';
import { parseKeys, startSigningProxy } from './s3_signing_proxy.mjs';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
// s3rver keeps its key pairs in this registry (it ships S3RVER:S3RVER); V4
// requests are accepted from any key registered here.
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');

function args(name) {
  const out = [];
  for (let i = 2; i + 1 < process.argv.length; ++i) {
    if (process.argv[i] === `--${name}`) out.push(process.argv[++i]);
  }
  return out;
}

async function* walk(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

const [dataDir] = args('dir');
const withProxy = process.argv.includes('--proxy');
const keys = parseKeys(args('key'));
keys.set('S3RVER', 'S3RVER');
for (const [id, secret] of keys) DUMMY_ACCOUNT.createKeyPair(id, secret);
const buckets = args('bucket').map((spec) => {
  const [name, dir, suffix] = spec.split(':');
  return { name, dir, suffix: suffix ?? '' };
});
if (!dataDir || buckets.length === 0) {
  process.stderr.write('usage: s3rver_launcher.mjs --dir <dir> --bucket NAME[:DIR[:SUFFIX]] ...\n');
  process.exit(2);
}

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dataDir,
  configureBuckets: buckets.map(({ name }) => ({ name, configs: [] })),
});
const { port } = await server.run();

for (const { name, dir, suffix } of buckets) {
  if (!dir) continue;
  for await (const file of walk(dir)) {
    if (!file.endsWith(suffix)) continue;
    const key = path.relative(dir, file).split(path.sep).join('/');
    const body = await readFile(file);
    const res = await fetch(`http://127.0.0.1:${port}/${name}/${key}`, { method: 'PUT', body });
    if (!res.ok) {
      process.stderr.write(`PUT ${name}/${key} failed: HTTP ${res.status} ${await res.text()}\n`);
      await server.close();
      process.exit(1);
    }
  }
}

let proxy = null;
if (withProxy) {
  proxy = await startSigningProxy({
    upstreamPort: port, keys, s3rverDir: dataDir, log: args('proxy-log')[0],
    signatures: args('proxy-signatures')[0],
  });
}
const [info] = args('info');
if (info) {
  writeFileSync(info, JSON.stringify({ s3rver_port: port, proxy_port: proxy?.port ?? null, dir: dataDir }));
}
process.stdout.write(`READY ${proxy ? proxy.port : port}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  if (proxy) {
    process.stderr.write(`STATS ${JSON.stringify(proxy.stats())}\n`);
    await proxy.close();
  }
  await server.close();
  process.exit(0);
});
