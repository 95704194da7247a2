#include "run_metrics.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "cryptolake/metrics/export/metrics_table.h"
#include "cryptolake/metrics/export/otlp_json.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/net/metrics_setup.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

namespace cryptolake::cli {

Result<MetricsFormat> ParseMetricsFormat(const std::string& text) {
  if (text == "table") return MetricsFormat::kTable;
  if (text == "otlp-json") return MetricsFormat::kOtlpJson;
  if (text == "auto")
    return isatty(STDOUT_FILENO) ? MetricsFormat::kTable : MetricsFormat::kOtlpJson;
  return Status::InvalidArgument("--metrics-format must be table, otlp-json or auto");
}

RunMetrics::RunMetrics(bool keep_summary, const metrics::ServiceResourceOptions& resource) {
  metrics::MetricsSetupOptions options;
  // The program's defaults; OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME win over them.
  options.default_resource_attributes = metrics::ServiceResourceAttributes(resource);
  if (keep_summary) {
    summary_reader_ = std::make_shared<metrics::ManualReader>();
    options.extra_readers.push_back(summary_reader_);
  }
  // The console exporter shares stdout with the summary: it writes to stderr instead, so
  // `cryptolake ... > out` keeps the summary clean.
  options.console = stderr;
  Result<std::unique_ptr<metrics::MetricsSetup>> setup =
      metrics::MetricsSetup::Create(std::move(options));
  if (!setup.ok()) {
    std::cerr << "cryptolake: metrics disabled: " << setup.status().ToString() << "\n";
    return;
  }
  setup_ = std::move(*setup);
  for (const std::string& exporter : setup_->active_exporters()) {
    std::cerr << "cryptolake: exporting metrics to " << exporter << "\n";
  }
  if (setup_->provider() != nullptr) metrics::SetMeterProvider(setup_->provider());
}

RunMetrics::~RunMetrics() {
  metrics::SetMeterProvider(nullptr);
  if (setup_ == nullptr) return;
  // One final collect+export per push reader. Bounded so that a dead backend delays the end of
  // a run by at most this much; what is not delivered by then is spooled when a spool is
  // configured (docs/export.md).
  Status s = setup_->Shutdown(std::chrono::milliseconds(5000));
  // Undelivered batches (Timeout) were already reported by the delivery, with the endpoint,
  // the reason and whether they were spooled or dropped.
  if (!s.ok() && !s.IsTimeout()) {
    std::cerr << "cryptolake: metrics shutdown: " << s.ToString() << "\n";
  }
}

Result<std::string> RunMetrics::CollectSummary(MetricsFormat format) {
  if (summary_reader_ == nullptr || setup_ == nullptr || setup_->provider() == nullptr) {
    return Status::FailedPrecondition("metrics are not being collected for a summary");
  }
  metrics::ResourceMetrics data;
  CL_RETURN_IF_ERROR(summary_reader_->Collect(&data));
  if (format == MetricsFormat::kTable) return metrics::FormatMetricsTable(data);
  return metrics::EncodeOtlpJson(data);
}

}  // namespace cryptolake::cli
