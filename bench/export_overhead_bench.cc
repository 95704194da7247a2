// What exporting costs the code that records: Counter<int64>::Add with three attributes (the
// metrics_bench workload) on a provider
//   - BM_Record_NoExporter:   with only a manual reader nobody collects;
//   - BM_Record_DeadEndpoint: configured like the CLI through MetricsSetup, exporting OTLP/gRPC
//                             every 100 ms to 127.0.0.1:1, where nothing listens (the circuit
//                             opens, batches queue, the reader and sender threads keep running);
//   - BM_Record_LiveCollection: with a periodic console exporter (to /dev/null) collecting every
//                             100 ms, the cost of collection itself.
// Run with --benchmark_enable_random_interleaving=true --benchmark_repetitions=N so the
// configurations alternate in one run; docs/benchmarks.md has the figures.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cryptolake/metrics/meter.h"
#include "cryptolake/metrics/net/metrics_setup.h"
#include "cryptolake/metrics/sdk/diagnostics.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

namespace cryptolake::metrics {
namespace {

const std::vector<std::string>& Symbols() {
  static const std::vector<std::string> symbols = [] {
    std::vector<std::string> s;
    for (int i = 0; i < 100; ++i) s.push_back("SYM" + std::to_string(i) + "USDT");
    return s;
  }();
  return symbols;
}

void RecordLoop(benchmark::State& state, const std::shared_ptr<MeterProvider>& provider) {
  auto meter = provider->GetMeter("bench.export_overhead");
  Counter<int64_t> counter = meter->CreateInt64Counter("bench.records", {.unit = "{record}"});
  const auto& symbols = Symbols();
  size_t i = 0;
  for (auto _ : state) {
    counter.Add(1, {{"exchange", "binance"}, {"data_type", "klines"}, {"symbol", symbols[i]}});
    if (++i == symbols.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Record_NoExporter(benchmark::State& state) {
  static auto provider = [] {
    SdkMeterProviderOptions options;
    options.readers = {std::make_shared<ManualReader>()};
    return std::make_shared<SdkMeterProvider>(std::move(options));
  }();
  RecordLoop(state, provider);
}

std::unique_ptr<MetricsSetup> MakeSetup(std::map<std::string, std::string> env) {
  SetDiagnosticHandler([](const Diagnostic&) {});  // The dead endpoint's warning is expected.
  MetricsSetupOptions options;
  auto vars = std::make_shared<std::map<std::string, std::string>>(std::move(env));
  options.env = [vars](const char* name) -> const char* {
    auto it = vars->find(name);
    return it == vars->end() ? nullptr : it->second.c_str();
  };
  options.console = std::fopen("/dev/null", "w");
  Result<std::unique_ptr<MetricsSetup>> setup = MetricsSetup::Create(std::move(options));
  if (!setup.ok()) std::abort();
  return std::move(setup).value();
}

void BM_Record_DeadEndpoint(benchmark::State& state) {
  static std::unique_ptr<MetricsSetup> setup =
      MakeSetup({{"OTEL_METRICS_EXPORTER", "otlp"},
                 {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1"},
                 {"OTEL_METRIC_EXPORT_INTERVAL", "100"},
                 {"OTEL_EXPORTER_OTLP_TIMEOUT", "1000"}});
  RecordLoop(state, setup->provider());
}

void BM_Record_LiveCollection(benchmark::State& state) {
  static std::unique_ptr<MetricsSetup> setup =
      MakeSetup({{"OTEL_METRICS_EXPORTER", "console"}, {"OTEL_METRIC_EXPORT_INTERVAL", "100"}});
  RecordLoop(state, setup->provider());
}

BENCHMARK(BM_Record_NoExporter)->MinTime(1.0);
BENCHMARK(BM_Record_DeadEndpoint)->MinTime(1.0);
BENCHMARK(BM_Record_LiveCollection)->MinTime(1.0);

}  // namespace
}  // namespace cryptolake::metrics

BENCHMARK_MAIN();
