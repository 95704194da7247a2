// OTLP encoding benchmarks: one export of 10,000 series, as the periodic
// reader hands it to an exporter, encoded as protobuf (EncodeOtlpProto, the
// OTLP/gRPC and OTLP/HTTP x-protobuf body) and as OTLP/JSON (EncodeOtlpJson)
// for comparison, plus decoding the protobuf back (what spool replay costs).
//
// Workload (fixed, so results compare across versions): 4,000 Sum series
// (int64, cumulative monotonic, 4 metrics), 3,000 Gauge series (double, 3
// metrics) and 3,000 explicit-bucket Histogram series (16 buckets: the 15
// default boundaries, with sum/min/max; 3 metrics); every series has 3
// attributes (exchange, data_type, symbol).
//
//   BM_EncodeOtlpProto_10kSeries         fresh std::string per export
//   BM_EncodeOtlpProto_10kSeries_Reuse   AppendOtlpProto into a kept buffer
//   BM_EncodeOtlpJson_10kSeries          fresh std::string per export
//   BM_DecodeOtlpProto_10kSeries         DecodeOtlpProto of the protobuf bytes
//
// Counters: bytes = output (input for decode) size, series = data points.
// Run: build/<dir>/bench/otlp_encode_bench --benchmark_min_time=0.2

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cryptolake/metrics/export/otlp_json.h"
#include "cryptolake/metrics/export/otlp_proto.h"

namespace cryptolake::metrics {
namespace {

constexpr uint64_t kStart = 1733400000000000000ULL;
constexpr uint64_t kTime = 1733400060000000000ULL;

// 1,000 distinct attribute sets: 100 symbols x 10 data types.
std::vector<AttributeSet> SeriesAttributes() {
  const char* bases[] = {"BTC", "ETH", "BNB", "SOL", "XRP", "ADA", "DOGE", "DOT", "LTC", "LINK"};
  const char* quotes[] = {"USDT", "BUSD", "FDUSD", "BTC",  "ETH",
                          "TRY",  "EUR",  "BRL",   "TUSD", "USDC"};
  const char* types[] = {
      "klines",  "aggTrades",        "trades",          "bookTicker",         "bookDepth",
      "metrics", "indexPriceKlines", "markPriceKlines", "premiumIndexKlines", "fundingRate"};
  std::vector<AttributeSet> sets;
  for (const char* t : types) {
    for (const char* b : bases) {
      for (const char* q : quotes) {
        sets.push_back(AttributeSet{{"exchange", std::string("binance")},
                                    {"data_type", std::string(t)},
                                    {"symbol", std::string(b) + q}});
      }
    }
  }
  return sets;
}

ResourceMetrics MakeExport() {
  const std::vector<AttributeSet> attrs = SeriesAttributes();
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"service.name", std::string("cryptolake")},
                                      {"telemetry.sdk.language", std::string("cpp")},
                                      {"telemetry.sdk.name", std::string("cryptolake")},
                                      {"telemetry.sdk.version", std::string("0.1.0")}});
  ScopeMetrics sm;
  sm.scope.name = "cryptolake.lake";
  sm.scope.version = "0.1.0";
  const std::vector<double> bounds = {0,   5,   10,   25,   50,   75,   100,  250,
                                      500, 750, 1000, 2500, 5000, 7500, 10000};
  uint64_t seed = 1;
  auto next = [&seed] {  // Deterministic values without <random>.
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  for (int k = 0; k < 4; ++k) {
    MetricData m;
    m.name = "lake.sum." + std::to_string(k);
    m.description = "Rows written";
    m.unit = "{row}";
    SumData sum;
    sum.is_monotonic = true;
    for (const AttributeSet& a : attrs) {
      NumberDataPoint p;
      p.attributes = a;
      p.start_time_unix_nano = kStart;
      p.time_unix_nano = kTime;
      p.value = static_cast<int64_t>(next() % 10000000);
      sum.points.push_back(std::move(p));
    }
    m.data = std::move(sum);
    sm.metrics.push_back(std::move(m));
  }
  for (int k = 0; k < 3; ++k) {
    MetricData m;
    m.name = "lake.gauge." + std::to_string(k);
    m.unit = "USD";
    GaugeData gauge;
    for (const AttributeSet& a : attrs) {
      NumberDataPoint p;
      p.attributes = a;
      p.time_unix_nano = kTime;
      p.value = static_cast<double>(next() % 10000000) / 100.0;
      gauge.points.push_back(std::move(p));
    }
    m.data = std::move(gauge);
    sm.metrics.push_back(std::move(m));
  }
  for (int k = 0; k < 3; ++k) {
    MetricData m;
    m.name = "lake.histogram." + std::to_string(k);
    m.unit = "ms";
    HistogramData hist;
    for (const AttributeSet& a : attrs) {
      HistogramDataPoint p;
      p.attributes = a;
      p.start_time_unix_nano = kStart;
      p.time_unix_nano = kTime;
      p.explicit_bounds = bounds;
      p.bucket_counts.resize(bounds.size() + 1);
      for (uint64_t& c : p.bucket_counts) {
        c = next() % 1000;
        p.count += c;
      }
      p.sum = static_cast<double>(p.count) * 37.5;
      p.min = 0.25;
      p.max = 9999.5;
      hist.points.push_back(std::move(p));
    }
    m.data = std::move(hist);
    sm.metrics.push_back(std::move(m));
  }
  rm.scope_metrics.push_back(std::move(sm));
  return rm;
}

const ResourceMetrics& Export() {
  static const ResourceMetrics data = MakeExport();
  return data;
}

void SetCounters(benchmark::State& state, size_t bytes) {
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["series"] = static_cast<double>(CountDataPoints(Export()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
}

void BM_EncodeOtlpProto_10kSeries(benchmark::State& state) {
  const ResourceMetrics& data = Export();
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = EncodeOtlpProto(data);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, bytes);
}
BENCHMARK(BM_EncodeOtlpProto_10kSeries)->Unit(benchmark::kMillisecond);

void BM_EncodeOtlpProto_10kSeries_Reuse(benchmark::State& state) {
  const ResourceMetrics& data = Export();
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendOtlpProto(data, &out);
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, out.size());
}
BENCHMARK(BM_EncodeOtlpProto_10kSeries_Reuse)->Unit(benchmark::kMillisecond);

void BM_EncodeOtlpJson_10kSeries(benchmark::State& state) {
  const ResourceMetrics& data = Export();
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = EncodeOtlpJson(data);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, bytes);
}
BENCHMARK(BM_EncodeOtlpJson_10kSeries)->Unit(benchmark::kMillisecond);

void BM_DecodeOtlpProto_10kSeries(benchmark::State& state) {
  const std::string bytes = EncodeOtlpProto(Export());
  for (auto _ : state) {
    Result<ResourceMetrics> decoded = DecodeOtlpProto(bytes);
    if (!decoded.ok()) {
      state.SkipWithError(decoded.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(decoded->scope_metrics.data());
  }
  SetCounters(state, bytes.size());
}
BENCHMARK(BM_DecodeOtlpProto_10kSeries)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cryptolake::metrics

BENCHMARK_MAIN();
