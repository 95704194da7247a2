// Runs one conformance scenario through the OpenTelemetry JS SDK
// (@opentelemetry/sdk-metrics 1.30.1, @opentelemetry/api 1.9.0, installed in
// test/peers/node_modules) and produces the normalised collection output that
// conformance_runner.cc produces for cryptolake. The scenario format is
// described in test/conformance/README.md.
//
// Usage as a program: node js_runner.js <scenario.json>  (prints the JSON)
// Usage as a module:  require('./js_runner').runScenario(scenarioObject)
'use strict';

const path = require('path');
const { createRequire } = require('module');
const { normaliseNumber, parseNumber, attributePairs, finishCollect } = require('./normalise');

// Resolves the peers' node_modules regardless of the caller's directory.
function peersRequire() {
  const peersDir = process.env.CRYPTOLAKE_PEERS_DIR || path.join(__dirname, '..', 'peers');
  return createRequire(path.join(peersDir, 'package.json'));
}

function loadSdk() {
  const req = peersRequire();
  return { api: req('@opentelemetry/api'), sdk: req('@opentelemetry/sdk-metrics') };
}

// Maps the scenario's temporality preference to a per-kind choice, the same
// table cryptolake's TemporalityFor() uses (gauges cumulative).
function temporalitySelector(sdk, preference, overrides) {
  const { AggregationTemporality: T, InstrumentType: I } = sdk;
  const kindName = {
    [I.COUNTER]: 'counter',
    [I.UP_DOWN_COUNTER]: 'up_down_counter',
    [I.HISTOGRAM]: 'histogram',
    [I.GAUGE]: 'gauge',
    [I.OBSERVABLE_COUNTER]: 'observable_counter',
    [I.OBSERVABLE_UP_DOWN_COUNTER]: 'observable_up_down_counter',
    [I.OBSERVABLE_GAUGE]: 'observable_gauge',
  };
  return (type) => {
    const kind = kindName[type];
    if (overrides && overrides[kind]) return overrides[kind] === 'delta' ? T.DELTA : T.CUMULATIVE;
    switch (preference) {
      case 'delta':
        return ['counter', 'observable_counter', 'histogram'].includes(kind) ? T.DELTA : T.CUMULATIVE;
      case 'lowmemory':
        return ['counter', 'histogram'].includes(kind) ? T.DELTA : T.CUMULATIVE;
      default:
        return T.CUMULATIVE;
    }
  };
}

const kKindToJs = {
  counter: 'COUNTER',
  up_down_counter: 'UP_DOWN_COUNTER',
  histogram: 'HISTOGRAM',
  gauge: 'GAUGE',
  observable_counter: 'OBSERVABLE_COUNTER',
  observable_up_down_counter: 'OBSERVABLE_UP_DOWN_COUNTER',
  observable_gauge: 'OBSERVABLE_GAUGE',
};

function makeAggregation(sdk, agg) {
  if (!agg) return undefined;
  switch (agg.type) {
    case 'default':
      return new sdk.DefaultAggregation();
    case 'drop':
      return new sdk.DropAggregation();
    case 'sum':
      return new sdk.SumAggregation();
    case 'last_value':
      return new sdk.LastValueAggregation();
    case 'explicit_bucket_histogram':
      if (agg.boundaries === undefined) return new sdk.HistogramAggregation();
      return new sdk.ExplicitBucketHistogramAggregation(agg.boundaries, agg.record_min_max !== false);
    case 'base2_exponential_bucket_histogram':
      // The JS SDK has no max_scale parameter: it always starts at scale 20.
      return new sdk.ExponentialHistogramAggregation(agg.max_size ?? 160, agg.record_min_max !== false);
    default:
      throw new Error(`unknown aggregation type ${agg.type}`);
  }
}

// Every attribute key a scenario's measurements and observations use.
function scenarioAttributeKeys(scenario) {
  const keys = new Set();
  for (const step of scenario.steps || []) {
    for (const [k] of attributePairs(step.attributes)) keys.add(k);
    for (const o of step.observations || []) for (const [k] of attributePairs(o.attributes)) keys.add(k);
  }
  return keys;
}

function makeView(sdk, view, scenario) {
  const sel = view.selector || {};
  const stream = view.stream || {};
  let attributeKeys = stream.attribute_keys;
  if (stream.exclude_keys) {
    // sdk-metrics 1.30.1 offers only an allow-list in ViewOptions. A scenario
    // uses a finite set of keys, so the exclude-list becomes the allow-list of
    // all other keys the scenario uses.
    attributeKeys = [...scenarioAttributeKeys(scenario)].filter((k) => !stream.exclude_keys.includes(k));
  }
  const options = {
    instrumentName: sel.instrument_name,
    instrumentType: sel.instrument_kind ? kKindToJs[sel.instrument_kind] : undefined,
    instrumentUnit: sel.instrument_unit,
    meterName: sel.meter_name,
    meterVersion: sel.meter_version,
    meterSchemaUrl: sel.meter_schema_url,
    name: stream.name,
    description: stream.description,
    attributeKeys,
    aggregation: makeAggregation(sdk, stream.aggregation),
    aggregationCardinalityLimit: stream.cardinality_limit,
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  return new sdk.View(options);
}

// JS attributes are plain objects: duplicate keys collapse to the last one,
// which is the behaviour the specification asks for.
function toJsAttributes(attrs) {
  const out = {};
  for (const [k, v] of attributePairs(attrs)) out[k] = v;
  return out;
}

function normaliseJsPoint(metric, dp) {
  const attributes = Object.fromEntries(
    Object.keys(dp.attributes).sort().map((k) => [k, dp.attributes[k]]));
  const v = dp.value;
  switch (metric.dataPointType) {
    case 2: /* GAUGE */
    case 3: /* SUM */
      return { attributes, value: normaliseNumber(v) };
    case 0: /* HISTOGRAM */
      return {
        attributes,
        count: v.count,
        sum: v.sum === undefined ? null : normaliseNumber(v.sum),
        min: v.min === undefined ? null : normaliseNumber(v.min),
        max: v.max === undefined ? null : normaliseNumber(v.max),
        bounds: v.buckets.boundaries.map(normaliseNumber),
        bucket_counts: v.buckets.counts.slice(),
      };
    case 1: /* EXPONENTIAL_HISTOGRAM */
      return {
        attributes,
        count: v.count,
        sum: v.sum === undefined ? null : normaliseNumber(v.sum),
        min: v.min === undefined ? null : normaliseNumber(v.min),
        max: v.max === undefined ? null : normaliseNumber(v.max),
        scale: v.scale,
        zero_count: v.zeroCount,
        positive: { offset: v.positive.offset, bucket_counts: v.positive.bucketCounts.slice() },
        negative: { offset: v.negative.offset, bucket_counts: v.negative.bucketCounts.slice() },
      };
    default:
      throw new Error(`unknown data point type ${metric.dataPointType}`);
  }
}

const kTypeName = { 0: 'histogram', 1: 'exponential_histogram', 2: 'gauge', 3: 'sum' };

function normaliseJsCollect(sdk, resourceMetrics) {
  const metrics = [];
  for (const sm of resourceMetrics.scopeMetrics) {
    for (const m of sm.metrics) {
      const type = kTypeName[m.dataPointType];
      const out = {
        scope: sm.scope.name,
        name: m.descriptor.name,
        description: m.descriptor.description || '',
        unit: m.descriptor.unit || '',
        type,
      };
      if (type !== 'gauge') {
        out.temporality =
          m.aggregationTemporality === sdk.AggregationTemporality.DELTA ? 'delta' : 'cumulative';
      }
      if (type === 'sum') out.monotonic = !!m.isMonotonic;
      if (type === 'sum' || type === 'gauge') {
        out.value_type = m.descriptor.valueType === 0 ? 'int' : 'double';
      }
      out.points = m.dataPoints.map((dp) => normaliseJsPoint(m, dp));
      metrics.push(out);
    }
  }
  return finishCollect(metrics);
}

async function runScenario(scenario) {
  const { api, sdk } = loadSdk();
  api.diag.disable();
  class ScenarioReader extends sdk.MetricReader {
    constructor() {
      super({
        aggregationTemporalitySelector: temporalitySelector(
          sdk, scenario.temporality || 'cumulative', scenario.temporality_overrides),
        cardinalitySelector: scenario.cardinality_limit
          ? () => scenario.cardinality_limit : undefined,
      });
    }
    async onShutdown() {}
    async onForceFlush() {}
  }
  const reader = new ScenarioReader();
  const provider = new sdk.MeterProvider({
    views: (scenario.views || []).map((v) => makeView(sdk, v, scenario)),
    readers: [reader],
  });

  const meters = new Map();
  const meterFor = (spec) => {
    const name = spec.meter || 'conformance';
    const key = `${name}\u0000${spec.meter_version || ''}`;
    if (!meters.has(key)) {
      meters.set(key, provider.getMeter(name, spec.meter_version || undefined));
    }
    return meters.get(key);
  };

  const instruments = new Map();
  for (const spec of scenario.instruments || []) {
    const meter = meterFor(spec);
    const options = {
      description: spec.description,
      unit: spec.unit,
      valueType: spec.value_type === 'double' ? api.ValueType.DOUBLE : api.ValueType.INT,
    };
    if (spec.advisory && spec.advisory.explicit_bucket_boundaries) {
      options.advice = { explicitBucketBoundaries: spec.advisory.explicit_bucket_boundaries };
    }
    const factory = {
      counter: 'createCounter',
      up_down_counter: 'createUpDownCounter',
      histogram: 'createHistogram',
      gauge: 'createGauge',
      observable_counter: 'createObservableCounter',
      observable_up_down_counter: 'createObservableUpDownCounter',
      observable_gauge: 'createObservableGauge',
    }[spec.kind];
    if (!factory) throw new Error(`unknown instrument kind ${spec.kind}`);
    instruments.set(spec.id, { spec, instrument: meter[factory](spec.name, options) });
  }

  // Callbacks: each reports its current observation list on every collection.
  const callbacks = new Map();
  const collects = [];
  for (const step of scenario.steps || []) {
    if (step.record !== undefined) {
      const { spec, instrument } = instruments.get(step.record);
      const value = parseNumber(step.value);
      const attrs = toJsAttributes(step.attributes);
      if (spec.kind === 'counter' || spec.kind === 'up_down_counter') instrument.add(value, attrs);
      else instrument.record(value, attrs);
    } else if (step.add_callback !== undefined) {
      const { instrument } = instruments.get(step.instrument);
      const state = { observations: step.observations || [] };
      state.fn = (result) => {
        for (const o of state.observations) {
          result.observe(parseNumber(o.value), toJsAttributes(o.attributes));
        }
      };
      state.instrument = instrument;
      callbacks.set(step.add_callback, state);
      instrument.addCallback(state.fn);
    } else if (step.observe !== undefined) {
      callbacks.get(step.observe).observations = step.observations || [];
    } else if (step.remove_callback !== undefined) {
      const state = callbacks.get(step.remove_callback);
      state.instrument.removeCallback(state.fn);
      callbacks.delete(step.remove_callback);
    } else if (step.collect !== undefined) {
      const { resourceMetrics } = await reader.collect();
      collects.push(normaliseJsCollect(sdk, resourceMetrics));
    } else {
      throw new Error(`unknown step ${JSON.stringify(step)}`);
    }
  }
  await provider.shutdown();
  return collects;
}

module.exports = { runScenario, loadSdk };

if (require.main === module) {
  const fs = require('fs');
  const scenario = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  runScenario(scenario).then(
    (out) => process.stdout.write(JSON.stringify(out, null, 1) + '\n'),
    (err) => {
      process.stderr.write(`${err.stack}\n`);
      process.exit(1);
    });
}
