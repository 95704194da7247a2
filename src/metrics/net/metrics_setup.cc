#include "cryptolake/metrics/net/metrics_setup.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "config_text.h"
#include "cryptolake/metrics/export/delivering_exporter.h"
#include "cryptolake/metrics/net/otlp_grpc_transport.h"
#include "cryptolake/metrics/net/otlp_http_transport.h"
#include "cryptolake/metrics/net/prometheus_exporter.h"
#include "cryptolake/metrics/sdk/diagnostics.h"
#include "cryptolake/metrics/sdk/periodic_exporting_reader.h"
#include "cryptolake/metrics/sdk/resource.h"

namespace cryptolake::metrics {
namespace {

using net_internal::Lower;
using net_internal::Trim;

const char* NonEmpty(const EnvironmentLookup& env, const char* name) {
  const char* v = env(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

void Unavailable(std::string_view what, const Status& status) {
  ReportDiagnostic(DiagnosticSeverity::kWarning, "MetricsExporterUnavailable",
                   std::string(what) + " not started: " + status.ToString());
}

// A positive integer from `name`, or `fallback` (reported when invalid).
template <typename T>
T EnvPositive(const EnvironmentLookup& env, const char* name, T fallback) {
  const char* raw = NonEmpty(env, name);
  if (raw == nullptr) return fallback;
  std::optional<long long> value = net_internal::ParsePositiveInteger(raw);
  if (!value) {
    ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidEnvironmentValue",
                     std::string("ignoring ") + name + ": expected a positive integer");
    return fallback;
  }
  return static_cast<T>(*value);
}

Result<std::unique_ptr<OtlpTransport>> MakeTransport(const OtlpExporterOptions& otlp) {
  if (otlp.protocol == OtlpProtocol::kGrpc) {
    Result<std::unique_ptr<OtlpGrpcTransport>> t = OtlpGrpcTransport::Create(otlp);
    if (!t.ok()) return t.status();
    return std::unique_ptr<OtlpTransport>(std::move(*t));
  }
  Result<std::unique_ptr<OtlpHttpTransport>> t = OtlpHttpTransport::Create(otlp);
  if (!t.ok()) return t.status();
  return std::unique_ptr<OtlpTransport>(std::move(*t));
}

}  // namespace

std::vector<std::string> ParseMetricsExporterList(std::string_view text,
                                                  std::vector<std::string>* unknown) {
  std::vector<std::string> names;
  while (true) {
    size_t comma = text.find(',');
    std::string name = Lower(Trim(text.substr(0, comma)));
    if (name == "otlp" || name == "prometheus" || name == "console") {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    } else if (!name.empty() && name != "none" && unknown != nullptr) {
      unknown->push_back(name);
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return names;
}

Result<std::unique_ptr<MetricsSetup>> MetricsSetup::Create(MetricsSetupOptions options) {
  std::unique_ptr<MetricsSetup> setup(new MetricsSetup());
  const EnvironmentLookup& env = options.env;

  if (const char* disabled = NonEmpty(env, "OTEL_SDK_DISABLED");
      disabled != nullptr && Lower(Trim(disabled)) == "true") {
    return setup;
  }

  // Which exporters.
  OtlpExporterOptions otlp = OtlpExporterOptions::FromEnvironment(env);
  if (options.customize_otlp) options.customize_otlp(&otlp);
  std::string list = options.exporters;
  if (list.empty()) {
    if (const char* v = NonEmpty(env, "OTEL_METRICS_EXPORTER")) {
      list = v;
    } else if (otlp.endpoint_from_environment) {
      list = "otlp";
    }
  }
  std::vector<std::string> unknown;
  std::vector<std::string> exporters = ParseMetricsExporterList(list, &unknown);
  for (const std::string& name : unknown) {
    ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidEnvironmentValue",
                     "OTEL_METRICS_EXPORTER: unknown exporter '" + name +
                         "' skipped (known: otlp, prometheus, console, none)");
  }

  // OTEL_METRIC_EXPORT_INTERVAL / _TIMEOUT, read once for the periodic readers
  // (otlp, console), and only when one runs.
  const bool periodic = std::any_of(exporters.begin(), exporters.end(), [](const std::string& e) {
    return e == "otlp" || e == "console";
  });
  const PeriodicExportingReaderOptions reader_options =
      periodic ? PeriodicExportingReaderOptions::FromEnvironment(env)
               : PeriodicExportingReaderOptions{};
  SdkMeterProviderOptions provider_options;
  provider_options.views = std::move(options.views);
  provider_options.readers = std::move(options.extra_readers);

  for (const std::string& name : exporters) {
    if (name == "otlp") {
      if (const char* profile = NonEmpty(env, "CRYPTOLAKE_OTLP_PROFILE")) {
        if (Lower(Trim(profile)) == "openobserve") {
          otlp.temporality = TemporalityPreference::kCumulative;
          otlp.histogram_aggregation = DefaultHistogramAggregation::kExplicitBucket;
        } else {
          ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidEnvironmentValue",
                           "ignoring CRYPTOLAKE_OTLP_PROFILE: expected openobserve");
        }
      }
      Result<std::unique_ptr<OtlpTransport>> transport = MakeTransport(otlp);
      if (!transport.ok()) {
        Unavailable(otlp.Describe(), transport.status());
        continue;
      }
      DeliveringExporterOptions exporter_options;
      exporter_options.temporality = otlp.temporality;
      exporter_options.histogram_aggregation = otlp.histogram_aggregation;
      OtlpDeliveryOptions& delivery = exporter_options.delivery;
      delivery.export_timeout = otlp.timeout;
      if (const char* dir = NonEmpty(env, "CRYPTOLAKE_OTLP_SPOOL_DIR")) delivery.spool_dir = dir;
      delivery.max_spool_bytes =
          EnvPositive<uint64_t>(env, "CRYPTOLAKE_OTLP_SPOOL_MAX_BYTES", delivery.max_spool_bytes);
      delivery.max_queue_bytes =
          EnvPositive<size_t>(env, "CRYPTOLAKE_OTLP_QUEUE_MAX_BYTES", delivery.max_queue_bytes);
      delivery.failures_to_open =
          EnvPositive<int>(env, "CRYPTOLAKE_OTLP_CIRCUIT_FAILURES", delivery.failures_to_open);
      delivery.probe_interval = std::chrono::milliseconds(EnvPositive<long long>(
          env, "CRYPTOLAKE_OTLP_PROBE_INTERVAL", delivery.probe_interval.count()));
      if (const char* policy = NonEmpty(env, "CRYPTOLAKE_OTLP_SPOOL_POLICY")) {
        std::string p = Lower(Trim(policy));
        if (p == "always") {
          delivery.spool_policy = SpoolPolicy::kAlways;
        } else if (p == "when_unhealthy") {
          delivery.spool_policy = SpoolPolicy::kWhenUnhealthy;
        } else {
          ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidEnvironmentValue",
                           "ignoring CRYPTOLAKE_OTLP_SPOOL_POLICY: expected always or "
                           "when_unhealthy");
        }
      }
      otlp.ServerHostPort(&delivery.server_address, &delivery.server_port);
      // otel.component.type values of the SDK self-observability conventions.
      delivery.component_type = otlp.protocol == OtlpProtocol::kGrpc ? "otlp_grpc_metric_exporter"
                                : otlp.protocol == OtlpProtocol::kHttpJson
                                    ? "otlp_http_json_metric_exporter"
                                    : "otlp_http_metric_exporter";
      setup->otlp_ =
          std::make_shared<DeliveringExporter>(std::move(*transport), std::move(exporter_options));
      provider_options.readers.push_back(
          std::make_shared<PeriodicExportingReader>(setup->otlp_, reader_options));
      setup->active_.push_back(otlp.Describe());
    } else if (name == "prometheus") {
      const PrometheusExporterOptions where = PrometheusExporterOptions::FromEnvironment(env);
      auto prometheus = std::make_shared<PrometheusExporter>(where);
      if (Status started = prometheus->Start(); !started.ok()) {
        Unavailable("prometheus endpoint", started);
        continue;
      }
      setup->prometheus_ = prometheus;
      provider_options.readers.push_back(prometheus);
      setup->active_.push_back("prometheus http://" + where.host + ":" +
                               std::to_string(prometheus->port()) + where.path);
    } else if (name == "console") {
      auto exporter =
          std::make_shared<ConsoleMetricExporter>(options.console, options.console_options);
      provider_options.readers.push_back(
          std::make_shared<PeriodicExportingReader>(exporter, reader_options));
      setup->active_.push_back("console");
    }
  }

  // The environment (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME) wins over the
  // program's defaults, which win over the SDK's.
  provider_options.resource = Resource::Default()
                                  .Merge(Resource(options.default_resource_attributes))
                                  .Merge(Resource::FromEnvironment(env));
  setup->provider_ = std::make_shared<SdkMeterProvider>(std::move(provider_options));
  // The exporter's self-metrics (otel.sdk.exporter.*) go to the provider it exports, whether or
  // not the program makes it the global one.
  if (setup->otlp_ != nullptr) setup->otlp_->UseMeterProvider(setup->provider_);
  return setup;
}

MetricsSetup::~MetricsSetup() { (void)Shutdown(std::chrono::milliseconds(5000)); }

Status MetricsSetup::ForceFlush(std::chrono::milliseconds timeout) {
  if (provider_ == nullptr) return Status::OK();
  return provider_->ForceFlush(timeout);
}

Status MetricsSetup::Shutdown(std::chrono::milliseconds timeout) {
  if (provider_ == nullptr || shut_down_) return Status::OK();
  shut_down_ = true;
  return provider_->Shutdown(timeout);
}

}  // namespace cryptolake::metrics
