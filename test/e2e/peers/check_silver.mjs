// Cross-checks cryptolake's silver Parquet against the source CSV with two independent readers.
//
// Usage: node check_silver.mjs <spec.json>
// spec = {
//   csv: "<unzipped source CSV>", csv_header: true|false,
//   csv_columns: {"<name>": "<DuckDB type>", ...}       // explicit columns, in file order
//   parquet_files: ["<file>.parquet", ...],               // every file the ingest wrote
//   codec: "ZSTD" | "SNAPPY" | "UNCOMPRESSED",
//   columns: [{name, kind: "double"|"int"|"bool", csv: "<SQL over CSV>", pq: "<SQL over Parquet>"}]
// }
// DuckDB reads the CSV itself (read_csv with the explicit columns) and our Parquet
// (read_parquet with hive_partitioning) and compares, per column: count of non-null values, min,
// max and sum. Doubles are summed after casting each value to DECIMAL(38,8) on both sides, so the
// sum is exact and independent of row order; min/max are compared as doubles. It then checks
// parquet_metadata (every column chunk has min/max statistics and the expected codec) and reads
// every file with hyparquet, whose row count must match the footer's.
// Prints one JSON object; exit 0 when everything agrees, 1 on any mismatch, 3 on a setup error.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const peers = process.env.CRYPTOLAKE_PEERS_DIR || path.resolve(here, '../../peers');
const req = createRequire(path.join(peers, 'package.json'));

let duck, hyparquet, compressors;
try {
  duck = req('@duckdb/node-api');
  hyparquet = await import(pathToFileURL(req.resolve('hyparquet')).href);
  compressors = (await import(pathToFileURL(req.resolve('hyparquet-compressors')).href)).compressors;
} catch (e) {
  console.log(JSON.stringify({ setup_error: String(e) }));
  process.exit(3);
}

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const errors = [];
const db = await duck.DuckDBInstance.create(':memory:', { threads: '1' });
const con = await db.connect();
const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS();

const cols = Object.entries(spec.csv_columns).map(([k, v]) => `${q(k)}: ${q(v)}`).join(', ');
await con.run(`CREATE VIEW src AS SELECT * FROM read_csv(${q(spec.csv)}, header=${spec.csv_header},
  columns={${cols}}, delim=',', auto_detect=false)`);
const files = '[' + spec.parquet_files.map(q).join(', ') + ']';
await con.run(`CREATE VIEW silver AS SELECT * FROM read_parquet(${files}, hive_partitioning=true)`);

const agg = (e, kind) => {
  const v = kind === 'double' ? `CAST(${e} AS DOUBLE)` : kind === 'bool' ? `CAST(${e} AS INTEGER)`
                                                                           : `CAST(${e} AS BIGINT)`;
  const s = kind === 'double' ? `sum(CAST(${v} AS DECIMAL(38,8)))` : `sum(CAST(${v} AS HUGEINT))`;
  return `count(${v}) AS n, min(${v}) AS mn, max(${v}) AS mx, CAST(${s} AS VARCHAR) AS s`;
};
const result = { columns: {} };
const [srcCount] = await rows('SELECT count(*) AS c FROM src');
const [pqCount] = await rows('SELECT count(*) AS c FROM silver');
result.rows = { csv: Number(srcCount.c), parquet: Number(pqCount.c) };
if (result.rows.csv !== result.rows.parquet) errors.push(`row count csv=${result.rows.csv} parquet=${result.rows.parquet}`);
for (const c of spec.columns) {
  const [a] = await rows(`SELECT ${agg(c.csv, c.kind)} FROM src`);
  const [b] = await rows(`SELECT ${agg(c.pq, c.kind)} FROM silver`);
  const norm = (r) => ({ n: Number(r.n), min: String(r.mn), max: String(r.mx), sum: r.s });
  const A = norm(a), B = norm(b);
  result.columns[c.name] = { csv: A, parquet: B };
  for (const k of ['n', 'min', 'max', 'sum']) {
    if (A[k] !== B[k]) errors.push(`${c.name}.${k}: csv=${A[k]} parquet=${B[k]}`);
  }
}

// parquet_metadata: statistics and codec of every column chunk.
// min_value/max_value (stats_*_value) are the current fields; legacy min/max (stats_min/max)
// are only written where their sort order agrees. A chunk holding only nulls has no min/max.
const meta = await rows(`SELECT file_name, path_in_schema, compression, num_values,
  coalesce(stats_min_value, stats_min) AS smin, coalesce(stats_max_value, stats_max) AS smax,
  stats_null_count FROM parquet_metadata(${files})`);
result.column_chunks = meta.length;
result.codecs = [...new Set(meta.map((m) => m.compression))];
result.all_null_chunks = meta.filter((m) => m.stats_null_count !== null && Number(m.stats_null_count) === Number(m.num_values)).length;
for (const m of meta) {
  if (m.compression !== spec.codec) errors.push(`${m.file_name}:${m.path_in_schema} codec ${m.compression} != ${spec.codec}`);
  const allNull = m.stats_null_count !== null && Number(m.stats_null_count) === Number(m.num_values);
  if (m.stats_null_count === null || (!allNull && (m.smin === null || m.smax === null)))
    errors.push(`${m.file_name}:${m.path_in_schema} lacks min/max/null_count statistics`);
}
if (meta.length === 0) errors.push('parquet_metadata returned no column chunks');

// hyparquet: an independent reader must decode every file completely.
result.hyparquet_rows = 0;
for (const f of spec.parquet_files) {
  try {
    const buf = fs.readFileSync(f);
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const md = hyparquet.parquetMetadata(file);
    const data = await hyparquet.parquetReadObjects({ file, compressors });
    if (data.length !== Number(md.num_rows)) errors.push(`hyparquet ${f}: ${data.length} rows, footer says ${md.num_rows}`);
    result.hyparquet_rows += data.length;
  } catch (e) {
    errors.push(`hyparquet ${f}: ${e}`);
  }
}
if (result.hyparquet_rows !== result.rows.parquet) errors.push(`hyparquet rows ${result.hyparquet_rows} != duckdb ${result.rows.parquet}`);

result.errors = errors;
console.log(JSON.stringify(result, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
process.exit(errors.length ? 1 : 0);
