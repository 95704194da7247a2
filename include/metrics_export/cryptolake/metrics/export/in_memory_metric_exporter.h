// InMemoryMetricExporter: a MetricExporter that keeps every ResourceMetrics
// it receives, for tests (ours and users') that want to inspect exactly what
// a reader exported.
//
// The temporality preference and default histogram aggregation are set at
// construction, so tests can drive a reader in cumulative, delta or
// lowmemory mode. After Shutdown() further Export() calls fail with
// FailedPrecondition and store nothing.
//
// Thread-safety: all methods may be called concurrently from any thread;
// accessors return copies taken under a mutex.
#ifndef CRYPTOLAKE_METRICS_EXPORT_IN_MEMORY_METRIC_EXPORTER_H_
#define CRYPTOLAKE_METRICS_EXPORT_IN_MEMORY_METRIC_EXPORTER_H_

#include <chrono>
#include <cstddef>
#include <mutex>
#include <vector>

#include "cryptolake/metrics/sdk/metric_exporter.h"

namespace cryptolake::metrics {

class InMemoryMetricExporter final : public MetricExporter {
 public:
  explicit InMemoryMetricExporter(
      TemporalityPreference preference = TemporalityPreference::kCumulative,
      DefaultHistogramAggregation histogram_aggregation =
          DefaultHistogramAggregation::kExplicitBucket);

  // Stores a copy of `data`. FailedPrecondition after Shutdown().
  Status Export(const ResourceMetrics& data) override;
  AggregationTemporality TemporalityFor(InstrumentKind kind) const override;
  DefaultHistogramAggregation HistogramAggregation() const override;
  // Nothing is buffered: OK, also after Shutdown().
  Status ForceFlush(std::chrono::milliseconds timeout) override;
  // Idempotent; keeps what was stored so tests can inspect it afterwards.
  Status Shutdown(std::chrono::milliseconds timeout) override;

  // Every ResourceMetrics received since construction or the last Reset(),
  // in arrival order.
  std::vector<ResourceMetrics> GetExported() const;
  // The most recent one, or an empty ResourceMetrics when none arrived.
  ResourceMetrics Last() const;
  // How many Export() calls stored data.
  size_t export_count() const;
  bool is_shutdown() const;

  // Drops the stored data (does not undo Shutdown()).
  void Reset();

 private:
  const TemporalityPreference preference_;
  const DefaultHistogramAggregation histogram_aggregation_;
  mutable std::mutex mu_;
  std::vector<ResourceMetrics> exported_;  // Guarded by mu_.
  bool shutdown_ = false;                  // Guarded by mu_.
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_EXPORT_IN_MEMORY_METRIC_EXPORTER_H_
