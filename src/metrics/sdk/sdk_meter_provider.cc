#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string>

#include "aggregators.h"
#include "cryptolake/metrics/sdk/diagnostics.h"
#include "instrument_validation.h"
#include "sdk_meter_provider_core.h"

namespace cryptolake::metrics {
namespace internal {

std::shared_ptr<Meter> MeterProviderCore::GetMeter(std::string_view name, std::string_view version,
                                                   std::string_view schema_url,
                                                   const AttributeSet& attributes) {
  MutexLock lock(meters_mu_);
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
  MutexLock collect_lock(collect_mu_);
  std::vector<std::shared_ptr<SdkMeter>> meters;
  {
    MutexLock lock(meters_mu_);
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

}  // namespace internal

namespace {

bool NamesManyInstruments(const View& view) {
  const std::string& pattern = view.selector.name;
  return pattern.empty() || pattern.find_first_of("*?") != std::string::npos;
}

}  // namespace

SdkMeterProvider::SdkMeterProvider(SdkMeterProviderOptions options) {
  auto config = std::make_shared<internal::ProviderConfig>();
  config->resource =
      options.resource.attributes().empty() ? Resource::Create({}) : std::move(options.resource);
  config->cardinality_limit = std::max(options.cardinality_limit, 1);
  for (const View& view : options.views) {
    if (!view.stream.name.empty() && NamesManyInstruments(view)) {
      ReportDiagnostic(DiagnosticSeverity::kWarning, "ViewNameSelectsManyInstruments",
                       "view renaming streams to '" + view.stream.name +
                           "' may select several instruments (selector name '" +
                           view.selector.name + "'); their streams would share one name");
    }
  }
  config->views = std::move(options.views);

  // Readers are attached only after the core exists, but their
  // configuration must be in place first: decide which readers are usable.
  std::vector<std::shared_ptr<MetricReader>> usable;
  for (auto& reader : options.readers) {
    if (reader == nullptr) continue;
    if (reader->attached_.load()) {
      ReportDiagnostic(DiagnosticSeverity::kWarning, "ReaderAlreadyAttached",
                       "a MetricReader is already attached to another provider; ignored");
      continue;
    }
    std::array<AggregationTemporality, kInstrumentKindCount> per_kind{};
    for (size_t k = 0; k < kInstrumentKindCount; ++k) {
      per_kind[k] = reader->TemporalityFor(static_cast<InstrumentKind>(k));
    }
    config->reader_temporality.push_back(per_kind);
    if (usable.empty()) config->histogram_aggregation = reader->HistogramAggregation();
    usable.push_back(reader);
  }
  core_ = std::make_shared<internal::MeterProviderCore>(std::move(config));
  for (size_t i = 0; i < usable.size(); ++i) {
    if (usable[i]->Attach(core_, i)) readers_.push_back(usable[i]);
  }
}

SdkMeterProvider::~SdkMeterProvider() {
  (void)Shutdown();  // Readers report failed final exports as diagnostics.
}

std::shared_ptr<Meter> SdkMeterProvider::GetMeter(std::string_view name, std::string_view version,
                                                  std::string_view schema_url,
                                                  const AttributeSet& scope_attributes) {
  if (shutdown_.load()) {
    // Nothing it records could be exported any more.
    return NoopMeterProvider()->GetMeter(name, version, schema_url, scope_attributes);
  }
  return core_->GetMeter(name, version, schema_url, scope_attributes);
}

Status SdkMeterProvider::ForceFlush(std::chrono::milliseconds timeout) {
  if (shutdown_.load()) return Status::FailedPrecondition("meter provider is shut down");
  Status first;
  for (auto& reader : readers_) {
    Status s = reader->ForceFlush(timeout);
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

Status SdkMeterProvider::Shutdown(std::chrono::milliseconds timeout) {
  if (shutdown_.exchange(true)) return Status::OK();
  Status first;
  for (auto& reader : readers_) {
    Status s = reader->Shutdown(timeout);
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

std::shared_ptr<MeterProvider> CreateMeterProvider(SdkMeterProviderOptions options) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the SDK never modifies the environment.
  const char* disabled = std::getenv("OTEL_SDK_DISABLED");
  if (disabled != nullptr && internal::AsciiLower(disabled) == "true") {
    return NoopMeterProvider();
  }
  return std::make_shared<SdkMeterProvider>(std::move(options));
}

}  // namespace cryptolake::metrics
