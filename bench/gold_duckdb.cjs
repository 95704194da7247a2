// The DuckDB side of bench/gold_bench.sh: the gold klines (5m, 15m, 1h, 4h, 1d) and daily
// summaries of a lake's 1m silver, computed by the same SQL e2e.gold checks against
// (test/e2e/peers/gold_sql.cjs) and written as Parquet partitioned like gold
// (market=/symbol=/date=, one file per partition, ZSTD). Prints the elapsed seconds of the
// queries (DuckDB start-up excluded). Usage: node gold_duckdb.cjs <lake> <out dir> <threads>
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { createRequire } = require('node:module');
const sql = require('../test/e2e/peers/gold_sql.cjs');
const candidates = [process.env.CRYPTOLAKE_PEERS_DIR, path.resolve(__dirname, 'peers'),
  path.resolve(__dirname, '../test/peers')].filter(Boolean);
const peers = candidates.find((d) => fs.existsSync(path.join(d, 'node_modules/@duckdb/node-api')));
const { DuckDBInstance } = createRequire(path.join(peers, 'package.json'))('@duckdb/node-api');

const [lake, out, threads] = process.argv.slice(2);
(async () => {
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const c = await db.connect();
  fs.mkdirSync(path.join(out, 'klines'), { recursive: true });
  const start = process.hrtime.bigint();
  const copy = async (select, dir) => {
    await c.run(`COPY (SELECT * EXCLUDE (ts_event_us, close_time_us),
                              make_timestamp(ts_event_us) AS ts_event,
                              make_timestamp(close_time_us) AS close_time,
                              make_timestamp(ts_event_us)::DATE AS date
                       FROM (${select}))
                 TO '${out}/${dir}' (FORMAT parquet, COMPRESSION zstd,
                                     PARTITION_BY (market, symbol, date))`);
  };
  for (const [interval, minutes] of [['5m', 5], ['15m', 15], ['1h', 60], ['4h', 240], ['1d', 1440]]) {
    await copy(sql.klinesSql(lake, interval, minutes), `klines/interval=${interval}`);
  }
  await copy(sql.dailySummarySql(lake), 'daily_summary');
  console.log((Number(process.hrtime.bigint() - start) / 1e9).toFixed(3));
})().catch((e) => {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
});
