// The attribute keys and enumerated values every cryptolake instrument uses: the one place a
// dashboard author, a test and the pipeline agree on what an attribute is called and which values
// it takes.
//
// Naming follows the OpenTelemetry semantic conventions: standard keys where one exists
// (`error.type`, `http.request.method`, `server.address`, `url.template`), otherwise a
// dot-separated namespace of ours (`crypto.*`, `lakehouse.*`, `workflow.*`, `storage.*`).
//
// Cardinality: every key is bounded. Enumerated keys take only the values listed here. Open keys
// (`crypto.symbol`, `workflow.name`, `server.address`, `url.template`, `event.name`) carry
// identifiers the program chooses or the exchange lists (a few thousand symbols at most), never
// free text such as an error message, and every instrument's series are capped by the SDK's
// cardinality limit (overflow goes to the `otel.metric.overflow` series).
#ifndef CRYPTOLAKE_TELEMETRY_SEMANTIC_CONVENTIONS_H_
#define CRYPTOLAKE_TELEMETRY_SEMANTIC_CONVENTIONS_H_

#include <string_view>

namespace cryptolake::telemetry {

namespace attr {
// Domain.
inline constexpr std::string_view kExchange = "crypto.exchange";   // "binance"
inline constexpr std::string_view kMarket = "crypto.market";       // spot | um | cm | option
inline constexpr std::string_view kSymbol = "crypto.symbol";       // "BTCUSDT"
inline constexpr std::string_view kDataType = "crypto.data_type";  // klines | aggTrades | ...
inline constexpr std::string_view kInterval = "crypto.interval";   // "1m" (klines family)
inline constexpr std::string_view kLayer = "lakehouse.layer";      // bronze | silver | gold
inline constexpr std::string_view kSource = "lakehouse.source";    // archive | rest
// Pipeline.
inline constexpr std::string_view kStage = "processing.stage";        // see stage:: below
inline constexpr std::string_view kWorkflowName = "workflow.name";    // "ingest", "fill", ...
inline constexpr std::string_view kOperationKind = "operation.kind";  // see operation_kind::
inline constexpr std::string_view kQueue = "queue.name";              // "ingest.files", ...
inline constexpr std::string_view kEventName = "event.name";          // legacy collector events
inline constexpr std::string_view kOutcome = "outcome";               // see outcome:: below
inline constexpr std::string_view kErrorType = "error.type";          // see error_type.h
inline constexpr std::string_view kFileOutcome = "file.outcome";      // ingested | skipped | failed
inline constexpr std::string_view kGapKind = "gap.kind";              // GapKindName()
inline constexpr std::string_view kGapStatus = "gap.status";          // open | confirmed_empty
inline constexpr std::string_view kFillOutcome = "fill.outcome";      // FillOutcomeName()
// Storage.
inline constexpr std::string_view kStorageOperation = "storage.operation";  // see storage_op::
inline constexpr std::string_view kStorageBackend = "storage.backend";      // local | s3 | memory
inline constexpr std::string_view kIoDirection = "io.direction";            // read | write
// HTTP (OpenTelemetry semantic conventions).
inline constexpr std::string_view kHttpMethod = "http.request.method";
inline constexpr std::string_view kHttpStatusCode = "http.response.status_code";
inline constexpr std::string_view kServerAddress = "server.address";
inline constexpr std::string_view kUrlTemplate = "url.template";
inline constexpr std::string_view kRateLimitReason = "rate_limit.reason";  // http_429 | ...
}  // namespace attr

namespace layer {
inline constexpr std::string_view kBronze = "bronze";
inline constexpr std::string_view kSilver = "silver";
inline constexpr std::string_view kGold = "gold";
}  // namespace layer

namespace source {
inline constexpr std::string_view kArchive = "archive";
inline constexpr std::string_view kRest = "rest";
}  // namespace source

namespace outcome {
inline constexpr std::string_view kSuccess = "success";
inline constexpr std::string_view kFailure = "failure";
}  // namespace outcome

namespace operation_kind {
inline constexpr std::string_view kWorkflow = "workflow";
inline constexpr std::string_view kIngestion = "ingestion";
inline constexpr std::string_view kApi = "api";
inline constexpr std::string_view kProcessing = "processing";
inline constexpr std::string_view kStorage = "storage";
}  // namespace operation_kind

// Processing stages of the pipeline (processing.stage).
namespace stage {
inline constexpr std::string_view kIngestion = "ingestion";  // TrackDataIngestion scopes
inline constexpr std::string_view kDownload = "download";    // archive fetch + checksum
inline constexpr std::string_view kConvert = "convert";      // CSV -> silver Parquet
inline constexpr std::string_view kGapScan = "gap_scan";     // silver -> gap report
inline constexpr std::string_view kFill = "fill";            // REST rows merged into silver
inline constexpr std::string_view kGold = "gold";            // silver -> one gold partition
}  // namespace stage

// Storage operations (storage.operation): the ObjectStore verbs.
namespace storage_op {
inline constexpr std::string_view kPut = "put";
inline constexpr std::string_view kGet = "get";
inline constexpr std::string_view kHead = "head";
inline constexpr std::string_view kList = "list";
inline constexpr std::string_view kDelete = "delete";
inline constexpr std::string_view kPublish = "publish";  // a streamed writer's commit
}  // namespace storage_op

inline constexpr std::string_view kExchangeBinance = "binance";

}  // namespace cryptolake::telemetry

#endif  // CRYPTOLAKE_TELEMETRY_SEMANTIC_CONVENTIONS_H_
