// Helpers shared by the JS runner and the comparison driver: number encoding,
// attribute handling and the canonical ordering of one collection's output.
'use strict';

// JSON has no NaN or infinities: they travel as the strings below.
function parseNumber(v) {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity' || v === '+Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (v === '-0') return -0;
  throw new Error(`not a number: ${JSON.stringify(v)}`);
}

function normaliseNumber(v) {
  if (typeof v !== 'number') return v;
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

// Scenario attributes are either an object or a list of [key, value] pairs
// (the list form can repeat a key, to test de-duplication).
function attributePairs(attrs) {
  if (!attrs) return [];
  if (Array.isArray(attrs)) return attrs.map(([k, v]) => [k, v]);
  return Object.entries(attrs);
}

function canonicalAttributes(attrs) {
  return JSON.stringify(Object.keys(attrs).sort().map((k) => [k, attrs[k]]));
}

// Removes zero counts at both ends of an exponential bucket range (OTLP gives
// them no meaning); an empty range gets offset 0.
function trimBuckets(b) {
  let lo = 0;
  let hi = b.bucket_counts.length;
  while (lo < hi && b.bucket_counts[lo] === 0) lo++;
  while (hi > lo && b.bucket_counts[hi - 1] === 0) hi--;
  if (lo === hi) return { offset: 0, bucket_counts: [] };
  return { offset: b.offset + lo, bucket_counts: b.bucket_counts.slice(lo, hi) };
}

// Canonical order: metrics by scope then name (then type, for streams that
// collide), points by canonical attributes; metrics without points dropped.
function finishCollect(metrics) {
  const out = [];
  for (const m of metrics) {
    if (!m.points || m.points.length === 0) continue;
    const points = m.points.map((p) => {
      const sorted = Object.fromEntries(
        Object.keys(p.attributes || {}).sort().map((k) => [k, p.attributes[k]]));
      const q = { ...p, attributes: sorted };
      if (m.type === 'exponential_histogram') {
        q.positive = trimBuckets(p.positive);
        q.negative = trimBuckets(p.negative);
      }
      return q;
    });
    points.sort((a, b) => {
      const ka = canonicalAttributes(a.attributes);
      const kb = canonicalAttributes(b.attributes);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    out.push({ ...m, points });
  }
  out.sort((a, b) => {
    const ka = `${a.scope}\u0000${a.name}\u0000${a.type}`;
    const kb = `${b.scope}\u0000${b.name}\u0000${b.type}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return out;
}

module.exports = { parseNumber, normaliseNumber, attributePairs, canonicalAttributes, finishCollect };
