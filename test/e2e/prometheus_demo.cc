// A program that serves the Prometheus endpoint until SIGINT/SIGTERM, for the end-to-end scrape
// test (prometheus_scrape_test.sh) and for trying the endpoint by hand:
//
//   prometheus_demo [--port N] [--host H]     (port 0, the default here, picks a free one)
//
// It prints "listening on <host>:<port>" once the endpoint is up. Every 100 ms it records:
//   demo.requests     Counter<int64>        +1 {route=/api}, +2 {route=/health}
//   demo.temperature  Gauge<double>, Cel    21.5 {sensor=a}
//   demo.queue.items  UpDownCounter, {item} +5 then -2 once, so 3 {queue=ingest}
//   demo.latency      Histogram<double>, s  0.03 {route=/api}, bounds 0.01 0.05 0.1 0.5 1
// so a scraper can check exact values and histogram_quantile(0.5, ...) == 0.03.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>

#include "cryptolake/metrics/net/prometheus_exporter.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

using namespace cryptolake::metrics;  // NOLINT(google-build-using-namespace): a small program.

int main(int argc, char** argv) {
  PrometheusExporterOptions options = PrometheusExporterOptions::FromEnvironment();
  options.port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) {
      options.port = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--host") == 0) {
      options.host = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: %s [--port N] [--host H]\n", argv[0]);
      return 2;
    }
  }
  // Block the stop signals before any thread starts, so only sigtimedwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto exporter = std::make_shared<PrometheusExporter>(options);
  auto provider = std::make_shared<SdkMeterProvider>(SdkMeterProviderOptions{
      .resource = Resource::Create({{"service.name", std::string("cryptolake-prom-demo")},
                                    {"deployment.environment", std::string("e2e")}}),
      .readers = {exporter}});
  auto meter = provider->GetMeter("cryptolake.demo", "1.0.0");
  auto requests = meter->CreateInt64Counter("demo.requests", {.description = "Requests served."});
  auto temperature = meter->CreateDoubleGauge(
      "demo.temperature", {.unit = "Cel", .description = "Sensor temperature."});
  auto queue = meter->CreateInt64UpDownCounter(
      "demo.queue.items", {.unit = "{item}", .description = "Items waiting."});
  auto latency = meter->CreateDoubleHistogram(
      "demo.latency", {.unit = "s",
                       .description = "Request latency.",
                       .advisory_bucket_boundaries = {0.01, 0.05, 0.1, 0.5, 1}});

  if (cryptolake::Status s = exporter->Start(); !s.ok()) {
    std::fprintf(stderr, "prometheus_demo: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("listening on %s:%d\n", options.host.c_str(), exporter->port());
  std::fflush(stdout);

  queue.Add(5, {{"queue", "ingest"}});
  queue.Add(-2, {{"queue", "ingest"}});
  const timespec tick{0, 100 * 1000 * 1000};
  while (true) {
    requests.Add(1, {{"route", "/api"}});
    requests.Add(2, {{"route", "/health"}});
    temperature.Record(21.5, {{"sensor", "a"}});
    latency.Record(0.03, {{"route", "/api"}});
    if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) break;
  }
  (void)provider->Shutdown();
  return 0;
}
