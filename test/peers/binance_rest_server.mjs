// A loopback stand-in for Binance's public REST market-data API, for cryptolake's REST client
// tests. Serves klines, aggTrades and funding rates loaded from archive-format CSV files, keeps
// Binance's request-weight accounting (X-MBX-USED-WEIGHT-1M on every response, 429 + Retry-After
// + code -1003 when a request would exceed --weight-limit), and injects scripted faults.
// Listens on 127.0.0.1 (ephemeral port), prints "READY <port>" and exits when stdin closes.
//
// Usage:
//   node binance_rest_server.mjs [--weight-limit N] [--window-ms MS]
//        [--klines MARKET:SYMBOL:INTERVAL:FILE]... [--aggtrades MARKET:SYMBOL:FILE]...
//        [--funding MARKET:SYMBOL:FILE]...
// MARKET is spot, um or cm. Times in the files may be ms or µs (per row: > 1e14 is µs).
//
// Endpoints (as documented by Binance):
//   /api/v3/klines /fapi/v1/klines /dapi/v1/klines    symbol, interval, startTime, endTime, limit
//   /api/v3/aggTrades /fapi/v1/aggTrades /dapi/v1/aggTrades   symbol, fromId, startTime,
//        endTime (at most one hour apart), limit
//   /fapi/v1/fundingRate /dapi/v1/fundingRate         symbol, startTime, endTime, limit
// Spot answers in µs when the request carries X-MBX-TIME-UNIT: MICROSECOND (and reads
// startTime/endTime >= 1e14 as µs), in ms otherwise; futures always in ms.
// Limits: spot klines 1000, futures klines 1500, aggTrades and fundingRate 1000. COIN-M klines:
// endTime - startTime <= 200 days, the most recent `limit` bars back from endTime, and with only
// startTime, endTime = startTime + 200 days. Weights: spot klines 2, spot aggTrades 4, futures
// klines by limit ([1,100) 1, [100,500) 2, [500,1000] 5, more 10), futures aggTrades 20,
// fundingRate 1.
//
// Control:
//   GET  /__control/stats   {requests, weightPerWindow, maxWeightSeen, violations, weightLimit,
//                            rowsServed: {symbol: n}, log: [{t, path, query, status}],
//                            pauses: [{at, until}]}
//   POST /__control/faults  {"faults": [{"type": T, "count": N, ...}]}: the next N API requests
//        get fault T: "429" / "418" (Retry-After: `retryAfter` s), "-1003" (HTTP `status`, 400
//        by default, body code -1003), "500" / "503", "stall" (answer after `seconds` s),
//        "malformed" (invalid JSON), "truncated" (the real JSON cut in half, consistent
//        Content-Length), "disconnect" (the connection drops halfway through the promised
//        body), "badprice" (a non-numeric price in the first row), "shortrow" (the first row
//        loses its last element, or its "T" field). Faults queue up.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

function args(name) {
  const out = [];
  for (let i = 2; i + 1 < process.argv.length; ++i) {
    if (process.argv[i] === `--${name}`) out.push(process.argv[++i]);
  }
  return out;
}

const weightLimit = Number(args('weight-limit')[0] ?? 1e9);
const windowMs = Number(args('window-ms')[0] ?? 60000);
const HOUR_US = 3600e6;
const DAY_US = 24 * HOUR_US;
const INTERVALS = new Set(['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h',
  '12h', '1d', '3d', '1w', '1M']);

const toUs = (t) => (t > 1e14 ? t : t * 1000);

function csvLines(file) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length > 0 && !/^[0-9]/.test(lines[0])) lines.shift();  // header
  return lines.map((l) => l.replace(/\r$/, '').split(','));
}

const klines = new Map();     // "market:SYMBOL:interval" -> rows sorted by openUs
const aggTrades = new Map();  // "market:SYMBOL" -> rows sorted by id
const funding = new Map();    // "market:SYMBOL" -> rows sorted by time
const symbols = { spot: new Set(), um: new Set(), cm: new Set() };

for (const spec of args('klines')) {
  const [market, symbol, interval, ...rest] = spec.split(':');
  const rows = csvLines(rest.join(':')).map((f) => ({
    openUs: toUs(Number(f[0])), closeUs: toUs(Number(f[6])), f,
  }));
  rows.sort((a, b) => a.openUs - b.openUs);
  klines.set(`${market}:${symbol}:${interval}`, rows);
  symbols[market].add(symbol);
}
for (const spec of args('aggtrades')) {
  const [market, symbol, ...rest] = spec.split(':');
  const rows = csvLines(rest.join(':')).map((f) => ({
    a: Number(f[0]), p: f[1], q: f[2], f: Number(f[3]), l: Number(f[4]), tUs: toUs(Number(f[5])),
    m: f[6].toLowerCase() === 'true', M: f.length > 7 ? f[7].toLowerCase() === 'true' : true,
  }));
  rows.sort((x, y) => x.a - y.a);
  aggTrades.set(`${market}:${symbol}`, rows);
  symbols[market].add(symbol);
}
for (const spec of args('funding')) {
  const [market, symbol, ...rest] = spec.split(':');
  const rows = csvLines(rest.join(':')).map((f) => ({ tMs: Number(f[0]), rate: f[2] }));
  rows.sort((a, b) => a.tMs - b.tMs);
  funding.set(`${market}:${symbol}`, rows);
  symbols[market].add(symbol);
}

// Weight accounting, per window of windowMs aligned on the clock.
const weightPerWindow = new Map();
let maxWeightSeen = 0;
let violations = 0;
let requests = 0;
const rowsServed = {};
const log = [];
const pauses = [];
const faults = [];

function futuresKlinesWeight(limit) {
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

class ApiError {
  constructor(status, code, msg) { Object.assign(this, { status, code, msg }); }
}

function intParam(q, name) {
  const v = q.get(name);
  if (v === null) return null;
  if (!/^-?[0-9]+$/.test(v)) throw new ApiError(400, -1100, `Illegal characters found in parameter '${name}'.`);
  return Number(v);
}

function limitParam(q, def, max) {
  const v = intParam(q, 'limit');
  if (v === null) return def;
  if (v < 1 || v > max) throw new ApiError(400, -1130, "Data sent for parameter 'limit' is not valid.");
  return v;
}

function requireSymbol(market, q) {
  const symbol = q.get('symbol');
  if (symbol === null) throw new ApiError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  if (!symbols[market].has(symbol)) throw new ApiError(400, -1121, 'Invalid symbol.');
  return symbol;
}

const MARKET_OF = { '/api/v3/': 'spot', '/fapi/v1/': 'um', '/dapi/v1/': 'cm' };

// -> { weight, body (JS value), rows }
function plan(path, q, headers) {
  const match = /^(\/(?:api\/v3|fapi\/v1|dapi\/v1)\/)([A-Za-z]+)$/.exec(path);
  if (!match) throw new ApiError(404, -1000, 'Unknown path.');
  const market = MARKET_OF[match[1]];
  const name = match[2];
  const micros = market === 'spot' && String(headers['x-mbx-time-unit'] ?? '').toUpperCase() === 'MICROSECOND';
  const out = (us) => (micros ? us : Math.floor(us / 1000));
  const inUs = (t) => (market === 'spot' ? toUs(t) : t * 1000);
  if (name === 'klines') {
    const symbol = requireSymbol(market, q);
    const interval = q.get('interval');
    if (!INTERVALS.has(interval)) throw new ApiError(400, -1120, 'Invalid interval.');
    const limit = limitParam(q, 500, market === 'spot' ? 1000 : 1500);
    const weight = market === 'spot' ? 2 : futuresKlinesWeight(limit);
    let start = intParam(q, 'startTime');
    let end = intParam(q, 'endTime');
    start = start === null ? null : inUs(start);
    end = end === null ? null : inUs(end);
    const all = klines.get(`${market}:${symbol}:${interval}`) ?? [];
    let rows;
    if (market === 'cm') {
      if (start !== null && end === null) end = start + 200 * DAY_US;
      if (start !== null && end !== null && end - start > 200 * DAY_US) {
        throw new ApiError(400, -1127, 'More than 200 days between startTime and endTime.');
      }
      const sel = all.filter((r) => (start === null || r.openUs >= start) && (end === null || r.openUs <= end));
      rows = sel.slice(Math.max(0, sel.length - limit));
    } else {
      const sel = all.filter((r) => (start === null || r.openUs >= start) && (end === null || r.openUs <= end));
      rows = start === null && end !== null ? sel.slice(Math.max(0, sel.length - limit)) : sel.slice(0, limit);
    }
    const body = rows.map((r) => [out(r.openUs), r.f[1], r.f[2], r.f[3], r.f[4], r.f[5], out(r.closeUs),
      r.f[7], Number(r.f[8]), r.f[9], r.f[10], r.f[11] ?? '0']);
    return { weight, body, rows: body.length, symbol };
  }
  if (name === 'aggTrades') {
    const symbol = requireSymbol(market, q);
    const limit = limitParam(q, 500, 1000);
    const weight = market === 'spot' ? 4 : 20;
    const fromId = intParam(q, 'fromId');
    let start = intParam(q, 'startTime');
    let end = intParam(q, 'endTime');
    start = start === null ? null : inUs(start);
    end = end === null ? null : inUs(end);
    if (start !== null && end !== null && end - start > HOUR_US) {
      throw new ApiError(400, -1127, 'More than 1 hours between startTime and endTime.');
    }
    const all = aggTrades.get(`${market}:${symbol}`) ?? [];
    const sel = all.filter((r) => (fromId === null || r.a >= fromId) &&
      (start === null || r.tUs >= start) && (end === null || r.tUs <= end));
    const rows = fromId === null && start === null ? sel.slice(Math.max(0, sel.length - limit)) : sel.slice(0, limit);
    const body = rows.map((r) => {
      const o = { a: r.a, p: r.p, q: r.q, f: r.f, l: r.l, T: out(r.tUs), m: r.m };
      if (market === 'spot') o.M = r.M;
      return o;
    });
    return { weight, body, rows: body.length, symbol };
  }
  if (name === 'fundingRate' && market !== 'spot') {
    const symbol = requireSymbol(market, q);
    const limit = limitParam(q, 100, 1000);
    const start = intParam(q, 'startTime');
    const end = intParam(q, 'endTime');
    const all = funding.get(`${market}:${symbol}`) ?? [];
    const sel = all.filter((r) => (start === null || r.tMs >= start) && (end === null || r.tMs <= end));
    const rows = start === null ? sel.slice(Math.max(0, sel.length - limit)) : sel.slice(0, limit);
    const body = rows.map((r) => {
      const o = { symbol, fundingTime: r.tMs, fundingRate: r.rate };
      if (market === 'um') o.markPrice = '0.00000000';
      return o;
    });
    return { weight: 1, body, rows: body.length, symbol };
  }
  throw new ApiError(404, -1000, 'Unknown path.');
}

function send(res, status, body, extraHeaders = {}) {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(data),
    ...extraHeaders,
  });
  res.end(data);
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/__control/stats') {
    send(res, 200, {
      requests, weightLimit, windowMs, maxWeightSeen, violations, rowsServed, log, pauses,
      weightPerWindow: Object.fromEntries(weightPerWindow),
    });
    return;
  }
  if (url.pathname === '/__control/faults' && req.method === 'POST') {
    const spec = JSON.parse(await readBody(req));
    for (const f of spec.faults ?? []) faults.push({ ...f, count: f.count ?? 1 });
    send(res, 200, { queued: faults.length });
    return;
  }
  const now = Date.now();
  ++requests;
  const window = Math.floor(now / windowMs);
  const used = () => weightPerWindow.get(window) ?? 0;
  const entry = { t: now, path: url.pathname, query: url.search, status: 200 };
  log.push(entry);
  const reply = (status, body, headers = {}) => {
    entry.status = status;
    send(res, status, body, { 'X-MBX-USED-WEIGHT-1M': String(used()), ...headers });
  };

  let fault = null;
  if (faults.length > 0) {
    fault = faults[0];
    if (--fault.count <= 0) faults.shift();
  }
  if (fault && (fault.type === '429' || fault.type === '418')) {
    const retryAfter = fault.retryAfter ?? 1;
    pauses.push({ at: now, until: now + retryAfter * 1000 });
    reply(Number(fault.type), { code: -1003, msg: 'Too much request weight used.' },
      { 'Retry-After': String(retryAfter) });
    return;
  }
  if (fault && fault.type === '-1003') {
    reply(fault.status ?? 400, { code: -1003, msg: 'Too much request weight used.' });
    return;
  }
  if (fault && (fault.type === '500' || fault.type === '503')) {
    reply(Number(fault.type), { code: -1001, msg: 'Internal error; unable to process your request.' });
    return;
  }
  if (fault && fault.type === 'malformed') {
    reply(200, '[[1700000000000,"1.0",,}');
    return;
  }

  let p;
  try {
    p = plan(url.pathname, url.searchParams, req.headers);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    reply(e.status, { code: e.code, msg: e.msg });
    return;
  }
  if (used() + p.weight > weightLimit) {
    ++violations;
    const retryAfter = Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000));
    reply(429, { code: -1003, msg: `Too much request weight used; current limit is ${weightLimit} request weight per window.` },
      { 'Retry-After': String(retryAfter) });
    return;
  }
  weightPerWindow.set(window, used() + p.weight);
  maxWeightSeen = Math.max(maxWeightSeen, used());
  if (fault && fault.type === 'stall') {
    await new Promise((r) => setTimeout(r, (fault.seconds ?? 1) * 1000));
    if (res.destroyed || req.socket.destroyed) return;
  }
  rowsServed[p.symbol] = (rowsServed[p.symbol] ?? 0) + p.rows;
  let body = JSON.stringify(p.body);
  if (fault && fault.type === 'truncated') body = body.slice(0, Math.floor(body.length / 2));
  if (fault && fault.type === 'disconnect') {
    // Headers promise the whole body; the connection drops halfway through it.
    entry.status = 200;
    res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8',
      'Content-Length': Buffer.byteLength(body), 'X-MBX-USED-WEIGHT-1M': String(used()) });
    res.write(body.slice(0, Math.floor(body.length / 2)), () => res.destroy());
    return;
  }
  if (fault && fault.type === 'shortrow' && p.body.length > 0) {
    const first = p.body[0];
    if (Array.isArray(first)) first.pop(); else delete first.T;
    body = JSON.stringify(p.body);
  }
  if (fault && fault.type === 'badprice' && p.body.length > 0) {
    const first = p.body[0];
    if (Array.isArray(first)) first[1] = 'abc'; else first.p = 'abc';
    body = JSON.stringify(p.body);
  }
  reply(200, body);
});

server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
