#include "cryptolake/runner/shard.h"

#include <gtest/gtest.h>

#include <set>

#include "cryptolake/runner/run_plan.h"

namespace cryptolake::runner {
namespace {

TEST(Shard, ParsesSpec) {
  EXPECT_EQ(*ParseShardSpec("0/1"), (ShardSpec{0, 1}));
  EXPECT_EQ(*ParseShardSpec("3/4"), (ShardSpec{3, 4}));
  for (const char* bad : {"4/4", "-1/4", "1/0", "1", "a/b", "1/4x", "/4", "1/"}) {
    EXPECT_FALSE(ParseShardSpec(bad).ok()) << bad;
  }
}

TEST(Shard, Fnv1aKnownValues) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(Shard, OwnerIsDeterministicAndUsesTheContractKey) {
  EXPECT_EQ(ShardOwner("um", "klines", "BTCUSDT", "2024-03-01", false, 4),
            static_cast<int>(Fnv1a64("um|klines|BTCUSDT|2024-03-01") % 4));
  // Monthly: one owner per symbol, whatever the month.
  EXPECT_EQ(ShardOwner("um", "fundingRate", "BTCUSDT", "2024-01", true, 4),
            ShardOwner("um", "fundingRate", "BTCUSDT", "2024-07", true, 4));
  EXPECT_EQ(ShardOwner("um", "fundingRate", "BTCUSDT", "2024-01", true, 4),
            static_cast<int>(Fnv1a64("um|fundingRate|BTCUSDT") % 4));
  EXPECT_EQ(ShardOwner("um", "klines", "BTCUSDT", "2024-03-01", false, 1), 0);
}

// Every file of a plan belongs to exactly one shard.
TEST(Shard, ShardsPartitionThePlan) {
  RunConfig c;
  DatasetConfig d;
  d.market = "um";
  d.data_type = "klines";
  d.intervals = {"1m"};
  d.symbols = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
  d.start = "2024-03-01";
  d.end = "2024-03-20";
  c.datasets = {d};
  c.steps = {"ingest", "gold"};
  Result<RunPlan> whole = PlanRun(c, "2024-04-01", nullptr);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(whole->files_owned, 60);
  EXPECT_EQ(whole->tasks.size(), 120u);
  std::multiset<std::string> ids;
  int owned = 0;
  for (int i = 0; i < 4; ++i) {
    c.shard = {i, 4};
    Result<RunPlan> part = PlanRun(c, "2024-04-01", nullptr);
    ASSERT_TRUE(part.ok());
    owned += part->files_owned;
    EXPECT_EQ(part->files_owned + part->files_not_owned, 60);
    EXPECT_GT(part->files_owned, 0);  // 60 files spread over 4 shards
    for (const PlannedTask& t : part->tasks) ids.insert(t.id);
  }
  EXPECT_EQ(owned, 60);
  std::multiset<std::string> expected;
  for (const PlannedTask& t : whole->tasks) expected.insert(t.id);
  EXPECT_EQ(ids, expected);
}

TEST(Plan, StepsAndDependencies) {
  RunConfig c;
  DatasetConfig d;
  d.market = "um";
  d.data_type = "klines";
  d.intervals = {"1m", "1h"};
  d.symbols = {"BTCUSDT"};
  d.start = "2024-03-01";
  d.end = "2024-03-01";
  DatasetConfig f;
  f.market = "um";
  f.data_type = "fundingRate";
  f.symbols = {"BTCUSDT"};
  f.period = "monthly";
  f.start = "2024-02-15";
  f.end = "2024-03-01";
  c.datasets = {d, f};
  Result<RunPlan> plan = PlanRun(c, "2024-04-01", nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<std::string> ids;
  for (const PlannedTask& t : plan->tasks) ids.push_back(t.id);
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "ingest/um/klines/1m/BTCUSDT/2024-03-01",
                     "gaps/um/klines/1m/BTCUSDT/2024-03-01",
                     "fill/um/klines/1m/BTCUSDT/2024-03-01",
                     "gold/um/klines/1m/BTCUSDT/2024-03-01",
                     "ingest/um/klines/1h/BTCUSDT/2024-03-01",  // no gold from 1h
                     "gaps/um/klines/1h/BTCUSDT/2024-03-01",
                     "fill/um/klines/1h/BTCUSDT/2024-03-01",
                     "ingest/um/fundingRate/BTCUSDT/2024-02",
                     "gaps/um/fundingRate/BTCUSDT/2024-02",
                     "fill/um/fundingRate/BTCUSDT/2024-02",
                     "gold/um/fundingRate/BTCUSDT/2024-02",
                     "ingest/um/fundingRate/BTCUSDT/2024-03",
                     "gaps/um/fundingRate/BTCUSDT/2024-03",
                     "fill/um/fundingRate/BTCUSDT/2024-03",
                     "gold/um/fundingRate/BTCUSDT/2024-03",
                 }));
  EXPECT_EQ(plan->tasks[3].deps, (std::vector<size_t>{2}));
  EXPECT_EQ(plan->tasks[3].pool, TaskPool::kCpu);
  ASSERT_EQ(plan->tasks[3].gold.size(), 2u);
  EXPECT_EQ(plan->tasks[3].gold[0].product, gold::GoldProduct::kKlines);
  EXPECT_EQ(plan->tasks[3].gold[1].product, gold::GoldProduct::kDailySummary);
  EXPECT_EQ(plan->tasks[10].gold[0].period, "2024-02");
  EXPECT_TRUE(plan->tasks[0].deps.empty());
}

}  // namespace
}  // namespace cryptolake::runner
