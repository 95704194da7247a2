#include "cryptolake/metrics/net/prometheus_exporter.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "cryptolake/metrics/sdk/diagnostics.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

namespace cryptolake::metrics {
namespace {

constexpr const char* kOpenMetricsAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

PrometheusExporterOptions Ephemeral() {
  PrometheusExporterOptions options;
  options.port = 0;
  return options;
}

struct Fixture {
  explicit Fixture(PrometheusExporterOptions options = Ephemeral())
      : exporter(std::make_shared<PrometheusExporter>(options)),
        provider(std::make_shared<SdkMeterProvider>(SdkMeterProviderOptions{
            .resource = Resource(AttributeSet{{"service.name", std::string("net-test")}}),
            .readers = {exporter}})),
        meter(provider->GetMeter("net.test", "0.3")) {}

  std::shared_ptr<PrometheusExporter> exporter;
  std::shared_ptr<SdkMeterProvider> provider;
  std::shared_ptr<Meter> meter;
};

// A single-value sample line's value, or "" if the line is absent.
std::string SampleValue(const std::string& body, const std::string& series) {
  const size_t at = body.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  const size_t start = at + series.size() + 2;
  return body.substr(start, body.find('\n', start) - start);
}

TEST(PrometheusExporterTest, ServesText004OverLoopback) {
  Fixture f;
  auto counter = f.meter->CreateInt64Counter("jobs.done", {.description = "Jobs finished."});
  counter.Add(3, {{"queue", "fast"}});
  ASSERT_TRUE(f.exporter->Start().ok());
  ASSERT_GT(f.exporter->port(), 0);

  httplib::Client client("127.0.0.1", f.exporter->port());
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(SampleValue(response->body,
                        "jobs_done_total{queue=\"fast\",otel_scope_name=\"net.test\",otel_scope_"
                        "version=\"0.3\"}"),
            "3")
      << response->body;
  EXPECT_NE(response->body.find("target_info{service_name=\"net-test\"} 1\n"), std::string::npos)
      << response->body;
  EXPECT_NE(response->body.find("# TYPE jobs_done_total counter\n"), std::string::npos);
}

TEST(PrometheusExporterTest, NegotiatesOpenMetrics) {
  Fixture f;
  f.meter->CreateInt64Counter("c").Add(1);
  ASSERT_TRUE(f.exporter->Start().ok());
  httplib::Client client("127.0.0.1", f.exporter->port());
  auto response = client.Get("/metrics", {{"Accept", kOpenMetricsAccept}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->get_header_value("Content-Type"),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
  ASSERT_GE(response->body.size(), 6u);
  EXPECT_EQ(response->body.substr(response->body.size() - 6), "# EOF\n");
  EXPECT_NE(response->body.find("# TYPE c counter\n"), std::string::npos) << response->body;
  EXPECT_NE(response->body.find("c_created{"), std::string::npos) << response->body;
}

TEST(PrometheusExporterTest, OtherPathsAre404) {
  Fixture f;
  ASSERT_TRUE(f.exporter->Start().ok());
  httplib::Client client("127.0.0.1", f.exporter->port());
  for (const char* path : {"/", "/metric", "/metrics/x", "/favicon.ico"}) {
    auto response = client.Get(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 404) << path;
  }
}

TEST(PrometheusExporterTest, EachScrapeCollectsAgain) {
  Fixture f;
  std::atomic<int> callbacks{0};
  auto counter = f.meter->CreateInt64Counter("ticks");
  auto gauge = f.meter->CreateInt64ObservableGauge("callbacks", {},
                                                   [&callbacks](ObserverResult<int64_t>& result) {
                                                     result.Observe(callbacks.fetch_add(1) + 1);
                                                   });
  ASSERT_TRUE(f.exporter->Start().ok());
  httplib::Client client("127.0.0.1", f.exporter->port());
  const std::string series = "ticks_total{otel_scope_name=\"net.test\",otel_scope_version=\"0.3\"}";
  for (int i = 1; i <= 3; ++i) {
    counter.Add(10);
    auto response = client.Get("/metrics");
    ASSERT_TRUE(response);
    EXPECT_EQ(SampleValue(response->body, series), std::to_string(10 * i)) << response->body;
    EXPECT_EQ(SampleValue(response->body,
                          "callbacks{otel_scope_name=\"net.test\",otel_scope_version=\"0.3\"}"),
              std::to_string(i));
  }
}

// Pitfall: cpp-httplib's default SO_REUSEPORT lets a second listener share the port silently.
TEST(PrometheusExporterTest, PortInUseIsAStatusNotACrash) {
  Fixture first;
  ASSERT_TRUE(first.exporter->Start().ok());
  PrometheusExporterOptions same;
  same.port = first.exporter->port();
  PrometheusExporter second(same);
  const Status status = second.Start();
  EXPECT_TRUE(status.IsUnavailable()) << status.ToString();
  EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(same.port)), std::string::npos)
      << status.ToString();
  EXPECT_NE(status.message().find("address already in use"), std::string::npos)
      << status.ToString();
  EXPECT_EQ(second.port(), 0);
  // The first one still serves.
  httplib::Client client("127.0.0.1", first.exporter->port());
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200) << response->body;
}

TEST(PrometheusExporterTest, UnknownHostIsAStatus) {
  PrometheusExporterOptions options = Ephemeral();
  options.host = "no-such-host.invalid";
  PrometheusExporter exporter(options);
  const Status status = exporter.Start();
  EXPECT_TRUE(status.IsUnavailable()) << status.ToString();
}

TEST(PrometheusExporterTest, ShutdownStopsServingAndIsIdempotent) {
  Fixture f;
  ASSERT_TRUE(f.exporter->Start().ok());
  const int port = f.exporter->port();
  EXPECT_TRUE(f.exporter->Start().IsFailedPrecondition());  // Already started.
  ASSERT_TRUE(f.provider->Shutdown().ok());
  EXPECT_EQ(f.exporter->port(), 0);
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  EXPECT_FALSE(client.Get("/metrics"));
  EXPECT_TRUE(f.exporter->Shutdown().ok());
  EXPECT_TRUE(f.exporter->Start().IsFailedPrecondition());
}

TEST(PrometheusExporterTest, ScrapeWithoutProviderIs503) {
  PrometheusExporter exporter(Ephemeral());
  const PrometheusScrape scrape = exporter.Scrape("");
  EXPECT_EQ(scrape.status, 503);
}

TEST(PrometheusExporterTest, CumulativeForEveryKind) {
  PrometheusExporter exporter(Ephemeral());
  for (int k = 0; k < static_cast<int>(kInstrumentKindCount); ++k) {
    EXPECT_EQ(exporter.TemporalityFor(static_cast<InstrumentKind>(k)),
              AggregationTemporality::kCumulative);
  }
}

// Scrapers in parallel with writers: every scrape succeeds, and each scraper sees the counter
// never go down (cumulative, serialised collections).
TEST(PrometheusExporterTest, ConcurrentScrapesAreSafe) {
  Fixture f;
  auto counter = f.meter->CreateInt64Counter("hits");
  auto histogram = f.meter->CreateDoubleHistogram("lat", {.unit = "s"});
  ASSERT_TRUE(f.exporter->Start().ok());
  const int port = f.exporter->port();
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop.load()) {
      counter.Add(1, {{"k", "v"}});
      histogram.Record(0.5, {{"k", "v"}});
    }
  });
  const std::string series =
      "hits_total{k=\"v\",otel_scope_name=\"net.test\",otel_scope_version=\"0.3\"}";
  std::atomic<int> failures{0};
  std::vector<std::thread> scrapers;
  for (int t = 0; t < 3; ++t) {
    scrapers.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      long long last = 0;
      for (int i = 0; i < 15; ++i) {
        auto response = client.Get("/metrics");
        if (!response || response->status != 200) {
          ++failures;
          continue;
        }
        const std::string value = SampleValue(response->body, series);
        const long long v = value.empty() ? 0 : std::stoll(value);
        if (v < last) ++failures;
        last = v;
      }
    });
  }
  for (auto& t : scrapers) t.join();
  stop = true;
  writer.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(PrometheusExporterOptionsTest, FromEnvironment) {
  setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "0.0.0.0", 1);
  setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "9999", 1);
  PrometheusExporterOptions o = PrometheusExporterOptions::FromEnvironment();
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.port, 9999);
  std::vector<std::string> events;
  DiagnosticHandler previous =
      SetDiagnosticHandler([&events](const Diagnostic& d) { events.emplace_back(d.event); });
  setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "99999", 1);
  o = PrometheusExporterOptions::FromEnvironment();
  EXPECT_EQ(o.port, kDefaultPrometheusPort);
  SetDiagnosticHandler(previous);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "InvalidEnvironmentValue");
  unsetenv("OTEL_EXPORTER_PROMETHEUS_HOST");
  unsetenv("OTEL_EXPORTER_PROMETHEUS_PORT");
  o = PrometheusExporterOptions::FromEnvironment();
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 9464);
}

}  // namespace
}  // namespace cryptolake::metrics
