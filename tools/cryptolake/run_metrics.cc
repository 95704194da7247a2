#include "run_metrics.h"

#include "cryptolake/metrics/export/otlp_json.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/resource.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

namespace cryptolake::cli {

RunMetrics::RunMetrics() : reader_(std::make_shared<metrics::ManualReader>()) {
  metrics::SdkMeterProviderOptions options;
  options.resource = metrics::Resource::Create(
      metrics::AttributeSet({{"service.name", std::string("cryptolake")}}));
  options.readers = {reader_};
  provider_ = std::make_shared<metrics::SdkMeterProvider>(std::move(options));
  metrics::SetMeterProvider(provider_);
}

RunMetrics::~RunMetrics() {
  metrics::SetMeterProvider(nullptr);
  (void)provider_->Shutdown();  // A ManualReader has nothing buffered to export.
}

Result<std::string> RunMetrics::CollectOtlpJson() {
  metrics::ResourceMetrics data;
  CL_RETURN_IF_ERROR(reader_->Collect(&data));
  return metrics::EncodeOtlpJson(data);
}

}  // namespace cryptolake::cli
