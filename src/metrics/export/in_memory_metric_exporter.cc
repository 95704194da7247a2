#include "cryptolake/metrics/export/in_memory_metric_exporter.h"

namespace cryptolake::metrics {

InMemoryMetricExporter::InMemoryMetricExporter(TemporalityPreference preference,
                                               DefaultHistogramAggregation histogram_aggregation)
    : preference_(preference), histogram_aggregation_(histogram_aggregation) {}

Status InMemoryMetricExporter::Export(const ResourceMetrics& data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) return Status::FailedPrecondition("in-memory metric exporter is shut down");
  exported_.push_back(data);
  return Status::OK();
}

AggregationTemporality InMemoryMetricExporter::TemporalityFor(InstrumentKind kind) const {
  return metrics::TemporalityFor(preference_, kind);
}

DefaultHistogramAggregation InMemoryMetricExporter::HistogramAggregation() const {
  return histogram_aggregation_;
}

Status InMemoryMetricExporter::ForceFlush(std::chrono::milliseconds) { return Status::OK(); }

Status InMemoryMetricExporter::Shutdown(std::chrono::milliseconds) {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  return Status::OK();
}

std::vector<ResourceMetrics> InMemoryMetricExporter::GetExported() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exported_;
}

ResourceMetrics InMemoryMetricExporter::Last() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exported_.empty() ? ResourceMetrics() : exported_.back();
}

size_t InMemoryMetricExporter::export_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exported_.size();
}

bool InMemoryMetricExporter::is_shutdown() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutdown_;
}

void InMemoryMetricExporter::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  exported_.clear();
}

}  // namespace cryptolake::metrics
