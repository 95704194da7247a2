// MetricExporter: the push-exporter interface a periodic reader drives.
//
// An exporter states, per instrument kind, which temporality it wants and
// which aggregation it wants by default; the reader asks once per stream.
// Export() receives one collection's worth of data.
//
// Thread-safety: the SDK never calls Export() concurrently on one exporter;
// ForceFlush() and Shutdown() may be called from any thread, concurrently
// with Export().
#ifndef CRYPTOLAKE_METRICS_SDK_METRIC_EXPORTER_H_
#define CRYPTOLAKE_METRICS_SDK_METRIC_EXPORTER_H_

#include <chrono>
#include <string_view>

#include "cryptolake/common/status.h"
#include "cryptolake/metrics/instrument_kind.h"
#include "cryptolake/metrics/sdk/metric_data.h"

namespace cryptolake::metrics {

// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE.
enum class TemporalityPreference {
  kCumulative,  // Everything cumulative.
  kDelta,       // Counter, ObservableCounter, Histogram delta; UpDownCounters cumulative.
  kLowMemory,   // Counter, Histogram delta; ObservableCounter and UpDownCounters cumulative.
};

// The temporality `preference` assigns to `kind` (gauges: cumulative, which
// exporters ignore for Gauge data).
AggregationTemporality TemporalityFor(TemporalityPreference preference, InstrumentKind kind);

// Parses "cumulative" / "delta" / "lowmemory" (case-insensitive).
Result<TemporalityPreference> ParseTemporalityPreference(std::string_view text);

// Which histogram aggregation an exporter wants for Histogram instruments that
// no view configures (OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION).
enum class DefaultHistogramAggregation {
  kExplicitBucket,
  kBase2Exponential,
};

class MetricExporter {
 public:
  virtual ~MetricExporter() = default;

  // Sends one collection. Must not block longer than the reader's export
  // timeout; returns a non-OK status when the data could not be delivered.
  virtual Status Export(const ResourceMetrics& data) = 0;

  virtual AggregationTemporality TemporalityFor(InstrumentKind kind) const {
    return metrics::TemporalityFor(TemporalityPreference::kCumulative, kind);
  }

  virtual DefaultHistogramAggregation HistogramAggregation() const {
    return DefaultHistogramAggregation::kExplicitBucket;
  }

  // Delivers anything buffered. Idempotent.
  virtual Status ForceFlush(std::chrono::milliseconds timeout) = 0;
  // Flushes and releases resources; later Export() calls fail. Idempotent.
  virtual Status Shutdown(std::chrono::milliseconds timeout) = 0;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_SDK_METRIC_EXPORTER_H_
