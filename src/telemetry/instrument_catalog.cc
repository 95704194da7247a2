// The catalog table. Bucket boundaries, and why:
//
// - kApiDuration (Binance REST, seconds): a healthy request answers in 20-300 ms from most regions
//   (1-5 ms from a host next to the exchange, or from the tests' loopback server), a slow or
//   throttled one in 1-10 s, and a client timeout fires at 30 s. Boundaries are dense from 1 ms
//   to 1 s (where the p50 and p99 of a healthy run fall, so both land in interior buckets) and
//   sparse above, up to the timeout. The plan's set (10 ms..30 s) is a subset.
// - kDownloadDuration (one archive .CHECKSUM or zip fetch, seconds): over HTTP a CHECKSUM takes
//   10-100 ms, a daily zip 0.1 s (a kline day) to 30 s (a large aggTrades day over a slow link),
//   retries add more; from a local mirror (a directory source) a fetch takes 0.1-10 ms. 100 us..120
//   s.
// - kStorageDuration (one ObjectStore operation, seconds): on local disk a HEAD or a small GET
//   (ledger entries, checksums) takes 10-100 us and a Parquet put 0.1-10 ms, S3 requests
//   10-500 ms, multipart publishes of large silver objects a few seconds. 10 us..60 s, roughly
//   x2.5 per step, so local and S3 runs both sit inside the range.
// - kProcessingDuration (one file through a stage, seconds): a 1m kline day converts in ~5 ms, a
//   2-million-row aggTrades day in ~1-2 s, a month file in a minute. 1 ms..600 s.
// - kThroughput (records per second of one stage): our converter runs at 0.5-5 million rows/s per
//   core on big files and far lower on tiny ones (a 1d kline file is one row). 10..50 million.
// - kWorkflowDuration (seconds): a single-day run takes seconds, a backfill hours. 0.1 s..24 h.
// - kObjectSize (bytes): ledger entries and .CHECKSUM copies are ~100 bytes, silver objects range
//   from ~2 KiB (a 1d kline day) to hundreds of MiB (a month of trades); powers of 4 from 64 B to
//   1 GiB.
// - kRecordAge (seconds between an event and its ingestion): REST fill lands minutes to hours
//   after the event, archive ingest a day to years after. 1 s..~1 year on a rough log scale.
#include "cryptolake/telemetry/instrument_catalog.h"

#include <array>

#include "cryptolake/telemetry/semantic_conventions.h"

namespace cryptolake::telemetry {
namespace {

using metrics::InstrumentKind;
using metrics::InstrumentValueType;

constexpr double kApiDuration[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1,
                                   0.15,  0.25,   0.5,   1,    2,     5,    10,    30};
constexpr double kDownloadDuration[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                        0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
                                        5,      10,      30,     60,    120};
constexpr double kStorageDuration[] = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                       0.0025,  0.005,    0.01,    0.025,  0.05,    0.1,    0.25,
                                       0.5,     1,        2.5,     5,      10,      30,     60};
constexpr double kProcessingDuration[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                          1,     2.5,    5,     10,   30,    60,   120, 300,  600};
constexpr double kThroughput[] = {10,  100, 1e3, 1e4, 5e4, 1e5,   2.5e5, 5e5,
                                  1e6, 2e6, 3e6, 5e6, 1e7, 2.5e7, 5e7};
constexpr double kWorkflowDuration[] = {0.1, 0.5, 1,    2.5,  5,    10,    30,   60,
                                        300, 600, 1800, 3600, 7200, 21600, 86400};
constexpr double kObjectSize[] = {64,       256,       1024,      4096,    16384,
                                  65536,    262144,    1048576,   4194304, 16777216,
                                  67108864, 268435456, 1073741824};
constexpr double kRecordAge[] = {1,     10,     60,     300,     900,     3600,    21600,
                                 86400, 172800, 604800, 2592000, 7776000, 31536000};

using K = std::string_view;
constexpr K kStreamKeys[] = {attr::kExchange, attr::kMarket, attr::kDataType, attr::kSymbol,
                             attr::kSource};
constexpr K kRejectedKeys[] = {attr::kExchange, attr::kMarket, attr::kDataType, attr::kSymbol};
constexpr K kFileKeys[] = {attr::kMarket, attr::kDataType, attr::kFileOutcome, attr::kErrorType};
constexpr K kStageKeys[] = {attr::kStage,   attr::kMarket,    attr::kDataType,
                            attr::kOutcome, attr::kErrorType, attr::kWorkflowName};
constexpr K kThroughputKeys[] = {attr::kStage, attr::kMarket, attr::kDataType};
constexpr K kRecordAgeKeys[] = {attr::kMarket, attr::kDataType, attr::kSource};
constexpr K kFreshnessKeys[] = {attr::kExchange, attr::kMarket, attr::kDataType, attr::kSymbol,
                                attr::kInterval};
constexpr K kDownloadKeys[] = {attr::kMarket, attr::kDataType, attr::kOutcome};
constexpr K kApiKeys[] = {attr::kExchange,      attr::kHttpMethod,  attr::kHttpStatusCode,
                          attr::kServerAddress, attr::kUrlTemplate, attr::kOutcome,
                          attr::kErrorType};
constexpr K kRateLimitKeys[] = {attr::kExchange, attr::kServerAddress, attr::kRateLimitReason};
constexpr K kWeightKeys[] = {attr::kExchange, attr::kServerAddress};
constexpr K kStorageOpKeys[] = {attr::kStorageOperation, attr::kStorageBackend, attr::kOutcome,
                                attr::kErrorType};
constexpr K kStorageDurationKeys[] = {attr::kStorageOperation, attr::kStorageBackend,
                                      attr::kOutcome};
constexpr K kObjectSizeKeys[] = {attr::kStorageOperation, attr::kStorageBackend, attr::kLayer};
constexpr K kStorageBytesKeys[] = {attr::kStorageBackend, attr::kIoDirection};
constexpr K kStorageRequestKeys[] = {attr::kStorageOperation, attr::kOutcome};
constexpr K kLayerKeys[] = {attr::kStorageBackend, attr::kLayer};
constexpr K kQueueKeys[] = {attr::kQueue};
constexpr K kWorkflowKeys[] = {attr::kWorkflowName};
constexpr K kOperationKeys[] = {attr::kOperationKind};
constexpr K kExecutionKeys[] = {attr::kWorkflowName, attr::kOutcome, attr::kErrorType};
constexpr K kEventKeys[] = {attr::kWorkflowName, attr::kEventName};
constexpr K kErrorKeys[] = {attr::kErrorType, attr::kOperationKind, attr::kWorkflowName};
constexpr K kGapKeys[] = {attr::kMarket, attr::kDataType, attr::kGapKind, attr::kGapStatus};
constexpr K kFillRecordKeys[] = {attr::kMarket, attr::kDataType};
constexpr K kFillFileKeys[] = {attr::kMarket, attr::kDataType, attr::kFillOutcome};

constexpr std::span<const double> kNoBuckets;

constexpr InstrumentSpec Sync(InstrumentId id, K name, InstrumentKind kind,
                              InstrumentValueType type, K unit, K description,
                              std::span<const K> keys, std::span<const double> buckets = kNoBuckets,
                              bool high_volume = false) {
  return InstrumentSpec{id, name, kind, type, unit, description, keys, buckets, high_volume};
}

constexpr auto I64 = InstrumentValueType::kInt64;
constexpr auto F64 = InstrumentValueType::kDouble;

constexpr std::array<InstrumentSpec, kInstrumentCount> kCatalog = {{
    Sync(InstrumentId::kRecordsIngested, "cryptolake.data.records.ingested",
         InstrumentKind::kCounter, I64, "{record}",
         "Records written to silver, from the archive or from REST gap fill", kStreamKeys),
    Sync(InstrumentId::kBytesIngested, "cryptolake.data.bytes.ingested", InstrumentKind::kCounter,
         I64, "By", "Source bytes fetched for ingestion (archive zips and checksums, REST bodies)",
         kStreamKeys),
    Sync(InstrumentId::kRecordsRejected, "cryptolake.data.records.rejected",
         InstrumentKind::kCounter, I64, "{record}",
         "Records that failed validation and went to the rejects files", kRejectedKeys),
    Sync(InstrumentId::kFilesProcessed, "cryptolake.data.files", InstrumentKind::kCounter, I64,
         "{file}", "Archive files handled by ingest, by outcome", kFileKeys),
    Sync(InstrumentId::kProcessingDuration, "cryptolake.data.processing.duration",
         InstrumentKind::kHistogram, F64, "s", "Time one unit of work spent in a processing stage",
         kStageKeys, kProcessingDuration),
    Sync(InstrumentId::kProcessingThroughput, "cryptolake.data.processing.throughput",
         InstrumentKind::kHistogram, F64, "{record}/s",
         "Records per second of one unit of work in a processing stage", kThroughputKeys,
         kThroughput),
    Sync(InstrumentId::kRecordAge, "cryptolake.data.record.age", InstrumentKind::kHistogram, F64,
         "s", "Age of each ingested record: ingestion time minus the record's event time",
         kRecordAgeKeys, kRecordAge, /*high_volume=*/true),
    Sync(InstrumentId::kDataFreshness, "cryptolake.data.freshness",
         InstrumentKind::kObservableGauge, F64, "s",
         "Age of the newest ingested event of each stream, now minus its event time",
         kFreshnessKeys),
    Sync(InstrumentId::kArchiveDownloadDuration, "cryptolake.archive.download.duration",
         InstrumentKind::kHistogram, F64, "s",
         "Duration of one archive fetch (.CHECKSUM or zip), retries included", kDownloadKeys,
         kDownloadDuration),
    Sync(InstrumentId::kApiRequests, "cryptolake.api.requests", InstrumentKind::kCounter, I64,
         "{request}", "HTTP requests to the exchange's REST API, one per attempt", kApiKeys),
    Sync(InstrumentId::kApiRequestDuration, "cryptolake.api.request.duration",
         InstrumentKind::kHistogram, F64, "s", "Duration of one HTTP request to the REST API",
         kApiKeys, kApiDuration),
    Sync(InstrumentId::kApiRateLimitHits, "cryptolake.api.rate_limit.hits",
         InstrumentKind::kCounter, I64, "{hit}",
         "Rate-limit answers from the exchange (HTTP 429, 418, code -1003)", kRateLimitKeys),
    Sync(InstrumentId::kApiUsedWeight, "cryptolake.api.used_weight", InstrumentKind::kGauge, I64,
         "{weight}", "Request weight used in the current minute (X-MBX-USED-WEIGHT-1M)",
         kWeightKeys),
    Sync(InstrumentId::kStorageOperations, "cryptolake.storage.operations",
         InstrumentKind::kCounter, I64, "{operation}",
         "Object-store operations by operation and outcome", kStorageOpKeys),
    Sync(InstrumentId::kStorageOperationDuration, "cryptolake.storage.operation.duration",
         InstrumentKind::kHistogram, F64, "s",
         "Duration of one object-store operation, retries included", kStorageDurationKeys,
         kStorageDuration),
    Sync(InstrumentId::kStorageObjectSize, "cryptolake.storage.object.size",
         InstrumentKind::kHistogram, I64, "By", "Size of each object written or read whole",
         kObjectSizeKeys, kObjectSize),
    Sync(InstrumentId::kStorageBytes, "cryptolake.storage.bytes", InstrumentKind::kCounter, I64,
         "By", "Object bytes read from / written to the store", kStorageBytesKeys),
    Sync(InstrumentId::kStorageRequests, "cryptolake.storage.requests", InstrumentKind::kCounter,
         I64, "{request}", "HTTP requests to an S3 store by S3 operation, retries included",
         kStorageRequestKeys),
    Sync(InstrumentId::kLayerBytesStored, "cryptolake.lakehouse.stored.bytes",
         InstrumentKind::kUpDownCounter, I64, "By",
         "Net bytes this process added to each lakehouse layer (published minus deleted)",
         kLayerKeys),
    Sync(InstrumentId::kProcessMemoryUsage, "process.memory.usage",
         InstrumentKind::kObservableGauge, I64, "By",
         "Resident set size of the process (physical memory in use)", {}),
    Sync(InstrumentId::kQueueSize, "cryptolake.queue.size", InstrumentKind::kUpDownCounter, I64,
         "{item}", "Work items waiting in a pipeline queue", kQueueKeys),
    Sync(InstrumentId::kWorkflowsActive, "cryptolake.workflow.active",
         InstrumentKind::kUpDownCounter, I64, "{workflow}", "Workflows running now", kWorkflowKeys),
    Sync(InstrumentId::kOperationsActive, "cryptolake.operations.active",
         InstrumentKind::kUpDownCounter, I64, "{operation}",
         "Tracked operations in flight now, by kind", kOperationKeys),
    Sync(InstrumentId::kWorkflowExecutions, "cryptolake.workflow.executions",
         InstrumentKind::kCounter, I64, "{execution}", "Finished workflow executions by outcome",
         kExecutionKeys),
    Sync(InstrumentId::kWorkflowDuration, "cryptolake.workflow.duration",
         InstrumentKind::kHistogram, F64, "s", "Duration of one workflow execution", kExecutionKeys,
         kWorkflowDuration),
    Sync(InstrumentId::kWorkflowEvents, "cryptolake.workflow.events", InstrumentKind::kCounter, I64,
         "{event}", "Named workflow events (the legacy collector's record_event)", kEventKeys),
    Sync(InstrumentId::kErrors, "cryptolake.errors", InstrumentKind::kCounter, I64, "{error}",
         "Errors by error.type and the kind of operation that failed", kErrorKeys),
    Sync(InstrumentId::kGapsFound, "cryptolake.gaps.found", InstrumentKind::kCounter, I64, "{gap}",
         "Gaps found in the lake, by kind and status (open | confirmed_empty)", kGapKeys),
    Sync(InstrumentId::kGapsMissingDuration, "cryptolake.gaps.missing_duration",
         InstrumentKind::kCounter, F64, "s", "Summed length of the time ranges of the gaps found",
         kGapKeys),
    Sync(InstrumentId::kFillRecords, "cryptolake.fill.records", InstrumentKind::kCounter, I64,
         "{record}", "Records REST gap fill added to silver", kFillRecordKeys),
    Sync(InstrumentId::kFillFiles, "cryptolake.fill.files", InstrumentKind::kCounter, I64, "{file}",
         "Archive files with open gaps, by fill outcome", kFillFileKeys),
}};

constexpr bool CatalogInIdOrder() {
  for (size_t i = 0; i < kCatalog.size(); ++i) {
    if (static_cast<size_t>(kCatalog[i].id) != i) return false;
  }
  return true;
}

static_assert(CatalogInIdOrder(), "kCatalog must list the instruments in InstrumentId order");

}  // namespace

std::span<const InstrumentSpec> InstrumentCatalog() { return kCatalog; }

}  // namespace cryptolake::telemetry
