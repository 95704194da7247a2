// Reads one Parquet file with two independent readers, DuckDB
// (@duckdb/node-api) and hyparquet (+ hyparquet-compressors), and prints one
// JSON document describing what each saw: row count, per-column aggregates,
// schema types, codecs, encodings, statistics and key-value metadata.
//
//   node test/peers/parquet_check.mjs <file.parquet>
//
// Aggregates use one format for both readers so a caller can compare them:
//   { nulls, count, min, max, sum }   integers/timestamps (µs)/booleans as
//   decimal strings, doubles as numbers, strings as themselves (sum = total
//   UTF-8 bytes, as a decimal string).
// Exit code 0 on success, 1 with a message on stderr on any failure.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const file = process.argv[2];
if (!file) {
  console.error('usage: node parquet_check.mjs <file.parquet>');
  process.exit(2);
}

function sqlString(s) {
  return `'${s.replaceAll("'", "''")}'`;
}
function ident(s) {
  return `"${s.replaceAll('"', '""')}"`;
}

async function duckdbReport(path) {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  const src = `read_parquet(${sqlString(path)})`;
  const rows = async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJS();

  const describe = await rows(`DESCRIBE SELECT * FROM ${src}`);
  const out = { rows: 0, types: {}, columns: {}, metadata: [], schema: [], kv: {} };
  out.rows = Number((await rows(`SELECT count(*) AS n FROM ${src}`))[0].n);
  for (const d of describe) {
    const name = d.column_name;
    const type = d.column_type;
    out.types[name] = type;
    const c = ident(name);
    let sel;
    if (type === 'DOUBLE') {
      sel = `min(${c}) AS mn, max(${c}) AS mx, sum(${c}) AS sm`;
    } else if (type === 'VARCHAR') {
      sel = `min(${c}) AS mn, max(${c}) AS mx, sum(strlen(${c}))::VARCHAR AS sm`;
    } else if (type === 'BOOLEAN') {
      sel = `min(${c}::INT)::VARCHAR AS mn, max(${c}::INT)::VARCHAR AS mx, sum(${c}::INT)::VARCHAR AS sm`;
    } else if (type.startsWith('TIMESTAMP')) {
      sel = `min(epoch_us(${c}))::VARCHAR AS mn, max(epoch_us(${c}))::VARCHAR AS mx, sum(epoch_us(${c}))::VARCHAR AS sm`;
    } else {
      sel = `min(${c})::VARCHAR AS mn, max(${c})::VARCHAR AS mx, sum(${c})::VARCHAR AS sm`;
    }
    const r = (await rows(`SELECT count(*) - count(${c}) AS nulls, count(${c}) AS cnt, ${sel} FROM ${src}`))[0];
    out.columns[name] = {
      nulls: Number(r.nulls), count: Number(r.cnt),
      min: r.mn ?? null, max: r.mx ?? null, sum: r.sm ?? null,
    };
  }
  for (const m of await rows(`SELECT row_group_id, path_in_schema, type, compression, encodings,
        stats_min_value, stats_max_value, stats_null_count, num_values,
        dictionary_page_offset, data_page_offset, total_compressed_size
      FROM parquet_metadata(${sqlString(path)}) ORDER BY row_group_id, column_id`)) {
    out.metadata.push({
      row_group: Number(m.row_group_id), column: String(m.path_in_schema), type: m.type,
      compression: m.compression, encodings: m.encodings,
      min_value: m.stats_min_value ?? null, max_value: m.stats_max_value ?? null,
      null_count: m.stats_null_count === null ? null : Number(m.stats_null_count),
      num_values: Number(m.num_values),
      has_dictionary: m.dictionary_page_offset !== null && m.dictionary_page_offset !== undefined,
    });
  }
  for (const s of await rows(`SELECT name, type, converted_type, logical_type, repetition_type
      FROM parquet_schema(${sqlString(path)})`)) {
    out.schema.push({
      name: s.name, type: s.type ?? null, converted_type: s.converted_type ?? null,
      logical_type: s.logical_type ?? null, repetition_type: s.repetition_type ?? null,
    });
  }
  for (const kv of await rows(`SELECT decode(key) AS k, decode(value) AS v
      FROM parquet_kv_metadata(${sqlString(path)})`)) {
    out.kv[kv.k] = kv.v;
  }
  conn.closeSync?.();
  return out;
}

async function hyparquetReport(path) {
  const buf = readFileSync(path);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const metadata = parquetMetadata(file);
  const schema = parquetSchema(metadata);
  const data = await parquetReadObjects({
    file, compressors, metadata,
    // Raw integers for timestamps: µs since the epoch as BigInt.
    parsers: { timestampFromMicroseconds: (v) => BigInt(v), timestampFromMilliseconds: (v) => BigInt(v) * 1000n },
  });
  const out = { rows: data.length, num_rows: Number(metadata.num_rows), columns: {}, schema: [],
    codecs: [], kv: {}, created_by: metadata.created_by ?? null };
  for (const child of schema.children) {
    const e = child.element;
    out.schema.push({ name: e.name, type: e.type, repetition_type: e.repetition_type,
      converted_type: e.converted_type ?? null, logical_type: e.logical_type ?? null });
    let nulls = 0, count = 0, min = null, max = null, sum = null;
    for (const row of data) {
      let v = row[e.name];
      if (v === null || v === undefined) { nulls++; continue; }
      count++;
      if (typeof v === 'boolean') v = v ? 1n : 0n;
      if (typeof v === 'number' && e.type !== 'DOUBLE' && e.type !== 'FLOAT') v = BigInt(v);
      if (typeof v === 'string') {
        const len = BigInt(Buffer.byteLength(v, 'utf8'));
        sum = (sum ?? 0n) + len;
      } else if (typeof v === 'bigint') {
        sum = (sum ?? 0n) + v;
      } else {
        sum = (sum ?? 0) + v;
      }
      if (min === null || v < min) min = v;
      if (max === null || v > max) max = v;
    }
    const fmt = (x) => (typeof x === 'bigint' ? x.toString() : x);
    out.columns[e.name] = { nulls, count, min: fmt(min), max: fmt(max), sum: fmt(sum) };
  }
  for (const rg of metadata.row_groups) {
    for (const col of rg.columns) {
      out.codecs.push(col.meta_data.codec);
    }
  }
  for (const kv of metadata.key_value_metadata ?? []) out.kv[kv.key] = kv.value;
  return out;
}

try {
  const report = { file, duckdb: await duckdbReport(file), hyparquet: await hyparquetReport(file) };
  process.stdout.write(JSON.stringify(report, (k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
} catch (err) {
  console.error(`parquet_check: ${err?.stack ?? err}`);
  process.exit(1);
}
