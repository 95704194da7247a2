// PrometheusExporter: the Prometheus pull endpoint. A MetricReader (pull, cumulative for every
// instrument kind, as the Prometheus exporter spec requires) plus an HTTP server on its own
// threads that answers every GET /metrics with a fresh collection:
//
//   auto prometheus =
//   std::make_shared<PrometheusExporter>(PrometheusExporterOptions::FromEnvironment()); auto
//   provider = std::make_shared<SdkMeterProvider>(SdkMeterProviderOptions{
//       .resource = Resource::Create({}), .readers = {prometheus}});
//   if (Status s = prometheus->Start(); !s.ok()) { ... }   // e.g. the port is taken
//   ... curl http://127.0.0.1:9464/metrics
//
// Each scrape: Collect() (runs the observable callbacks), then encode with the format the
// request's Accept header negotiates (NegotiatePrometheusExposition: text 0.0.4 by default,
// OpenMetrics 1.0.0 when asked, escaping= honoured), answered with that Content-Type.
// Scrapes are serialised (one collection and one encoder at a time), so concurrent scrapes
// are safe and see consistent totals. GET on any other path is 404. When the reader is shut
// down (directly or by SdkMeterProvider::Shutdown) the server stops; a scrape racing with
// shutdown gets 503.
//
// Bind address: options.host (default 127.0.0.1; the spec's default host is "localhost",
// which we bind as the IPv4 loopback so the endpoint is never reachable from outside by
// default and never depends on how "localhost" resolves) and options.port (default 9464;
// 0 picks a free port, see port()).
//
// Thread-safety: all methods may be called from any thread. Start() and Shutdown() may race;
// the destructor stops the server (and must not run while another thread calls a method).
#ifndef CRYPTOLAKE_METRICS_NET_PROMETHEUS_EXPORTER_H_
#define CRYPTOLAKE_METRICS_NET_PROMETHEUS_EXPORTER_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "cryptolake/common/status.h"
#include "cryptolake/common/thread_annotations.h"
#include "cryptolake/metrics/export/prometheus_text.h"
#include "cryptolake/metrics/net/otlp_exporter_options.h"
#include "cryptolake/metrics/sdk/metric_reader.h"

namespace cryptolake::metrics {

inline constexpr int kDefaultPrometheusPort = 9464;

struct PrometheusExporterOptions {
  std::string host = "127.0.0.1";
  int port = kDefaultPrometheusPort;  // 0: an ephemeral port.
  std::string path = "/metrics";
  PrometheusTextOptions text;  // Translation strategy, without_units, ...

  // Defaults overridden by OTEL_EXPORTER_PROMETHEUS_HOST and OTEL_EXPORTER_PROMETHEUS_PORT
  // (an integer 0..65535). An invalid value is reported (diagnostic "InvalidEnvironmentValue")
  // and the default kept.
  static PrometheusExporterOptions FromEnvironment(
      const EnvironmentLookup& env = ProcessEnvironment());
};

// What one scrape returns (also usable without HTTP, e.g. to serve it from another server).
struct PrometheusScrape {
  int status = 200;  // 200, or 503 when the reader cannot collect (shut down, not attached).
  std::string content_type;
  std::string body;
};

class PrometheusExporter final : public MetricReader {
 public:
  explicit PrometheusExporter(PrometheusExporterOptions options = {});
  ~PrometheusExporter() override;

  // Cumulative for every kind: Prometheus counters and histograms are cumulative.
  AggregationTemporality TemporalityFor(InstrumentKind /*kind*/) const override {
    return AggregationTemporality::kCumulative;
  }

  // Binds host:port and starts serving. Returns once the server accepts connections.
  // Unavailable naming the address when it cannot be bound (in use, not permitted, unknown
  // host); FailedPrecondition when already started or shut down. Never throws or aborts.
  Status Start() EXCLUDES(mu_);

  // The bound port after a successful Start() (the ephemeral one for port 0), else 0.
  int port() const EXCLUDES(mu_);

  // One scrape for an Accept header: collect + encode. What GET <path> answers.
  PrometheusScrape Scrape(std::string_view accept_header) EXCLUDES(scrape_mu_);

 protected:
  // Stops the HTTP server (waits for in-flight requests).
  Status OnShutdown(std::chrono::milliseconds timeout) override EXCLUDES(mu_);

 private:
  struct Server;
  void StopServer() EXCLUDES(mu_);

  const PrometheusExporterOptions options_;
  mutable Mutex mu_;
  std::unique_ptr<Server> server_ GUARDED_BY(mu_);
  int port_ GUARDED_BY(mu_) = 0;
  bool stopped_ GUARDED_BY(mu_) = false;

  Mutex scrape_mu_;
  PrometheusTextEncoder encoder_ GUARDED_BY(scrape_mu_);
  std::string buffer_ GUARDED_BY(scrape_mu_);
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_NET_PROMETHEUS_EXPORTER_H_
