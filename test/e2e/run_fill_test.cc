// The runner's fill step against the loopback Binance REST server
// (test/peers/binance_rest_server.mjs): a day missing from the archive is ingested as
// "not_in_archive", reported by the gaps step and filled from REST by the fill step into that
// day's own silver object; the neighbouring day's object (which REST's answer could spill into)
// is left byte-identical, and a re-run sends no request.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/demo_archive.h"
#include "cryptolake/lake/partition.h"
#include "cryptolake/runner/workflow_runner.h"
#include "cryptolake/testing/binance_server.h"

namespace cryptolake::runner {
namespace {

namespace fs = std::filesystem;

std::string ReadBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

const TaskRecord* Find(const RunSummary& s, const std::string& id) {
  for (const TaskRecord& t : s.tasks) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

TEST(RunFill, MissingDayIsFilledIntoItsOwnPartitionOnly) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("run-fill-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const fs::path archive_dir = dir / "archive";
  ASSERT_TRUE(lake::GenerateDemoArchive(archive_dir).ok());  // 2026-04-29 and 04-30
  const archive::ArchiveFile day1{archive::Market::kCoinM,
                                  archive::Period::kDaily,
                                  "aggTrades",
                                  "BTCUSD_PERP",
                                  "",
                                  "2026-04-29"};
  archive::ArchiveFile day2 = day1;
  day2.date = "2026-04-30";
  // REST serves both days' trades; the archive loses the second day.
  std::string served;
  for (const archive::ArchiveFile& f : {day1, day2}) {
    Result<archive::ZipMember> member =
        archive::ExtractSingleMember(ReadBytes(archive_dir / f.ZipPath()));
    ASSERT_TRUE(member.ok()) << member.status().ToString();
    std::string csv = member->data;
    if (!served.empty()) csv = csv.substr(csv.find('\n') + 1);  // one header
    served += csv;
  }
  const fs::path served_csv = dir / "served.csv";
  std::ofstream(served_csv, std::ios::binary) << served;
  fs::remove(archive_dir / day2.ZipPath());
  fs::remove(archive_dir / day2.ChecksumPath());

  std::string error;
  bool skip = false;
  auto server = testing::BinanceServer::Start(
      {"--aggtrades", "cm:BTCUSD_PERP:" + served_csv.string()}, &error, &skip);
  if (skip) GTEST_SKIP() << error;
  ASSERT_TRUE(server) << error;
  setenv("CRYPTOLAKE_BINANCE_CM_URL", server->url().c_str(), 1);

  RunConfig config;
  config.source = archive_dir.string();
  config.steps = {"ingest", "gaps", "fill"};
  config.retry_initial_backoff = std::chrono::milliseconds(1);
  config.retry_max_backoff = std::chrono::milliseconds(2);
  DatasetConfig d;
  d.market = "cm";
  d.data_type = "aggTrades";
  d.symbols = {"BTCUSD_PERP"};
  d.start = "2026-04-29";
  d.end = "2026-04-30";
  config.datasets = {d};
  Result<std::unique_ptr<storage::ObjectStore>> lake =
      storage::OpenObjectStore((dir / "lake").string());
  ASSERT_TRUE(lake.ok());
  Result<RunPlan> plan = PlanRun(config, "2026-05-01", nullptr);
  ASSERT_TRUE(plan.ok());
  RunEnvironment env;
  env.lake = lake->get();
  Result<RunSummary> s = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Outcome(), "succeeded") << s->Format();
  const TaskRecord* ingest = Find(*s, "ingest/cm/aggTrades/BTCUSD_PERP/2026-04-30");
  ASSERT_NE(ingest, nullptr);
  EXPECT_EQ(ingest->report.detail, "not_in_archive");
  EXPECT_EQ(Find(*s, "gaps/cm/aggTrades/BTCUSD_PERP/2026-04-30")->report.detail, "open_gaps=1");
  const TaskRecord* fill = Find(*s, "fill/cm/aggTrades/BTCUSD_PERP/2026-04-30");
  EXPECT_EQ(fill->report.detail, "filled") << fill->report.error.ToString();
  EXPECT_EQ(fill->report.rows, 20000);  // the demo's trades per day
  EXPECT_EQ(Find(*s, "fill/cm/aggTrades/BTCUSD_PERP/2026-04-29")->report.detail, "no_gaps");

  auto key = [](const archive::ArchiveFile& f) {
    return lake::SilverObjectKey(*lake::PartitionKeyOf(f), f);
  };
  const std::string day1_before = ReadBytes(dir / "lake" / key(day1));
  ASSERT_FALSE(day1_before.empty());
  ASSERT_TRUE(fs::exists(dir / "lake" / key(day2)));

  // A re-run has nothing to do and asks REST nothing.
  const int64_t requests = server->Stats()["requests"].get<int64_t>();
  Result<RunSummary> again = ExecuteRun(config, *plan, env);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Count(TaskOutcome::kSucceeded), 0) << again->Format();
  EXPECT_EQ(server->Stats()["requests"].get<int64_t>(), requests);
  EXPECT_EQ(ReadBytes(dir / "lake" / key(day1)), day1_before);
  unsetenv("CRYPTOLAKE_BINANCE_CM_URL");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cryptolake::runner
