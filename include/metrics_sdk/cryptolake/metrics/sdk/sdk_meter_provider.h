// SdkMeterProvider: the metrics SDK. Owns meters, instruments, streams and
// their series, and serves collections to its readers.
//
//   auto reader = std::make_shared<ManualReader>();
//   auto provider = std::make_shared<SdkMeterProvider>(SdkMeterProviderOptions{
//       .resource = Resource::Create({}), .readers = {reader}});
//   metrics::SetMeterProvider(provider);
//   ...
//   ResourceMetrics data;
//   reader->Collect(&data);
//
// Readers and views are fixed at construction. Shutdown() shuts every reader
// down (periodic readers export one last time); afterwards instruments keep
// working as no-ops as far as export is concerned, GetMeter returns no-op
// meters (as the specification asks), and Collect fails. The destructor
// calls Shutdown().
//
// Thread-safety: all methods may be called concurrently from any thread.
#ifndef CRYPTOLAKE_METRICS_SDK_SDK_METER_PROVIDER_H_
#define CRYPTOLAKE_METRICS_SDK_SDK_METER_PROVIDER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/resource.h"
#include "cryptolake/metrics/sdk/view.h"

namespace cryptolake::metrics {

inline constexpr int32_t kDefaultCardinalityLimit = 2000;

struct SdkMeterProviderOptions {
  // Typically Resource::Create({...}). A resource without attributes is
  // replaced by Resource::Create({}) (SDK defaults + environment).
  Resource resource = {};
  std::vector<View> views = {};
  std::vector<std::shared_ptr<MetricReader>> readers = {};
  // Attribute sets per stream; the otel.metric.overflow=true series comes on
  // top. Under delta it applies per collection interval. Views may override.
  int32_t cardinality_limit = kDefaultCardinalityLimit;
};

namespace internal {
class MeterProviderCore;
}

class SdkMeterProvider final : public MeterProvider {
 public:
  // Readers already attached to another provider are ignored with a diagnostic.
  explicit SdkMeterProvider(SdkMeterProviderOptions options);
  ~SdkMeterProvider() override;

  std::shared_ptr<Meter> GetMeter(std::string_view name, std::string_view version = "",
                                  std::string_view schema_url = "",
                                  const AttributeSet& scope_attributes = {}) override;

  // ForceFlush on every reader; the first error is returned.
  Status ForceFlush(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));
  // Shutdown on every reader; idempotent.
  Status Shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

 private:
  std::shared_ptr<internal::MeterProviderCore> core_;
  std::vector<std::shared_ptr<MetricReader>> readers_;
  std::atomic<bool> shutdown_{false};
};

// Builds the provider for `options`, or returns NoopMeterProvider() when the
// environment sets OTEL_SDK_DISABLED=true (case-insensitive).
std::shared_ptr<MeterProvider> CreateMeterProvider(SdkMeterProviderOptions options);

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_SDK_SDK_METER_PROVIDER_H_
