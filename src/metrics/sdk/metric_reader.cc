#include "cryptolake/metrics/sdk/metric_reader.h"

#include "sdk_meter_provider_core.h"

namespace cryptolake::metrics {

MetricReader::MetricReader() = default;
MetricReader::~MetricReader() = default;

bool MetricReader::Attach(std::weak_ptr<internal::MeterProviderCore> core, size_t index) {
  MutexLock lock(attach_mu_);
  if (attached_.load()) return false;
  core_ = std::move(core);
  index_ = index;
  attached_.store(true);
  return true;
}

Status MetricReader::Collect(ResourceMetrics* out) {
  if (is_shutdown()) return Status::FailedPrecondition("metric reader is shut down");
  return CollectUnchecked(out);
}

Status MetricReader::CollectUnchecked(ResourceMetrics* out) {
  std::shared_ptr<internal::MeterProviderCore> core;
  size_t index;
  {
    MutexLock lock(attach_mu_);
    core = core_.lock();
    index = index_;
  }
  if (core == nullptr) {
    return Status::FailedPrecondition("metric reader is not attached to a live meter provider");
  }
  return core->Collect(index, out);
}

Status MetricReader::ForceFlush(std::chrono::milliseconds timeout) {
  if (is_shutdown()) return Status::FailedPrecondition("metric reader is shut down");
  return OnForceFlush(timeout);
}

Status MetricReader::Shutdown(std::chrono::milliseconds timeout) {
  if (shutdown_.exchange(true)) return Status::OK();
  return OnShutdown(timeout);
}

}  // namespace cryptolake::metrics
