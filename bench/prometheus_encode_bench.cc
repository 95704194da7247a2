// Prometheus exposition benchmarks: one scrape's encoding of 10,000 series, the size the
// SDK's default cardinality limits make plausible for a busy process.
//
//   BM_PrometheusEncode_Text004_10kSeries      text 0.0.4, default options (scope labels on)
//   BM_PrometheusEncode_OpenMetrics_10kSeries  OpenMetrics 1.0.0 (adds _created lines)
//   BM_PrometheusEncode_Text004_10kSamples     text 0.0.4 of 10,000 exposition samples (5,000
//                                              counters, 5,000 gauges: 100 metrics x 100 series)
//                                              -- "series" as Prometheus counts them; the mix
//                                              above writes 61,000 samples (each histogram
//                                              point is 16 _bucket lines + _sum + _count)
//
// Workload: 4,000 monotonic cumulative sums (40 metrics x 100 series), 3,000 gauges (30 x
// 100), 3,000 explicit-bucket histograms (30 x 100) with 16 buckets (15 bounds + overflow);
// every point has 3 attributes {exchange, market, symbol}; one scope, a resource with 4
// attributes (target_info). The buffer is reused across iterations, as the endpoint does.
// Counters: bytes = output size, series = 10,000; bytes_per_second from SetBytesProcessed.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cryptolake/metrics/export/prometheus_text.h"

namespace cryptolake::metrics {
namespace {

AttributeSet PointAttributes(int series) {
  static const char* kMarkets[] = {"spot", "um", "cm"};
  return AttributeSet{{"exchange", std::string("binance")},
                      {"market", std::string(kMarkets[series % 3])},
                      {"symbol", "SYM" + std::to_string(series) + "USDT"}};
}

// Gauge metric number `m`: 100 series of unit-1 values.
MetricData GaugeMetric(int m) {
  MetricData metric;
  metric.name = "bench.gauge.";  // Appended, not `"..." + to_string`: GCC 12's -Wrestrict false alarm.
  metric.name += std::to_string(m);
  metric.unit = "1";
  metric.description = "A gauge.";
  GaugeData gauge;
  for (int s = 0; s < 100; ++s) {
    gauge.points.push_back(
        NumberDataPoint{PointAttributes(s), 0, 1700000060000000000ULL, 0.001 * (s + 1) * (m + 1)});
  }
  metric.data = std::move(gauge);
  return metric;
}

ResourceMetrics TenThousandSeries() {
  constexpr uint64_t kStart = 1700000000000000000ULL;
  constexpr uint64_t kTime = 1700000060000000000ULL;
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"service.name", std::string("cryptolake-ingest")},
                                      {"service.instance.id", std::string("host-1")},
                                      {"telemetry.sdk.name", std::string("cryptolake")},
                                      {"telemetry.sdk.language", std::string("cpp")}});
  ScopeMetrics sm;
  sm.scope.name = "cryptolake.bench";
  sm.scope.version = "0.1.0";
  for (int m = 0; m < 40; ++m) {
    MetricData metric;
    metric.name = "bench.sum." + std::to_string(m);
    metric.unit = "By";
    metric.description = "A monotonic sum.";
    SumData sum;
    sum.is_monotonic = true;
    for (int s = 0; s < 100; ++s) {
      sum.points.push_back(
          NumberDataPoint{PointAttributes(s), kStart, kTime, int64_t{1000003} * (m + 1) + s});
    }
    metric.data = std::move(sum);
    sm.metrics.push_back(std::move(metric));
  }
  for (int m = 0; m < 30; ++m) sm.metrics.push_back(GaugeMetric(m));
  std::vector<double> bounds;
  for (int b = 0; b < 15; ++b) bounds.push_back(0.001 * (1 << b));
  for (int m = 0; m < 30; ++m) {
    MetricData metric;
    metric.name = "bench.latency." + std::to_string(m);
    metric.unit = "s";
    metric.description = "A histogram.";
    HistogramData histogram;
    for (int s = 0; s < 100; ++s) {
      HistogramDataPoint p;
      p.attributes = PointAttributes(s);
      p.start_time_unix_nano = kStart;
      p.time_unix_nano = kTime;
      p.explicit_bounds = bounds;
      for (int b = 0; b < 16; ++b) {
        p.bucket_counts.push_back(static_cast<uint64_t>((s * 7 + b * 13) % 50));
        p.count += p.bucket_counts.back();
      }
      p.sum = 0.01 * static_cast<double>(p.count);
      histogram.points.push_back(std::move(p));
    }
    metric.data = std::move(histogram);
    sm.metrics.push_back(std::move(metric));
  }
  rm.scope_metrics.push_back(std::move(sm));
  return rm;
}

// 5,000 counter and 5,000 gauge points, the same attributes and resource as above.
ResourceMetrics TenThousandSamples() {
  ResourceMetrics rm = TenThousandSeries();
  ScopeMetrics& sm = rm.scope_metrics[0];
  sm.metrics.erase(sm.metrics.begin() + 40, sm.metrics.end());  // Keep the 40 sums.
  for (int m = 40; m < 50; ++m) {
    MetricData metric = sm.metrics[0];
    metric.name = "bench.sum." + std::to_string(m);
    sm.metrics.push_back(std::move(metric));
  }
  for (int m = 0; m < 50; ++m) sm.metrics.push_back(GaugeMetric(m));
  return rm;
}

void Encode(benchmark::State& state, PrometheusFormat format,
            const ResourceMetrics& data = TenThousandSeries()) {
  PrometheusTextEncoder encoder;
  const PrometheusExposition exposition{format};
  std::string out;
  for (auto _ : state) {
    out.clear();
    encoder.Append(data, exposition, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(out.size()));
  state.counters["bytes"] = static_cast<double>(out.size());
  state.counters["series"] = 10000;
}

void BM_PrometheusEncode_Text004_10kSeries(benchmark::State& state) {
  Encode(state, PrometheusFormat::kText004);
}
BENCHMARK(BM_PrometheusEncode_Text004_10kSeries)->Unit(benchmark::kMillisecond);

void BM_PrometheusEncode_OpenMetrics_10kSeries(benchmark::State& state) {
  Encode(state, PrometheusFormat::kOpenMetrics100);
}
BENCHMARK(BM_PrometheusEncode_OpenMetrics_10kSeries)->Unit(benchmark::kMillisecond);

void BM_PrometheusEncode_Text004_10kSamples(benchmark::State& state) {
  Encode(state, PrometheusFormat::kText004, TenThousandSamples());
}
BENCHMARK(BM_PrometheusEncode_Text004_10kSamples)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cryptolake::metrics

BENCHMARK_MAIN();
