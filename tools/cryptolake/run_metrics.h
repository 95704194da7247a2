// RunMetrics: wires the metrics SDK for one CLI run so the pipeline's instruments (recorded through
// the metrics API) are collected, and renders them as one OTLP/JSON ExportMetricsServiceRequest.
//
// Construct it before the pipeline runs (instruments created before the SDK is installed stay
// no-ops); it installs an SdkMeterProvider with a ManualReader as the global provider and restores
// the no-op provider when destroyed.
//
// Thread-safety: construct and destroy on the main thread; CollectOtlpJson() may run anywhere.
#ifndef CRYPTOLAKE_TOOLS_CRYPTOLAKE_RUN_METRICS_H_
#define CRYPTOLAKE_TOOLS_CRYPTOLAKE_RUN_METRICS_H_

#include <memory>
#include <string>

#include "cryptolake/common/status.h"

namespace cryptolake::metrics {
class ManualReader;
class SdkMeterProvider;
}  // namespace cryptolake::metrics

namespace cryptolake::cli {

class RunMetrics {
 public:
  RunMetrics();
  ~RunMetrics();
  RunMetrics(const RunMetrics&) = delete;
  RunMetrics& operator=(const RunMetrics&) = delete;

  // Collects everything recorded so far (cumulative) as a single-line OTLP/JSON document.
  Result<std::string> CollectOtlpJson();

 private:
  std::shared_ptr<metrics::ManualReader> reader_;
  std::shared_ptr<metrics::SdkMeterProvider> provider_;
};

}  // namespace cryptolake::cli

#endif  // CRYPTOLAKE_TOOLS_CRYPTOLAKE_RUN_METRICS_H_
