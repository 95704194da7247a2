// MeterProviderCore: the internal part of SdkMeterProvider (implemented in
// sdk_meter_provider.cc) that its readers share: meters, configuration and the
// collection entry point.
//
// Readers hold it weakly; collection fails once the provider is gone.
//
// Thread-safety: GetMeter and Collect are thread-safe; collections are
// serialised (callbacks run one collection at a time).
#ifndef CRYPTOLAKE_SRC_METRICS_SDK_SDK_METER_PROVIDER_CORE_H_
#define CRYPTOLAKE_SRC_METRICS_SDK_SDK_METER_PROVIDER_CORE_H_

#include <memory>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/common/thread_annotations.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "sdk_meter.h"

namespace cryptolake::metrics::internal {

class MeterProviderCore {
 public:
  explicit MeterProviderCore(std::shared_ptr<const ProviderConfig> config)
      : config_(std::move(config)) {}

  std::shared_ptr<Meter> GetMeter(std::string_view name, std::string_view version,
                                  std::string_view schema_url, const AttributeSet& attributes)
      EXCLUDES(meters_mu_);

  // REQUIRES: reader < number of readers in the configuration.
  Status Collect(size_t reader, ResourceMetrics* out) EXCLUDES(collect_mu_, meters_mu_);

 private:
  const std::shared_ptr<const ProviderConfig> config_;
  Mutex meters_mu_;
  std::vector<std::shared_ptr<SdkMeter>> meters_ GUARDED_BY(meters_mu_);
  Mutex collect_mu_;  // Serialises collections.
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_SDK_SDK_METER_PROVIDER_CORE_H_
