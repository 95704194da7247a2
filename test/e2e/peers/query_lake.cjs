// Prints, as JSON, DuckDB's per-(market, symbol) row counts over <lake>/silver/klines with hive
// partitioning. Usage: node query_lake.cjs <lake dir>. Finds @duckdb/node-api in test/peers.
const path = require('node:path');
const { createRequire } = require('node:module');
const peers = process.env.CRYPTOLAKE_PEERS_DIR || path.resolve(__dirname, '../../peers');
const { DuckDBInstance } = createRequire(path.join(peers, 'package.json'))('@duckdb/node-api');
(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const glob = `${process.argv[2]}/silver/klines/**/*.parquet`.replaceAll("'", "''");
  const r = await c.runAndReadAll(`SELECT market, symbol, count(*) AS n FROM read_parquet('${glob}',
    hive_partitioning=true) GROUP BY ALL ORDER BY ALL`);
  console.log(JSON.stringify(r.getRowObjectsJS(), (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
})();
