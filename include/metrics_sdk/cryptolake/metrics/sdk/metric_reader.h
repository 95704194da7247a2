// MetricReader: collects the data of one SdkMeterProvider, with its own
// temporality per instrument kind. ManualReader collects on demand (pull,
// e.g. a Prometheus endpoint or a test); PeriodicExportingReader
// (periodic_exporting_reader.h) pushes to an exporter on its own thread.
//
// A reader is attached to exactly one provider by passing it in
// SdkMeterProviderOptions::readers. Each reader sees every measurement:
// cumulative readers get totals since each series' first measurement, delta
// readers the change since their own previous collection.
//
// Thread-safety: Collect, ForceFlush and Shutdown may be called from any
// thread, concurrently; collections of one provider are serialised. Shutdown
// is idempotent; after it Collect fails with FailedPrecondition.
#ifndef CRYPTOLAKE_METRICS_SDK_METRIC_READER_H_
#define CRYPTOLAKE_METRICS_SDK_METRIC_READER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "cryptolake/common/status.h"
#include "cryptolake/common/thread_annotations.h"
#include "cryptolake/metrics/instrument_kind.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/metrics/sdk/metric_exporter.h"

namespace cryptolake::metrics {

namespace internal {
class MeterProviderCore;
}

class MetricReader {
 public:
  MetricReader();
  virtual ~MetricReader();
  MetricReader(const MetricReader&) = delete;
  MetricReader& operator=(const MetricReader&) = delete;

  // The temporality this reader wants for `kind`. Must be constant.
  virtual AggregationTemporality TemporalityFor(InstrumentKind kind) const = 0;
  // The aggregation for Histogram instruments without a view. Must be constant.
  virtual DefaultHistogramAggregation HistogramAggregation() const {
    return DefaultHistogramAggregation::kExplicitBucket;
  }

  // Runs the observable callbacks and collects every stream into `out`.
  // FailedPrecondition when not attached to a provider or shut down.
  Status Collect(ResourceMetrics* out);

  // Pushes pending data (periodic reader: collect+export now). Idempotent.
  Status ForceFlush(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));
  // Final flush (periodic reader: one last collect+export), then stops.
  // Idempotent: later calls return OK without doing anything.
  Status Shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));
  bool is_shutdown() const { return shutdown_.load(std::memory_order_acquire); }

 protected:
  virtual Status OnForceFlush(std::chrono::milliseconds /*timeout*/) { return Status::OK(); }
  virtual Status OnShutdown(std::chrono::milliseconds /*timeout*/) { return Status::OK(); }
  // Collects regardless of the shutdown flag (used by the final export).
  Status CollectUnchecked(ResourceMetrics* out);

 private:
  friend class internal::MeterProviderCore;
  friend class SdkMeterProvider;
  // Called once by the provider. Returns false if already attached.
  bool Attach(std::weak_ptr<internal::MeterProviderCore> core, size_t index) EXCLUDES(attach_mu_);

  Mutex attach_mu_;
  std::weak_ptr<internal::MeterProviderCore> core_ GUARDED_BY(attach_mu_);
  size_t index_ GUARDED_BY(attach_mu_) = 0;
  std::atomic<bool> attached_{false};
  std::atomic<bool> shutdown_{false};
};

struct ManualReaderOptions {
  TemporalityPreference temporality = TemporalityPreference::kCumulative;
  DefaultHistogramAggregation histogram_aggregation = DefaultHistogramAggregation::kExplicitBucket;
};

// A pull reader: data is produced only when Collect() is called.
class ManualReader final : public MetricReader {
 public:
  explicit ManualReader(ManualReaderOptions options = {}) : options_(options) {}
  AggregationTemporality TemporalityFor(InstrumentKind kind) const override {
    return metrics::TemporalityFor(options_.temporality, kind);
  }
  DefaultHistogramAggregation HistogramAggregation() const override {
    return options_.histogram_aggregation;
  }

 private:
  ManualReaderOptions options_;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_SDK_METRIC_READER_H_
