#include "cryptolake/runner/run_summary.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

namespace cryptolake::runner {
namespace {

TaskRecord Record(std::string id, std::string step, TaskOutcome outcome, int64_t rows) {
  TaskRecord t;
  t.id = std::move(id);
  t.step = std::move(step);
  t.market = "um";
  t.data_type = "klines";
  t.interval = "1m";
  t.symbol = "BTCUSDT";
  t.period = "2024-03-01";
  t.report.outcome = outcome;
  t.report.rows = rows;
  t.report.attempts = 1;
  if (outcome == TaskOutcome::kFailed) t.report.error = Status::IOError("boom");
  return t;
}

TEST(RunSummary, JsonFollowsTheContract) {
  RunSummary s;
  s.run_id = "20261206T170000Z-1a2b3c4d";
  s.tool_version = "0.1.0";
  s.lake = "s3://bucket/lake";
  s.shard = {1, 4};
  s.started_at = "2026-12-06T17:00:00Z";
  s.finished_at = "2026-12-06T17:00:10Z";
  s.seconds = 10;
  s.tasks.push_back(Record("ingest/a", "ingest", TaskOutcome::kSucceeded, 1440));
  s.tasks.push_back(Record("ingest/b", "ingest", TaskOutcome::kFailed, 0));
  s.tasks.push_back(Record("gold/a", "gold", TaskOutcome::kSkipped, 0));
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(s.ToJson());
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"run_id", "tool_version", "config", "lake", "shard",
                                            "started_at", "finished_at", "seconds", "outcome",
                                            "totals", "steps", "tasks"}));
  EXPECT_EQ(j["outcome"], "partial");
  EXPECT_EQ(j["shard"]["index"], 1);
  EXPECT_EQ(j["totals"]["tasks"], 3);
  EXPECT_EQ(j["totals"]["failed"], 1);
  EXPECT_EQ(j["totals"]["rows"], 1440);
  EXPECT_DOUBLE_EQ(j["totals"]["rows_per_second"].get<double>(), 144.0);
  EXPECT_EQ(j["steps"]["ingest"]["succeeded"], 1);
  EXPECT_EQ(j["steps"]["ingest"]["failed"], 1);
  EXPECT_EQ(j["steps"]["gold"]["skipped"], 1);
  EXPECT_EQ(j["steps"]["fill"]["succeeded"], 0);  // every step is listed, with or without tasks
  EXPECT_EQ(j["tasks"][1]["outcome"], "failed");
  EXPECT_EQ(j["tasks"][1]["error"], "IO error: boom");
  EXPECT_EQ(j["tasks"][0]["error"], "");
  EXPECT_EQ(j["tasks"][0]["interval"], "1m");
}

TEST(RunSummary, Outcomes) {
  RunSummary s;
  EXPECT_EQ(s.Outcome(), "succeeded");
  s.tasks.push_back(Record("x", "ingest", TaskOutcome::kFailed, 0));
  EXPECT_EQ(s.Outcome(), "failed");
  // Skipped because the failure blocked it: still nothing did its work.
  TaskRecord blocked = Record("x-gold", "gold", TaskOutcome::kSkipped, 0);
  blocked.report.detail = "dependency_failed";
  s.tasks.push_back(blocked);
  EXPECT_EQ(s.Outcome(), "failed");
  s.tasks.push_back(Record("y", "ingest", TaskOutcome::kSkipped, 0));
  EXPECT_EQ(s.Outcome(), "partial");
  s.interrupted = true;
  EXPECT_EQ(s.Outcome(), "interrupted");
}

TEST(RunSummary, ErrorsThatAreNotUtf8StillGiveASummary) {
  RunSummary s;
  s.run_id = "r";
  TaskRecord t = Record("ingest/a", "ingest", TaskOutcome::kFailed, 0);
  // A bad CSV cell quoted in the error, with a byte that is not UTF-8.
  t.report.error = Status::Corruption(
      "line 7: price \"12\xff"
      "3\" is not a number");
  s.tasks.push_back(t);
  std::string text = s.ToJson();
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["tasks"][0]["error"],
            "Corruption: line 7: price \"12\xef\xbf\xbd"
            "3\" is not a number");
}

TEST(RunSummary, RunIdFormat) {
  EXPECT_TRUE(std::regex_match(MakeRunId("20261206T170000Z", {0, 1}),
                               std::regex("20261206T170000Z-[0-9a-f]{8}")));
  EXPECT_TRUE(std::regex_match(MakeRunId("20261206T170000Z", {2, 4}),
                               std::regex("20261206T170000Z-[0-9a-f]{8}-shard2of4")));
  EXPECT_EQ(RunRecordKey("r1"), "_runs/r1.json");
}

TEST(RunSummary, WritesLakeObjectAndLocalFile) {
  std::unique_ptr<storage::ObjectStore> lake = storage::NewMemoryObjectStore();
  RunSummary s;
  s.run_id = "20261206T170000Z-00000000";
  const std::string local = ::testing::TempDir() + "/run_summary_test.json";
  ASSERT_TRUE(WriteRunSummary(s, lake.get(), local).ok());
  Result<std::string> stored = lake->Get("_runs/20261206T170000Z-00000000.json");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, s.ToJson());
  std::ifstream in(local);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, s.ToJson());
}

}  // namespace
}  // namespace cryptolake::runner
