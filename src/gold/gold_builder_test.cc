#include "cryptolake/gold/gold_builder.h"

#include <gtest/gtest.h>

#include <map>

#include "cryptolake/gold/gold_ledger.h"
#include "cryptolake/parquet/file_reader.h"
#include "cryptolake/storage/fault_injecting_object_store.h"
#include "gold_test_util.h"

namespace cryptolake::gold {
namespace {

using storage::FaultInjectingObjectStore;
using testing::kMinute;
using testing::Row;

constexpr int64_t kMar1 = 19783;

// A day of 1m klines with the minutes in `missing` left out; prices depend on `seed`.
std::vector<Row> KlineDay(int64_t day, double seed, std::vector<int> missing = {}) {
  std::vector<Row> rows;
  for (int m = 0; m < 1440; ++m) {
    if (std::find(missing.begin(), missing.end(), m) != missing.end()) continue;
    const int64_t ts = (day * 1440 + m) * kMinute;
    const double p = seed + m * 0.5;
    rows.push_back(Row{{"ts_event", ts},
                       {"close_time", ts + kMinute - 1000},
                       {"open", p},
                       {"high", p + 1},
                       {"low", p - 1},
                       {"close", p + 0.25},
                       {"volume", 2.0},
                       {"quote_volume", 2.0 * p},
                       {"trade_count", int64_t{3}},
                       {"taker_buy_volume", 1.0},
                       {"taker_buy_quote_volume", p}});
  }
  return rows;
}

void PutKlines(storage::ObjectStore& lake, const std::string& date, int64_t day, double seed,
               char sha, std::vector<int> missing = {}) {
  testing::PutSilver(lake,
                     testing::DailyFile(archive::Market::kUsdM, "klines", "BTCUSDT", date, "1m"),
                     KlineDay(day, seed, std::move(missing)), testing::Sha(sha));
}

GoldRunOptions Options(storage::ObjectStore* lake, std::string start = "2024-03-01",
                       std::string end = "2024-03-02") {
  GoldRunOptions o;
  o.gold.lake = lake;
  o.query = GoldQuery{lake, "um", "klines", {}, std::move(start), std::move(end)};
  return o;
}

// Every gold and _gold object with its bytes.
std::map<std::string, std::string> GoldObjects(storage::ObjectStore& lake) {
  std::map<std::string, std::string> out;
  for (const char* prefix : {"gold/", "_gold/"}) {
    const std::vector<storage::ObjectInfo> objects = *lake.List(prefix);
    for (const storage::ObjectInfo& o : objects) out[o.key] = *lake.Get(o.key);
  }
  return out;
}

TEST(GoldBuilderTest, PlanListsKlinesAndDailySummaryPerDay) {
  auto lake = storage::NewMemoryObjectStore();
  PutKlines(*lake, "2024-03-01", kMar1, 100, 'a');
  PutKlines(*lake, "2024-03-02", kMar1 + 1, 100, 'b');
  PutKlines(*lake, "2024-03-05", kMar1 + 4, 100, 'c');
  GoldQuery q{lake.get(), "um", "klines", {}, "2024-03-02", "2024-03-31"};
  Result<std::vector<GoldPartition>> plan = PlanGold(q);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 4u);
  EXPECT_EQ((*plan)[0],
            (GoldPartition{GoldProduct::kKlines, "um", "BTCUSDT", "klines", "2024-03-02"}));
  EXPECT_EQ((*plan)[1].product, GoldProduct::kDailySummary);
  EXPECT_EQ((*plan)[3].period, "2024-03-05");
  q.symbols = {"ETHUSDT"};
  EXPECT_TRUE(PlanGold(q)->empty());
  q.source_type = "bookTicker";
  EXPECT_TRUE(PlanGold(q).status().IsInvalidArgument());
}

TEST(GoldBuilderTest, BuildsEveryIntervalMarksMissingBarsAndRecordsTheLedger) {
  auto lake = storage::NewMemoryObjectStore();
  PutKlines(*lake, "2024-03-01", kMar1, 100, 'a', {7, 600});
  Result<GoldSummary> s = RunGold(Options(lake.get()));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE(s->ok()) << s->Format();
  EXPECT_EQ(s->built, 2);
  const std::string dir = "gold/klines/market=um/symbol=BTCUSDT/";
  for (const char* i : {"5m", "15m", "1h", "4h", "1d"}) {
    const std::string key =
        dir + "interval=" + i + "/date=2024-03-01/BTCUSDT-" + i + "-2024-03-01.parquet";
    Result<std::string> bytes = lake->Get(key);
    ASSERT_TRUE(bytes.ok()) << key;
    Result<parquet::FileReader> r = parquet::FileReader::Open(*bytes);
    ASSERT_TRUE(r.ok());
    parquet::ColumnBatch b = *r->ReadAll();
    const size_t complete = static_cast<size_t>(b.schema().FindColumn("complete"));
    const size_t count = static_cast<size_t>(b.schema().FindColumn("bar_count"));
    int64_t incomplete = 0, bars = 0;
    for (size_t row = 0; row < b.num_rows(); ++row) {
      incomplete += b.Bool(complete)[row] == 0;
      bars += b.Int64(count)[row];
    }
    EXPECT_EQ(bars, 1438) << i;
    // 7 and 600 fall in different buckets for every interval but 4h (0..239 / 480..719) and 1d.
    const int expected = std::string(i) == "1d" ? 1 : 2;
    EXPECT_EQ(incomplete, expected) << i;
    bool has_meta = false;
    for (const auto& [k, v] : r->key_value_metadata()) {
      if (k == "cryptolake.source.sha256") has_meta = v == testing::Sha('a');
    }
    EXPECT_TRUE(has_meta) << i;
  }
  Result<std::string> text =
      lake->Get("_gold/klines/market=um/symbol=BTCUSDT/date=2024-03-01.json");
  ASSERT_TRUE(text.ok());
  GoldLedgerEntry e = *ParseGoldLedgerEntry(*text, "k");
  EXPECT_EQ(e.inputs.size(), 1u);
  EXPECT_EQ(e.inputs[0].sha256, testing::Sha('a'));
  EXPECT_EQ(e.inputs[0].rows, 1438);
  EXPECT_EQ(e.outputs.size(), 5u);
  EXPECT_EQ(e.incomplete_buckets, 2 + 2 + 2 + 2 + 1);
  EXPECT_TRUE(
      lake->Exists("_gold/daily_summary/market=um/symbol=BTCUSDT/date=2024-03-01.json").value());
}

TEST(GoldBuilderTest, SecondRunWritesNothing) {
  FaultInjectingObjectStore lake(storage::NewMemoryObjectStore());
  PutKlines(lake, "2024-03-01", kMar1, 100, 'a');
  PutKlines(lake, "2024-03-02", kMar1 + 1, 200, 'b');
  ASSERT_EQ(RunGold(Options(&lake))->built, 4);
  const int64_t puts = lake.CallCount(FaultInjectingObjectStore::Op::kPut);
  const int64_t deletes = lake.CallCount(FaultInjectingObjectStore::Op::kDelete);
  Result<GoldSummary> again = RunGold(Options(&lake));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->built, 0);
  EXPECT_EQ(again->up_to_date, 4);
  EXPECT_EQ(lake.CallCount(FaultInjectingObjectStore::Op::kPut), puts);
  EXPECT_EQ(lake.CallCount(FaultInjectingObjectStore::Op::kDelete), deletes);
}

TEST(GoldBuilderTest, ChangedInputRebuildsOnlyItsPartitions) {
  auto lake = storage::NewMemoryObjectStore();
  PutKlines(*lake, "2024-03-01", kMar1, 100, 'a');
  PutKlines(*lake, "2024-03-02", kMar1 + 1, 200, 'b');
  ASSERT_EQ(RunGold(Options(lake.get()))->built, 4);
  const auto before = GoldObjects(*lake);
  PutKlines(*lake, "2024-03-02", kMar1 + 1, 300, 'c');  // republished day 2
  Result<GoldSummary> s = RunGold(Options(lake.get()));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->built, 2);
  EXPECT_EQ(s->up_to_date, 2);
  for (const GoldPartitionReport& r : s->partitions) {
    EXPECT_EQ(r.outcome == GoldOutcome::kBuilt, r.partition.period == "2024-03-02");
  }
  const auto after = GoldObjects(*lake);
  for (const auto& [key, bytes] : before) {
    if (key.find("2024-03-01") != std::string::npos) {
      EXPECT_EQ(after.at(key), bytes) << key;
    } else if (key.ends_with(".parquet")) {
      EXPECT_NE(after.at(key), bytes) << key;
    }
  }
}

TEST(GoldBuilderTest, DroppedIntervalIsDeletedAfterTheEntry) {
  auto lake = storage::NewMemoryObjectStore();
  PutKlines(*lake, "2024-03-01", kMar1, 100, 'a');
  ASSERT_TRUE(RunGold(Options(lake.get()))->ok());
  GoldRunOptions o = Options(lake.get());
  o.gold.intervals = {"5m", "1h"};
  Result<GoldSummary> s = RunGold(o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->built, 1);  // klines rebuilt (output set changed); the daily summary is current
  EXPECT_FALSE(
      *lake->Exists("gold/klines/market=um/symbol=BTCUSDT/interval=4h/date=2024-03-01/"
                    "BTCUSDT-4h-2024-03-01.parquet"));
  o.gold.intervals = {"7m"};
  EXPECT_TRUE(RunGold(o).status().IsInvalidArgument());
}

TEST(GoldBuilderTest, VanishedInputRemovesStaleGold) {
  auto lake = storage::NewMemoryObjectStore();
  PutKlines(*lake, "2024-03-01", kMar1, 100, 'a');
  ASSERT_TRUE(RunGold(Options(lake.get()))->ok());
  ASSERT_TRUE(lake->Delete("_ledger/data/futures/um/daily/klines/BTCUSDT/1m/"
                           "BTCUSDT-1m-2024-03-01.zip.json")
                  .ok());
  GoldOptions o;
  o.lake = lake.get();
  Result<GoldPartitionReport> r =
      BuildGoldPartition({GoldProduct::kKlines, "um", "BTCUSDT", "", "2024-03-01"}, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, GoldOutcome::kNoInput);
  EXPECT_TRUE(lake->List("gold/klines/")->empty());
  EXPECT_FALSE(*lake->Exists("_gold/klines/market=um/symbol=BTCUSDT/date=2024-03-01.json"));
}

TEST(GoldBuilderTest, MalformedPartitionsAreInvalidArgument) {
  auto lake = storage::NewMemoryObjectStore();
  GoldOptions o;
  o.lake = lake.get();
  for (const GoldPartition& p :
       {GoldPartition{GoldProduct::kKlines, "xx", "BTCUSDT", "", "2024-03-01"},
        GoldPartition{GoldProduct::kKlines, "um", "BTC/USDT", "", "2024-03-01"},
        GoldPartition{GoldProduct::kKlines, "um", "BTCUSDT", "", "2024-03"},
        GoldPartition{GoldProduct::kFunding, "um", "BTCUSDT", "", "2024-03-01"},
        GoldPartition{GoldProduct::kFunding, "spot", "BTCUSDT", "", "2024-03"},
        GoldPartition{GoldProduct::kTradeBars, "um", "BTCUSDT", "klines", "2024-03-01"}}) {
    EXPECT_TRUE(BuildGoldPartition(p, o).status().IsInvalidArgument()) << p.symbol << p.period;
  }
}

// A Put failure at every position of a rebuild: each gold object stays a complete object (the
// old or the new version), the ledger entry keeps naming the old inputs until the end, and a
// rerun without faults converges to exactly what a clean build writes.
TEST(GoldBuilderTest, StoreFailureAtEveryPutLeavesCompleteObjectsAndConverges) {
  // The reference: a clean build of the new input.
  auto clean = storage::NewMemoryObjectStore();
  PutKlines(*clean, "2024-03-01", kMar1, 300, 'c', {5});
  ASSERT_TRUE(RunGold(Options(clean.get(), "2024-03-01", "2024-03-01"))->ok());
  std::map<std::string, std::string> want;
  for (auto& [k, v] : GoldObjects(*clean))
    if (k.ends_with(".parquet")) want[k] = v;

  for (int n = 1;; ++n) {
    auto base = storage::NewMemoryObjectStore();
    FaultInjectingObjectStore lake(base.get());
    PutKlines(lake, "2024-03-01", kMar1, 100, 'a');
    ASSERT_TRUE(RunGold(Options(&lake, "2024-03-01", "2024-03-01"))->ok());
    const auto old = GoldObjects(lake);
    PutKlines(lake, "2024-03-01", kMar1, 300, 'c', {5});
    lake.FailNth(FaultInjectingObjectStore::Op::kPut, n);
    Result<GoldSummary> s = RunGold(Options(&lake, "2024-03-01", "2024-03-01"));
    ASSERT_TRUE(s.ok());
    const bool fired = lake.InjectedFaultCount() > 0;
    if (!fired) {
      EXPECT_TRUE(s->ok());
      break;  // every Put position was tried
    }
    EXPECT_FALSE(s->ok()) << n;
    for (const auto& [key, bytes] : GoldObjects(lake)) {
      if (key.ends_with(".json")) {
        // An entry names either all-new outputs (committed) or the old inputs.
        GoldLedgerEntry e = *ParseGoldLedgerEntry(bytes, key);
        if (e.inputs[0].sha256 == testing::Sha('c')) {
          for (const GoldOutput& o : e.outputs) EXPECT_EQ(*lake.Get(o.key), want.at(o.key));
        } else {
          EXPECT_EQ(bytes, old.at(key)) << n;
        }
        continue;
      }
      EXPECT_TRUE(bytes == old.at(key) || bytes == want.at(key)) << key << " after fault " << n;
      EXPECT_TRUE(parquet::FileReader::Open(bytes).ok());
    }
    lake.ClearFaults();
    Result<GoldSummary> again = RunGold(Options(&lake, "2024-03-01", "2024-03-01"));
    ASSERT_TRUE(again.ok() && again->ok()) << n;
    std::map<std::string, std::string> got;
    for (auto& [k, v] : GoldObjects(lake))
      if (k.ends_with(".parquet")) got[k] = v;
    EXPECT_EQ(got, want) << "after fault " << n;
    ASSERT_LT(n, 40);
  }
}

// Several threads build different partitions at once; the result is byte-identical to one thread.
TEST(GoldBuilderTest, JobsDoNotChangeTheBytes) {
  std::map<std::string, std::string> by_jobs[2];
  for (int jobs : {1, 2}) {
    auto lake = storage::NewMemoryObjectStore();
    for (int d = 0; d < 4; ++d) {
      PutKlines(*lake, "2024-03-0" + std::to_string(d + 1), kMar1 + d, 100 + d, 'a', {d * 7});
    }
    GoldRunOptions o = Options(lake.get(), "2024-03-01", "2024-03-04");
    o.jobs = jobs;
    int callbacks = 0;
    o.on_partition = [&](const GoldPartitionReport&) { ++callbacks; };
    Result<GoldSummary> s = RunGold(o);
    ASSERT_TRUE(s.ok() && s->ok());
    EXPECT_EQ(s->built, 8);
    EXPECT_EQ(callbacks, 8);
    for (size_t i = 0; i < s->partitions.size(); ++i) {
      EXPECT_EQ(s->partitions[i].partition.period, "2024-03-0" + std::to_string(i / 2 + 1));
    }
    for (auto& [k, v] : GoldObjects(*lake))
      if (k.ends_with(".parquet")) by_jobs[jobs - 1][k] = v;
  }
  EXPECT_EQ(by_jobs[0].size(), 4u * 6);
  EXPECT_EQ(by_jobs[0], by_jobs[1]);
}

TEST(GoldBuilderTest, TradeBarsAndFundingPartitions) {
  auto lake = storage::NewMemoryObjectStore();
  const int64_t t0 = kMar1 * 1440 * kMinute;
  auto agg = [&](int64_t id, int64_t ts, double price, bool maker) {
    return Row{{"ts_event", ts},
               {"agg_trade_id", id},
               {"price", price},
               {"size", 1.0},
               {"first_trade_id", id * 2},
               {"last_trade_id", id * 2 + 1},
               {"side", std::string("buy")},
               {"is_buyer_maker", maker}};
  };
  testing::PutSilver(
      *lake, testing::DailyFile(archive::Market::kUsdM, "aggTrades", "BTCUSDT", "2024-03-01"),
      {agg(1, t0 + 5, 10, false), agg(2, t0 + kMinute, 11, true)}, testing::Sha('d'));
  GoldRunOptions o = Options(lake.get());
  o.query.source_type = "aggTrades";
  Result<GoldSummary> s = RunGold(o);
  ASSERT_TRUE(s.ok() && s->ok());
  ASSERT_EQ(s->built, 1);
  EXPECT_EQ(s->partitions[0].output_rows, 2);
  EXPECT_TRUE(
      *lake->Exists("gold/trade_bars/market=um/symbol=BTCUSDT/interval=1m/"
                    "date=2024-03-01/BTCUSDT-trade_bars-1m-2024-03-01.parquet"));

  archive::ArchiveFile feb =
      testing::DailyFile(archive::Market::kUsdM, "fundingRate", "BTCUSDT", "2024-02");
  feb.period = archive::Period::kMonthly;
  archive::ArchiveFile mar = feb;
  mar.date = "2024-03";
  auto rate = [](int64_t day, double r) {
    return Row{{"ts_event", day * 1440 * kMinute + 1000},
               {"funding_rate", r},
               {"funding_interval_hours", int64_t{8}}};
  };
  testing::PutSilver(*lake, mar, {rate(kMar1, 0.001), rate(kMar1 + 1, 0.002)}, testing::Sha('e'));
  o.query.source_type = "fundingRate";
  o.query.end = "2024-03-31";
  s = RunGold(o);
  ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
  ASSERT_EQ(s->built, 1);
  EXPECT_EQ(s->partitions[0].incomplete_buckets, 2);
  const std::string entry_key = "_gold/funding/market=um/symbol=BTCUSDT/month=2024-03.json";
  EXPECT_EQ(ParseGoldLedgerEntry(*lake->Get(entry_key), "k")->inputs.size(), 1u);
  // The previous month arrives: it is an input of March too, so March is rebuilt.
  testing::PutSilver(*lake, feb, {rate(kMar1 - 1, 0.003)}, testing::Sha('f'));
  o.query.start = "2024-03-01";
  s = RunGold(o);
  ASSERT_TRUE(s.ok() && s->ok());
  EXPECT_EQ(s->built, 1);
  EXPECT_EQ(ParseGoldLedgerEntry(*lake->Get(entry_key), "k")->inputs.size(), 2u);
}

}  // namespace
}  // namespace cryptolake::gold
