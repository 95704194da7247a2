// ExecuteRun over a real (generated) archive and an in-memory lake: failure isolation across the
// steps, retries of a failing file, idempotent re-runs, and what the run records through the
// telemetry layer.
#include "cryptolake/runner/workflow_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "cryptolake/gold/gold_ledger.h"
#include "cryptolake/lake/demo_archive.h"
#include "cryptolake/lake/gap_records.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/storage/fault_injecting_object_store.h"

namespace cryptolake::runner {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const char* name) {
  fs::path p = fs::path(::testing::TempDir()) /
               (std::string("runner-") + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

RunConfig DemoConfig(const fs::path& archive) {
  RunConfig c;
  c.source = archive.string();
  c.steps = {"ingest", "gold"};
  c.io_workers = 2;
  c.cpu_workers = 1;
  c.max_attempts = 2;
  c.retry_initial_backoff = std::chrono::milliseconds(1);
  c.retry_max_backoff = std::chrono::milliseconds(2);
  DatasetConfig spot;
  spot.market = "spot";
  spot.data_type = "klines";
  spot.intervals = {"1m"};
  spot.symbols = {"BTCUSDT", "ETHUSDT"};
  spot.start = "2026-04-29";
  spot.end = "2026-04-30";
  DatasetConfig cm;
  cm.market = "cm";
  cm.data_type = "aggTrades";
  cm.symbols = {"BTCUSD_PERP"};
  cm.start = "2026-04-29";
  cm.end = "2026-04-30";
  c.datasets = {spot, cm};
  return c;
}

const TaskRecord& Find(const RunSummary& s, const std::string& id) {
  for (const TaskRecord& t : s.tasks) {
    if (t.id == id) return t;
  }
  ADD_FAILURE() << "no task " << id;
  static TaskRecord none;
  return none;
}

int64_t SumOf(const metrics::ResourceMetrics& data, const std::string& name,
              const std::string& key = "", const std::string& value = "") {
  int64_t total = 0;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name != name) continue;
      for (const auto& p : std::get<metrics::SumData>(m.data).points) {
        if (!key.empty()) {
          const metrics::AttributeValue* v = p.attributes.Find(key);
          if (v == nullptr || std::get<std::string>(*v) != value) continue;
        }
        total += std::get<int64_t>(p.value);
      }
    }
  }
  return total;
}

TEST(WorkflowRunner, FailedFileSkipsItsGoldOnlyAndReRunsConverge) {
  const fs::path archive = TempDir("archive");
  Result<lake::DemoArchive> demo = lake::GenerateDemoArchive(archive);
  ASSERT_TRUE(demo.ok()) << demo.status().ToString();
  // One file's sidecar lies: its ingest fails (checksum mismatch) on every attempt.
  archive::ArchiveFile broken{
      archive::Market::kSpot, archive::Period::kDaily, "klines", "ETHUSDT", "1m", "2026-04-30"};
  const fs::path sidecar = archive / broken.ChecksumPath();
  std::string good_sidecar;
  {
    std::ifstream in(sidecar);
    std::getline(in, good_sidecar);
    std::ofstream out(sidecar, std::ios::trunc);
    out << std::string(64, 'a') << "  " << broken.ZipName() << "\n";
  }

  auto reader = std::make_shared<metrics::ManualReader>();
  metrics::SdkMeterProviderOptions options;
  options.readers = {reader};
  metrics::SetMeterProvider(std::make_shared<metrics::SdkMeterProvider>(std::move(options)));

  auto lake = storage::NewMemoryObjectStore();
  RunConfig config = DemoConfig(archive);
  Result<RunPlan> plan = PlanRun(config, "2026-05-01", nullptr);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->tasks.size(), 12u);  // 6 files x (ingest, gold)
  RunEnvironment env;
  env.lake = lake.get();
  env.run_id = "test-run";
  int progress_calls = 0;
  env.on_progress = [&](const RunProgress& p) {
    ++progress_calls;
    EXPECT_EQ(p.tasks_total, 12);
  };
  Result<RunSummary> s = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(progress_calls, 12);
  EXPECT_EQ(s->Outcome(), "partial");
  const TaskRecord& failed = Find(*s, "ingest/spot/klines/1m/ETHUSDT/2026-04-30");
  EXPECT_EQ(failed.report.outcome, TaskOutcome::kFailed);
  EXPECT_EQ(failed.report.attempts, 2);
  EXPECT_TRUE(failed.report.error.IsCorruption()) << failed.report.error.ToString();
  const TaskRecord& gold = Find(*s, "gold/spot/klines/1m/ETHUSDT/2026-04-30");
  EXPECT_EQ(gold.report.outcome, TaskOutcome::kSkipped);
  EXPECT_EQ(gold.report.detail, "dependency_failed");
  EXPECT_EQ(Find(*s, "ingest/spot/klines/1m/ETHUSDT/2026-04-29").report.outcome,
            TaskOutcome::kSucceeded);
  EXPECT_EQ(Find(*s, "ingest/spot/klines/1m/ETHUSDT/2026-04-29").report.rows, 1440);
  EXPECT_EQ(Find(*s, "gold/cm/aggTrades/BTCUSD_PERP/2026-04-30").report.detail, "built");
  EXPECT_EQ(s->Count(TaskOutcome::kSucceeded), 10);
  EXPECT_FALSE(
      lake->List("silver/klines/market=spot/symbol=ETHUSDT/interval=1m/date=2026-04-30/")->size());

  metrics::ResourceMetrics data;
  ASSERT_TRUE(reader->Collect(&data).ok());
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.executions", "workflow.name", "run"), 1);
  EXPECT_EQ(SumOf(data, "cryptolake.queue.size", "queue.name", "run.io"), 0);
  EXPECT_EQ(SumOf(data, "cryptolake.queue.size", "queue.name", "run.cpu"), 0);
  metrics::SetMeterProvider(nullptr);

  // The sidecar is fixed: the next run does exactly what is missing.
  {
    std::ofstream out(sidecar, std::ios::trunc);
    out << good_sidecar << "\n";
  }
  Result<RunSummary> again = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Outcome(), "succeeded");
  EXPECT_EQ(again->Count(TaskOutcome::kSucceeded), 2);  // the file and its gold
  EXPECT_EQ(again->Count(TaskOutcome::kSkipped), 10);
  EXPECT_EQ(Find(*again, "ingest/spot/klines/1m/BTCUSDT/2026-04-29").report.detail, "up_to_date");
  EXPECT_EQ(Find(*again, "gold/spot/klines/1m/BTCUSDT/2026-04-29").report.detail, "up_to_date");
  fs::remove_all(archive);
}

TEST(WorkflowRunner, MissingDayIsNotInArchiveAndGapsReportIt) {
  const fs::path archive = TempDir("archive-missing");
  ASSERT_TRUE(lake::GenerateDemoArchive(archive).ok());
  auto lake = storage::NewMemoryObjectStore();
  RunConfig config = DemoConfig(archive);
  config.steps = {"ingest", "gaps", "gold"};
  config.datasets.resize(1);
  config.datasets[0].symbols = {"BTCUSDT"};
  config.datasets[0].end = "2026-05-01";  // the archive ends on 04-30
  Result<RunPlan> plan = PlanRun(config, "2026-05-02", nullptr);
  ASSERT_TRUE(plan.ok());
  RunEnvironment env;
  env.lake = lake.get();
  Result<RunSummary> s = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->Outcome(), "succeeded");
  const TaskRecord& missing = Find(*s, "ingest/spot/klines/1m/BTCUSDT/2026-05-01");
  EXPECT_EQ(missing.report.outcome, TaskOutcome::kSkipped);
  EXPECT_EQ(missing.report.detail, "not_in_archive");
  EXPECT_EQ(Find(*s, "gaps/spot/klines/1m/BTCUSDT/2026-05-01").report.detail, "open_gaps=1");
  EXPECT_EQ(Find(*s, "gaps/spot/klines/1m/BTCUSDT/2026-04-30").report.detail, "no_gaps");
  EXPECT_EQ(Find(*s, "gold/spot/klines/1m/BTCUSDT/2026-05-01").report.detail, "no_input");
  fs::remove_all(archive);
}

// Killed runs' leftovers are removed once per run, before any task, not once per archive file
// (on S3 each cleanup is a LIST).
TEST(WorkflowRunner, RemovesAbandonedWritesOncePerRun) {
  struct CountingStore : storage::FaultInjectingObjectStore {
    using FaultInjectingObjectStore::FaultInjectingObjectStore;
    Status RemoveAbandonedWrites() override {
      ++cleanups;
      return FaultInjectingObjectStore::RemoveAbandonedWrites();
    }
    std::atomic<int> cleanups{0};
  };
  const fs::path archive = TempDir("archive-cleanup");
  ASSERT_TRUE(lake::GenerateDemoArchive(archive).ok());
  CountingStore lake(storage::NewMemoryObjectStore());
  RunConfig config = DemoConfig(archive);
  Result<RunPlan> plan = PlanRun(config, "2026-05-01", nullptr);
  ASSERT_TRUE(plan.ok());
  RunEnvironment env;
  env.lake = &lake;
  Result<RunSummary> s = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Outcome(), "succeeded");
  int ingested = 0;
  for (const TaskRecord& t : s->tasks) ingested += t.step == "ingest" ? 1 : 0;
  EXPECT_GT(ingested, 1);
  EXPECT_EQ(lake.cleanups.load(), 1);
  fs::remove_all(archive);
}

// A NotFound from the lake (an S3 store's NoSuchUpload when a multipart upload vanished) is a
// failure of the ingest task, retried and reported, never "not_in_archive", and records no
// absence; a day the archive really lacks (404) still is "not_in_archive".
TEST(WorkflowRunner, LakeNotFoundFailsTheIngestButArchive404IsNotInArchive) {
  const fs::path archive = TempDir("archive-lake-404");
  lake::DemoArchiveOptions demo;
  demo.agg_trades_per_day = 100;
  ASSERT_TRUE(lake::GenerateDemoArchive(archive, demo).ok());
  storage::FaultInjectingObjectStore lake(storage::NewMemoryObjectStore());
  lake.FailMatching(storage::FaultInjectingObjectStore::Op::kPut, "silver/*2026-04-30*",
                    Status::NotFound("NoSuchUpload: the specified upload does not exist"));
  RunConfig config = DemoConfig(archive);
  config.datasets.resize(1);
  config.datasets[0].symbols = {"BTCUSDT"};
  config.datasets[0].end = "2026-05-01";  // the archive ends on 04-30
  Result<RunPlan> plan = PlanRun(config, "2026-05-02", nullptr);
  ASSERT_TRUE(plan.ok());
  RunEnvironment env;
  env.lake = &lake;
  Result<RunSummary> s = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Outcome(), "partial");
  const TaskRecord& failed = Find(*s, "ingest/spot/klines/1m/BTCUSDT/2026-04-30");
  EXPECT_EQ(failed.report.outcome, TaskOutcome::kFailed);
  EXPECT_EQ(failed.report.attempts, 2);  // retried
  EXPECT_TRUE(failed.report.error.IsNotFound()) << failed.report.error.ToString();
  EXPECT_EQ(Find(*s, "gold/spot/klines/1m/BTCUSDT/2026-04-30").report.detail, "dependency_failed");
  const archive::ArchiveFile day30{
      archive::Market::kSpot, archive::Period::kDaily, "klines", "BTCUSDT", "1m", "2026-04-30"};
  EXPECT_FALSE(*lake.Exists(lake::AbsenceKey(day30.ZipPath())));
  const TaskRecord& missing = Find(*s, "ingest/spot/klines/1m/BTCUSDT/2026-05-01");
  EXPECT_EQ(missing.report.outcome, TaskOutcome::kSkipped);
  EXPECT_EQ(missing.report.detail, "not_in_archive");
  archive::ArchiveFile day31 = day30;
  day31.date = "2026-05-01";
  EXPECT_TRUE(*lake.Exists(lake::AbsenceKey(day31.ZipPath())));
  EXPECT_EQ(Find(*s, "ingest/spot/klines/1m/BTCUSDT/2026-04-29").report.detail, "ingested");

  // The store recovers: the next run ingests the day.
  lake.ClearFaults();
  s = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->Outcome(), "succeeded");
  EXPECT_EQ(Find(*s, "ingest/spot/klines/1m/BTCUSDT/2026-04-30").report.detail, "ingested");
  EXPECT_EQ(Find(*s, "gold/spot/klines/1m/BTCUSDT/2026-04-30").report.detail, "built");
  fs::remove_all(archive);
}

// A funding month's gold reads the earlier month's silver too, so it runs only after that month's
// ingest: when the earlier month appears in the archive, the one run that ingests it also
// rebuilds the later month's gold with complete windows (not "up_to_date" until a later run).
// The config lists April before March, so the plan must also reorder the tasks.
TEST(WorkflowRunner, FundingGoldWaitsForTheEarlierMonthItReads) {
  const fs::path archive = TempDir("archive-funding");
  lake::DemoArchiveOptions april;
  april.first_day = "2026-04-01";
  april.days = 1;
  april.agg_trades_per_day = 100;
  ASSERT_TRUE(lake::GenerateDemoArchive(archive, april).ok());
  auto lake = storage::NewMemoryObjectStore();
  RunConfig config = DemoConfig(archive);
  DatasetConfig funding;
  funding.market = "um";
  funding.data_type = "fundingRate";
  funding.period = "monthly";
  funding.symbols = {"BTCUSDT"};
  funding.start = "2026-04-01";
  funding.end = "2026-04-30";
  DatasetConfig march = funding;
  march.start = "2026-03-01";
  march.end = "2026-03-31";
  config.datasets = {funding, march};
  Result<RunPlan> plan = PlanRun(config, "2026-05-02", nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->tasks.size(), 4u);
  RunEnvironment env;
  env.lake = lake.get();
  const std::string april_gold = "gold/um/fundingRate/BTCUSDT/2026-04";
  const std::string april_entry = "_gold/funding/market=um/symbol=BTCUSDT/month=2026-04.json";

  // March is not in the archive yet: April's windows that reach into it are incomplete.
  Result<RunSummary> s = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Outcome(), "succeeded");
  EXPECT_EQ(Find(*s, "ingest/um/fundingRate/BTCUSDT/2026-03").report.detail, "not_in_archive");
  EXPECT_EQ(Find(*s, april_gold).report.detail, "built");
  Result<gold::GoldLedgerEntry> e = gold::ParseGoldLedgerEntry(*lake->Get(april_entry), "april");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->inputs.size(), 1u);
  EXPECT_GT(e->incomplete_buckets, 0);

  // March appears. One run ingests it and rebuilds April from both months.
  lake::DemoArchiveOptions march_options = april;
  march_options.first_day = "2026-03-01";
  ASSERT_TRUE(lake::GenerateDemoArchive(archive, march_options).ok());
  s = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Outcome(), "succeeded");
  EXPECT_EQ(Find(*s, "ingest/um/fundingRate/BTCUSDT/2026-03").report.detail, "ingested");
  EXPECT_EQ(Find(*s, "ingest/um/fundingRate/BTCUSDT/2026-04").report.detail, "up_to_date");
  EXPECT_EQ(Find(*s, "gold/um/fundingRate/BTCUSDT/2026-03").report.detail, "built");
  EXPECT_EQ(Find(*s, april_gold).report.detail, "built");
  e = gold::ParseGoldLedgerEntry(*lake->Get(april_entry), "april");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->inputs.size(), 2u);
  EXPECT_EQ(e->incomplete_buckets, 0);

  // Nothing is left for a third run.
  s = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(Find(*s, april_gold).report.detail, "up_to_date");
  EXPECT_EQ(s->Count(TaskOutcome::kSucceeded), 0);
  fs::remove_all(archive);
}

}  // namespace
}  // namespace cryptolake::runner
