// IngestMetrics: the ingest pipeline's instruments, created from the global MeterProvider
// (metrics API only; the CLI installs the SDK). With no SDK installed they are no-ops.
//
// Instruments (scope "cryptolake.ingest"):
//   cryptolake.ingest.records            counter, {record}, rows written to silver
//   cryptolake.ingest.rejected_records   counter, {record}, rows quarantined
//   cryptolake.ingest.bytes              counter, By, {direction=downloaded|written}
//   cryptolake.ingest.files              counter, {file}, {outcome=ingested|skipped|failed}
//   cryptolake.ingest.download.duration  histogram, s, one observation per fetch {ok}
//   cryptolake.ingest.active_workflows   updowncounter, {workflow}, files being processed
// Every series carries market and data_type.
//
// Thread-safety: all methods may be called concurrently (instruments are thread-safe).
#ifndef CRYPTOLAKE_SRC_LAKE_INGEST_METRICS_H_
#define CRYPTOLAKE_SRC_LAKE_INGEST_METRICS_H_

#include <string>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/metrics/meter_provider.h"

namespace cryptolake::lake {

class IngestMetrics {
 public:
  IngestMetrics(archive::Market market, std::string data_type)
      : market_(archive::MarketName(market)), data_type_(std::move(data_type)) {
    auto meter =
        metrics::GetMeterProvider()->GetMeter("cryptolake.ingest", std::string(kCryptolakeVersion));
    records_ = meter->CreateInt64Counter("cryptolake.ingest.records",
                                         Opts("{record}", "Rows written to silver"));
    rejected_ = meter->CreateInt64Counter("cryptolake.ingest.rejected_records",
                                          Opts("{record}", "Rows quarantined to rejects files"));
    bytes_ = meter->CreateInt64Counter(
        "cryptolake.ingest.bytes",
        Opts("By", "Bytes downloaded from the archive / written to the lake"));
    files_ = meter->CreateInt64Counter("cryptolake.ingest.files",
                                       Opts("{file}", "Archive files by outcome"));
    download_ = meter->CreateDoubleHistogram(
        "cryptolake.ingest.download.duration",
        Opts("s", "Duration of one archive fetch (.CHECKSUM or zip), retries included",
             {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}));
    active_ = meter->CreateInt64UpDownCounter(
        "cryptolake.ingest.active_workflows",
        Opts("{workflow}", "Archive files being processed right now"));
  }

  void RecordDownload(double seconds, bool ok) {
    download_.Record(seconds, {{"market", market_}, {"data_type", data_type_}, {"ok", ok}});
  }

  void RecordFile(const FileReport& r) {
    files_.Add(
        1,
        {{"market", market_}, {"data_type", data_type_}, {"outcome", FileOutcomeName(r.outcome)}});
    if (r.outcome == FileOutcome::kIngested) {
      records_.Add(r.rows, {{"market", market_}, {"data_type", data_type_}});
      if (r.rejected_rows > 0) {
        rejected_.Add(r.rejected_rows, {{"market", market_}, {"data_type", data_type_}});
      }
    }
    if (r.bytes_downloaded > 0) {
      bytes_.Add(r.bytes_downloaded,
                 {{"market", market_}, {"data_type", data_type_}, {"direction", "downloaded"}});
    }
    if (r.bytes_written > 0) {
      bytes_.Add(r.bytes_written,
                 {{"market", market_}, {"data_type", data_type_}, {"direction", "written"}});
    }
  }

  void WorkflowStarted() { active_.Add(1, {{"market", market_}, {"data_type", data_type_}}); }
  void WorkflowFinished() { active_.Add(-1, {{"market", market_}, {"data_type", data_type_}}); }

 private:
  static metrics::InstrumentOptions Opts(std::string unit, std::string description,
                                         std::vector<double> buckets = {}) {
    metrics::InstrumentOptions o;
    o.unit = std::move(unit);
    o.description = std::move(description);
    o.advisory_bucket_boundaries = std::move(buckets);
    return o;
  }

  std::string market_;
  std::string data_type_;
  metrics::Counter<int64_t> records_;
  metrics::Counter<int64_t> rejected_;
  metrics::Counter<int64_t> bytes_;
  metrics::Counter<int64_t> files_;
  metrics::Histogram<double> download_;
  metrics::UpDownCounter<int64_t> active_;
};

// Counts one file as an active workflow for the lifetime of the object.
class ScopedActiveWorkflow {
 public:
  explicit ScopedActiveWorkflow(IngestMetrics& m) : m_(m) { m_.WorkflowStarted(); }
  ~ScopedActiveWorkflow() { m_.WorkflowFinished(); }
  ScopedActiveWorkflow(const ScopedActiveWorkflow&) = delete;
  ScopedActiveWorkflow& operator=(const ScopedActiveWorkflow&) = delete;

 private:
  IngestMetrics& m_;
};

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_SRC_LAKE_INGEST_METRICS_H_
