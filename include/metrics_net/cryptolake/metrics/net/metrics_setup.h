// MetricsSetup: builds a program's SdkMeterProvider and its readers from the
// OTEL_* environment (and options set in code), installs nothing globally.
//
// Which exporters run:
//   OTEL_SDK_DISABLED=true          no provider at all (provider() is null).
//   OTEL_METRICS_EXPORTER=a,b,...   one reader per entry: `otlp` (a periodic
//                                   reader feeding a DeliveringExporter over
//                                   OTLP/gRPC or OTLP/HTTP, see
//                                   OtlpExporterOptions), `prometheus` (the
//                                   /metrics pull endpoint), `console` (a
//                                   periodic reader printing to the console
//                                   stream), `none` (nothing; ignored in a
//                                   list). Unknown entries are reported and
//                                   skipped; duplicates count once.
//   not set                         `otlp` when an OTEL_EXPORTER_OTLP_ENDPOINT
//                                   or _METRICS_ENDPOINT is set, else none: a
//                                   plain run never waits on a collector that
//                                   is not there. (The specification's default
//                                   is `otlp`; we require the endpoint to be
//                                   named.)
// Options set in code override the environment (`exporters`, and
// `customize_otlp`, which sees the options read from the environment).
//
// The periodic readers use OTEL_METRIC_EXPORT_INTERVAL / _TIMEOUT. OTLP
// delivery settings of our own (docs/export.md):
//   CRYPTOLAKE_OTLP_SPOOL_DIR         directory for undelivered batches (off when unset)
//   CRYPTOLAKE_OTLP_SPOOL_MAX_BYTES   spool cap (default 256 MiB)
//   CRYPTOLAKE_OTLP_SPOOL_POLICY      when_unhealthy (default) | always
//   CRYPTOLAKE_OTLP_QUEUE_MAX_BYTES   in-memory queue cap (default 64 MiB)
//   CRYPTOLAKE_OTLP_CIRCUIT_FAILURES  consecutive failures that open the circuit (5)
//   CRYPTOLAKE_OTLP_PROBE_INTERVAL    ms between probes while open (5000)
//   CRYPTOLAKE_OTLP_PROFILE           `openobserve`: cumulative temporality and
//                                     explicit-bucket histograms whatever else
//                                     is configured (OpenObserve keeps delta as
//                                     delta and mishandles exponential
//                                     histograms)
//
// Resource: Resource::Default() <- `default_resource_attributes` <-
// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (read through `env`), so the
// environment wins over the program's defaults, which win over the SDK's.
//
// Failures to start an exporter (an endpoint URL that cannot be used, a
// Prometheus port in use) never fail the program: each is reported once as a
// "MetricsExporterUnavailable" diagnostic and that exporter is left out.
//
// Thread-safety: Create on one thread; provider() is safe anywhere;
// ForceFlush/Shutdown may be called from any thread (Shutdown is idempotent
// and also runs in the destructor).
#ifndef CRYPTOLAKE_METRICS_NET_METRICS_SETUP_H_
#define CRYPTOLAKE_METRICS_NET_METRICS_SETUP_H_

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/metrics/attribute_set.h"
#include "cryptolake/metrics/export/console_metric_exporter.h"
#include "cryptolake/metrics/net/otlp_exporter_options.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/metrics/sdk/view.h"

namespace cryptolake::metrics {

class DeliveringExporter;
class PrometheusExporter;

struct MetricsSetupOptions {
  EnvironmentLookup env = ProcessEnvironment();
  // Overrides OTEL_METRICS_EXPORTER when non-empty (same syntax).
  std::string exporters;
  // Called with the OTLP options read from the environment; code wins.
  std::function<void(OtlpExporterOptions*)> customize_otlp;
  // Attributes the environment may override (e.g. service.name).
  AttributeSet default_resource_attributes;
  // Readers the program adds itself (e.g. a ManualReader for a summary).
  std::vector<std::shared_ptr<MetricReader>> extra_readers;
  std::vector<View> views;
  // Where the console exporter writes, and how.
  FILE* console = stdout;
  ConsoleMetricExporterOptions console_options;
};

class MetricsSetup {
 public:
  // Never fails for configuration problems (see the header comment); the
  // Result is for programming errors (e.g. invalid views).
  static Result<std::unique_ptr<MetricsSetup>> Create(MetricsSetupOptions options);
  ~MetricsSetup();
  MetricsSetup(const MetricsSetup&) = delete;
  MetricsSetup& operator=(const MetricsSetup&) = delete;

  // Null when OTEL_SDK_DISABLED=true.
  const std::shared_ptr<SdkMeterProvider>& provider() const { return provider_; }
  // One line per active exporter ("otlp/grpc http://collector:4317", "prometheus
  // http://127.0.0.1:9464/metrics", "console"); never credentials.
  const std::vector<std::string>& active_exporters() const { return active_; }
  // The OTLP exporter, if one runs (stats for tests and summaries).
  const DeliveringExporter* otlp_exporter() const { return otlp_.get(); }
  // The Prometheus endpoint, if one runs.
  const PrometheusExporter* prometheus() const { return prometheus_.get(); }

  // Collects and exports now on every push reader.
  Status ForceFlush(std::chrono::milliseconds timeout);
  // Final collect+export of every push reader (the last interval of a short
  // job is not lost), then stops them. Bounded by `timeout` overall.
  Status Shutdown(std::chrono::milliseconds timeout);

 private:
  MetricsSetup() = default;

  std::shared_ptr<SdkMeterProvider> provider_;
  std::shared_ptr<DeliveringExporter> otlp_;
  std::shared_ptr<PrometheusExporter> prometheus_;
  std::vector<std::string> active_;
  bool shut_down_ = false;
};

// Splits OTEL_METRICS_EXPORTER into known names (lower-cased, de-duplicated,
// `none` removed); unknown names go to *unknown.
std::vector<std::string> ParseMetricsExporterList(std::string_view text,
                                                  std::vector<std::string>* unknown);

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_NET_METRICS_SETUP_H_
