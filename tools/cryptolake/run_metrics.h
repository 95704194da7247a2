// RunMetrics: wires the metrics SDK for one CLI run, so the pipeline's instruments (recorded
// through the metrics API) are exported as the OTEL_* environment says (OTLP, Prometheus,
// console; see cryptolake/metrics/net/metrics_setup.h and docs/export.md) and, when asked, kept
// for the summary the command prints at the end.
//
// Construct it before the pipeline runs (instruments created before the SDK is installed stay
// no-ops); it installs the provider as the global one and, when destroyed, restores the no-op
// provider and shuts the SDK down: one final collect+export so a short run's last interval
// reaches the backend (bounded; an unreachable backend costs at most that bound, and with a
// spool configured nothing is lost).
//
// The resource every exported metric carries is metrics::ServiceResourceAttributes(resource)
// (cryptolake/metrics/net/service_resource.h: service.name=crypto-data-lakehouse, what the run
// handles, where it runs), overridable through OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME.
//
// Thread-safety: construct and destroy on the main thread; Collect*() may run anywhere.
#ifndef CRYPTOLAKE_TOOLS_CRYPTOLAKE_RUN_METRICS_H_
#define CRYPTOLAKE_TOOLS_CRYPTOLAKE_RUN_METRICS_H_

#include <memory>
#include <string>

#include "cryptolake/common/status.h"
#include "cryptolake/metrics/net/service_resource.h"

namespace cryptolake::metrics {
class ManualReader;
class MetricsSetup;
}  // namespace cryptolake::metrics

namespace cryptolake::cli {

// How the end-of-run summary shows metrics.
enum class MetricsFormat {
  kTable,     // A readable table (metric, attributes, value or count/sum/p50/p99, unit).
  kOtlpJson,  // One OTLP/JSON ExportMetricsServiceRequest line (machine-readable).
};

// "table" | "otlp-json" | "auto" (table when stdout is a terminal, else otlp-json).
Result<MetricsFormat> ParseMetricsFormat(const std::string& text);

class RunMetrics {
 public:
  // `keep_summary`: also collect into a reader the summary reads. `resource`: what this run
  // handles (data types, markets, storage backend), for the resource attributes.
  RunMetrics(bool keep_summary, const metrics::ServiceResourceOptions& resource);
  ~RunMetrics();
  RunMetrics(const RunMetrics&) = delete;
  RunMetrics& operator=(const RunMetrics&) = delete;

  // Everything recorded so far (cumulative), rendered in `format`. FailedPrecondition when
  // constructed without keep_summary or with OTEL_SDK_DISABLED=true.
  Result<std::string> CollectSummary(MetricsFormat format);

 private:
  std::shared_ptr<metrics::ManualReader> summary_reader_;
  std::unique_ptr<metrics::MetricsSetup> setup_;
};

}  // namespace cryptolake::cli

#endif  // CRYPTOLAKE_TOOLS_CRYPTOLAKE_RUN_METRICS_H_
