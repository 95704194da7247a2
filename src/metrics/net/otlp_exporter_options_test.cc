#include "cryptolake/metrics/net/otlp_exporter_options.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "cryptolake/metrics/sdk/diagnostics.h"
#include "net_test_util.h"

namespace cryptolake::metrics {
namespace {

using Env = FakeEnvironment;

TEST(OtlpExporterOptionsTest, NothingSetIsGrpcToLocalhost4317) {
  Env env;
  OtlpExporterOptions o = OtlpExporterOptions::FromEnvironment(env.lookup());
  EXPECT_EQ(o.protocol, OtlpProtocol::kGrpc);
  EXPECT_EQ(o.endpoint, "http://localhost:4317");
  EXPECT_FALSE(o.endpoint_from_environment);
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(10000));
  EXPECT_FALSE(o.gzip);
  EXPECT_EQ(o.temporality, TemporalityPreference::kCumulative);
  EXPECT_EQ(o.histogram_aggregation, DefaultHistogramAggregation::kExplicitBucket);
}

TEST(OtlpExporterOptionsTest, PlanExampleEndpointOn4317IsGrpc) {
  Env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317"}}};
  OtlpExporterOptions o = OtlpExporterOptions::FromEnvironment(env.lookup());
  EXPECT_EQ(o.protocol, OtlpProtocol::kGrpc);
  EXPECT_EQ(o.endpoint, "http://localhost:4317");
  EXPECT_TRUE(o.endpoint_from_environment);
  EXPECT_FALSE(o.UsesTls());
  EXPECT_EQ(o.GrpcTarget(), "localhost:4317");
}

TEST(OtlpExporterOptionsTest, PlanProductionExampleIsGrpcWithTls) {
  Env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://openobserve.prod:4317"}}};
  OtlpExporterOptions o = OtlpExporterOptions::FromEnvironment(env.lookup());
  EXPECT_EQ(o.protocol, OtlpProtocol::kGrpc);
  EXPECT_TRUE(o.UsesTls());
  EXPECT_EQ(o.GrpcTarget(), "openobserve.prod:4317");
}

TEST(OtlpExporterOptionsTest, HttpLookingEndpointsDefaultToHttpProtobuf) {
  for (const char* endpoint :
       {"http://collector:4318", "http://oo:5080/api/default", "https://oo.example/api/myorg"}) {
    Env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", endpoint}}};
    OtlpExporterOptions o = OtlpExporterOptions::FromEnvironment(env.lookup());
    EXPECT_EQ(o.protocol, OtlpProtocol::kHttpProtobuf) << endpoint;
  }
  Env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://oo:5080/api/default"}}};
  EXPECT_EQ(OtlpExporterOptions::FromEnvironment(env.lookup()).endpoint,
            "http://oo:5080/api/default/v1/metrics");
  Env signal{{{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://x:9999/custom/path"}}};
  OtlpExporterOptions o = OtlpExporterOptions::FromEnvironment(signal.lookup());
  EXPECT_EQ(o.protocol, OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(o.endpoint, "http://x:9999/custom/path");  // Used as-is.
}

TEST(OtlpExporterOptionsTest, ExplicitProtocolWins) {
  Env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317"},
           {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"}}};
  OtlpExporterOptions o = OtlpExporterOptions::FromEnvironment(env.lookup());
  EXPECT_EQ(o.protocol, OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(o.endpoint, "http://localhost:4317/v1/metrics");

  Env json{{{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
            {"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "HTTP/JSON"}}};
  o = OtlpExporterOptions::FromEnvironment(json.lookup());
  EXPECT_EQ(o.protocol, OtlpProtocol::kHttpJson);
  EXPECT_EQ(o.endpoint, "http://localhost:4318/v1/metrics");

  Env grpc{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"},
            {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}};
  EXPECT_EQ(OtlpExporterOptions::FromEnvironment(grpc.lookup()).protocol, OtlpProtocol::kGrpc);
}

TEST(OtlpExporterOptionsTest, PerSignalPathRule) {
  EXPECT_EQ(AppendMetricsPath("http://h:4318"), "http://h:4318/v1/metrics");
  EXPECT_EQ(AppendMetricsPath("http://h:4318/"), "http://h:4318/v1/metrics");
  EXPECT_EQ(AppendMetricsPath("https://h/api/org"), "https://h/api/org/v1/metrics");
  EXPECT_EQ(AppendMetricsPath("https://h/api/org/"), "https://h/api/org/v1/metrics");
  EXPECT_EQ(AppendMetricsPath("http://h:1/p?x=1"), "http://h:1/p/v1/metrics?x=1");
}

TEST(OtlpExporterOptionsTest, HeadersArePercentDecodedAndMetricsOnesWin) {
  Env env{{{"OTEL_EXPORTER_OTLP_HEADERS",
            "Authorization=Basic%20dXNlcjpwYXNz, organization = default ,stream-name=a"},
           {"OTEL_EXPORTER_OTLP_METRICS_HEADERS", "stream-name=metrics%2Cone"}}};
  OtlpExporterOptions o = OtlpExporterOptions::FromEnvironment(env.lookup());
  ASSERT_EQ(o.headers.size(), 3u);
  EXPECT_EQ(o.headers[0].first, "Authorization");
  EXPECT_EQ(o.headers[0].second, "Basic dXNlcjpwYXNz");
  EXPECT_EQ(o.headers[1].first, "organization");
  EXPECT_EQ(o.headers[1].second, "default");
  EXPECT_EQ(o.headers[2].second, "metrics,one");
}

TEST(OtlpExporterOptionsTest, InvalidHeaderEntriesAreReportedWithoutTheirValue) {
  DiagnosticCapture capture;
  Env env{{{"OTEL_EXPORTER_OTLP_HEADERS", "secret-token-123,good=1"}}};
  OtlpExporterOptions o = OtlpExporterOptions::FromEnvironment(env.lookup());
  ASSERT_EQ(o.headers.size(), 1u);
  ASSERT_EQ(capture.messages.size(), 1u);
  EXPECT_NE(capture.messages[0].find("OTEL_EXPORTER_OTLP_HEADERS"), std::string::npos);
  EXPECT_EQ(capture.messages[0].find("secret-token-123"), std::string::npos);
}

TEST(OtlpExporterOptionsTest, TimeoutCompressionTlsAndPreferences) {
  Env env{{{"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
           {"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "gzip"},
           {"OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"},
           {"OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY", "/k.pem"},
           {"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/c.pem"},
           {"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"},
           {"OTEL_EXPORTER_OTLP_INSECURE", "true"},
           {"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "LowMemory"},
           {"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
            "base2_exponential_bucket_histogram"}}};
  OtlpExporterOptions o = OtlpExporterOptions::FromEnvironment(env.lookup());
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(2500));
  EXPECT_TRUE(o.gzip);
  EXPECT_EQ(o.certificate_file, "/etc/ca.pem");
  EXPECT_EQ(o.client_key_file, "/k.pem");
  EXPECT_EQ(o.client_certificate_file, "/c.pem");
  EXPECT_TRUE(o.insecure);
  EXPECT_FALSE(o.UsesTls());  // No scheme + insecure.
  EXPECT_EQ(o.GrpcTarget(), "collector:4317");
  EXPECT_EQ(o.temporality, TemporalityPreference::kLowMemory);
  EXPECT_EQ(o.histogram_aggregation, DefaultHistogramAggregation::kBase2Exponential);

  Env secure{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"}}};
  EXPECT_TRUE(OtlpExporterOptions::FromEnvironment(secure.lookup()).UsesTls());
}

TEST(OtlpExporterOptionsTest, InvalidValuesFallBackAndAreReported) {
  DiagnosticCapture capture;
  Env env{{{"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "-5"},
           {"OTEL_EXPORTER_OTLP_TIMEOUT", "3000"},
           {"OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"},
           {"OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"},
           {"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "sometimes"}}};
  OtlpExporterOptions o = OtlpExporterOptions::FromEnvironment(env.lookup());
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(3000));  // Generic one used.
  EXPECT_FALSE(o.gzip);
  EXPECT_EQ(o.protocol, OtlpProtocol::kGrpc);
  EXPECT_EQ(o.temporality, TemporalityPreference::kCumulative);
  EXPECT_EQ(capture.messages.size(), 4u);
}

TEST(OtlpExporterOptionsTest, ServerHostPortWithAndWithoutAPort) {
  OtlpExporterOptions o;
  std::string host;
  int port = 0;
  o.endpoint = "http://user:pw@collector.test:4318/v1/metrics";
  o.ServerHostPort(&host, &port);
  EXPECT_EQ(host, "collector.test");
  EXPECT_EQ(port, 4318);
  o.endpoint = "https://oo.example/api/org";
  o.ServerHostPort(&host, &port);
  EXPECT_EQ(host, "oo.example");
  EXPECT_EQ(port, 443);
  o.endpoint = "http://[::1]:4317";
  o.ServerHostPort(&host, &port);
  EXPECT_EQ(host, "[::1]");
  EXPECT_EQ(port, 4317);
}

TEST(OtlpExporterOptionsTest, DescribeNeverShowsUserInfoOrQuery) {
  OtlpExporterOptions o;
  o.protocol = OtlpProtocol::kHttpProtobuf;
  o.endpoint = "https://user:hunter2@oo.example:5080/api/org/v1/metrics?token=abc";
  o.headers = {{"Authorization", "Basic c2VjcmV0"}};
  std::string d = o.Describe();
  EXPECT_EQ(d, "otlp/http/protobuf https://oo.example:5080/api/org/v1/metrics");
  EXPECT_EQ(RedactUrl("http://a@b:1"), "http://b:1");
}

}  // namespace
}  // namespace cryptolake::metrics
