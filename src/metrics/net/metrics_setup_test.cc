#include "cryptolake/metrics/net/metrics_setup.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "cryptolake/metrics/export/delivering_exporter.h"
#include "cryptolake/metrics/net/prometheus_exporter.h"
#include "cryptolake/metrics/sdk/diagnostics.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "net_test_util.h"

namespace cryptolake::metrics {
namespace {

using Env = FakeEnvironment;

std::unique_ptr<MetricsSetup> Make(const Env& env) {
  MetricsSetupOptions options;
  options.env = env.lookup();
  Result<std::unique_ptr<MetricsSetup>> setup = MetricsSetup::Create(std::move(options));
  EXPECT_TRUE(setup.ok());
  return setup.ok() ? std::move(*setup) : nullptr;
}

TEST(MetricsExporterListTest, ParsesKnownNamesOnce) {
  std::vector<std::string> unknown;
  EXPECT_EQ(ParseMetricsExporterList(" OTLP, prometheus ,otlp,none,console,zipkin", &unknown),
            (std::vector<std::string>{"otlp", "prometheus", "console"}));
  EXPECT_EQ(unknown, std::vector<std::string>{"zipkin"});
  EXPECT_TRUE(ParseMetricsExporterList("none", &unknown).empty());
  EXPECT_TRUE(ParseMetricsExporterList("", &unknown).empty());
}

TEST(MetricsSetupTest, NothingConfiguredExportsNothing) {
  auto setup = Make(Env{});
  ASSERT_NE(setup, nullptr);
  EXPECT_NE(setup->provider(), nullptr);
  EXPECT_TRUE(setup->active_exporters().empty());
  EXPECT_EQ(setup->otlp_exporter(), nullptr);
}

TEST(MetricsSetupTest, AnEndpointAloneTurnsOtlpOn) {
  Env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1"}}};
  auto setup = Make(env);
  ASSERT_EQ(setup->active_exporters().size(), 1u);
  EXPECT_EQ(setup->active_exporters()[0], "otlp/grpc http://127.0.0.1:1");
  EXPECT_NE(setup->otlp_exporter(), nullptr);
}

TEST(MetricsSetupTest, SdkDisabledMeansNoProvider) {
  Env env{{{"OTEL_SDK_DISABLED", "TRUE"}, {"OTEL_METRICS_EXPORTER", "console"}}};
  auto setup = Make(env);
  EXPECT_EQ(setup->provider(), nullptr);
  EXPECT_TRUE(setup->active_exporters().empty());
}

TEST(MetricsSetupTest, ExporterListAndCodeOverrides) {
  Env env{{{"OTEL_METRICS_EXPORTER", "console,otlp,bogus"},
           {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}}};
  DiagnosticCapture capture;
  MetricsSetupOptions options;
  options.env = env.lookup();
  FILE* sink = std::tmpfile();
  options.console = sink;
  options.customize_otlp = [](OtlpExporterOptions* o) { o->endpoint = "http://127.0.0.1:9/x"; };
  Result<std::unique_ptr<MetricsSetup>> created = MetricsSetup::Create(std::move(options));
  ASSERT_TRUE(created.ok());
  std::unique_ptr<MetricsSetup> setup = std::move(created).value();
  ASSERT_EQ(setup->active_exporters().size(), 2u);
  EXPECT_EQ(setup->active_exporters()[0], "console");
  EXPECT_EQ(setup->active_exporters()[1], "otlp/http/json http://127.0.0.1:9/x");
  bool reported = false;
  for (const std::string& m : capture.messages) reported |= m.find("bogus") != std::string::npos;
  EXPECT_TRUE(reported);
  // Nothing listens on port 9: the final export fails fast and is counted, never hangs.
  (void)setup->Shutdown(std::chrono::milliseconds(2000));
  std::fclose(sink);
}

TEST(MetricsSetupTest, OpenObserveProfileForcesCumulativeExplicit) {
  Env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:5080/api/default"},
           {"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta"},
           {"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
            "base2_exponential_bucket_histogram"},
           {"CRYPTOLAKE_OTLP_PROFILE", "openobserve"}}};
  auto setup = Make(env);
  const DeliveringExporter* otlp = setup->otlp_exporter();
  ASSERT_NE(otlp, nullptr);
  EXPECT_EQ(otlp->TemporalityFor(InstrumentKind::kCounter), AggregationTemporality::kCumulative);
  EXPECT_EQ(otlp->HistogramAggregation(), DefaultHistogramAggregation::kExplicitBucket);
  EXPECT_EQ(setup->active_exporters()[0],
            "otlp/http/protobuf http://127.0.0.1:5080/api/default/v1/metrics");
}

// The resource: the SDK's defaults <- the program's <- OTEL_RESOURCE_ATTRIBUTES and
// OTEL_SERVICE_NAME read through `env` (not the process environment).
TEST(MetricsSetupTest, EnvironmentResourceWinsOverProgramDefaults) {
  Env env{{{"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=prod,extra=1"},
           {"OTEL_SERVICE_NAME", "from-env"}}};
  MetricsSetupOptions options;
  options.env = env.lookup();
  options.default_resource_attributes =
      AttributeSet{{"service.name", std::string("program")},
                   {"deployment.environment.name", std::string("local")},
                   {"program.only", std::string("kept")}};
  auto reader = std::make_shared<ManualReader>();
  options.extra_readers.push_back(reader);
  Result<std::unique_ptr<MetricsSetup>> setup = MetricsSetup::Create(std::move(options));
  ASSERT_TRUE(setup.ok());
  ResourceMetrics data;
  ASSERT_TRUE(reader->Collect(&data).ok());
  const AttributeSet& r = data.resource.attributes();
  auto str = [&r](std::string_view key) -> std::string {
    const AttributeValue* v = r.Find(key);
    return v != nullptr && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v)
                                                                   : "<missing>";
  };
  EXPECT_EQ(str("service.name"), "from-env");
  EXPECT_EQ(str("deployment.environment.name"), "prod");
  EXPECT_EQ(str("extra"), "1");
  EXPECT_EQ(str("program.only"), "kept");
  EXPECT_EQ(str("telemetry.sdk.name"), "cryptolake");
  EXPECT_NE(str("service.instance.id"), "<missing>");
}

TEST(MetricsSetupTest, PrometheusPortInUseIsReportedNotFatal) {
  // Occupy a port with a first endpoint, then ask a second setup for the same one.
  PrometheusExporterOptions first_options;
  first_options.port = 0;
  auto first = std::make_shared<PrometheusExporter>(first_options);
  ASSERT_TRUE(first->Start().ok());
  Env env{{{"OTEL_METRICS_EXPORTER", "prometheus"},
           {"OTEL_EXPORTER_PROMETHEUS_PORT", std::to_string(first->port())}}};
  DiagnosticCapture capture;
  auto setup = Make(env);
  EXPECT_TRUE(setup->active_exporters().empty());
  EXPECT_EQ(setup->prometheus(), nullptr);
  bool reported = false;
  for (const std::string& m : capture.messages) {
    reported |= m.rfind("MetricsExporterUnavailable", 0) == 0;
  }
  EXPECT_TRUE(reported);
  (void)first->Shutdown();
}

}  // namespace
}  // namespace cryptolake::metrics
