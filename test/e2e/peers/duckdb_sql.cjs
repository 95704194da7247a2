// Runs one SQL statement in an in-memory DuckDB and prints its rows as a JSON array of objects
// (BIGINTs as numbers when exact, else strings). Usage: node duckdb_sql.cjs "<sql>".
// Finds @duckdb/node-api in test/peers (or CRYPTOLAKE_PEERS_DIR). Exit 1 with the error on stderr.
const path = require('node:path');
const { createRequire } = require('node:module');
const peers = process.env.CRYPTOLAKE_PEERS_DIR || path.resolve(__dirname, '../../peers');
const { DuckDBInstance } = createRequire(path.join(peers, 'package.json'))('@duckdb/node-api');
(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const r = await c.runAndReadAll(process.argv[2]);
  const big = (k, v) =>
    typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v;
  console.log(JSON.stringify(r.getRowObjectsJS(), big));
})().catch((e) => {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
});
