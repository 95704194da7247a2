#include "cryptolake/lake/ingest_pipeline.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/demo_archive.h"
#include "cryptolake/lake/gap_records.h"
#include "cryptolake/lake/ledger.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/parquet/file_reader.h"
#include "cryptolake/storage/fault_injecting_object_store.h"
#include "cryptolake/storage/object_store.h"
#include "lake_test_util.h"

namespace cryptolake::lake {
namespace {

using namespace test_util;  // NOLINT(google-build-using-namespace)

namespace fs = std::filesystem;
using archive::ArchiveFile;
using archive::Market;
using archive::Period;

// Whole lake content, for "nothing changed" comparisons.
std::map<std::string, std::string> Snapshot(storage::ObjectStore& store) {
  std::map<std::string, std::string> out;
  auto objects = store.List("");
  EXPECT_TRUE(objects.ok());
  for (const auto& o : *objects) out[o.key] = *store.Get(o.key);
  return out;
}

const ArchiveFile kKlines{Market::kUsdM, Period::kDaily, "klines", "BTCUSDT", "1m", "2024-03-01"};

std::string KlinesCsv(int rows, const std::string& bad_high = "") {
  std::string csv =
      "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
      "taker_buy_quote_volume,ignore\n";
  const int64_t t0 = 1709251200000;  // 2024-03-01T00:00:00Z
  for (int i = 0; i < rows; ++i) {
    int64_t t = t0 + int64_t{i} * 60000;
    std::string high = (i == 5 && !bad_high.empty()) ? bad_high : "101.50";
    csv += std::to_string(t) + ",100.00," + high + ",99.50,100.25,12.5," +
           std::to_string(t + 59999) + ",1250.0,42,6.0,600.0,0\n";
  }
  return csv;
}

IngestOptions KlinesOptions(const fs::path& source, storage::ObjectStore* lake) {
  IngestOptions o;
  o.source = source.string();
  o.lake = lake;
  o.query.market = Market::kUsdM;
  o.query.data_type = "klines";
  o.query.interval = "1m";
  o.query.symbols = {"BTCUSDT"};
  o.query.start_date = "2024-03-01";
  o.query.end_date = "2024-03-01";
  return o;
}

TEST(IngestPipelineTest, DemoArchiveIngestsAndSecondRunWritesNothing) {
  fs::path src = MakeTempDir("src");
  DemoArchiveOptions demo_options;
  demo_options.agg_trades_per_day = 2000;
  Result<DemoArchive> demo = GenerateDemoArchive(src, demo_options);
  ASSERT_TRUE(demo.ok()) << demo.status().ToString();
  auto lake = storage::NewMemoryObjectStore();
  int64_t rows = 0;
  for (int pass = 0; pass < 2; ++pass) {
    auto before = Snapshot(*lake);
    for (const DemoDataset& d : demo->datasets) {
      IngestOptions o;
      o.source = src.string();
      o.lake = lake.get();
      o.query = d;
      o.jobs = 2;
      Result<IngestSummary> s = RunIngest(o);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      EXPECT_TRUE(s->ok()) << s->Format();
      if (pass == 0) {
        EXPECT_EQ(s->files_ingested, s->files_total());
        rows += s->rows;
      } else {
        EXPECT_EQ(s->files_skipped, s->files_total()) << s->Format();
        EXPECT_EQ(s->bytes_written, 0);
        EXPECT_EQ(s->rows, 0);
      }
    }
    if (pass == 1) {
      EXPECT_EQ(Snapshot(*lake), before) << "second run changed the lake";
    }
  }
  EXPECT_EQ(rows, demo->csv_rows);
  // Every file has bronze zip + checksum byte-identical, and a ledger entry naming its digest.
  for (const ArchiveFile& f : demo->files) {
    std::ifstream zin(src / f.ZipPath(), std::ios::binary);
    std::stringstream zip;
    zip << zin.rdbuf();
    EXPECT_EQ(*lake->Get("bronze/" + f.ZipPath()), zip.str());
    Result<std::optional<LedgerEntry>> e = Ledger(*lake).Lookup(f.ZipPath());
    ASSERT_TRUE(e.ok() && e->has_value()) << f.ZipPath();
    EXPECT_EQ((*e)->sha256, archive::Sha256Hex(zip.str()));
    for (const std::string& key : (*e)->silver_files) {
      Result<std::string> bytes = lake->Get(key);
      ASSERT_TRUE(bytes.ok()) << key;
      Result<parquet::FileReader> reader = parquet::FileReader::Open(*bytes);
      ASSERT_TRUE(reader.ok()) << key;
      bool has_source = false;
      for (const auto& [k, v] : reader->key_value_metadata()) {
        if (v == f.ZipPath()) has_source = true;
      }
      EXPECT_TRUE(has_source) << key;
    }
  }
  fs::remove_all(src);
}

TEST(IngestPipelineTest, ChecksumMismatchWritesNothingAndFailsTheRun) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30));
  WriteFile(src / kKlines.ChecksumPath(), std::string(64, 'a') + "  " + kKlines.ZipName() + "\n");
  auto lake = storage::NewMemoryObjectStore();
  Result<IngestSummary> s = RunIngest(KlinesOptions(src, lake.get()));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->files_failed, 1);
  EXPECT_FALSE(s->ok());
  const std::string msg = s->files[0].error.message();
  EXPECT_NE(msg.find(kKlines.ZipPath()), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::string(64, 'a')), std::string::npos) << msg;
  std::ifstream zin(src / kKlines.ZipPath(), std::ios::binary);
  std::stringstream zip;
  zip << zin.rdbuf();
  EXPECT_NE(msg.find(archive::Sha256Hex(zip.str())), std::string::npos) << msg;
  EXPECT_TRUE(lake->List("")->empty());
  EXPECT_NE(s->Format().find("FAILED"), std::string::npos);
  fs::remove_all(src);
}

TEST(IngestPipelineTest, CorruptedZipFailsWithoutSilver) {
  fs::path src = MakeTempDir("src");
  std::string garbage = "PK\x03\x04 this is not really a zip file";
  WriteFile(src / kKlines.ZipPath(), garbage);
  WriteFile(src / kKlines.ChecksumPath(), archive::Sha256Hex(garbage) + "  " + kKlines.ZipName());
  auto lake = storage::NewMemoryObjectStore();
  Result<IngestSummary> s = RunIngest(KlinesOptions(src, lake.get()));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->files_failed, 1);
  EXPECT_TRUE(s->files[0].error.IsCorruption()) << s->files[0].error.ToString();
  EXPECT_TRUE(lake->List("silver/")->empty());
  EXPECT_TRUE(lake->List("_ledger/")->empty());
  fs::remove_all(src);
}

// IngestOptions::cancelled: a file cancelled before it publishes fails with Cancelled and leaves
// nothing (not even temp objects); once not cancelled the same ingest commits normally.
TEST(IngestPipelineTest, CancelledBeforePublishWritesNothing) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30));
  auto lake = storage::NewMemoryObjectStore();
  for (int checks_before_cancel : {0, 1, 2, 3}) {
    IngestOptions o = KlinesOptions(src, lake.get());
    int calls = 0;
    o.cancelled = [&] { return calls++ >= checks_before_cancel; };
    Result<IngestSummary> s = RunIngest(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_EQ(s->files.size(), 1u);
    EXPECT_EQ(s->files[0].outcome, FileOutcome::kFailed) << checks_before_cancel;
    EXPECT_EQ(s->files[0].error.code(), Status::Code::kCancelled) << s->files[0].error.ToString();
    EXPECT_TRUE(lake->List("")->empty()) << "after " << checks_before_cancel << " checks";
  }
  IngestOptions o = KlinesOptions(src, lake.get());
  o.cancelled = [] { return false; };
  Result<IngestSummary> s = RunIngest(o);
  ASSERT_TRUE(s.ok() && s->ok());
  EXPECT_EQ(s->files_ingested, 1);
  fs::remove_all(src);
}

TEST(IngestPipelineTest, BadRowFailsOrIsQuarantined) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30, "abc"));
  auto lake = storage::NewMemoryObjectStore();
  IngestOptions o = KlinesOptions(src, lake.get());
  Result<IngestSummary> s = RunIngest(o);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->files_failed, 1);
  const std::string msg = s->files[0].error.message();
  EXPECT_NE(msg.find("line 7"), std::string::npos) << msg;  // header is line 1, row 5 is line 7
  EXPECT_NE(msg.find("abc"), std::string::npos) << msg;
  EXPECT_TRUE(lake->List("silver/")->empty());
  EXPECT_TRUE(lake->List("_ledger/")->empty());

  o.on_bad_rows = BadRowPolicy::kQuarantine;
  s = RunIngest(o);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->ok()) << s->Format();
  EXPECT_EQ(s->rows, 29);
  EXPECT_EQ(s->rejected_rows, 1);
  ASSERT_EQ(s->files[0].reject_files.size(), 1u);
  Result<std::string> rejects = lake->Get(s->files[0].reject_files[0]);
  ASSERT_TRUE(rejects.ok());
  EXPECT_NE(rejects->find("abc"), std::string::npos);
  EXPECT_TRUE(s->files[0].reject_files[0].starts_with("silver/klines/market=um/symbol=BTCUSDT/"));
  fs::remove_all(src);
}

TEST(IngestPipelineTest, RepublishedFileReplacesItsPartition) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30));
  auto lake = storage::NewMemoryObjectStore();
  IngestOptions o = KlinesOptions(src, lake.get());
  Result<IngestSummary> first = RunIngest(o);
  ASSERT_TRUE(first.ok() && first->ok());
  ASSERT_EQ(first->files[0].silver_files.size(), 1u);
  const std::string old_key = first->files[0].silver_files[0];

  Publish(src, kKlines, KlinesCsv(40));  // republished with more rows: new digest
  Result<IngestSummary> second = RunIngest(o);
  ASSERT_TRUE(second.ok() && second->ok()) << second->Format();
  EXPECT_EQ(second->files_ingested, 1);
  EXPECT_EQ(second->rows, 40);
  ASSERT_EQ(second->files[0].silver_files.size(), 1u);
  const std::string new_key = second->files[0].silver_files[0];
  // The object's name depends only on the archive path: one atomic write replaced it.
  EXPECT_EQ(new_key, old_key);
  EXPECT_EQ(new_key,
            "silver/klines/market=um/symbol=BTCUSDT/interval=1m/date=2024-03-01/"
            "BTCUSDT-1m-2024-03-01.parquet");
  // Exactly one Parquet file in the partition, holding the new rows.
  auto parts = *lake->List("silver/klines/");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ((*parquet::FileReader::Open(*lake->Get(new_key))).num_rows(), 40);
  EXPECT_EQ((*Ledger(*lake).Lookup(kKlines.ZipPath()))->rows, 40);
  fs::remove_all(src);
}

// The committed state (ledger entry + the files it lists) is always complete, whatever Put
// crashes during a republish; and a clean re-run converges to exactly the new version.
TEST(IngestPipelineTest, RepublishConvergesAfterACrashAtEveryPut) {
  fs::path src = MakeTempDir("src");
  for (int crash_at = 1;; ++crash_at) {
    SCOPED_TRACE("crash at Put #" + std::to_string(crash_at));
    Publish(src, kKlines, KlinesCsv(30));
    auto base = storage::NewMemoryObjectStore();
    ASSERT_TRUE(RunIngest(KlinesOptions(src, base.get()))->ok());
    Publish(src, kKlines, KlinesCsv(40));  // republished

    storage::FaultInjectingObjectStore faulty(base.get());
    faulty.CrashNthPut(crash_at);
    Result<IngestSummary> crashed = RunIngest(KlinesOptions(src, &faulty));
    ASSERT_TRUE(crashed.ok());
    const bool crash_fired = faulty.InjectedFaultCount() > 0;
    // Invariant: whatever the ledger says is fully present.
    auto entry = *Ledger(*base).Lookup(kKlines.ZipPath());
    ASSERT_TRUE(entry.has_value());
    for (const std::string& key : entry->AllFiles()) EXPECT_TRUE(*base->Exists(key)) << key;
    EXPECT_EQ(crashed->ok(), !crash_fired);

    Result<IngestSummary> rerun = RunIngest(KlinesOptions(src, base.get()));
    ASSERT_TRUE(rerun.ok() && rerun->ok()) << rerun->Format();
    entry = *Ledger(*base).Lookup(kKlines.ZipPath());
    EXPECT_EQ(entry->rows, 40);
    auto parts = *base->List("silver/");
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].key, entry->silver_files[0]);
    if (!crash_fired) break;  // every Put of the run has been crashed once
  }
  fs::remove_all(src);
}

TEST(IngestPipelineTest, LeftoverFromAFailedDeleteIsRemovedByTheNextRun) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30, "99.00"));  // one bad row: quarantined
  auto base = storage::NewMemoryObjectStore();
  IngestOptions o = KlinesOptions(src, base.get());
  o.on_bad_rows = BadRowPolicy::kQuarantine;
  Result<IngestSummary> first = RunIngest(o);
  ASSERT_TRUE(first.ok() && first->ok()) << first->Format();
  ASSERT_EQ(first->files[0].reject_files.size(), 1u);
  const std::string old_rejects = first->files[0].reject_files[0];
  Publish(src, kKlines, KlinesCsv(40));  // republished clean: the rejects file is superseded
  storage::FaultInjectingObjectStore faulty(base.get());
  faulty.FailNth(storage::FaultInjectingObjectStore::Op::kDelete, 1);
  IngestOptions of = o;
  of.lake = &faulty;
  Result<IngestSummary> second = RunIngest(of);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->files_failed, 1);  // committed, but the old file could not be removed
  EXPECT_EQ((*Ledger(*base).Lookup(kKlines.ZipPath()))->rows, 40);
  EXPECT_TRUE(*base->Exists(old_rejects));

  Result<IngestSummary> third = RunIngest(o);
  ASSERT_TRUE(third.ok() && third->ok()) << third->Format();
  EXPECT_EQ(third->files_skipped, 1);
  EXPECT_FALSE(*base->Exists(old_rejects));
  EXPECT_EQ(base->List("silver/")->size(), 1u);
  fs::remove_all(src);
}

TEST(IngestPipelineTest, BronzeCopyAvoidsRedownloadWhenLedgerIsMissing) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30));
  auto lake = storage::NewMemoryObjectStore();
  IngestOptions o = KlinesOptions(src, lake.get());
  ASSERT_TRUE(RunIngest(o)->ok());
  // Emulate a crash between silver and ledger: drop the ledger entry.
  ASSERT_TRUE(lake->Delete(LedgerKey(kKlines.ZipPath())).ok());
  Result<IngestSummary> s = RunIngest(o);
  ASSERT_TRUE(s.ok() && s->ok());
  EXPECT_EQ(s->files_ingested, 1);
  // Only the .CHECKSUM was fetched; the zip came from bronze.
  std::ifstream cin(src / kKlines.ChecksumPath(), std::ios::binary);
  std::stringstream sum;
  sum << cin.rdbuf();
  EXPECT_EQ(s->bytes_downloaded, static_cast<int64_t>(sum.str().size()));
  EXPECT_TRUE(Ledger(*lake).Lookup(kKlines.ZipPath())->has_value());
  fs::remove_all(src);
}

TEST(IngestPipelineTest, MissingDayIsAFailureInDatesMode) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30));
  auto lake = storage::NewMemoryObjectStore();
  IngestOptions o = KlinesOptions(src, lake.get());
  o.query.end_date = "2024-03-02";
  o.discovery = DiscoveryMode::kDates;
  Result<IngestSummary> s = RunIngest(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->files_ingested, 1);
  EXPECT_EQ(s->files_failed, 1);
  EXPECT_TRUE(s->files[1].error.IsNotFound());
  EXPECT_NE(s->files[1].error.message().find("missing day"), std::string::npos);
  EXPECT_TRUE(s->files[1].absent_from_archive);
  EXPECT_FALSE(s->files[0].absent_from_archive);
  ArchiveFile next = kKlines;
  next.date = "2024-03-02";
  auto absent = LookupAbsence(*lake, next.ZipPath());
  ASSERT_TRUE(absent.ok() && absent->has_value());
  EXPECT_EQ((*absent)->cause, AbsenceCause::kHttpNotFound);
  // Listing mode only sees what exists.
  o.discovery = DiscoveryMode::kList;
  s = RunIngest(o);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->ok());
  EXPECT_EQ(s->files_skipped, 1);
  fs::remove_all(src);
}

// Reads every silver file of the lake into one batch, in key order.
parquet::ColumnBatch ReadAllSilver(storage::ObjectStore& lake) {
  parquet::ColumnBatch all;
  bool first = true;
  auto objects = lake.List("silver/");
  EXPECT_TRUE(objects.ok());
  for (const auto& o : *objects) {
    if (!o.key.ends_with(".parquet")) continue;
    auto reader = parquet::FileReader::Open(*lake.Get(o.key));
    EXPECT_TRUE(reader.ok());
    auto batch = reader->ReadAll();
    EXPECT_TRUE(batch.ok());
    if (first) {
      all = std::move(batch).value();
      first = false;
    } else {
      all.AppendBatch(*batch);
    }
  }
  return all;
}

TEST(IngestPipelineTest, TwoJobsSplitOneBigFileIntoIdenticalRows) {
  fs::path src = MakeTempDir("src");
  DemoArchiveOptions demo_options;
  demo_options.days = 1;
  demo_options.agg_trades_per_day = 120000;  // ~7 MB of CSV: above the slicing threshold
  ASSERT_TRUE(GenerateDemoArchive(src, demo_options).ok());
  parquet::ColumnBatch by_jobs[2];
  size_t files_by_jobs[2];
  std::string bytes_by_jobs[2];
  for (int jobs = 1; jobs <= 2; ++jobs) {
    auto lake = storage::NewMemoryObjectStore();
    IngestOptions o;
    o.source = src.string();
    o.lake = lake.get();
    o.query.market = Market::kCoinM;
    o.query.data_type = "aggTrades";
    o.query.symbols = {"BTCUSD_PERP"};
    o.query.start_date = demo_options.first_day;
    o.query.end_date = demo_options.first_day;
    o.jobs = jobs;
    o.rows_per_row_group = 10'000;  // 12 row groups, encoded in parallel with 2 jobs
    Result<IngestSummary> s = RunIngest(o);
    ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
    EXPECT_EQ(s->rows, 120000);
    files_by_jobs[jobs - 1] = s->files[0].silver_files.size();
    bytes_by_jobs[jobs - 1] = *lake->Get(s->files[0].silver_files[0]);
    by_jobs[jobs - 1] = ReadAllSilver(*lake);
  }
  EXPECT_EQ(files_by_jobs[0], 1u);
  EXPECT_EQ(files_by_jobs[1], 1u);  // one object per archive file, whatever --jobs
  EXPECT_TRUE(bytes_by_jobs[0] == bytes_by_jobs[1]) << "the object must be byte-identical";
  EXPECT_EQ((*parquet::FileReader::Open(bytes_by_jobs[1])).num_row_groups(), 12);
  EXPECT_EQ(by_jobs[0].num_rows(), 120000u);
  EXPECT_TRUE(by_jobs[0] == by_jobs[1]);
  fs::remove_all(src);
}

// Sum of every point of a sum metric (0 when absent), and point count of a histogram.
int64_t SumOf(const metrics::ResourceMetrics& data, const std::string& name) {
  int64_t total = 0;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name != name) continue;
      for (const auto& p : std::get<metrics::SumData>(m.data).points) {
        total += std::get<int64_t>(p.value);
      }
    }
  }
  return total;
}

uint64_t HistogramCount(const metrics::ResourceMetrics& data, const std::string& name) {
  uint64_t total = 0;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name != name) continue;
      for (const auto& p : std::get<metrics::HistogramData>(m.data).points) total += p.count;
    }
  }
  return total;
}

TEST(IngestPipelineTest, RecordsMetricsThroughTheGlobalProvider) {
  auto reader = std::make_shared<metrics::ManualReader>();
  metrics::SdkMeterProviderOptions options;
  options.readers = {reader};
  metrics::SetMeterProvider(std::make_shared<metrics::SdkMeterProvider>(std::move(options)));

  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30));
  auto lake = storage::NewMemoryObjectStore();
  Result<IngestSummary> s = RunIngest(KlinesOptions(src, lake.get()));
  ASSERT_TRUE(s.ok() && s->ok());
  Result<IngestSummary> again = RunIngest(KlinesOptions(src, lake.get()));  // skipped
  ASSERT_TRUE(again.ok() && again->ok());

  metrics::ResourceMetrics data;
  ASSERT_TRUE(reader->Collect(&data).ok());
  metrics::SetMeterProvider(nullptr);
  EXPECT_EQ(SumOf(data, "cryptolake.data.records.ingested"), 30);
  EXPECT_EQ(SumOf(data, "cryptolake.data.files"), 2);  // one ingested, one skipped
  EXPECT_EQ(SumOf(data, "cryptolake.data.bytes.ingested"),
            s->bytes_downloaded + again->bytes_downloaded);
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.active"), 0);
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.executions"), 2);
  EXPECT_EQ(SumOf(data, "cryptolake.queue.size"), 0);
  // .CHECKSUM + zip, then .CHECKSUM only.
  EXPECT_EQ(HistogramCount(data, "cryptolake.archive.download.duration"), 3u);
  EXPECT_EQ(HistogramCount(data, "cryptolake.data.processing.duration"),
            3u);  // 2 files + 1 convert
  // Freshness: now minus the newest ingested event (the 30th bar's open time), within 1 s.
  const int64_t newest_us = (int64_t{1709251200000} + 29 * 60000) * 1000;
  const double expected =
      static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          newest_us) /
      1e6;
  bool freshness = false;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name != "cryptolake.data.freshness") continue;
      const auto& points = std::get<metrics::GaugeData>(m.data).points;
      ASSERT_EQ(points.size(), 1u);
      EXPECT_NEAR(std::get<double>(points[0].value), expected, 1.0);
      freshness = true;
    }
  }
  EXPECT_TRUE(freshness);
  fs::remove_all(src);
}

// Names of every file under `root` whose name marks an in-flight write.
std::vector<std::string> TempFilesUnder(const fs::path& root) {
  // Temp objects (not the run directories and lock files a live store keeps).
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().extension() == ".lock") continue;
    if (e.path().string().find(storage::kTempFilePrefix) != std::string::npos) {
      out.push_back(e.path().string());
    }
  }
  return out;
}

// A republished zip that fails conversion changes nothing: bronze keeps the zip silver was built
// from, silver and the ledger keep the previous version, and no temp file stays in a local lake.
TEST(IngestPipelineTest, FailedRepublishKeepsTheGoodBronzeAndNoTempFileStays) {
  fs::path src = MakeTempDir("src");
  auto read_zip = [&] {
    std::ifstream in(src / kKlines.ZipPath(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  for (int jobs : {1, 2}) {
    SCOPED_TRACE("jobs " + std::to_string(jobs));
    fs::path root = MakeTempDir("lake");
    auto lake = storage::NewLocalObjectStore(root);
    Publish(src, kKlines, KlinesCsv(30));
    IngestOptions o = KlinesOptions(src, lake.get());
    o.jobs = jobs;
    ASSERT_TRUE(RunIngest(o)->ok());
    const std::string good_zip = read_zip();
    const std::string silver_before = *lake->Get(lake->List("silver/")->front().key);

    Publish(src, kKlines, KlinesCsv(35, "99.00"));  // republished with an OHLC violation
    Result<IngestSummary> bad = RunIngest(o);
    ASSERT_TRUE(bad.ok());
    EXPECT_EQ(bad->files_failed, 1);
    EXPECT_EQ(*lake->Get("bronze/" + kKlines.ZipPath()), good_zip);
    EXPECT_EQ((*Ledger(*lake).Lookup(kKlines.ZipPath()))->rows, 30);
    EXPECT_EQ(*lake->Get(lake->List("silver/")->front().key), silver_before);
    EXPECT_EQ(TempFilesUnder(root), std::vector<std::string>{});

    Publish(src, kKlines, KlinesCsv(40));  // fixed upstream: a new digest
    Result<IngestSummary> good = RunIngest(o);
    ASSERT_TRUE(good.ok() && good->ok()) << good->Format();
    EXPECT_EQ(good->rows, 40);
    EXPECT_EQ(*lake->Get("bronze/" + kKlines.ZipPath()), read_zip());
    EXPECT_EQ(TempFilesUnder(root), std::vector<std::string>{});
    fs::remove_all(root);
  }
  fs::remove_all(src);
}

TEST(IngestPipelineTest, EmptyCsvFailsAndIsNotCommitted) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, "");
  auto lake = storage::NewMemoryObjectStore();
  Result<IngestSummary> s = RunIngest(KlinesOptions(src, lake.get()));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->files_failed, 1);
  EXPECT_NE(s->files[0].error.ToString().find("has no data rows"), std::string::npos)
      << s->files[0].error.ToString();
  EXPECT_TRUE(lake->List("silver/")->empty());
  EXPECT_TRUE(lake->List("_ledger/")->empty());
  fs::remove_all(src);
}

TEST(IngestPipelineTest, InvalidOptionsAreRejectedUpFront) {
  auto lake = storage::NewMemoryObjectStore();
  IngestOptions o = KlinesOptions(testing::TempDir(), lake.get());
  o.query.data_type = "noSuchType";
  EXPECT_TRUE(RunIngest(o).status().IsInvalidArgument());
  o = KlinesOptions(testing::TempDir(), lake.get());
  o.query.start_date = "2024-03-05";
  EXPECT_TRUE(RunIngest(o).status().IsInvalidArgument());
  o = KlinesOptions(testing::TempDir(), lake.get());
  o.jobs = 0;
  EXPECT_TRUE(RunIngest(o).status().IsInvalidArgument());
  for (const char* interval : {"7m", "../x", "1s"}) {  // 1s exists for spot klines only
    o = KlinesOptions(testing::TempDir(), lake.get());
    o.query.interval = interval;
    Status st = RunIngest(o).status();
    EXPECT_TRUE(st.IsInvalidArgument()) << interval << ": " << st.ToString();
  }
}

// A day the listing lacks is recorded as absent (once: a re-run writes nothing), and ingesting
// the day once the archive has it removes the record, and any REST fill record of the day.
TEST(IngestPipelineTest, DaysMissingFromTheListingAreRecordedAbsentUntilIngested) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30));
  auto lake = storage::NewMemoryObjectStore();
  IngestOptions o = KlinesOptions(src, lake.get());
  o.query.end_date = "2024-03-02";
  ArchiveFile next = kKlines;
  next.date = "2024-03-02";
  ASSERT_TRUE(RunIngest(o)->ok());
  auto absent = LookupAbsence(*lake, next.ZipPath());
  ASSERT_TRUE(absent.ok() && absent->has_value());
  EXPECT_EQ((*absent)->cause, AbsenceCause::kNotInListing);
  const std::string first_text = *lake->Get(AbsenceKey(next.ZipPath()));
  ASSERT_TRUE(RunIngest(o)->ok());
  EXPECT_EQ(*lake->Get(AbsenceKey(next.ZipPath())), first_text);  // not rewritten

  FillRecord fill;
  fill.archive_path = next.ZipPath();
  fill.silver_file = "s";
  ASSERT_TRUE(lake->Put(FillKey(next.ZipPath()), SerializeFillRecord(fill)).ok());
  std::string csv = KlinesCsv(0);
  for (int i = 0; i < 10; ++i) {
    const int64_t t = 1709337600000 + int64_t{i} * 60000;  // 2024-03-02
    csv += std::to_string(t) + ",100.00,101.50,99.50,100.25,12.5," + std::to_string(t + 59999) +
           ",1250.0,42,6.0,600.0,0\n";
  }
  Publish(src, next, csv);
  ASSERT_TRUE(RunIngest(o)->ok());
  EXPECT_FALSE(*lake->Exists(AbsenceKey(next.ZipPath())));
  EXPECT_FALSE(*lake->Exists(FillKey(next.ZipPath())));
  fs::remove_all(src);
}

// A sidecar without its zip is the archive lacking the file too: absent, and recorded.
TEST(IngestPipelineTest, ChecksumWithoutZipIsAbsentFromTheArchive) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30));
  fs::remove(src / kKlines.ZipPath());
  auto lake = storage::NewMemoryObjectStore();
  IngestOptions o = KlinesOptions(src, lake.get());
  o.discovery = DiscoveryMode::kDates;
  Result<IngestSummary> s = RunIngest(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->files_failed, 1);
  EXPECT_TRUE(s->files[0].error.IsNotFound()) << s->files[0].error.ToString();
  EXPECT_TRUE(s->files[0].absent_from_archive);
  EXPECT_TRUE(*lake->Exists(AbsenceKey(kKlines.ZipPath())));
  fs::remove_all(src);
}

// A NotFound from the lake (an S3 store answers NoSuchUpload when a multipart upload it was
// completing vanished) fails the file like any store error: the archive has the file, so it is
// not absent and no _absent record is written; once the store works the file ingests.
TEST(IngestPipelineTest, LakeSideNotFoundIsAFailureNotAnAbsence) {
  fs::path src = MakeTempDir("src");
  Publish(src, kKlines, KlinesCsv(30));
  storage::FaultInjectingObjectStore lake(storage::NewMemoryObjectStore());
  for (const char* glob : {"silver/*", "bronze/*"}) {
    SCOPED_TRACE(glob);
    lake.ClearFaults();
    lake.FailMatching(storage::FaultInjectingObjectStore::Op::kPut, glob,
                      Status::NotFound("NoSuchUpload: the upload does not exist"));
    for (DiscoveryMode mode : {DiscoveryMode::kDates, DiscoveryMode::kList}) {
      IngestOptions o = KlinesOptions(src, &lake);
      o.discovery = mode;
      Result<IngestSummary> s = RunIngest(o);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      ASSERT_EQ(s->files_failed, 1) << s->Format();
      EXPECT_TRUE(s->files[0].error.IsNotFound()) << s->files[0].error.ToString();
      EXPECT_NE(s->files[0].error.message().find("NoSuchUpload"), std::string::npos);
      EXPECT_FALSE(s->files[0].absent_from_archive);
      EXPECT_FALSE(*lake.Exists(AbsenceKey(kKlines.ZipPath())));
      EXPECT_TRUE(lake.List("_absent")->empty());
      EXPECT_FALSE(Ledger(lake).Lookup(kKlines.ZipPath())->has_value());
    }
  }
  lake.ClearFaults();
  Result<IngestSummary> s = RunIngest(KlinesOptions(src, &lake));
  ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
  EXPECT_EQ(s->files_ingested, 1);
  fs::remove_all(src);
}

}  // namespace
}  // namespace cryptolake::lake
