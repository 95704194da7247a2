// IngestMetrics: what the ingest pipeline records, through the crypto instrument suite
// (cryptolake/telemetry/crypto_metrics.h; metrics API only, a no-op until the CLI installs the
// SDK). Per archive file:
//   cryptolake.data.files {crypto.market, crypto.data_type, file.outcome, error.type}
//   cryptolake.data.records.ingested / .bytes.ingested {crypto.exchange, crypto.market,
//     crypto.data_type, crypto.symbol, lakehouse.source=archive} (bytes: zip + .CHECKSUM fetched)
//   cryptolake.data.records.rejected {.., crypto.symbol}
//   cryptolake.data.freshness: the newest event time of the file's stream
//   cryptolake.archive.download.duration {crypto.market, crypto.data_type, outcome}
//   cryptolake.queue.size {queue.name=ingest.files}: files not yet started
// The scopes (workflow, ingestion per file, conversion) are trackers in ingest_pipeline.cc.
//
// Thread-safety: all methods may be called concurrently.
#ifndef CRYPTOLAKE_SRC_LAKE_INGEST_METRICS_H_
#define CRYPTOLAKE_SRC_LAKE_INGEST_METRICS_H_

#include <memory>
#include <string>
#include <string_view>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/error_type.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"

namespace cryptolake::lake {

inline constexpr std::string_view kIngestQueue = "ingest.files";

// A stream's attributes on its ingestion scopes and data-batch counters: exchange, market, data
// type and symbol of `f`, and where the rows came from (`source`: telemetry::source::kArchive or
// kRest).
inline telemetry::TrackerAttributes StreamAttributes(const archive::ArchiveFile& f,
                                                     std::string_view source) {
  namespace attr = telemetry::attr;
  return {{attr::kExchange, std::string(telemetry::kExchangeBinance)},
          {attr::kMarket, std::string(archive::MarketName(f.market))},
          {attr::kDataType, f.data_type},
          {attr::kSymbol, f.symbol},
          {attr::kSource, std::string(source)}};
}

class IngestMetrics {
 public:
  IngestMetrics(archive::Market market, std::string data_type)
      : m_(telemetry::CryptoMetrics::Current()),
        market_(archive::MarketName(market)),
        data_type_(std::move(data_type)) {}

  void RecordDownload(double seconds, bool ok) {
    namespace attr = telemetry::attr;
    m_->archive_download_duration.Record(
        seconds,
        {{attr::kMarket, market_},
         {attr::kDataType, data_type_},
         {attr::kOutcome, ok ? telemetry::outcome::kSuccess : telemetry::outcome::kFailure}});
  }

  void RecordFile(const archive::ArchiveFile& f, const FileReport& r) {
    namespace attr = telemetry::attr;
    if (r.outcome == FileOutcome::kFailed) {
      m_->files_processed.Add(1, {{attr::kMarket, market_},
                                  {attr::kDataType, data_type_},
                                  {attr::kFileOutcome, FileOutcomeName(r.outcome)},
                                  {attr::kErrorType, telemetry::ErrorTypeOf(r.error)}});
    } else {
      m_->files_processed.Add(1, {{attr::kMarket, market_},
                                  {attr::kDataType, data_type_},
                                  {attr::kFileOutcome, FileOutcomeName(r.outcome)}});
    }
    const int64_t records = r.outcome == FileOutcome::kIngested ? r.rows : 0;
    telemetry::RecordDataBatch(records, r.bytes_downloaded,
                               StreamAttributes(f, telemetry::source::kArchive));
    if (r.outcome == FileOutcome::kIngested && r.rejected_rows > 0) {
      m_->records_rejected.Add(r.rejected_rows, {{attr::kExchange, telemetry::kExchangeBinance},
                                                 {attr::kMarket, market_},
                                                 {attr::kDataType, data_type_},
                                                 {attr::kSymbol, f.symbol}});
    }
    if (r.outcome == FileOutcome::kIngested && r.newest_event_micros >= 0) {
      m_->ObserveNewestEvent({market_, data_type_, f.symbol, f.interval}, r.newest_event_micros);
    }
  }

 private:
  std::shared_ptr<telemetry::CryptoMetrics> m_;
  std::string market_;
  std::string data_type_;
};

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_SRC_LAKE_INGEST_METRICS_H_
