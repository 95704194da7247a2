// CryptoMetrics: the catalog's instruments (instrument_catalog.h), created from one MeterProvider
// in the "cryptolake" scope, plus the state two of them need: the newest event time per stream
// (for the data.freshness gauge) and the high-volume sampler.
//
// Pipeline code uses CryptoMetrics::Current(): the instruments of the global provider (metrics
// API only; a no-op until a program installs the SDK). It is re-created when the global provider
// changes, so take it when a unit of work starts (a run, a file), not once per process. Handles
// are public members named after the catalog entries; record on them with attributes from
// semantic_conventions.h. The SDK drops attribute keys an instrument does not list (the catalog's
// keys are passed as advisory attribute keys), unless a View says otherwise.
//
// High-volume sampling: OTEL_HIGH_VOLUME_SAMPLE_RATE (0..1, default 1) applies to the catalog's
// per-record histograms only (InstrumentSpec::high_volume; today cryptolake.data.record.age),
// through RecordPerRecord(). Each record is kept with that probability; kept values are recorded
// unchanged, so the histogram's count and sum describe the sampled records (divide by the rate to
// estimate totals) while its bucket shape and percentiles stay unbiased. Counters are never
// sampled and stay exact.
//
// Thread-safety: all members may be used concurrently.
#ifndef CRYPTOLAKE_TELEMETRY_CRYPTO_METRICS_H_
#define CRYPTOLAKE_TELEMETRY_CRYPTO_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cryptolake/metrics/instruments.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/telemetry/instrument_catalog.h"

namespace cryptolake::telemetry {

struct CryptoMetricsOptions {
  // Probability in [0, 1] that a per-record histogram value is recorded. NaN or out of range:
  // clamped (NaN = 1).
  double high_volume_sample_rate = 1.0;
  // Wall clock in microseconds since the epoch, for the freshness gauge (tests inject one).
  int64_t (*now_micros)() = nullptr;
};

// OTEL_HIGH_VOLUME_SAMPLE_RATE from the environment: 1.0 when unset or unparsable; clamped.
double HighVolumeSampleRateFromEnvironment();
// The same, reading the variable through `env` (a value or nullptr), e.g. to check a
// configuration other than the process's.
double HighVolumeSampleRateFromEnvironment(const std::function<const char*(const char*)>& env);

// One stream of the freshness gauge.
struct StreamKey {
  std::string market;     // spot | um | cm | option
  std::string data_type;  // klines, aggTrades, ...
  std::string symbol;
  std::string interval;  // "" when the data type has none
  auto operator<=>(const StreamKey&) const = default;
};

class CryptoMetrics {
 public:
  // The instruments of the current global provider (see the header comment). Never null.
  static std::shared_ptr<CryptoMetrics> Current();
  // Instruments of `provider`; the sample rate from `options`.
  static std::shared_ptr<CryptoMetrics> Create(metrics::MeterProvider& provider,
                                               const CryptoMetricsOptions& options = {});

  ~CryptoMetrics();
  CryptoMetrics(const CryptoMetrics&) = delete;
  CryptoMetrics& operator=(const CryptoMetrics&) = delete;

  // Records one per-record histogram value, subject to the sample rate.
  void RecordRecordAge(double seconds, metrics::Attributes attributes) const noexcept {
    if (sample_all_ || Sampled()) record_age.Record(seconds, attributes);
  }
  // True with probability high_volume_sample_rate() (a thread-local generator; no lock).
  bool Sampled() const noexcept;
  double high_volume_sample_rate() const { return sample_rate_; }

  // Tells the freshness gauge that `stream` holds an event at `event_micros` (keeps the newest).
  void ObserveNewestEvent(const StreamKey& stream, int64_t event_micros);

  // Data.
  metrics::Counter<int64_t> records_ingested;
  metrics::Counter<int64_t> bytes_ingested;
  metrics::Counter<int64_t> records_rejected;
  metrics::Counter<int64_t> files_processed;
  metrics::Histogram<double> processing_duration;
  metrics::Histogram<double> processing_throughput;
  metrics::Histogram<double> record_age;  // Prefer RecordRecordAge (sampled).
  metrics::ObservableGauge<double> data_freshness;
  metrics::Histogram<double> archive_download_duration;
  // API.
  metrics::Counter<int64_t> api_requests;
  metrics::Histogram<double> api_request_duration;
  metrics::Counter<int64_t> api_rate_limit_hits;
  metrics::Gauge<int64_t> api_used_weight;
  // Storage.
  metrics::Counter<int64_t> storage_operations;
  metrics::Histogram<double> storage_operation_duration;
  metrics::Histogram<int64_t> storage_object_size;
  metrics::Counter<int64_t> storage_bytes;
  metrics::Counter<int64_t> storage_requests;
  metrics::UpDownCounter<int64_t> layer_bytes_stored;
  // System and workflows.
  metrics::ObservableGauge<int64_t> process_memory_usage;
  metrics::UpDownCounter<int64_t> queue_size;
  metrics::UpDownCounter<int64_t> workflows_active;
  metrics::UpDownCounter<int64_t> operations_active;
  metrics::Counter<int64_t> workflow_executions;
  metrics::Histogram<double> workflow_duration;
  metrics::Counter<int64_t> workflow_events;
  metrics::Counter<int64_t> errors;
  // Gaps and REST fill.
  metrics::Counter<int64_t> gaps_found;
  metrics::Counter<double> gaps_missing_duration;
  metrics::Counter<int64_t> fill_records;
  metrics::Counter<int64_t> fill_files;

 private:
  struct Freshness;
  CryptoMetrics(metrics::MeterProvider& provider, const CryptoMetricsOptions& options);

  double sample_rate_ = 1.0;
  bool sample_all_ = true;
  uint64_t sample_threshold_ = 0;  // Sampled() when a uniform 64-bit draw is below it.
  std::shared_ptr<Freshness> freshness_;
};

// The resident set size of this process in bytes (/proc/self/statm), or -1 when unknown.
int64_t ProcessResidentBytes();

}  // namespace cryptolake::telemetry

#endif  // CRYPTOLAKE_TELEMETRY_CRYPTO_METRICS_H_
