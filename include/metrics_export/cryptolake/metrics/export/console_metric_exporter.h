// ConsoleMetricExporter: writes each export to stdout, a FILE* or a
// std::ostream, in one of two formats:
//  - kOtlpJson (default): one OTLP/JSON ExportMetricsServiceRequest object
//    per line (see otlp_json.h), for piping into tools that read JSON lines
//    (jq, an OTLP/HTTP JSON forwarder);
//  - kTable: a human-readable aligned table, one row per data point (see
//    metrics_table.h), followed by an empty line, for demos and debugging.
//
// Each export is written (one write call) and flushed whole under a mutex,
// so the output of concurrent exports never interleaves. The stream is not owned and must
// outlive the exporter. After Shutdown() Export() fails with
// FailedPrecondition and writes nothing.
//
// Thread-safety: all methods may be called concurrently from any thread.
#ifndef CRYPTOLAKE_METRICS_EXPORT_CONSOLE_METRIC_EXPORTER_H_
#define CRYPTOLAKE_METRICS_EXPORT_CONSOLE_METRIC_EXPORTER_H_

#include <chrono>
#include <cstdio>
#include <mutex>
#include <ostream>
#include <string>

#include "cryptolake/metrics/sdk/metric_exporter.h"

namespace cryptolake::metrics {

enum class ConsoleMetricFormat {
  kOtlpJson,
  kTable,
};

struct ConsoleMetricExporterOptions {
  TemporalityPreference temporality = TemporalityPreference::kCumulative;
  DefaultHistogramAggregation histogram_aggregation = DefaultHistogramAggregation::kExplicitBucket;
  ConsoleMetricFormat format = ConsoleMetricFormat::kOtlpJson;
};

class ConsoleMetricExporter final : public MetricExporter {
 public:
  using Options = ConsoleMetricExporterOptions;

  // Writes to stdout.
  ConsoleMetricExporter() : ConsoleMetricExporter(stdout, Options()) {}
  // REQUIRES: `out` != nullptr and outlives the exporter.
  explicit ConsoleMetricExporter(FILE* out, Options options = Options());
  // REQUIRES: `out` != nullptr and outlives the exporter.
  explicit ConsoleMetricExporter(std::ostream* out, Options options = Options());

  // Writes one line (kOtlpJson) or one table (kTable). IOError when the
  // stream reports a write failure.
  Status Export(const ResourceMetrics& data) override;
  AggregationTemporality TemporalityFor(InstrumentKind kind) const override;
  DefaultHistogramAggregation HistogramAggregation() const override;
  // Flushes the stream.
  Status ForceFlush(std::chrono::milliseconds timeout) override;
  // Flushes once; idempotent.
  Status Shutdown(std::chrono::milliseconds timeout) override;

 private:
  Status FlushLocked();

  FILE* const file_ = nullptr;
  std::ostream* const stream_ = nullptr;
  const Options options_;
  std::mutex mu_;
  std::string line_;       // Reused encoding buffer. Guarded by mu_.
  bool shutdown_ = false;  // Guarded by mu_.
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_EXPORT_CONSOLE_METRIC_EXPORTER_H_
