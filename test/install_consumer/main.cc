// Records through the metrics API (and one telemetry tracker), collects with the SDK, exports to the in-memory exporter and
// checks what arrived; then builds a provider from an environment with MetricsSetup (metrics_net:
// its OTLP exporter is constructed, nothing is sent). Exit 0 when the counter's value, the SDK
// version and the exporter list are as expected.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <variant>

#include "cryptolake/common/version.h"
#include "cryptolake/metrics/export/in_memory_metric_exporter.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/net/metrics_setup.h"
#include "cryptolake/metrics/sdk/periodic_exporting_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/telemetry/trackers.h"

namespace metrics = cryptolake::metrics;

int main() {
  auto exporter = std::make_shared<metrics::InMemoryMetricExporter>();
  auto reader = std::make_shared<metrics::PeriodicExportingReader>(
      exporter, metrics::PeriodicExportingReaderOptions{});
  auto provider = std::make_shared<metrics::SdkMeterProvider>(
      metrics::SdkMeterProviderOptions{.readers = {reader}});
  metrics::SetMeterProvider(provider);

  auto counter = metrics::GetMeterProvider()->GetMeter("consumer")->CreateInt64Counter("rows");
  counter.Add(40, {{"symbol", "BTCUSDT"}});
  counter.Add(2, {{"symbol", "BTCUSDT"}});
  {
    cryptolake::telemetry::TrackWorkflowExecution workflow("consumer");
  }

  if (!provider->ForceFlush().ok()) {
    std::fprintf(stderr, "consumer: ForceFlush failed\n");
    return 1;
  }
  const metrics::ResourceMetrics data = exporter->Last();
  int64_t value = -1;
  int64_t executions = -1;
  std::string sdk_version;
  if (const auto* v = data.resource.attributes().Find("telemetry.sdk.version")) {
    sdk_version = std::get<std::string>(*v);
  }
  for (const auto& scope : data.scope_metrics) {
    for (const auto& metric : scope.metrics) {
      const auto* sum = std::get_if<metrics::SumData>(&metric.data);
      if (metric.name == "rows" && sum != nullptr && sum->points.size() == 1) {
        value = std::get<int64_t>(sum->points[0].value);
      }
      if (metric.name == "cryptolake.workflow.executions" && sum != nullptr &&
          sum->points.size() == 1) {
        executions = std::get<int64_t>(sum->points[0].value);
      }
    }
  }
  metrics::SetMeterProvider(nullptr);

  metrics::MetricsSetupOptions options;
  options.env = [](const char* name) -> const char* {
    return std::string(name) == "OTEL_EXPORTER_OTLP_ENDPOINT" ? "http://127.0.0.1:4317" : nullptr;
  };
  auto setup = metrics::MetricsSetup::Create(std::move(options));
  std::string exporters;
  if (setup.ok()) {
    for (const std::string& e : (*setup)->active_exporters()) exporters += e;
    (void)(*setup)->Shutdown(std::chrono::milliseconds(100));  // Nothing was recorded.
  }
  std::printf(
      "consumer: rows = %lld, workflow executions = %lld, telemetry.sdk.version = %s, exporters = "
      "%s\n",
      static_cast<long long>(value), static_cast<long long>(executions), sdk_version.c_str(),
      exporters.c_str());
  return value == 42 && executions == 1 && sdk_version == cryptolake::kVersion &&
                 exporters == "otlp/grpc http://127.0.0.1:4317"
             ? 0
             : 1;
}
