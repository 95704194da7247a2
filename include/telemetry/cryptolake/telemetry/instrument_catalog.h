// The instrument catalog: every instrument cryptolake records, defined once (name, kind, value
// type, unit, description, the attribute keys it may carry, its advisory histogram boundaries and
// whether the high-volume sample rate applies to it).
//
// CryptoMetrics (crypto_metrics.h) creates the instruments from this table and nothing else, the
// docs' metrics reference and the OpenObserve dashboard are checked against it, and tests list the
// instruments from it. Names follow the OpenTelemetry naming rules: dot-separated namespaces, UCUM
// units (durations in `s`, sizes in `By`, counts as `{record}`-style annotations), no `_total`
// (Prometheus and OpenObserve add their own suffixes).
//
// Histogram boundaries are advisory (InstrumentOptions::advisory_bucket_boundaries): a View that
// sets an aggregation overrides them. Why each set is what it is: instrument_catalog.cc.
#ifndef CRYPTOLAKE_TELEMETRY_INSTRUMENT_CATALOG_H_
#define CRYPTOLAKE_TELEMETRY_INSTRUMENT_CATALOG_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "cryptolake/metrics/instrument_kind.h"
#include "cryptolake/metrics/meter.h"

namespace cryptolake::telemetry {

enum class InstrumentId : uint8_t {
  // Data.
  kRecordsIngested,
  kBytesIngested,
  kRecordsRejected,
  kFilesProcessed,
  kProcessingDuration,
  kProcessingThroughput,
  kRecordAge,
  kDataFreshness,
  kArchiveDownloadDuration,
  // API.
  kApiRequests,
  kApiRequestDuration,
  kApiRateLimitHits,
  kApiUsedWeight,
  // Storage.
  kStorageOperations,
  kStorageOperationDuration,
  kStorageObjectSize,
  kStorageBytes,
  kStorageRequests,
  kLayerBytesStored,
  // System and workflows.
  kProcessMemoryUsage,
  kQueueSize,
  kWorkflowsActive,
  kOperationsActive,
  kWorkflowExecutions,
  kWorkflowDuration,
  kWorkflowEvents,
  kErrors,
  // Gaps and REST fill.
  kGapsFound,
  kGapsMissingDuration,
  kFillRecords,
  kFillFiles,
  kCount,  // Not an instrument.
};

struct InstrumentSpec {
  InstrumentId id;
  std::string_view name;
  metrics::InstrumentKind kind;
  metrics::InstrumentValueType value_type;
  std::string_view unit;
  std::string_view description;
  // Every key a data point of this instrument may carry (a subset on any one point).
  std::span<const std::string_view> attribute_keys;
  // Advisory explicit-bucket boundaries (histograms only; empty otherwise).
  std::span<const double> bucket_boundaries;
  // A per-record histogram: OTEL_HIGH_VOLUME_SAMPLE_RATE applies (see crypto_metrics.h).
  bool high_volume = false;
};

inline constexpr size_t kInstrumentCount = static_cast<size_t>(InstrumentId::kCount);

// All instruments, in InstrumentId order.
std::span<const InstrumentSpec> InstrumentCatalog();

inline const InstrumentSpec& SpecOf(InstrumentId id) {
  return InstrumentCatalog()[static_cast<size_t>(id)];
}

// The instrumentation scope every catalog instrument is created in.
inline constexpr std::string_view kScopeName = "cryptolake";

}  // namespace cryptolake::telemetry

#endif  // CRYPTOLAKE_TELEMETRY_INSTRUMENT_CATALOG_H_
