// Conformance driver: runs one scenario through the OpenTelemetry JS SDK and
// through cryptolake's conformance_runner, then compares the normalised
// outputs field by field and prints a readable diff.
//
//   node compare.js <scenario.json> <path/to/conformance_runner>
//
// Exit codes: 0 pass, 1 mismatch or error, 77 skipped (JS SDK not installed;
// CTest maps 77 to SKIPPED).
//
// Scenarios with "expect_spec" record a place where the JS SDK deviates from
// the specification: cryptolake must produce expect_spec.spec exactly, and the
// JS SDK must still differ from it (and, when expect_spec.js is given, produce
// exactly that), so the note about the deviation stays true.
'use strict';

const fs = require('fs');
const { execFileSync } = require('child_process');
const { finishCollect, canonicalAttributes } = require('./normalise');

const kSkip = 77;

function sameNumber(a, b) {
  if (a === b) return true;
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  // Both sides add the same doubles in the same order; allow only rounding noise.
  return Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

// Appends human-readable differences between `a` (left) and `b` (right).
function diffValue(path, a, b, labels, out) {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(`${path}: ${labels[0]}=${JSON.stringify(a)} ${labels[1]}=${JSON.stringify(b)}`);
      return;
    }
    a.forEach((x, i) => diffValue(`${path}[${i}]`, x, b[i], labels, out));
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      if (!(k in a)) out.push(`${path}.${k}: missing in ${labels[0]} (${labels[1]}=${JSON.stringify(b[k])})`);
      else if (!(k in b)) out.push(`${path}.${k}: missing in ${labels[1]} (${labels[0]}=${JSON.stringify(a[k])})`);
      else diffValue(`${path}.${k}`, a[k], b[k], labels, out);
    }
    return;
  }
  if (!sameNumber(a, b)) {
    out.push(`${path}: ${labels[0]}=${JSON.stringify(a)} ${labels[1]}=${JSON.stringify(b)}`);
  }
}

function metricKey(m) {
  return `${m.scope}/${m.name}(${m.type})`;
}

function diffCollects(left, right, labels) {
  const out = [];
  if (left.length !== right.length) {
    out.push(`number of collects: ${labels[0]}=${left.length} ${labels[1]}=${right.length}`);
  }
  const n = Math.min(left.length, right.length);
  for (let c = 0; c < n; c++) {
    const lm = new Map(left[c].map((m) => [metricKey(m), m]));
    const rm = new Map(right[c].map((m) => [metricKey(m), m]));
    for (const key of [...new Set([...lm.keys(), ...rm.keys()])].sort()) {
      const a = lm.get(key);
      const b = rm.get(key);
      const where = `collect[${c}] ${key}`;
      if (!a || !b) {
        out.push(`${where}: only in ${a ? labels[0] : labels[1]} ` +
          `(${JSON.stringify((a || b).points.map((p) => p.attributes))})`);
        continue;
      }
      const { points: ap, ...ameta } = a;
      const { points: bp, ...bmeta } = b;
      diffValue(where, ameta, bmeta, labels, out);
      const apm = new Map(ap.map((p) => [canonicalAttributes(p.attributes), p]));
      const bpm = new Map(bp.map((p) => [canonicalAttributes(p.attributes), p]));
      for (const pk of [...new Set([...apm.keys(), ...bpm.keys()])].sort()) {
        const pa = apm.get(pk);
        const pb = bpm.get(pk);
        if (!pa || !pb) {
          out.push(`${where} point ${pk}: only in ${pa ? labels[0] : labels[1]} ` +
            `${JSON.stringify(pa || pb)}`);
          continue;
        }
        diffValue(`${where} point ${pk}`, pa, pb, labels, out);
      }
    }
  }
  return out;
}

function runCryptolake(runner, scenarioPath) {
  const stdout = execFileSync(runner, [scenarioPath], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const result = JSON.parse(stdout);
  return { collects: result.collects.map(finishCollect), violations: result.violations || [] };
}

async function main() {
  const [scenarioPath, runner] = process.argv.slice(2);
  if (!scenarioPath || !runner) {
    process.stderr.write('usage: node compare.js <scenario.json> <conformance_runner>\n');
    return 1;
  }
  let jsRunner;
  try {
    jsRunner = require('./js_runner');
    jsRunner.loadSdk();
  } catch (err) {
    process.stdout.write(`SKIPPED: OpenTelemetry JS SDK not available (${err.message})\n`);
    return kSkip;
  }
  const scenario = JSON.parse(fs.readFileSync(scenarioPath, 'utf8'));
  process.stdout.write(`scenario ${scenario.name}: ${scenario.description || ''}\n`);

  const js = (await jsRunner.runScenario(scenario)).map(finishCollect);
  const ours = runCryptolake(runner, scenarioPath);
  let failed = false;

  if (ours.violations.length > 0) {
    failed = true;
    process.stdout.write('cryptolake timestamp/invariant violations:\n');
    for (const v of ours.violations) process.stdout.write(`  ${v}\n`);
  }

  if (!scenario.expect_spec) {
    const diffs = diffCollects(ours.collects, js, ['cryptolake', 'js']);
    if (diffs.length > 0) {
      failed = true;
      process.stdout.write(`cryptolake differs from the JS SDK (${diffs.length}):\n`);
      for (const d of diffs) process.stdout.write(`  ${d}\n`);
    }
  } else {
    const exp = scenario.expect_spec;
    process.stdout.write(`known JS SDK deviation: ${exp.deviation}\n`);
    const spec = exp.spec.map(finishCollect);
    const ourDiffs = diffCollects(ours.collects, spec, ['cryptolake', 'spec']);
    if (ourDiffs.length > 0) {
      failed = true;
      process.stdout.write(`cryptolake differs from the specification (${ourDiffs.length}):\n`);
      for (const d of ourDiffs) process.stdout.write(`  ${d}\n`);
    }
    const jsVsSpec = diffCollects(js, spec, ['js', 'spec']);
    if (jsVsSpec.length === 0) {
      failed = true;
      process.stdout.write('the JS SDK now follows the specification here: ' +
        'drop the expect_spec note and compare directly\n');
    } else {
      process.stdout.write('JS SDK still shows the deviation:\n');
      for (const d of jsVsSpec) process.stdout.write(`  ${d}\n`);
    }
    if (exp.js) {
      const jsDiffs = diffCollects(js, exp.js.map(finishCollect), ['js', 'expected-js']);
      if (jsDiffs.length > 0) {
        failed = true;
        process.stdout.write(`the JS SDK no longer shows the recorded deviation (${jsDiffs.length}):\n`);
        for (const d of jsDiffs) process.stdout.write(`  ${d}\n`);
      }
    }
  }
  if (process.env.CONFORMANCE_VERBOSE) {
    process.stdout.write(`cryptolake: ${JSON.stringify(ours.collects)}\njs: ${JSON.stringify(js)}\n`);
  }
  process.stdout.write(failed ? 'FAILED\n' : 'PASSED\n');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stdout.write(`ERROR: ${err.stack}\n`);
    process.exit(1);
  });
