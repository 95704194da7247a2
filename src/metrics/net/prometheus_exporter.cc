// The Prometheus pull endpoint: cpp-httplib serves, the MetricReader base collects, the
// metrics_export encoder renders.
//
// Why scrapes are serialised with one mutex: the encoder keeps state (running totals of delta
// data, warnings already given) and the output buffer is reused between scrapes, and the SDK
// serialises collections of one provider anyway, so parallel scrapes would only queue inside
// Collect(). One scrape of 10k series takes milliseconds; Prometheus scrapes every few seconds.
#include "cryptolake/metrics/net/prometheus_exporter.h"

#include <httplib.h>

#include <cerrno>
#include <charconv>
#include <system_error>
#include <thread>
#include <utility>

#include "cryptolake/metrics/sdk/diagnostics.h"

namespace cryptolake::metrics {

struct PrometheusExporter::Server {
  httplib::Server http;
  std::thread thread;
};

PrometheusExporterOptions PrometheusExporterOptions::FromEnvironment(const EnvironmentLookup& env) {
  PrometheusExporterOptions options;
  if (const char* host = env("OTEL_EXPORTER_PROMETHEUS_HOST"); host != nullptr && *host) {
    options.host = host;
  }
  if (const char* raw = env("OTEL_EXPORTER_PROMETHEUS_PORT"); raw != nullptr && *raw) {
    const std::string_view text(raw);
    int port = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535) {
      ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidEnvironmentValue",
                       "OTEL_EXPORTER_PROMETHEUS_PORT='" + std::string(text) +
                           "' is not a port number (0-65535); using " +
                           std::to_string(options.port));
    } else {
      options.port = port;
    }
  }
  return options;
}

PrometheusExporter::PrometheusExporter(PrometheusExporterOptions options)
    : options_(std::move(options)), encoder_(options_.text) {}

PrometheusExporter::~PrometheusExporter() { StopServer(); }

Status PrometheusExporter::Start() {
  MutexLock lock(mu_);
  if (stopped_ || is_shutdown()) {
    return Status::FailedPrecondition("Prometheus exporter is shut down");
  }
  if (server_ != nullptr) return Status::FailedPrecondition("Prometheus exporter already started");
  auto server = std::make_unique<Server>();
  // Two workers: scrapes are serialised anyway; the second answers 404s and a second scraper
  // while the first waits (the library's default is one thread per core, at least eight).
  server->http.new_task_queue = [] { return new httplib::ThreadPool(2); };
  // The library's default sets SO_REUSEPORT, with which a second process binds the same port
  // without error and the kernel splits the scrapes between the two. SO_REUSEADDR alone still
  // allows a restart while old connections linger in TIME_WAIT, but fails on a live listener.
  server->http.set_socket_options([](socket_t sock) {
    int yes = 1;
    (void)setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server->http.Get(
      options_.path, [this](const httplib::Request& request, httplib::Response& response) {
        PrometheusScrape scrape = Scrape(request.get_header_value("Accept"));
        response.status = scrape.status;
        response.set_header("Content-Type", scrape.content_type);
        response.body = std::move(scrape.body);  // set_content would copy a multi-megabyte body.
      });
  const std::string address = options_.host + ":" + std::to_string(options_.port);
  int bound = options_.port;
  errno = 0;
  if (options_.port == 0) {
    bound = server->http.bind_to_any_port(options_.host);
  } else if (!server->http.bind_to_port(options_.host, options_.port)) {
    bound = -1;
  }
  if (bound <= 0) {
    const int error = errno;
    std::string reason = error == EADDRINUSE ? "address already in use"
                         : error != 0        ? std::generic_category().message(error)
                                             : "cannot bind (unknown host?)";
    return Status::Unavailable("Prometheus exporter cannot listen on " + address + ": " + reason);
  }
  Server* raw = server.get();
  raw->thread = std::thread([raw] { (void)raw->http.listen_after_bind(); });
  // listen_after_bind marks the server running before its accept loop; stop() before that
  // point would be lost, so Start returns only once it is running.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!raw->http.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      raw->http.stop();
      raw->thread.detach();  // Cannot happen short of a hung kernel; never block the caller.
      (void)server.release();
      return Status::Timeout("Prometheus exporter: the HTTP server did not start on " + address);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_ = std::move(server);
  port_ = bound;
  return Status::OK();
}

int PrometheusExporter::port() const {
  MutexLock lock(mu_);
  return port_;
}

PrometheusScrape PrometheusExporter::Scrape(std::string_view accept_header) {
  const PrometheusExposition exposition = NegotiatePrometheusExposition(accept_header);
  PrometheusScrape scrape;
  ResourceMetrics data;
  MutexLock lock(scrape_mu_);  // Collection and encoding of one scrape as one step.
  if (Status s = Collect(&data); !s.ok()) {
    scrape.status = 503;
    scrape.content_type = "text/plain; charset=utf-8";
    scrape.body = s.ToString() + "\n";
    return scrape;
  }
  buffer_.clear();
  (void)encoder_.Append(data, exposition, &buffer_);  // Drops are reported by the encoder.
  scrape.content_type = exposition.content_type;
  scrape.body = buffer_;
  return scrape;
}

Status PrometheusExporter::OnShutdown(std::chrono::milliseconds) {
  StopServer();
  return Status::OK();
}

void PrometheusExporter::StopServer() {
  std::unique_ptr<Server> server;
  {
    MutexLock lock(mu_);
    stopped_ = true;
    server = std::move(server_);
    port_ = 0;
  }
  if (server == nullptr) return;
  server->http.stop();
  if (server->thread.joinable()) server->thread.join();
}

}  // namespace cryptolake::metrics
