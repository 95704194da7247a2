// SdkMeter and the SDK's instrument implementations.
//
// SdkMeter validates instrument names/units, de-duplicates instruments by
// identity, resolves views into streams (stream_spec.h) and collects its
// instruments for a reader. SyncInstrumentImpl fans a measurement out to the
// streams of an instrument with several (a single stream is its own
// instrument, see sync_stream.h); AsyncInstrumentImpl runs its callbacks at collection.
//
// Thread-safety: all public methods are thread-safe. Collect for one
// provider is serialised by the provider.
#ifndef CRYPTOLAKE_SRC_METRICS_SDK_METER_H_
#define CRYPTOLAKE_SRC_METRICS_SDK_METER_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "async_stream.h"
#include "cryptolake/common/thread_annotations.h"
#include "cryptolake/metrics/meter.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/metrics/sdk/metric_exporter.h"
#include "cryptolake/metrics/sdk/resource.h"
#include "cryptolake/metrics/sdk/view.h"
#include "sync_stream.h"

namespace cryptolake::metrics::internal {

// Provider-wide configuration, fixed once the provider is built.
struct ProviderConfig {
  Resource resource;
  std::vector<View> views;
  int32_t cardinality_limit = 2000;
  // Per reader: the temporality for each InstrumentKind.
  std::vector<std::array<AggregationTemporality, kInstrumentKindCount>> reader_temporality;
  // Histogram aggregation for instruments without a view (the first reader's wish).
  DefaultHistogramAggregation histogram_aggregation = DefaultHistogramAggregation::kExplicitBucket;
};

class SyncInstrumentImpl final : public SyncInstrument {
 public:
  explicit SyncInstrumentImpl(std::vector<std::shared_ptr<SyncStream>> streams)
      : streams_(std::move(streams)) {}

  void RecordInt64(int64_t value, Attributes attributes) noexcept override;
  void RecordDouble(double value, Attributes attributes) noexcept override;
  std::shared_ptr<BoundRecorder> Bind(Attributes attributes) override;

  const std::vector<std::shared_ptr<SyncStream>>& streams() const { return streams_; }

 private:
  const std::vector<std::shared_ptr<SyncStream>> streams_;
};

class AsyncInstrumentImpl final : public AsyncInstrument {
 public:
  explicit AsyncInstrumentImpl(std::vector<std::shared_ptr<AsyncStream>> streams)
      : streams_(std::move(streams)) {}

  CallbackId AddInt64Callback(ObservableCallback<int64_t> callback) override EXCLUDES(mu_);
  CallbackId AddDoubleCallback(ObservableCallback<double> callback) override EXCLUDES(mu_);
  bool RemoveCallback(CallbackId id) override;  // Also from a callback, under mu_.

  // Runs every callback; returns the observations, the last one of each
  // attribute set winning, in first-seen order.
  std::vector<Observation> Observe() EXCLUDES(mu_);

  const std::vector<std::shared_ptr<AsyncStream>>& streams() const { return streams_; }

 private:
  struct Entry {
    CallbackId id = 0;
    ObservableCallback<int64_t> int64_callback;
    ObservableCallback<double> double_callback;
  };

  const std::vector<std::shared_ptr<AsyncStream>> streams_;
  // Recursive so a callback may remove itself (or another) while running.
  RecursiveMutex mu_;
  std::vector<Entry> callbacks_ GUARDED_BY(mu_);
};

class SdkMeter final : public Meter {
 public:
  SdkMeter(std::shared_ptr<const ProviderConfig> config, InstrumentationScope scope);

  const InstrumentationScope& scope() const { return scope_; }

  // Appends the metrics of every instrument for `reader`.
  void Collect(size_t reader, uint64_t now_ns, std::vector<MetricData>* out) EXCLUDES(mu_);

 protected:
  std::shared_ptr<SyncInstrument> CreateSyncInstrument(
      const InstrumentDescriptor& descriptor) override EXCLUDES(mu_);
  std::shared_ptr<AsyncInstrument> CreateAsyncInstrument(
      const InstrumentDescriptor& descriptor) override EXCLUDES(mu_);

 private:
  struct Record {
    InstrumentDescriptor descriptor;
    std::string lower_name;
    // The single stream itself, or a SyncInstrumentImpl over several.
    std::shared_ptr<SyncInstrument> sync;
    std::vector<std::shared_ptr<SyncStream>> sync_streams;
    std::shared_ptr<AsyncInstrumentImpl> observable;
  };

  // Validates and de-duplicates. Returns the existing record for a known
  // identity, nullptr for invalid descriptors (reported), or a new record
  // (not yet holding an implementation) appended to records_.
  Record* FindOrAddLocked(const InstrumentDescriptor& descriptor, bool* created) REQUIRES(mu_);
  std::vector<StreamSpec> ResolveStreamsLocked(const InstrumentDescriptor& descriptor)
      REQUIRES(mu_);
  StreamSpec BuildSpec(const InstrumentDescriptor& descriptor, const StreamConfig* config) const;
  bool Selects(const InstrumentSelector& selector, const InstrumentDescriptor& descriptor) const;

  const std::shared_ptr<const ProviderConfig> config_;
  const InstrumentationScope scope_;
  Mutex mu_;
  std::vector<std::unique_ptr<Record>> records_ GUARDED_BY(mu_);
  std::vector<std::string> stream_names_ GUARDED_BY(mu_);  // Lower-case, for duplicate detection.
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_SDK_METER_H_
