// The ingest pipeline behind our Prometheus endpoint, for the PromQL check of the metrics
// reference (metrics_promql_test.sh):
//
//   pipeline_prometheus_demo [--port N]      (port 0, the default, picks a free one)
//
// It installs the SDK with a Prometheus reader as the global provider (resource from
// OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, like the CLI), runs exactly the ingests
// `cryptolake demo` runs (the embedded synthetic archive into a temporary local lake, no
// network), prints "listening on <host>:<port>" and keeps serving the run's metrics until
// SIGINT/SIGTERM. The ingests run `--rounds` times (default 2), each into a fresh lake, with
// `--pause-ms` (default 2500) between rounds, so a scraper sees the counters and histograms
// grow between scrapes (rate() and histogram_quantile(rate()) have data); it prints
// "ingested <n> rounds" when done. With `--start-file F` the rounds wait until F exists (so a
// scraper can take its first scrape before any series exists). `cryptolake demo` itself exits when
// the run ends, before a Prometheus server could scrape it; this program keeps the same instruments
// alive for the scrape.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>

#include "cryptolake/lake/demo_archive.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/net/prometheus_exporter.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/storage/object_store.h"
#include "cryptolake/telemetry/crypto_metrics.h"

namespace fs = std::filesystem;
using namespace cryptolake;  // NOLINT(google-build-using-namespace): a small program.

namespace {

// The ingests `cryptolake demo` runs: the synthetic archive into a fresh temporary local lake.
int IngestDemoOnce() {
  std::string tmpl = (fs::temp_directory_path() / "cryptolake-promql.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::fprintf(stderr, "pipeline_prometheus_demo: cannot create a temporary directory\n");
    return 1;
  }
  const fs::path work = tmpl;
  int rc = 0;
  std::error_code ec;
  {
    fs::create_directories(work / "archive", ec);
    Result<lake::DemoArchive> demo = lake::GenerateDemoArchive(work / "archive");
    Result<std::unique_ptr<storage::ObjectStore>> lake_store =
        storage::OpenObjectStore((work / "lake").string());
    if (!demo.ok() || !lake_store.ok()) {
      std::fprintf(stderr, "pipeline_prometheus_demo: %s\n",
                   (demo.ok() ? lake_store.status() : demo.status()).ToString().c_str());
      rc = 1;
    }
    for (size_t i = 0; rc == 0 && i < demo->datasets.size(); ++i) {
      lake::IngestOptions o;
      o.source = (work / "archive").string();
      o.lake = lake_store->get();
      o.query = demo->datasets[i];
      o.jobs = 1;
      Result<lake::IngestSummary> summary = lake::RunIngest(o);
      if (!summary.ok() || !summary->ok()) {
        std::fprintf(stderr, "pipeline_prometheus_demo: ingest %zu failed: %s\n", i,
                     summary.ok() ? "file errors" : summary.status().ToString().c_str());
        rc = 1;
      }
    }
  }
  fs::remove_all(work, ec);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  metrics::PrometheusExporterOptions options =
      metrics::PrometheusExporterOptions::FromEnvironment();
  options.port = 0;
  int rounds = 2;
  long pause_ms = 2500;
  std::string start_file;  // When set: the rounds start once this file exists.
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) {
      options.port = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--rounds") == 0) {
      rounds = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--start-file") == 0) {
      start_file = argv[i + 1];
    } else if (std::strcmp(argv[i], "--pause-ms") == 0) {
      pause_ms = std::atol(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: %s [--port N] [--rounds N] [--pause-ms MS] [--start-file F]\n",
                   argv[0]);
      return 2;
    }
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto exporter = std::make_shared<metrics::PrometheusExporter>(options);
  auto provider = std::make_shared<metrics::SdkMeterProvider>(metrics::SdkMeterProviderOptions{
      .resource = metrics::Resource::Default().Merge(metrics::Resource::FromEnvironment()),
      .readers = {exporter}});
  metrics::SetMeterProvider(provider);
  // Held for the whole run: the observable gauges (freshness, RSS) report while it lives.
  std::shared_ptr<telemetry::CryptoMetrics> instruments = telemetry::CryptoMetrics::Current();

  if (Status s = exporter->Start(); !s.ok()) {
    std::fprintf(stderr, "pipeline_prometheus_demo: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("listening on %s:%d\n", options.host.c_str(), exporter->port());
  std::fflush(stdout);
  const timespec poll{0, 100 * 1000 * 1000};
  while (!start_file.empty() && !fs::exists(start_file)) nanosleep(&poll, nullptr);
  for (int round = 0; round < rounds; ++round) {
    if (round > 0) {
      const timespec pause{pause_ms / 1000, (pause_ms % 1000) * 1000000L};
      nanosleep(&pause, nullptr);
    }
    if (int rc = IngestDemoOnce(); rc != 0) return rc;
  }
  std::printf("ingested %d rounds\n", rounds);
  std::fflush(stdout);
  const timespec tick{1, 0};
  while (sigtimedwait(&stop_signals, nullptr, &tick) <= 0) {
  }
  metrics::SetMeterProvider(nullptr);
  (void)provider->Shutdown();
  return 0;
}
