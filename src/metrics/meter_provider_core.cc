#include "metrics/meter_provider_core.h"

#include "metrics/aggregators.h"

namespace cryptolake::metrics::internal {

std::shared_ptr<Meter> MeterProviderCore::GetMeter(std::string_view name, std::string_view version,
                                                   std::string_view schema_url,
                                                   const AttributeSet& attributes) {
  std::lock_guard<std::mutex> lock(meters_mu_);
  for (const auto& m : meters_) {
    const InstrumentationScope& s = m->scope();
    if (s.name == name && s.version == version && s.schema_url == schema_url &&
        s.attributes == attributes) {
      return m;
    }
  }
  InstrumentationScope scope{std::string(name), std::string(version), std::string(schema_url),
                             attributes};
  meters_.push_back(std::make_shared<SdkMeter>(config_, std::move(scope)));
  return meters_.back();
}

Status MeterProviderCore::Collect(size_t reader, ResourceMetrics* out) {
  if (reader >= config_->reader_temporality.size()) {
    return Status::Internal("reader index out of range");
  }
  std::lock_guard<std::mutex> collect_lock(collect_mu_);
  std::vector<std::shared_ptr<SdkMeter>> meters;
  {
    std::lock_guard<std::mutex> lock(meters_mu_);
    meters = meters_;
  }
  out->resource = config_->resource;
  out->scope_metrics.clear();
  const uint64_t now = NowUnixNanos();
  for (const auto& meter : meters) {
    ScopeMetrics scope_metrics;
    meter->Collect(reader, now, &scope_metrics.metrics);
    if (scope_metrics.metrics.empty()) continue;
    scope_metrics.scope = meter->scope();
    out->scope_metrics.push_back(std::move(scope_metrics));
  }
  return Status::OK();
}

}  // namespace cryptolake::metrics::internal
