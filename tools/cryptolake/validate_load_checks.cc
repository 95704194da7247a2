// Checks of `cryptolake validate` that drive load through the SDK: instruments, overhead,
// scalability, end_to_end (the others are in validate_checks.cc).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "cryptolake/lake/demo_archive.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/metrics/export/delivering_exporter.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/net/metrics_setup.h"
#include "cryptolake/metrics/net/service_resource.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/storage/object_store.h"
#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/instrument_catalog.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"
#include "validate_checks.h"

namespace cryptolake::cli {

using validate_internal::Fail;
using validate_internal::OneLine;
using validate_internal::Pass;
using validate_internal::Skip;
namespace attr = telemetry::attr;

namespace {

using Clock = std::chrono::steady_clock;

// An SDK provider with a manual reader, installed as the global provider while it lives.
class ScopedSdk {
 public:
  explicit ScopedSdk(int32_t cardinality_limit = metrics::kDefaultCardinalityLimit)
      : reader_(std::make_shared<metrics::ManualReader>()) {
    metrics::SdkMeterProviderOptions options;
    options.resource = metrics::Resource::Create({{"service.name", std::string("cryptolake")}});
    options.readers = {reader_};
    options.cardinality_limit = cardinality_limit;
    provider_ = std::make_shared<metrics::SdkMeterProvider>(std::move(options));
    metrics::SetMeterProvider(provider_);
  }
  ~ScopedSdk() {
    metrics::SetMeterProvider(nullptr);
    (void)provider_->Shutdown(std::chrono::milliseconds(1000));
  }
  ScopedSdk(const ScopedSdk&) = delete;
  ScopedSdk& operator=(const ScopedSdk&) = delete;

  metrics::ResourceMetrics Collect() {
    metrics::ResourceMetrics data;
    (void)reader_->Collect(&data);
    return data;
  }
  metrics::SdkMeterProvider& provider() { return *provider_; }

 private:
  std::shared_ptr<metrics::ManualReader> reader_;
  std::shared_ptr<metrics::SdkMeterProvider> provider_;
};

const metrics::MetricData* FindMetric(const metrics::ResourceMetrics& data, std::string_view name) {
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name == name) return &m;
    }
  }
  return nullptr;
}

size_t PointCount(const metrics::ResourceMetrics& data, std::string_view name) {
  const metrics::MetricData* m = FindMetric(data, name);
  if (m == nullptr) return 0;
  return std::visit([](const auto& d) { return d.points.size(); }, m->data);
}

// Activity of a metric: the sum of |value| of sum/gauge points plus the count of histogram
// points, so any recording raises it.
double Activity(const metrics::ResourceMetrics& data, std::string_view name) {
  const metrics::MetricData* m = FindMetric(data, name);
  if (m == nullptr) return 0;
  double total = 0;
  auto number = [](const metrics::NumberDataPoint& p) {
    return std::abs(std::holds_alternative<int64_t>(p.value)
                        ? static_cast<double>(std::get<int64_t>(p.value))
                        : std::get<double>(p.value));
  };
  if (const auto* s = std::get_if<metrics::SumData>(&m->data)) {
    for (const auto& p : s->points) total += number(p) + 1e-9;
  } else if (const auto* g = std::get_if<metrics::GaugeData>(&m->data)) {
    for (const auto& p : g->points) total += number(p) + 1e-9;
  } else if (const auto* h = std::get_if<metrics::HistogramData>(&m->data)) {
    for (const auto& p : h->points) total += static_cast<double>(p.count);
  }
  return total;
}

std::string Name(telemetry::InstrumentId id) { return std::string(telemetry::SpecOf(id).name); }

}  // namespace

CheckResult CheckInstruments(ValidateContext& /*ctx*/) {
  using telemetry::InstrumentId;
  ScopedSdk sdk;
  // Each tracker alone, and the instrument it must have recorded into.
  struct TrackerCase {
    const char* tracker;
    InstrumentId expect;
    std::function<void()> run;
  };
  const std::vector<TrackerCase> trackers = {
      {"TrackWorkflowExecution", InstrumentId::kWorkflowExecutions,
       [] { telemetry::TrackWorkflowExecution wf("validate"); }},
      {"TrackDataIngestion", InstrumentId::kProcessingDuration,
       [] {
         telemetry::TrackDataIngestion in(telemetry::source::kArchive);
         in.SetRecordCount(10);
       }},
      {"TrackApiInteraction", InstrumentId::kApiRequests,
       [] {
         telemetry::TrackApiInteraction api(telemetry::kExchangeBinance, "/api/v3/klines");
         api.SetServerAddress("api.binance.com");
         api.SetHttpStatus(429);
         api.RecordRateLimitHit("http_429");
         api.RecordUsedWeight(1200);
         api.Fail("rate_limited");
       }},
      {"TrackDataProcessing", InstrumentId::kProcessingThroughput,
       [] {
         telemetry::TrackDataProcessing p(telemetry::stage::kConvert, {{attr::kMarket, "spot"}});
         p.SetRecordCount(1000);
       }},
      {"TrackStorageOperation", InstrumentId::kStorageOperations,
       [] {
         telemetry::TrackStorageOperation s(
             telemetry::storage_op::kPut, {{attr::kStorageBackend, "local"},
                                           {attr::kLayer, std::string(telemetry::layer::kSilver)}});
         s.SetBytes(4096, "write");
       }},
      {"RecordDataBatch", InstrumentId::kRecordsIngested,
       [] {
         telemetry::RecordDataBatch(100, 8192, {{attr::kMarket, "spot"}});
       }},
      {"UpdateQueueSize", InstrumentId::kQueueSize,
       [] { telemetry::UpdateQueueSize("ingest.files", 3); }},
      {"failed scope", InstrumentId::kErrors,
       [] {
         telemetry::TrackDataProcessing p(telemetry::stage::kConvert);
         p.SetStatus(Status::Corruption("validate: simulated"));
       }},
  };
  std::string silent;
  for (const TrackerCase& t : trackers) {
    const double before = Activity(sdk.Collect(), Name(t.expect));
    t.run();
    if (Activity(sdk.Collect(), Name(t.expect)) <= before) {
      silent += std::string(silent.empty() ? "" : ", ") + t.tracker + " (" + Name(t.expect) + ")";
    }
  }
  // The instruments no tracker covers, recorded directly as the pipeline does.
  auto m = telemetry::CryptoMetrics::Current();
  const metrics::AttributeView stream[] = {
      {attr::kMarket, "spot"}, {attr::kDataType, "klines"}, {attr::kSymbol, "BTCUSDT"}};
  m->records_rejected.Add(1, stream);
  m->files_processed.Add(1, {{attr::kFileOutcome, "ingested"}});
  m->RecordRecordAge(3.5, stream);
  m->ObserveNewestEvent({"spot", "klines", "BTCUSDT", "1m"},
                        std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                                .count() -
                            60'000'000);
  m->archive_download_duration.Record(0.25, stream);
  m->storage_bytes.Add(10, {{attr::kIoDirection, "read"}});
  m->storage_requests.Add(1, {{attr::kStorageOperation, "get"}, {attr::kOutcome, "success"}});
  m->layer_bytes_stored.Add(4096, {{attr::kLayer, telemetry::layer::kBronze}});
  m->workflow_events.Add(1, {{attr::kEventName, "validate"}});
  m->gaps_found.Add(1, {{attr::kGapKind, "missing_file"}});
  m->gaps_missing_duration.Add(60.0, {{attr::kGapKind, "missing_file"}});
  m->fill_records.Add(10, {{attr::kFillOutcome, "filled"}});
  m->fill_files.Add(1, {{attr::kFillOutcome, "filled"}});
  m->bytes_ingested.Add(1, stream);
  m->api_request_duration.Record(0.1, {{attr::kUrlTemplate, "/api/v3/klines"}});
  m->storage_operation_duration.Record(0.01, {{attr::kStorageOperation, "get"}});
  m->storage_object_size.Record(1024, {{attr::kStorageOperation, "get"}});
  m->workflows_active.Add(0, {{attr::kWorkflowName, "validate"}});
  m->operations_active.Add(0, {{attr::kOperationKind, "workflow"}});
  m->workflow_duration.Record(1.0, {{attr::kWorkflowName, "validate"}});
  const metrics::ResourceMetrics data = sdk.Collect();
  std::string missing;
  for (const telemetry::InstrumentSpec& spec : telemetry::InstrumentCatalog()) {
    if (PointCount(data, spec.name) == 0) {
      missing += (missing.empty() ? "" : ", ") + std::string(spec.name);
    }
  }
  if (!missing.empty() || !silent.empty()) {
    return Fail((missing.empty() ? "" : "no data point: " + missing) +
                (silent.empty() ? ""
                                : std::string(missing.empty() ? "" : "; ") +
                                      "trackers that recorded nothing: " + silent));
  }
  return Pass("all " + std::to_string(telemetry::kInstrumentCount) +
              " catalog instruments have data points; " + std::to_string(trackers.size()) +
              " trackers/helpers recorded");
}

namespace {

// ns per operation of `op` over `n` calls.
double NanosPerOp(size_t n, const std::function<void(size_t)>& op) {
  const auto start = Clock::now();
  for (size_t i = 0; i < n; ++i) op(i);
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
         static_cast<double>(n);
}

struct Costs {
  double add_ns, record_ns;
};

Costs MeasureRecording(metrics::MeterProvider& provider, size_t n) {
  auto meter = provider.GetMeter("cryptolake.validate");
  auto counter = meter->CreateInt64Counter("validate.overhead.count");
  auto histogram = meter->CreateDoubleHistogram("validate.overhead.value", {.unit = "s"});
  const char* symbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"};
  auto add = [&](size_t i) {
    counter.Add(
        1, {{attr::kMarket, "spot"}, {attr::kDataType, "klines"}, {attr::kSymbol, symbols[i & 3]}});
  };
  auto record = [&](size_t i) {
    histogram.Record(
        static_cast<double>(i & 1023) * 1e-3,
        {{attr::kMarket, "spot"}, {attr::kDataType, "klines"}, {attr::kSymbol, symbols[i & 3]}});
  };
  NanosPerOp(n / 10, add);  // warm-up: series created, caches hot
  NanosPerOp(n / 10, record);
  return {NanosPerOp(n, add), NanosPerOp(n, record)};
}

std::string Ns(double ns) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(ns < 10 ? 1 : 0);
  s << ns << " ns";
  return s.str();
}

}  // namespace

CheckResult CheckOverhead(ValidateContext& /*ctx*/) {
  constexpr size_t kOps = 200'000;
  auto reader = std::make_shared<metrics::ManualReader>();
  metrics::SdkMeterProviderOptions options;
  options.readers = {reader};
  metrics::SdkMeterProvider sdk(std::move(options));
  const Costs with_sdk = MeasureRecording(sdk, kOps);
  const Costs noop = MeasureRecording(*metrics::NoopMeterProvider(), kOps);
  (void)sdk.Shutdown(std::chrono::milliseconds(1000));
  const std::string detail = "per recording (3 attributes), SDK: counter add " +
                             Ns(with_sdk.add_ns) + ", histogram record " + Ns(with_sdk.record_ns) +
                             "; no-op: " + Ns(noop.add_ns) + ", " + Ns(noop.record_ns) + " (" +
                             std::to_string(kOps) + " each)";
  if (with_sdk.add_ns >= 1000 || with_sdk.record_ns >= 1000) return Fail(detail + "; limit 1 us");
  return Pass(detail);
}

CheckResult CheckScalability(ValidateContext& /*ctx*/) {
  constexpr int kThreads = 4;
  constexpr int kSeries = 10'000;
  constexpr int kMeasurements = 100'000;
  constexpr int kBatch = 100;
  std::vector<std::string> symbols;
  symbols.reserve(kSeries);
  for (int i = 0; i < kSeries; ++i) symbols.push_back("SYM" + std::to_string(i) + "USDT");
  const int64_t rss_before = telemetry::ProcessResidentBytes();
  ScopedSdk sdk(/*cardinality_limit=*/2 * kSeries);
  auto meter = sdk.provider().GetMeter("cryptolake.validate");
  auto counter = meter->CreateInt64Counter("validate.scalability.records");
  // Phase 1: the 10k series come into existence (what the RSS growth is about).
  const auto create_start = Clock::now();
  for (const std::string& sym : symbols)
    counter.Add(1, {{attr::kMarket, "spot"}, {attr::kSymbol, sym}});
  const double create_ns =
      std::chrono::duration<double, std::nano>(Clock::now() - create_start).count() / kSeries;
  // Phase 2: 4 threads record 100k measurements over them, timed in batches of 100.
  std::vector<std::vector<double>> latencies(kThreads);  // ns per recording, per batch
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const int per_thread = kMeasurements / kThreads;
      latencies[t].reserve(per_thread / kBatch);
      for (int done = 0; done < per_thread; done += kBatch) {
        const auto b = Clock::now();
        for (int i = done; i < done + kBatch; ++i) {
          const std::string& sym = symbols[(t * per_thread + i) % kSeries];
          counter.Add(1, {{attr::kMarket, "spot"}, {attr::kSymbol, sym}});
        }
        latencies[t].push_back(std::chrono::duration<double, std::nano>(Clock::now() - b).count() /
                               kBatch);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const metrics::ResourceMetrics data = sdk.Collect();
  const int64_t rss_after = telemetry::ProcessResidentBytes();
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  const double p95 = all.empty() ? 0 : all[all.size() * 95 / 100];
  const size_t series = PointCount(data, "validate.scalability.records");
  const double throughput = kMeasurements / seconds;
  const double growth_mb =
      rss_before < 0 || rss_after < 0 ? -1 : static_cast<double>(rss_after - rss_before) / 1e6;
  std::ostringstream d;
  d.setf(std::ios::fixed);
  d.precision(1);
  d << kThreads << " threads, " << kMeasurements << " measurements, " << series << " series ("
    << create_ns << " ns to create one); throughput " << throughput / 1e6 << " M/s; p95 " << p95
    << " ns per recording; RSS growth " << growth_mb << " MB";
  std::string problems;
  if (series < static_cast<size_t>(kSeries)) problems += "; fewer series than recorded";
  if (throughput <= 1000) problems += "; throughput <= 1000/s";
  if (p95 >= 1000) problems += "; p95 >= 1 us";
  if (growth_mb < 0) problems += "; RSS unknown (/proc/self/statm)";
  if (growth_mb >= 100) problems += "; RSS growth >= 100 MB per 10k series";
  if (!problems.empty()) return Fail(d.str() + problems);
  return Pass(d.str());
}

CheckResult CheckEndToEnd(ValidateContext& ctx) {
  namespace fs = std::filesystem;
  if (!ctx.HasEndpoint()) {
    return Skip("no OTLP endpoint configured (OTEL_EXPORTER_OTLP_ENDPOINT or --endpoint)");
  }
  if (!ctx.connectivity_ok) return Skip("the test export failed (see otlp_connectivity)");
  std::string tmpl = (fs::temp_directory_path() / "cryptolake-validate.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return Fail("cannot create a temporary directory");
  const fs::path dir = tmpl;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  lake::DemoArchiveOptions demo_options;
  demo_options.days = 1;
  demo_options.agg_trades_per_day = 2000;
  Result<lake::DemoArchive> demo = lake::GenerateDemoArchive(dir / "archive", demo_options);
  if (!demo.ok()) return Fail("demo archive: " + demo.status().ToString());
  auto store = storage::OpenObjectStore((dir / "lake").string());
  if (!store.ok()) return Fail("lake: " + store.status().ToString());

  metrics::MetricsSetupOptions options;
  options.env = ctx.Env();
  options.exporters = "otlp";
  options.default_resource_attributes =
      metrics::ServiceResourceAttributes(metrics::ServiceResourceOptions{});
  auto setup = metrics::MetricsSetup::Create(std::move(options));
  if (!setup.ok()) return Fail("MetricsSetup: " + setup.status().ToString());
  if ((*setup)->otlp_exporter() == nullptr) return Fail("the OTLP exporter did not start");
  metrics::SetMeterProvider((*setup)->provider());
  int64_t rows = 0;
  int files = 0;
  Status ingest;
  for (const lake::DemoDataset& d : demo->datasets) {
    lake::IngestOptions o;
    o.source = (dir / "archive").string();
    o.lake = store->get();
    o.query = d;
    o.jobs = 2;
    Result<lake::IngestSummary> summary = lake::RunIngest(o);
    if (!summary.ok()) {
      ingest = summary.status();
      break;
    }
    if (!summary->ok()) {
      ingest = Status::Internal(std::to_string(summary->files_failed) + " files failed");
      break;
    }
    rows += summary->rows;
    files += summary->files_ingested;
  }
  metrics::SetMeterProvider(nullptr);
  const Status shutdown = (*setup)->Shutdown(ctx.timeout);
  const metrics::OtlpDeliveryStats stats = (*setup)->otlp_exporter()->delivery().stats();
  if (!ingest.ok()) return Fail("ingest: " + OneLine(ingest.ToString()));
  std::string detail = "ingested " + std::to_string(files) + " demo files (" +
                       std::to_string(rows) + " rows); delivered " +
                       std::to_string(stats.delivered_batches) + " batches, " +
                       std::to_string(stats.delivered_points) + " points to " +
                       (*setup)->otlp_exporter()->delivery().Describe();
  if (stats.delivered_batches == 0 || stats.dropped_points > 0 || stats.queued_batches > 0 ||
      !shutdown.ok()) {
    return Fail(detail + "; dropped " + std::to_string(stats.dropped_points) + " points, " +
                std::to_string(stats.queued_batches) + " batches undelivered" +
                (shutdown.ok() ? "" : " (shutdown: " + shutdown.ToString() + ")"));
  }
  return Pass(detail);
}

const std::vector<CheckSpec>& AllChecks() {
  static const std::vector<CheckSpec> checks = {
      {"configuration", CheckConfiguration},
      {"otlp_connectivity", CheckOtlpConnectivity},
      {"prometheus_endpoint", CheckPrometheusEndpoint},
      {"backward_compatibility", CheckBackwardCompatibility},
      {"instruments", CheckInstruments},
      {"error_handling", CheckErrorHandling},
      {"overhead", CheckOverhead},
      {"environment", CheckEnvironment},
      {"scalability", CheckScalability},
      {"end_to_end", CheckEndToEnd},
  };
  return checks;
}

}  // namespace cryptolake::cli
