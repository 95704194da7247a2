// metrics_memory: memory cost of one counter series.
//
// Creates N counter series (attributes exchange, data_type and a distinct
// symbol, like the benchmarks) in a fresh provider and reports the growth of
// the process's resident set (/proc/self/statm) and of the malloc heap
// (mallinfo2) divided by N. Attribute strings are built before the first
// measurement so only the SDK's own memory is counted. Series are created for
// N = 10,000 (the figure docs/benchmarks.md reports) and 100,000.
//
//   metrics_memory            prints one line per N
//   metrics_memory --json     prints a JSON object instead

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cryptolake/metrics/meter.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

namespace {

using namespace cryptolake::metrics;  // NOLINT: small program

int64_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long size = 0, resident = 0;
  const int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  if (n != 2) return -1;
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

int64_t HeapBytes() { return static_cast<int64_t>(mallinfo2().uordblks); }

struct Measurement {
  int series;
  double rss_per_series;
  double heap_per_series;
  size_t exported_points;
};

Measurement Measure(int series) {
  std::vector<std::string> symbols;
  symbols.reserve(series);
  for (int i = 0; i < series; ++i) symbols.push_back("SYM" + std::to_string(1000000 + i));

  auto reader = std::make_shared<ManualReader>();
  SdkMeterProviderOptions options;
  options.readers = {reader};
  options.cardinality_limit = series;
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  auto counter = provider->GetMeter("cryptolake.memory")->CreateInt64Counter("memory.counter");
  // One series first so that per-instrument and per-stream setup is not counted.
  counter.Add(1, {{"exchange", "binance"}, {"data_type", "klines"}, {"symbol", "warmup"}});

  malloc_trim(0);
  const int64_t rss_before = ResidentBytes();
  const int64_t heap_before = HeapBytes();
  for (int i = 0; i < series - 1; ++i) {
    counter.Add(1, {{"exchange", "binance"}, {"data_type", "klines"}, {"symbol", symbols[i]}});
  }
  const int64_t rss_after = ResidentBytes();
  const int64_t heap_after = HeapBytes();

  // Proves the series exist (and are not dropped into overflow).
  ResourceMetrics data;
  size_t points = 0;
  if (reader->Collect(&data).ok()) {
    for (const ScopeMetrics& scope : data.scope_metrics) {
      for (const MetricData& metric : scope.metrics) {
        if (const auto* sum = std::get_if<SumData>(&metric.data)) points += sum->points.size();
      }
    }
  }
  (void)provider->Shutdown();
  const double n = series - 1;
  return {series, (rss_after - rss_before) / n, (heap_after - heap_before) / n, points};
}

}  // namespace

int main(int argc, char** argv) {
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  std::vector<Measurement> results;
  for (int series : {10000, 100000}) results.push_back(Measure(series));
  int status = 0;
  if (json) std::printf("{\"counter_series\": [");
  for (size_t i = 0; i < results.size(); ++i) {
    const Measurement& m = results[i];
    if (m.exported_points != static_cast<size_t>(m.series)) status = 1;
    if (json) {
      std::printf(
          "%s{\"series\": %d, \"rss_bytes_per_series\": %.1f, "
          "\"heap_bytes_per_series\": %.1f, \"exported_points\": %zu}",
          i ? ", " : "", m.series, m.rss_per_series, m.heap_per_series, m.exported_points);
    } else {
      std::printf(
          "%d counter series: RSS %.1f bytes/series, heap %.1f bytes/series "
          "(%zu points exported)\n",
          m.series, m.rss_per_series, m.heap_per_series, m.exported_points);
    }
  }
  if (json) std::printf("]}\n");
  if (status != 0) std::fprintf(stderr, "a collection did not export every series\n");
  return status;
}
