// Checks of `cryptolake validate` that look at the configuration and the network: configuration,
// otlp_connectivity, prometheus_endpoint, backward_compatibility, error_handling, environment.
// The load-driven ones (instruments, overhead, scalability, end_to_end) are in
// validate_load_checks.cc.
#include "validate_checks.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <variant>

#include "cryptolake/metrics/export/otlp_proto.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/net/metrics_setup.h"
#include "cryptolake/metrics/net/otlp_grpc_transport.h"
#include "cryptolake/metrics/net/otlp_http_transport.h"
#include "cryptolake/metrics/net/prometheus_exporter.h"
#include "cryptolake/metrics/net/service_resource.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/periodic_exporting_reader.h"
#include "cryptolake/metrics/sdk/resource.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/metrics_collector.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "validate_diagnosis.h"

namespace cryptolake::cli {

using validate_internal::Fail;
using validate_internal::OneLine;
using validate_internal::Pass;
using validate_internal::Skip;

namespace validate_internal {

int ClosedLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  // Never listened on: once closed, a connection to it is refused (unless another process
  // takes the port in between, which only makes this check pass for the wrong reason).
  close(fd);
  return port;
}

std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  return out;
}

CheckResult Pass(std::string detail) { return {"", CheckStatus::kPass, std::move(detail), 0}; }
CheckResult Fail(std::string detail) { return {"", CheckStatus::kFail, std::move(detail), 0}; }
CheckResult Skip(std::string detail) { return {"", CheckStatus::kSkip, std::move(detail), 0}; }

}  // namespace validate_internal

std::string_view CheckStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass:
      return "pass";
    case CheckStatus::kFail:
      return "fail";
    case CheckStatus::kSkip:
      return "skip";
  }
  return "fail";
}

metrics::EnvironmentLookup ValidateContext::Env() const {
  return [this](const char* name) -> const char* {
    std::string_view n(name);
    if (!endpoint.empty()) {
      if (n == "OTEL_EXPORTER_OTLP_ENDPOINT") return endpoint.c_str();
      if (n == "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") return nullptr;
    }
    if (!protocol.empty()) {
      if (n == "OTEL_EXPORTER_OTLP_PROTOCOL") return protocol.c_str();
      if (n == "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL") return nullptr;
    }
    // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing in the CLI modifies the environment.
    return std::getenv(name);
  };
}

bool ValidateContext::HasEndpoint() const {
  return metrics::OtlpExporterOptions::FromEnvironment(Env()).endpoint_from_environment;
}

namespace {

std::string ValueText(const metrics::AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double>) {
          std::ostringstream s;
          s << v;
          return s.str();
        } else {
          return "[" + std::to_string(v.size()) + " values]";
        }
      },
      value);
}

// The resource a `cryptolake` run describes itself with (service_resource.h).
metrics::AttributeSet DefaultResourceAttributes() {
  return metrics::ServiceResourceAttributes(metrics::ServiceResourceOptions{});
}

// One small batch, as the exporter would send it: a catalog instrument from a real SDK
// collection, on the resource a run would have.
std::string TestBatch() {
  auto reader = std::make_shared<metrics::ManualReader>();
  metrics::SdkMeterProviderOptions options;
  options.resource = metrics::Resource::Create(DefaultResourceAttributes());
  options.readers = {reader};
  auto provider = std::make_shared<metrics::SdkMeterProvider>(std::move(options));
  auto m = telemetry::CryptoMetrics::Create(*provider);
  m->workflow_executions.Add(1, {{telemetry::attr::kWorkflowName, "validate"},
                                 {telemetry::attr::kOutcome, telemetry::outcome::kSuccess}});
  metrics::ResourceMetrics data;
  (void)reader->Collect(&data);
  (void)provider->Shutdown(std::chrono::milliseconds(100));
  return metrics::EncodeOtlpProto(data);
}

}  // namespace

CheckResult CheckConfiguration(ValidateContext& ctx) {
  metrics::MetricsSetupOptions options;
  options.env = ctx.Env();
  options.default_resource_attributes = DefaultResourceAttributes();
  options.console = stderr;
  Result<std::unique_ptr<metrics::MetricsSetup>> setup = metrics::MetricsSetup::Create(options);
  if (!setup.ok()) return Fail("MetricsSetup: " + setup.status().ToString());
  if ((*setup)->provider() == nullptr) {
    return Fail("OTEL_SDK_DISABLED=true: no metrics are recorded or exported");
  }
  std::string exporters;
  for (const std::string& e : (*setup)->active_exporters()) {
    exporters += (exporters.empty() ? "" : ", ") + e;
  }
  (void)(*setup)->Shutdown(std::chrono::milliseconds(1000));
  const auto interval =
      metrics::PeriodicExportingReaderOptions::FromEnvironment(ctx.Env()).interval;
  const metrics::Resource resource = metrics::Resource::Create(DefaultResourceAttributes());
  std::string attrs;
  bool has_service = false;
  for (const metrics::KeyValue& kv : resource.attributes().entries()) {
    attrs += (attrs.empty() ? "" : ", ") + kv.key + "=" + ValueText(kv.value);
    if (kv.key == "service.name") {
      has_service = !ValueText(kv.value).empty();
    }
  }
  std::string detail = "exporters: " + (exporters.empty() ? std::string("none") : exporters) +
                       "; export interval " + std::to_string(interval.count()) +
                       " ms; resource: " + OneLine(attrs);
  if (!has_service) return Fail("resource has no service.name; " + detail);
  return Pass(detail);
}

CheckResult CheckOtlpConnectivity(ValidateContext& ctx) {
  ctx.connectivity_ok = false;
  if (!ctx.HasEndpoint()) {
    return Skip("no OTLP endpoint configured (OTEL_EXPORTER_OTLP_ENDPOINT or --endpoint)");
  }
  metrics::OtlpExporterOptions options = metrics::OtlpExporterOptions::FromEnvironment(ctx.Env());
  const std::string where = options.Describe();
  std::unique_ptr<metrics::OtlpTransport> transport;
  if (options.protocol == metrics::OtlpProtocol::kGrpc) {
    auto t = metrics::OtlpGrpcTransport::Create(options);
    if (!t.ok()) return Fail(DiagnoseTransportError(t.status(), where).detail);
    transport = std::move(*t);
  } else {
    auto t = metrics::OtlpHttpTransport::Create(options);
    if (!t.ok()) return Fail(DiagnoseTransportError(t.status(), where).detail);
    transport = std::move(*t);
  }
  const std::string batch = TestBatch();
  metrics::SendOutcome outcome =
      transport->Send(batch, std::chrono::steady_clock::now() + ctx.timeout);
  ExportDiagnosis d = DiagnoseSendOutcome(outcome, where);
  if (d.problem != ExportProblem::kNone) return Fail(OneLine(d.detail));
  ctx.connectivity_ok = true;
  return Pass(OneLine(d.detail) + " (" + std::to_string(batch.size()) + " bytes)");
}

namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

bool IsMetricNameChar(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

// Checks one line of the Prometheus text format 0.0.4; "" when it parses.
std::string TextLineProblem(std::string_view line) {
  if (line.empty()) return "";
  if (line.front() == '#') {
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      std::string_view rest = line.substr(7);
      if (rest.empty() || !IsMetricNameChar(rest.front(), true)) return "bad comment";
    }
    return "";
  }
  size_t i = 0;
  if (!IsMetricNameChar(line[0], true)) return "bad metric name";
  while (i < line.size() && IsMetricNameChar(line[i], i == 0)) ++i;
  if (i < line.size() && line[i] == '{') {
    bool quoted = false;
    for (++i; i < line.size(); ++i) {
      if (quoted && line[i] == '\\') {
        ++i;
      } else if (line[i] == '"') {
        quoted = !quoted;
      } else if (!quoted && line[i] == '}') {
        break;
      }
    }
    if (i >= line.size()) return "unterminated labels";
    ++i;
  }
  if (i >= line.size() || line[i] != ' ') return "no value";
  std::string value(line.substr(i + 1, line.find(' ', i + 1) - (i + 1)));
  if (value == "+Inf" || value == "-Inf" || value == "NaN") return "";
  char* end = nullptr;
  std::strtod(value.c_str(), &end);
  if (end == value.c_str() || *end != '\0') return "bad value '" + value + "'";
  return "";
}

}  // namespace

CheckResult CheckPrometheusEndpoint(ValidateContext& ctx) {
  metrics::PrometheusExporterOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  auto prometheus = std::make_shared<metrics::PrometheusExporter>(options);
  metrics::SdkMeterProviderOptions provider_options;
  provider_options.resource = metrics::Resource::Create(DefaultResourceAttributes());
  provider_options.readers = {prometheus};
  auto provider = std::make_shared<metrics::SdkMeterProvider>(std::move(provider_options));
  if (Status s = prometheus->Start(); !s.ok()) return Fail("cannot start: " + s.ToString());
  auto m = telemetry::CryptoMetrics::Create(*provider);
  m->records_ingested.Add(42, {{telemetry::attr::kMarket, "spot"},
                               {telemetry::attr::kDataType, "klines"},
                               {telemetry::attr::kSymbol, "BTCUSDT"}});
  const std::string url = "http://127.0.0.1:" + std::to_string(prometheus->port()) + options.path;
  std::string body;
  long status = 0;  // NOLINT(google-runtime-int): libcurl's type
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Fail("curl_easy_init failed");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(ctx.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  (void)provider->Shutdown(std::chrono::milliseconds(1000));
  if (rc != CURLE_OK) return Fail("scrape of " + url + " failed: " + curl_easy_strerror(rc));
  if (status != 200) return Fail("scrape of " + url + " answered HTTP " + std::to_string(status));
  const std::string name = "cryptolake_data_records_ingested";
  bool help = false, type = false, sample = false;
  size_t lines = 0;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line); ++lines) {
    if (std::string p = TextLineProblem(line); !p.empty()) {
      return Fail("line " + std::to_string(lines + 1) + " of the scrape does not parse (" + p +
                  "): " + OneLine(line.substr(0, 120)));
    }
    if (line.starts_with("# HELP " + name)) help = true;
    if (line.starts_with("# TYPE " + name)) type = true;
    if (line.starts_with(name) && line.find("crypto_symbol=\"BTCUSDT\"") != std::string::npos &&
        line.ends_with(" 42")) {
      sample = true;
    }
  }
  if (!help || !type || !sample) {
    return Fail("scrape of " + url + " lacks " + name + (help ? "" : " HELP") +
                (type ? "" : " TYPE") + (sample ? "" : " sample {crypto_symbol=BTCUSDT} 42"));
  }
  return Pass("scraped " + url + ": " + std::to_string(lines) + " lines parse; " + name +
              " has HELP, TYPE and the recorded value");
}

CheckResult CheckBackwardCompatibility(ValidateContext& /*ctx*/) {
  // With an SDK installed, as in a run, so the OpenTelemetry side is exercised too.
  auto reader = std::make_shared<metrics::ManualReader>();
  metrics::SdkMeterProviderOptions provider_options;
  provider_options.readers = {reader};
  auto provider = std::make_shared<metrics::SdkMeterProvider>(std::move(provider_options));
  metrics::SetMeterProvider(provider);
  struct Restore {
    ~Restore() { metrics::SetMeterProvider(nullptr); }
  } restore;
  telemetry::MetricsCollector collector;
  const double before =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string id = collector.start_workflow("validate_workflow");
  collector.record_event("download_started");
  collector.record_error("simulated failure");
  collector.end_workflow();    // the legacy form: end_time only
  collector.end_workflow(id);  // the superset: also records the execution
  const double after =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string json = collector.get_metrics_json();
  metrics::ResourceMetrics data;
  (void)reader->Collect(&data);
  std::string unrecorded;
  for (std::string_view name :
       {"cryptolake.workflow.executions", "cryptolake.workflow.events", "cryptolake.errors"}) {
    bool found = false;
    for (const auto& scope : data.scope_metrics) {
      for (const auto& m : scope.metrics) found = found || m.name == name;
    }
    if (!found) unrecorded += " " + std::string(name);
  }
  if (!collector.otel_enabled() || !unrecorded.empty()) {
    return Fail(std::string("with an SDK installed the collector ") +
                (collector.otel_enabled() ? "did not record:" + unrecorded
                                          : "reports otel_enabled = false"));
  }
  // The legacy shape: {"metrics": {"workflow_name", "start_time", "end_time"}, "events": [{event,
  // timestamp}], "errors": [{error, timestamp}]}, timestamps in float epoch seconds.
  for (std::string_view key : {"\"metrics\"", "\"events\"", "\"errors\"", "\"workflow_name\"",
                               "\"start_time\"", "\"end_time\"", "\"event\"", "\"error\"",
                               "\"timestamp\"", "\"download_started\"", "\"simulated failure\""}) {
    if (json.find(key) == std::string::npos) {
      return Fail("get_metrics_json() lacks " + std::string(key) + ": " +
                  OneLine(json.substr(0, 200)));
    }
  }
  // Every "start_time"/"end_time"/"timestamp" value is epoch seconds within the run.
  int stamps = 0;
  for (std::string_view key : {"\"start_time\":", "\"end_time\":", "\"timestamp\":"}) {
    for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at + 1)) {
      size_t v = at + key.size();
      while (v < json.size() && json[v] == ' ') ++v;
      const double t = std::strtod(json.c_str() + v, nullptr);
      if (!(t >= std::floor(before) - 1 && t <= after + 1)) {
        return Fail(std::string(key) +
                    " is not epoch seconds of this run: " + OneLine(json.substr(v, 30)));
      }
      ++stamps;
    }
  }
  if (stamps < 4) return Fail("expected 4 timestamps in " + OneLine(json.substr(0, 200)));
  return Pass(
      "start_workflow/record_event/record_error/end_workflow -> JSON with metrics, "
      "events, errors and " +
      std::to_string(stamps) +
      " epoch-second timestamps; with the SDK: workflow.executions, workflow.events and "
      "errors recorded");
}

CheckResult CheckEnvironment(ValidateContext& /*ctx*/) {
  struct Example {
    const char* name;
    std::map<std::string, std::string> env;
    std::string endpoint;
    bool tls;
    int interval_ms;
    double sample_rate;
  };
  const Example examples[] = {
      {"development",
       {{"DEPLOYMENT_ENV", "development"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317"},
        {"OTEL_METRIC_EXPORT_INTERVAL", "1000"}},
       "http://localhost:4317",
       false,
       1000,
       1.0},
      {"production",
       {{"DEPLOYMENT_ENV", "production"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT", "https://openobserve.prod:4317"},
        {"OTEL_METRIC_EXPORT_INTERVAL", "5000"},
        {"OTEL_HIGH_VOLUME_SAMPLE_RATE", "0.1"}},
       "https://openobserve.prod:4317",
       true,
       5000,
       0.1},
  };
  std::string detail;
  for (const Example& ex : examples) {
    metrics::EnvironmentLookup env = [&ex](const char* name) -> const char* {
      auto it = ex.env.find(name);
      return it == ex.env.end() ? nullptr : it->second.c_str();
    };
    const auto otlp = metrics::OtlpExporterOptions::FromEnvironment(env);
    const auto reader = metrics::PeriodicExportingReaderOptions::FromEnvironment(env);
    const double rate = telemetry::HighVolumeSampleRateFromEnvironment(env);
    std::string problems;
    if (!otlp.endpoint_from_environment || otlp.endpoint != ex.endpoint) {
      problems += " endpoint=" + otlp.endpoint;
    }
    if (otlp.protocol != metrics::OtlpProtocol::kGrpc) {
      problems += " protocol=" + std::string(metrics::OtlpProtocolName(otlp.protocol));
    }
    if (otlp.UsesTls() != ex.tls)
      problems += std::string(" tls=") + (otlp.UsesTls() ? "on" : "off");
    if (reader.interval.count() != ex.interval_ms) {
      problems += " interval=" + std::to_string(reader.interval.count()) + "ms";
    }
    if (std::abs(rate - ex.sample_rate) > 1e-12) problems += " sample_rate=" + std::to_string(rate);
    if (!problems.empty()) return Fail(std::string(ex.name) + " example parsed as" + problems);
    std::ostringstream line;
    line << ex.name << ": " << otlp.Describe() << (ex.tls ? " (TLS)" : " (plaintext)") << ", "
         << reader.interval.count() << " ms, sample rate " << rate
         << ", DEPLOYMENT_ENV=" << ex.env.at("DEPLOYMENT_ENV");
    detail += (detail.empty() ? "" : "; ") + line.str();
  }
  return Pass(detail);
}

CheckResult CheckErrorHandling(ValidateContext& ctx) {
  const int port = validate_internal::ClosedLoopbackPort();
  if (port == 0) return Fail("cannot find a closed loopback port");
  struct Case {
    std::string what, endpoint, protocol;
  };
  const Case cases[] = {
      {"grpc to a closed port", "http://127.0.0.1:" + std::to_string(port), "grpc"},
      {"http to a closed port", "http://127.0.0.1:" + std::to_string(port), "http/protobuf"},
      {"unparsable URL", "ftp://[not a url", "http/protobuf"},
  };
  const auto bound = std::chrono::milliseconds(5000);
  std::string detail;
  for (const Case& c : cases) {
    const std::map<std::string, std::string> vars = {
        {"OTEL_METRICS_EXPORTER", "otlp"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT", c.endpoint},
        {"OTEL_EXPORTER_OTLP_PROTOCOL", c.protocol},
        {"OTEL_EXPORTER_OTLP_TIMEOUT",
         std::to_string(std::min<int64_t>(ctx.timeout.count(), 2000))},
        {"OTEL_METRIC_EXPORT_INTERVAL", "100"}};
    const auto start = std::chrono::steady_clock::now();
    try {
      metrics::MetricsSetupOptions options;
      options.env = [&vars](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
      };
      options.default_resource_attributes = DefaultResourceAttributes();
      auto setup = metrics::MetricsSetup::Create(std::move(options));
      if (!setup.ok()) return Fail(c.what + ": MetricsSetup failed: " + setup.status().ToString());
      const bool exporting = !(*setup)->active_exporters().empty();
      if (c.what == "unparsable URL" && exporting) {
        return Fail(c.what + ": the exporter was started for " + c.endpoint);
      }
      auto m = telemetry::CryptoMetrics::Create(*(*setup)->provider());
      m->records_ingested.Add(1, {{telemetry::attr::kMarket, "spot"}});
      std::this_thread::sleep_for(std::chrono::milliseconds(250));  // a periodic export or two
      Status s = (*setup)->Shutdown(bound);
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      if (took > bound + std::chrono::milliseconds(1000)) {
        return Fail(c.what + ": export + shutdown took " + std::to_string(took.count()) +
                    " ms (bound " + std::to_string(bound.count()) + " ms)");
      }
      detail += (detail.empty() ? "" : "; ") + c.what + ": " + std::to_string(took.count()) +
                " ms" + (exporting ? "" : " (exporter left out)") +
                (s.ok() ? "" : ", shutdown: " + std::string(s.IsTimeout() ? "timeout" : "error"));
    } catch (const std::exception& e) {
      return Fail(c.what + ": threw " + OneLine(e.what()));
    } catch (...) {
      return Fail(c.what + ": threw a non-standard exception");
    }
  }
  return Pass("returned within " + std::to_string(bound.count()) + " ms, no exception: " + detail);
}

}  // namespace cryptolake::cli
