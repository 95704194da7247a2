#include "cryptolake/runner/shard.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

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
  // March 2024's funding windows reach back into February (a leap year: not January): its gold
  // also waits for February's fill.
  EXPECT_EQ(plan->tasks[14].deps, (std::vector<size_t>{13, 9}));
  EXPECT_EQ(plan->tasks[10].deps, (std::vector<size_t>{9}));
}

std::map<std::string, std::set<std::string>> DepIds(const RunPlan& plan) {
  std::map<std::string, std::set<std::string>> out;
  for (size_t i = 0; i < plan.tasks.size(); ++i) {
    std::set<std::string>& deps = out[plan.tasks[i].id];
    for (size_t d : plan.tasks[i].deps) {
      EXPECT_LT(d, i) << plan.tasks[i].id << " depends on a later task";
      deps.insert(plan.tasks[d].id);
    }
  }
  return out;
}

// A funding gold task reads earlier months' silver (gold::FundingInputMonths): it depends on the
// last silver step of each of those months the plan holds for its market and symbol, even when a
// later dataset of the config plans them (the tasks are reordered so dependencies come first),
// and in whichever shard owns the symbol (the monthly shard key has no date).
TEST(Plan, FundingGoldWaitsForTheEarlierMonthsItReads) {
  EXPECT_EQ(gold::FundingInputMonths("2023-03"),
            (std::vector<std::string>{"2023-03", "2023-02", "2023-01"}));
  EXPECT_EQ(gold::FundingInputMonths("2024-03"), (std::vector<std::string>{"2024-03", "2024-02"}));
  RunConfig c;
  c.steps = {"ingest", "gold"};
  DatasetConfig march;
  march.market = "um";
  march.data_type = "fundingRate";
  march.period = "monthly";
  march.symbols = {"BTCUSDT", "ETHUSDT"};
  march.start = "2023-03-01";
  march.end = "2023-03-31";
  DatasetConfig earlier = march;
  earlier.symbols = {"BTCUSDT"};
  earlier.start = "2023-01-01";
  earlier.end = "2023-02-28";
  c.datasets = {march, earlier};
  Result<RunPlan> plan = PlanRun(c, "2023-06-01", nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->tasks.size(), 8u);
  std::map<std::string, std::set<std::string>> deps = DepIds(*plan);
  EXPECT_EQ(deps["gold/um/fundingRate/BTCUSDT/2023-03"],
            (std::set<std::string>{"ingest/um/fundingRate/BTCUSDT/2023-03",
                                   "ingest/um/fundingRate/BTCUSDT/2023-02",
                                   "ingest/um/fundingRate/BTCUSDT/2023-01"}));
  EXPECT_EQ(deps["gold/um/fundingRate/BTCUSDT/2023-02"],
            (std::set<std::string>{"ingest/um/fundingRate/BTCUSDT/2023-02",
                                   "ingest/um/fundingRate/BTCUSDT/2023-01"}));
  EXPECT_EQ(deps["gold/um/fundingRate/BTCUSDT/2023-01"],
            (std::set<std::string>{"ingest/um/fundingRate/BTCUSDT/2023-01"}));
  // ETHUSDT has no earlier month planned; other symbols are never linked.
  EXPECT_EQ(deps["gold/um/fundingRate/ETHUSDT/2023-03"],
            (std::set<std::string>{"ingest/um/fundingRate/ETHUSDT/2023-03"}));
  // Otherwise the planned order stands: only March's BTCUSDT gold moved, behind the ingests of
  // January and February.
  std::vector<std::string> ids;
  for (const PlannedTask& t : plan->tasks) ids.push_back(t.id);
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "ingest/um/fundingRate/BTCUSDT/2023-03",
                     "ingest/um/fundingRate/ETHUSDT/2023-03",
                     "gold/um/fundingRate/ETHUSDT/2023-03",
                     "ingest/um/fundingRate/BTCUSDT/2023-01",
                     "gold/um/fundingRate/BTCUSDT/2023-01",
                     "ingest/um/fundingRate/BTCUSDT/2023-02",
                     "gold/um/fundingRate/BTCUSDT/2023-03",
                     "gold/um/fundingRate/BTCUSDT/2023-02",
                 }));

  // With every step, the dependency is on the month's fill (its last silver step).
  c.steps = {"ingest", "gaps", "fill", "gold"};
  plan = PlanRun(c, "2023-06-01", nullptr);
  ASSERT_TRUE(plan.ok());
  deps = DepIds(*plan);
  EXPECT_EQ(deps["gold/um/fundingRate/BTCUSDT/2023-03"],
            (std::set<std::string>{"fill/um/fundingRate/BTCUSDT/2023-03",
                                   "fill/um/fundingRate/BTCUSDT/2023-02",
                                   "fill/um/fundingRate/BTCUSDT/2023-01"}));

  // Sharded: the shard that owns BTCUSDT's funding owns every month of it, with the same links.
  c.steps = {"ingest", "gold"};
  int owners = 0;
  for (int i = 0; i < 3; ++i) {
    c.shard = {i, 3};
    Result<RunPlan> part = PlanRun(c, "2023-06-01", nullptr);
    ASSERT_TRUE(part.ok());
    std::map<std::string, std::set<std::string>> part_deps = DepIds(*part);
    if (part_deps.count("gold/um/fundingRate/BTCUSDT/2023-03") == 0) continue;
    ++owners;
    EXPECT_EQ(part_deps["gold/um/fundingRate/BTCUSDT/2023-03"].size(), 3u);
  }
  EXPECT_EQ(owners, 1);
}

}  // namespace
}  // namespace cryptolake::runner
