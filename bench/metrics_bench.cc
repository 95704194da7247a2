// Metrics SDK benchmarks. The names and workloads are fixed so results can be
// compared across versions and against other SDKs run on the same machine
// (see docs/benchmarks.md):
//
//   BM_CounterAdd_NoAttrs      Counter<int64>::Add(1) without attributes
//   BM_CounterAdd_3Attrs       Add(1, {exchange="binance", data_type="klines",
//                              symbol=<one of 100, cycling>}), attributes passed
//                              at the call (not pre-bound)
//   BM_CounterAdd_Bound        Add(1) on a handle bound to one attribute set
//   BM_HistogramRecord_3Attrs  Histogram<double>::Record with the same
//                              attributes, values spread over the default buckets
//   BM_UpDownCounterAdd_1Attr  UpDownCounter<int64>::Add(+-1, {symbol})
//   BM_Collect_10kSeries       one cumulative collection of 10,000 counter
//                              series into the export data model
//
// Each recording benchmark runs with 1 and 2 threads. With 2 threads, thread 1
// starts 50 symbols after thread 0, so the two threads mostly touch different
// series at a given moment; BM_CounterAdd_Bound binds each thread to its own
// series, and BM_CounterAdd_3Attrs_DistinctSeries gives each thread its own 100
// symbols (the distinct-series scaling figures).

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cryptolake/metrics/meter.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

namespace cryptolake::metrics {
namespace {

constexpr int kSymbolCount = 100;

const std::vector<std::string>& Symbols() {
  static const std::vector<std::string> symbols = [] {
    std::vector<std::string> s;
    const char* bases[] = {"BTC", "ETH", "BNB", "SOL", "XRP", "ADA", "DOGE", "DOT", "LTC", "LINK"};
    const char* quotes[] = {"USDT", "BUSD", "FDUSD", "BTC",  "ETH",
                            "TRY",  "EUR",  "BRL",   "TUSD", "USDC"};
    for (const char* b : bases) {
      for (const char* q : quotes) s.push_back(std::string(b) + q);
    }
    return s;
  }();
  return symbols;
}

// One provider with a cumulative manual reader, shared by every benchmark.
struct Fixture {
  std::shared_ptr<ManualReader> reader = std::make_shared<ManualReader>();
  std::shared_ptr<SdkMeterProvider> provider;
  std::shared_ptr<Meter> meter;
  Counter<int64_t> counter_no_attrs;
  Counter<int64_t> counter_3attrs;
  Counter<int64_t> counter_3attrs_distinct;  // Only BM_CounterAdd_3Attrs_DistinctSeries.
  Counter<int64_t> counter_bound;
  Histogram<double> histogram_3attrs;
  UpDownCounter<int64_t> updown_1attr;

  Fixture() {
    SdkMeterProviderOptions options;
    options.readers = {reader};
    provider = std::make_shared<SdkMeterProvider>(std::move(options));
    meter = provider->GetMeter("cryptolake.bench", "1");
    counter_no_attrs = meter->CreateInt64Counter("bench.counter_no_attrs");
    counter_3attrs = meter->CreateInt64Counter("bench.counter_3attrs");
    counter_3attrs_distinct = meter->CreateInt64Counter("bench.counter_3attrs_distinct");
    counter_bound = meter->CreateInt64Counter("bench.counter_bound");
    InstrumentOptions ms;
    ms.unit = "ms";
    histogram_3attrs = meter->CreateDoubleHistogram("bench.histogram_3attrs", ms);
    updown_1attr = meter->CreateInt64UpDownCounter("bench.updown_1attr");
  }
};

Fixture& Shared() {
  static Fixture* fixture = new Fixture();  // Never destroyed: threads may outlive statics.
  return *fixture;
}

void BM_CounterAdd_NoAttrs(benchmark::State& state) {
  const Counter<int64_t>& counter = Shared().counter_no_attrs;
  for (auto _ : state) counter.Add(1);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterAdd_NoAttrs)->Threads(1)->Threads(2);

void BM_CounterAdd_3Attrs(benchmark::State& state) {
  const Counter<int64_t>& counter = Shared().counter_3attrs;
  const std::vector<std::string>& symbols = Symbols();
  int i = state.thread_index() * (kSymbolCount / 2);
  for (auto _ : state) {
    counter.Add(1, {{"exchange", "binance"}, {"data_type", "klines"}, {"symbol", symbols[i]}});
    if (++i == kSymbolCount) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterAdd_3Attrs)->Threads(1)->Threads(2);

// Same call as BM_CounterAdd_3Attrs, but each thread cycles over its own 100
// symbols ("<symbol>.<thread>"), so no series is shared between threads: the
// distinct-series scaling figure for the unbound path (1 vs 2 threads). Its
// own counter, so its series table holds only these series whatever ran
// before it.
void BM_CounterAdd_3Attrs_DistinctSeries(benchmark::State& state) {
  const Counter<int64_t>& counter = Shared().counter_3attrs_distinct;
  // Both threads' series exist before timing starts, whatever the thread
  // count, so that the 1- and 2-thread runs probe the same table (a larger
  // table alone costs a few ns per add on this machine's 32 KiB L1).
  for (int t = 0; t < 2; ++t) {
    for (const std::string& s : Symbols()) {
      const std::string symbol = s + "." + std::to_string(t);
      counter.Add(0, {{"exchange", "binance"}, {"data_type", "klines"}, {"symbol", symbol}});
    }
  }
  std::vector<std::string> symbols;
  for (const std::string& s : Symbols()) {
    symbols.push_back(s + "." + std::to_string(state.thread_index()));
  }
  int i = 0;
  for (auto _ : state) {
    counter.Add(1, {{"exchange", "binance"}, {"data_type", "klines"}, {"symbol", symbols[i]}});
    if (++i == kSymbolCount) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterAdd_3Attrs_DistinctSeries)->Threads(1)->Threads(2);

void BM_CounterAdd_Bound(benchmark::State& state) {
  const std::string& symbol = Symbols()[state.thread_index()];
  BoundCounter<int64_t> bound = Shared().counter_bound.Bind(
      {{"exchange", "binance"}, {"data_type", "klines"}, {"symbol", symbol}});
  for (auto _ : state) bound.Add(1);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterAdd_Bound)->Threads(1)->Threads(2);

void BM_HistogramRecord_3Attrs(benchmark::State& state) {
  // One value inside each of the 16 default buckets.
  static constexpr std::array<double, 16> kValues = {0,   3,   7,   20,   40,   60,   90,   200,
                                                     400, 600, 900, 2000, 4000, 6000, 9000, 20000};
  const Histogram<double>& histogram = Shared().histogram_3attrs;
  const std::vector<std::string>& symbols = Symbols();
  int i = state.thread_index() * (kSymbolCount / 2);
  size_t v = 0;
  for (auto _ : state) {
    histogram.Record(kValues[v],
                     {{"exchange", "binance"}, {"data_type", "klines"}, {"symbol", symbols[i]}});
    if (++i == kSymbolCount) i = 0;
    if (++v == kValues.size()) v = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord_3Attrs)->Threads(1)->Threads(2);

void BM_UpDownCounterAdd_1Attr(benchmark::State& state) {
  const UpDownCounter<int64_t>& updown = Shared().updown_1attr;
  const std::vector<std::string>& symbols = Symbols();
  int i = state.thread_index() * (kSymbolCount / 2);
  int64_t delta = 1;
  for (auto _ : state) {
    updown.Add(delta, {{"symbol", symbols[i]}});
    delta = -delta;
    if (++i == kSymbolCount) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UpDownCounterAdd_1Attr)->Threads(1)->Threads(2);

void BM_Collect_10kSeries(benchmark::State& state) {
  constexpr int kSeries = 10000;
  auto reader = std::make_shared<ManualReader>();
  SdkMeterProviderOptions options;
  options.readers = {reader};
  options.cardinality_limit = kSeries;  // Keep every series.
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  auto counter =
      provider->GetMeter("cryptolake.bench.collect")->CreateInt64Counter("bench.collect");
  for (int s = 0; s < kSeries; ++s) {
    counter.Add(1, {{"exchange", "binance"}, {"data_type", "klines"}, {"series", s}});
  }
  size_t points = 0;
  for (auto _ : state) {
    ResourceMetrics data;
    if (!reader->Collect(&data).ok()) {
      state.SkipWithError("Collect failed");
      break;
    }
    points = 0;
    for (const ScopeMetrics& scope : data.scope_metrics) {
      for (const MetricData& metric : scope.metrics) {
        if (const auto* sum = std::get_if<SumData>(&metric.data)) points += sum->points.size();
      }
    }
    benchmark::DoNotOptimize(data);
  }
  state.counters["points"] = static_cast<double>(points);
  if (points != kSeries) state.SkipWithError("collection did not return 10,000 points");
  state.SetItemsProcessed(state.iterations() * kSeries);
  (void)provider->Shutdown();
}
BENCHMARK(BM_Collect_10kSeries)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cryptolake::metrics

BENCHMARK_MAIN();
