#include "cryptolake/telemetry/crypto_metrics.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <vector>

#include "cryptolake/common/version.h"
#include "cryptolake/telemetry/semantic_conventions.h"

namespace cryptolake::telemetry {
namespace {

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

metrics::InstrumentOptions OptionsOf(const InstrumentSpec& spec) {
  metrics::InstrumentOptions o;
  o.unit = std::string(spec.unit);
  o.description = std::string(spec.description);
  o.advisory_bucket_boundaries.assign(spec.bucket_boundaries.begin(), spec.bucket_boundaries.end());
  for (std::string_view k : spec.attribute_keys) o.advisory_attribute_keys.emplace_back(k);
  return o;
}

double ClampRate(double rate) {
  if (std::isnan(rate)) return 1.0;
  if (rate < 0) return 0.0;
  if (rate > 1) return 1.0;
  return rate;
}

// Per-thread xorshift64* state, seeded once per thread from random_device; no lock, no
// allocation on the recording path.
uint64_t NextRandom() noexcept {
  thread_local uint64_t state = []() noexcept {
    uint64_t s = 0;
    try {
      std::random_device rd;
      s = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    } catch (...) {
      // No entropy source (a sandbox): the clock and this thread's stack address differ per
      // thread and run, which is all a sampling decision needs.
      int here = 0;
      s = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
          (reinterpret_cast<uintptr_t>(&here) << 16);
    }
    return s == 0 ? 0x9E3779B97F4A7C15ULL : s;
  }();
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

}  // namespace

double HighVolumeSampleRateFromEnvironment() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing in cryptolake modifies the environment.
  return HighVolumeSampleRateFromEnvironment([](const char* name) { return std::getenv(name); });
}

double HighVolumeSampleRateFromEnvironment(const std::function<const char*(const char*)>& env) {
  const char* v = env("OTEL_HIGH_VOLUME_SAMPLE_RATE");
  if (v == nullptr || *v == '\0') return 1.0;
  char* end = nullptr;
  const double rate = std::strtod(v, &end);
  if (end == v || *end != '\0') return 1.0;
  return ClampRate(rate);
}

int64_t ProcessResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  unsigned long size = 0, resident = 0;  // NOLINT(google-runtime-int): fscanf's types
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) return -1;
  return static_cast<int64_t>(resident) * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

// The freshness gauge's state. Shared with the gauge's callback, which may outlive the
// CryptoMetrics object while the provider that runs it lives on.
struct CryptoMetrics::Freshness {
  std::mutex mu;
  std::map<StreamKey, int64_t> newest;  // stream -> newest event time (us)
  int64_t (*now_micros)() = nullptr;
};

CryptoMetrics::CryptoMetrics(metrics::MeterProvider& provider, const CryptoMetricsOptions& options)
    : freshness_(std::make_shared<Freshness>()) {
  sample_rate_ = ClampRate(options.high_volume_sample_rate);
  sample_all_ = sample_rate_ >= 1.0;
  // rate * 2^64, computed in long double so 0.999... does not round up to 2^64.
  sample_threshold_ =
      sample_rate_ <= 0
          ? 0
          : static_cast<uint64_t>(static_cast<long double>(sample_rate_) * 18446744073709551616.0L);
  freshness_->now_micros = options.now_micros != nullptr ? options.now_micros : &WallMicros;

  std::shared_ptr<metrics::Meter> meter =
      provider.GetMeter(std::string(kScopeName), std::string(kVersion));
  auto opts = [](InstrumentId id) { return OptionsOf(SpecOf(id)); };
  auto name = [](InstrumentId id) { return SpecOf(id).name; };
  using Id = InstrumentId;

  records_ingested =
      meter->CreateInt64Counter(name(Id::kRecordsIngested), opts(Id::kRecordsIngested));
  bytes_ingested = meter->CreateInt64Counter(name(Id::kBytesIngested), opts(Id::kBytesIngested));
  records_rejected =
      meter->CreateInt64Counter(name(Id::kRecordsRejected), opts(Id::kRecordsRejected));
  files_processed = meter->CreateInt64Counter(name(Id::kFilesProcessed), opts(Id::kFilesProcessed));
  processing_duration =
      meter->CreateDoubleHistogram(name(Id::kProcessingDuration), opts(Id::kProcessingDuration));
  processing_throughput = meter->CreateDoubleHistogram(name(Id::kProcessingThroughput),
                                                       opts(Id::kProcessingThroughput));
  record_age = meter->CreateDoubleHistogram(name(Id::kRecordAge), opts(Id::kRecordAge));
  data_freshness = meter->CreateDoubleObservableGauge(
      name(Id::kDataFreshness), opts(Id::kDataFreshness),
      [state = freshness_](metrics::ObserverResult<double>& out) {
        std::vector<std::pair<StreamKey, int64_t>> rows;
        {
          std::lock_guard<std::mutex> lock(state->mu);
          rows.assign(state->newest.begin(), state->newest.end());
        }
        const int64_t now = state->now_micros();
        for (const auto& [k, newest] : rows) {
          const double age = static_cast<double>(now - newest) / 1e6;
          if (k.interval.empty()) {
            out.Observe(age, {{attr::kExchange, kExchangeBinance},
                              {attr::kMarket, k.market},
                              {attr::kDataType, k.data_type},
                              {attr::kSymbol, k.symbol}});
          } else {
            out.Observe(age, {{attr::kExchange, kExchangeBinance},
                              {attr::kMarket, k.market},
                              {attr::kDataType, k.data_type},
                              {attr::kSymbol, k.symbol},
                              {attr::kInterval, k.interval}});
          }
        }
      });
  archive_download_duration = meter->CreateDoubleHistogram(name(Id::kArchiveDownloadDuration),
                                                           opts(Id::kArchiveDownloadDuration));
  api_requests = meter->CreateInt64Counter(name(Id::kApiRequests), opts(Id::kApiRequests));
  api_request_duration =
      meter->CreateDoubleHistogram(name(Id::kApiRequestDuration), opts(Id::kApiRequestDuration));
  api_rate_limit_hits =
      meter->CreateInt64Counter(name(Id::kApiRateLimitHits), opts(Id::kApiRateLimitHits));
  api_used_weight = meter->CreateInt64Gauge(name(Id::kApiUsedWeight), opts(Id::kApiUsedWeight));
  storage_operations =
      meter->CreateInt64Counter(name(Id::kStorageOperations), opts(Id::kStorageOperations));
  storage_operation_duration = meter->CreateDoubleHistogram(name(Id::kStorageOperationDuration),
                                                            opts(Id::kStorageOperationDuration));
  storage_object_size =
      meter->CreateInt64Histogram(name(Id::kStorageObjectSize), opts(Id::kStorageObjectSize));
  storage_bytes = meter->CreateInt64Counter(name(Id::kStorageBytes), opts(Id::kStorageBytes));
  storage_requests =
      meter->CreateInt64Counter(name(Id::kStorageRequests), opts(Id::kStorageRequests));
  layer_bytes_stored =
      meter->CreateInt64UpDownCounter(name(Id::kLayerBytesStored), opts(Id::kLayerBytesStored));
  process_memory_usage = meter->CreateInt64ObservableGauge(
      name(Id::kProcessMemoryUsage), opts(Id::kProcessMemoryUsage),
      [](metrics::ObserverResult<int64_t>& out) {
        const int64_t rss = ProcessResidentBytes();
        if (rss >= 0) out.Observe(rss);
      });
  queue_size = meter->CreateInt64UpDownCounter(name(Id::kQueueSize), opts(Id::kQueueSize));
  workflows_active =
      meter->CreateInt64UpDownCounter(name(Id::kWorkflowsActive), opts(Id::kWorkflowsActive));
  operations_active =
      meter->CreateInt64UpDownCounter(name(Id::kOperationsActive), opts(Id::kOperationsActive));
  workflow_executions =
      meter->CreateInt64Counter(name(Id::kWorkflowExecutions), opts(Id::kWorkflowExecutions));
  workflow_duration =
      meter->CreateDoubleHistogram(name(Id::kWorkflowDuration), opts(Id::kWorkflowDuration));
  workflow_events = meter->CreateInt64Counter(name(Id::kWorkflowEvents), opts(Id::kWorkflowEvents));
  errors = meter->CreateInt64Counter(name(Id::kErrors), opts(Id::kErrors));
  gaps_found = meter->CreateInt64Counter(name(Id::kGapsFound), opts(Id::kGapsFound));
  gaps_missing_duration =
      meter->CreateDoubleCounter(name(Id::kGapsMissingDuration), opts(Id::kGapsMissingDuration));
  fill_records = meter->CreateInt64Counter(name(Id::kFillRecords), opts(Id::kFillRecords));
  fill_files = meter->CreateInt64Counter(name(Id::kFillFiles), opts(Id::kFillFiles));
}

// The callbacks capture shared state, not `this`; removing them keeps a provider that outlives
// this object from observing streams twice when another CryptoMetrics is created on it.
CryptoMetrics::~CryptoMetrics() {
  data_freshness.RemoveCallback(data_freshness.creation_callback_id());
  process_memory_usage.RemoveCallback(process_memory_usage.creation_callback_id());
}

std::shared_ptr<CryptoMetrics> CryptoMetrics::Create(metrics::MeterProvider& provider,
                                                     const CryptoMetricsOptions& options) {
  return std::shared_ptr<CryptoMetrics>(new CryptoMetrics(provider, options));
}

std::shared_ptr<CryptoMetrics> CryptoMetrics::Current() {
  std::shared_ptr<metrics::MeterProvider> provider = metrics::GetMeterProvider();
  static std::mutex mu;
  static std::weak_ptr<metrics::MeterProvider> cached_provider;
  static std::shared_ptr<CryptoMetrics> cached;
  std::lock_guard<std::mutex> lock(mu);
  if (cached != nullptr && cached_provider.lock() == provider) return cached;
  CryptoMetricsOptions options;
  options.high_volume_sample_rate = HighVolumeSampleRateFromEnvironment();
  cached = Create(*provider, options);
  cached_provider = provider;
  return cached;
}

bool CryptoMetrics::Sampled() const noexcept {
  if (sample_all_) return true;
  return NextRandom() < sample_threshold_;
}

void CryptoMetrics::ObserveNewestEvent(const StreamKey& stream, int64_t event_micros) {
  std::lock_guard<std::mutex> lock(freshness_->mu);
  auto [it, inserted] = freshness_->newest.try_emplace(stream, event_micros);
  if (!inserted && event_micros > it->second) it->second = event_micros;
}

}  // namespace cryptolake::telemetry
