// Compares a lake's gold (written by `cryptolake gold`) with the same tables computed by DuckDB
// from the lake's silver (gold_sql.cjs): the same rows (by key), exact columns equal, computed
// doubles within a relative tolerance. Prints one JSON line per product; exit 1 on any
// difference, or when a product asked for has no rows (a check that compared nothing).
// Usage: node gold_check.cjs <lake dir> <product,...> [relative tolerance, default 1e-9]
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');
const sql = require('./gold_sql.cjs');
const peers = process.env.CRYPTOLAKE_PEERS_DIR || path.resolve(__dirname, '../../peers');
const { DuckDBInstance } = createRequire(path.join(peers, 'package.json'))('@duckdb/node-api');

const [lake, productList, tolText] = process.argv.slice(2);
const tol = Number(tolText || '1e-9');

function expectedSql(product) {
  switch (product) {
    case 'klines':
      return [['5m', 5], ['15m', 15], ['1h', 60], ['4h', 240], ['1d', 1440]]
        .map(([i, m]) => `SELECT * FROM (${sql.klinesSql(lake, i, m)})`).join('\nUNION ALL\n');
    case 'daily_summary': return sql.dailySummarySql(lake);
    case 'trade_bars': return sql.tradeBarsSql(lake);
    case 'funding': return sql.fundingSql(lake);
  }
  throw new Error(`unknown product ${product}`);
}

function compareSql(product) {
  const p = sql.PRODUCTS[product];
  const times = p.times.map((c) => `epoch_us(${c}) AS ${c}_us`).join(', ');
  const both = 'e.market IS NOT NULL AND g.market IS NOT NULL';
  const exact = (c) => `e.${c} IS DISTINCT FROM g.${c}`;
  const approx = (c) => `((e.${c} IS NULL) <> (g.${c} IS NULL) OR ` +
    `abs(e.${c} - g.${c}) > ${tol} * greatest(abs(e.${c}), abs(g.${c})))`;
  const perColumn = [...p.exact.map((c) => [c, exact(c)]), ...p.approx.map((c) => [c, approx(c)])]
    .map(([c, cond]) => `count(*) FILTER (WHERE ${both} AND ${cond}) AS "${c}"`).join(',\n  ');
  return `
WITH e AS (${expectedSql(product)}),
g AS (SELECT *, ${times} FROM read_parquet('${lake}/gold/${product}/**/*.parquet', hive_partitioning = false))
SELECT count(*) AS rows, count(*) FILTER (WHERE e.market IS NULL) AS only_in_gold,
  count(*) FILTER (WHERE g.market IS NULL) AS only_in_duckdb,
  ${perColumn}
FROM e FULL OUTER JOIN g ON ${p.key.map((k) => `e.${k} = g.${k}`).join(' AND ')}`;
}

(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  let failed = false;
  for (const product of productList.split(',')) {
    const r = await c.runAndReadAll(compareSql(product));
    const row = r.getRowObjectsJS()[0];
    const out = { product, tolerance: tol };
    const bad = {};
    for (const [k, v] of Object.entries(row)) {
      const n = Number(v);
      if (k === 'rows' || k === 'only_in_gold' || k === 'only_in_duckdb') out[k] = n;
      else if (n !== 0) bad[k] = n;
    }
    out.mismatched_columns = bad;
    const ok = out.rows > 0 && out.only_in_gold === 0 && out.only_in_duckdb === 0 &&
      Object.keys(bad).length === 0;
    out.ok = ok;
    console.log(JSON.stringify(out));
    if (!ok) failed = true;
  }
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
});
