#include "cryptolake/gold/gold_builder.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cryptolake/gold/gold_ledger.h"
#include "cryptolake/lake/gap_records.h"
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

TEST(GoldBuilderTest, CancelledBuildWritesNothingAndKeepsThePreviousGold) {
  FaultInjectingObjectStore lake(storage::NewMemoryObjectStore());
  PutKlines(lake, "2024-03-01", kMar1, 100, 'a');
  ASSERT_EQ(RunGold(Options(&lake))->built, 2);
  const auto before = GoldObjects(lake);
  PutKlines(lake, "2024-03-01", kMar1, 300, 'c');  // republished: the partition is stale
  const int64_t puts = lake.CallCount(FaultInjectingObjectStore::Op::kPut);
  const int64_t deletes = lake.CallCount(FaultInjectingObjectStore::Op::kDelete);
  GoldOptions o = Options(&lake).gold;
  int polls = 0;
  o.cancelled = [&polls] { return ++polls > 0; };
  Result<GoldPartitionReport> r = BuildGoldPartition(
      GoldPartition{GoldProduct::kKlines, "um", "BTCUSDT", "klines", "2024-03-01"}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCancelled) << r.status().ToString();
  EXPECT_EQ(polls, 1);
  EXPECT_EQ(lake.CallCount(FaultInjectingObjectStore::Op::kPut), puts);
  EXPECT_EQ(lake.CallCount(FaultInjectingObjectStore::Op::kDelete), deletes);
  EXPECT_EQ(GoldObjects(lake), before);
  // Not cancelled, the next build replaces it.
  o.cancelled = nullptr;
  r = BuildGoldPartition(
      GoldPartition{GoldProduct::kKlines, "um", "BTCUSDT", "klines", "2024-03-01"}, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, GoldOutcome::kBuilt);
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

// `cryptolake fill` rewrites the silver object and writes only _fills/<archive path>.json; the
// silver ledger entry (digest, rows) stays as it was. Gold must still notice, and notice the fill
// record's removal (a re-ingest) too.
TEST(GoldBuilderTest, RestFillRebuildsTheDay) {
  auto lake = storage::NewMemoryObjectStore();
  const archive::ArchiveFile file =
      testing::DailyFile(archive::Market::kUsdM, "klines", "BTCUSDT", "2024-03-01", "1m");
  PutKlines(*lake, "2024-03-01", kMar1, 100, 'a', {5});
  ASSERT_EQ(RunGold(Options(lake.get(), "2024-03-01", "2024-03-01"))->built, 2);
  const std::string day_key =
      "gold/klines/market=um/symbol=BTCUSDT/interval=1d/date=2024-03-01/"
      "BTCUSDT-1d-2024-03-01.parquet";
  auto day_bar = [&](const char* column) {
    parquet::ColumnBatch b = *parquet::FileReader::Open(*lake->Get(day_key))->ReadAll();
    return b.Int64(static_cast<size_t>(b.schema().FindColumn(column)))[0];
  };
  ASSERT_EQ(day_bar("bar_count"), 1439);

  // The fill, as the gap filler publishes it: the merged silver object, then the record.
  std::vector<Row> filled = KlineDay(kMar1, 100);
  filled[5]["source"] = std::string("rest");
  const std::string silver_key = testing::PutSilverObject(*lake, file, filled);
  lake::FillRecord rec;
  rec.archive_path = file.ZipPath();
  rec.silver_file = silver_key;
  rec.filled.push_back(
      lake::FillRange{(kMar1 * 1440 + 5) * kMinute, (kMar1 * 1440 + 6) * kMinute, -1, -1, 1});
  rec.rows = 1;
  rec.requests = 1;
  rec.endpoint = "/fapi/v1/klines";
  rec.filled_at = "2026-12-06T17:00:00Z";
  rec.tool_version = "test";
  ASSERT_TRUE(lake->Put(lake::FillKey(file.ZipPath()), lake::SerializeFillRecord(rec)).ok());

  Result<GoldSummary> s = RunGold(Options(lake.get(), "2024-03-01", "2024-03-01"));
  ASSERT_TRUE(s.ok() && s->ok());
  EXPECT_EQ(s->built, 2);
  EXPECT_EQ(day_bar("bar_count"), 1440);
  EXPECT_EQ(day_bar("rest_bar_count"), 1);
  GoldLedgerEntry e = *ParseGoldLedgerEntry(
      *lake->Get("_gold/klines/market=um/symbol=BTCUSDT/date=2024-03-01.json"), "k");
  EXPECT_EQ(e.inputs[0].fill, "1@2026-12-06T17:00:00Z");
  EXPECT_EQ(RunGold(Options(lake.get(), "2024-03-01", "2024-03-01"))->up_to_date, 2);

  // Re-ingesting the archive file deletes the fill record and restores the archive rows.
  PutKlines(*lake, "2024-03-01", kMar1, 100, 'a', {5});
  ASSERT_TRUE(lake->Delete(lake::FillKey(file.ZipPath())).ok());
  s = RunGold(Options(lake.get(), "2024-03-01", "2024-03-01"));
  ASSERT_TRUE(s.ok() && s->ok());
  EXPECT_EQ(s->built, 2);
  EXPECT_EQ(day_bar("bar_count"), 1439);
  EXPECT_EQ(day_bar("rest_bar_count"), 0);
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
      if (key.ends_with(".pending.json")) {
        // A marker left by the failed build names every output it may have put.
        GoldLedgerEntry e = *ParseGoldLedgerEntry(bytes, key);
        std::set<std::string> named;
        for (const GoldOutput& o : e.outputs) named.insert(o.key);
        for (const auto& [k, v] : want) {
          if (!k.starts_with("gold/" + e.product + "/")) continue;  // another partition's
          EXPECT_EQ(named.count(k), 1u) << k << " after fault " << n;
        }
        continue;
      }
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

// The 30-day window ending on 1 March 2023 (not a leap year) starts on 31 January: March's
// funding partition reads January's file as well as February's.
TEST(GoldBuilderTest, FundingWindowOfMarchFirstReachesJanuary) {
  auto lake = storage::NewMemoryObjectStore();
  for (const char* month : {"2023-01", "2023-02", "2023-03"}) {
    archive::ArchiveFile f =
        testing::DailyFile(archive::Market::kUsdM, "fundingRate", "BTCUSDT", month);
    f.period = archive::Period::kMonthly;
    const int y = std::stoi(std::string(month).substr(0, 4));
    const int m = std::stoi(std::string(month).substr(5, 2));
    std::vector<Row> rows;
    for (int d = 1; d <= lake::DaysInMonth(y, m); ++d) {
      const int64_t day = lake::DaysFromCivil(y, m, d);
      for (int h = 0; h < 24; h += 8) {
        rows.push_back(Row{{"ts_event", (day * 1440 + h * 60) * kMinute + 1000},
                           {"funding_rate", 0.0001 * d},
                           {"funding_interval_hours", int64_t{8}}});
      }
    }
    testing::PutSilver(*lake, f, rows, testing::Sha('a' + static_cast<char>(m)));
  }
  GoldRunOptions o = Options(lake.get(), "2023-03-01", "2023-03-31");
  o.query.source_type = "fundingRate";
  Result<GoldSummary> s = RunGold(o);
  ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
  ASSERT_EQ(s->built, 1);
  EXPECT_EQ(s->partitions[0].incomplete_buckets, 0);
  parquet::ColumnBatch b =
      *parquet::FileReader::Open(*lake->Get("gold/funding/market=um/symbol=BTCUSDT/month=2023-03/"
                                            "BTCUSDT-funding-2023-03.parquet"))
           ->ReadAll();
  ASSERT_EQ(b.num_rows(), 31u);
  EXPECT_EQ(b.Int64(static_cast<size_t>(b.schema().FindColumn("days_30d")))[0], 30);
  EXPECT_EQ(b.Bool(static_cast<size_t>(b.schema().FindColumn("window_complete")))[0], 1);
  const GoldLedgerEntry e = *ParseGoldLedgerEntry(
      *lake->Get("_gold/funding/market=um/symbol=BTCUSDT/month=2023-03.json"), "k");
  EXPECT_EQ(e.inputs.size(), 3u);
}

// An archive file whose rows went into two silver objects (part files): the partition reads both
// and counts the file's rows once.
TEST(GoldBuilderTest, InputRowsOfASplitFileAreCountedOnce) {
  auto lake = storage::NewMemoryObjectStore();
  archive::ArchiveFile file =
      testing::DailyFile(archive::Market::kUsdM, "klines", "BTCUSDT", "2024-03-01", "1m");
  const std::vector<Row> day = KlineDay(kMar1, 100);
  testing::PutSilver(*lake, file, std::vector<Row>(day.begin(), day.begin() + 1000),
                     testing::Sha('a'));
  archive::ArchiveFile part = file;
  part.symbol = "PART2";  // only to get a second object key
  const std::string key2 =
      testing::PutSilverObject(*lake, part, std::vector<Row>(day.begin() + 1000, day.end()));
  lake::Ledger ledger(*lake);
  lake::LedgerEntry e = **ledger.Lookup(file.ZipPath());
  e.silver_files.push_back(key2);
  e.rows = 1440;
  ASSERT_TRUE(ledger.Record(e).ok());
  Result<GoldSummary> s = RunGold(Options(lake.get(), "2024-03-01", "2024-03-01"));
  ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
  ASSERT_EQ(s->built, 2);
  EXPECT_EQ(s->partitions[0].input_rows, 1440);
  EXPECT_EQ(s->partitions[1].input_rows, 1440);
  EXPECT_EQ(s->partitions[1].output_rows, 1);
  const GoldLedgerEntry g = *ParseGoldLedgerEntry(
      *lake->Get("_gold/klines/market=um/symbol=BTCUSDT/date=2024-03-01.json"), "k");
  ASSERT_EQ(g.inputs.size(), 2u);
  EXPECT_EQ(g.inputs[0].rows + g.inputs[1].rows, 1440);
}

// RunGold (not only BuildGoldPartition) removes gold whose silver vanished: the plan lists the
// gold ledger's partitions in range too.
TEST(GoldBuilderTest, RunGoldRemovesGoldWhoseInputVanished) {
  auto lake = storage::NewMemoryObjectStore();
  PutKlines(*lake, "2024-03-01", kMar1, 100, 'a');
  PutKlines(*lake, "2024-03-02", kMar1 + 1, 200, 'b');
  ASSERT_EQ(RunGold(Options(lake.get()))->built, 4);
  ASSERT_TRUE(lake->Delete("_ledger/data/futures/um/daily/klines/BTCUSDT/1m/"
                           "BTCUSDT-1m-2024-03-02.zip.json")
                  .ok());
  GoldRunOptions other = Options(lake.get());
  other.query.symbols = {"ETHUSDT"};  // another symbol's run leaves BTCUSDT alone
  ASSERT_TRUE(RunGold(other)->partitions.empty());
  Result<GoldSummary> s = RunGold(Options(lake.get()));
  ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
  EXPECT_EQ(s->up_to_date, 2);
  EXPECT_EQ(s->no_input, 2);
  for (const auto& [key, bytes] : GoldObjects(*lake)) {
    EXPECT_EQ(key.find("2024-03-02"), std::string::npos) << key;
  }
  EXPECT_EQ(GoldObjects(*lake).size(), 5u + 1 + 2);
  // Nothing left to remove: the plan no longer lists the day.
  EXPECT_EQ(RunGold(Options(lake.get()))->partitions.size(), 2u);
}

// A republished funding month reaches the next month's gold even when the run's range holds
// only the republished month.
TEST(GoldBuilderTest, RepublishedFundingMonthRebuildsTheNextMonth) {
  auto lake = storage::NewMemoryObjectStore();
  auto put_month = [&](const std::string& month, double rate, char sha) {
    archive::ArchiveFile f =
        testing::DailyFile(archive::Market::kUsdM, "fundingRate", "BTCUSDT", month);
    f.period = archive::Period::kMonthly;
    const int64_t first = *lake::ParseDate(month + "-01");
    std::vector<Row> rows;
    for (int d = 0; d < 28; ++d) {
      rows.push_back(Row{{"ts_event", (first + d) * 1440 * kMinute + 1000},
                         {"funding_rate", rate},
                         {"funding_interval_hours", int64_t{8}}});
    }
    testing::PutSilver(*lake, f, rows, testing::Sha(sha));
  };
  put_month("2024-02", 0.001, 'a');
  put_month("2024-03", 0.002, 'b');
  GoldRunOptions o = Options(lake.get(), "2024-02-01", "2024-03-31");
  o.query.source_type = "fundingRate";
  ASSERT_EQ(RunGold(o)->built, 2);
  const std::string march = "_gold/funding/market=um/symbol=BTCUSDT/month=2024-03.json";
  put_month("2024-02", 0.003, 'c');  // February republished
  o.query.end = "2024-02-29";
  Result<GoldSummary> s = RunGold(o);
  ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
  EXPECT_EQ(s->built, 2);
  const GoldLedgerEntry e = *ParseGoldLedgerEntry(*lake->Get(march), "k");
  ASSERT_EQ(e.inputs.size(), 2u);
  EXPECT_TRUE(e.inputs[0].sha256 == testing::Sha('c') || e.inputs[1].sha256 == testing::Sha('c'));
  // Unchanged: both up to date, and a range that misses February plans no extra month.
  EXPECT_EQ(RunGold(o)->up_to_date, 2);
  o.query.start = o.query.end = "2024-03-15";
  EXPECT_EQ(RunGold(o)->partitions.size(), 1u);
}

// Objects the committed entry does not name are deleted by the next build: (a) an interval's
// object put by a build that died before its entry (its pending marker names it), then a run with
// fewer --intervals; (b) the cleanup's Delete failed (it runs before the entry, so the old entry
// and the marker stay and the partition is stale).
TEST(GoldBuilderTest, OrphanedObjectsAreDeletedByTheNextRun) {
  const std::string entry = "_gold/klines/market=um/symbol=BTCUSDT/date=2024-03-01.json";
  const std::string h4 =
      "gold/klines/market=um/symbol=BTCUSDT/interval=4h/date=2024-03-01/"
      "BTCUSDT-4h-2024-03-01.parquet";
  const std::vector<std::string> fewer = {"5m", "1h"};
  {  // (a)
    FaultInjectingObjectStore lake(storage::NewMemoryObjectStore());
    PutKlines(lake, "2024-03-01", kMar1, 100, 'a');
    PutKlines(lake, "2024-03-02", kMar1 + 1, 100, 'b');  // another day's 4h stays
    GoldRunOptions o = Options(&lake, "2024-03-01", "2024-03-02");
    ASSERT_TRUE(RunGold(o)->ok());
    o = Options(&lake, "2024-03-01", "2024-03-01");
    o.gold.intervals = fewer;
    ASSERT_EQ(RunGold(o)->built, 1);
    o.gold.intervals = {"5m", "1h", "4h"};
    lake.FailMatching(FaultInjectingObjectStore::Op::kPut, entry);
    ASSERT_FALSE(RunGold(o)->ok());
    ASSERT_TRUE(*lake.Exists(h4));
    lake.ClearFaults();
    o.gold.intervals = fewer;
    Result<GoldSummary> s = RunGold(o);
    ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
    EXPECT_EQ(s->built, 1);
    EXPECT_FALSE(*lake.Exists(h4));
    EXPECT_TRUE(
        *lake.Exists("gold/klines/market=um/symbol=BTCUSDT/interval=4h/date=2024-03-02/"
                     "BTCUSDT-4h-2024-03-02.parquet"));
    EXPECT_EQ(RunGold(o)->up_to_date, 2);
  }
  {  // (b)
    FaultInjectingObjectStore lake(storage::NewMemoryObjectStore());
    PutKlines(lake, "2024-03-01", kMar1, 100, 'a');
    GoldRunOptions o = Options(&lake, "2024-03-01", "2024-03-01");
    ASSERT_TRUE(RunGold(o)->ok());
    o.gold.intervals = fewer;
    lake.FailMatching(FaultInjectingObjectStore::Op::kDelete, h4);
    ASSERT_FALSE(RunGold(o)->ok());
    lake.ClearFaults();
    ASSERT_TRUE(*lake.Exists(h4));
    ASSERT_EQ(ParseGoldLedgerEntry(*lake.Get(entry), "k")->outputs.size(), 5u);  // not committed
    ASSERT_TRUE(*lake.Exists("_gold/klines/market=um/symbol=BTCUSDT/date=2024-03-01.pending.json"));
    Result<GoldSummary> s = RunGold(o);
    ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
    EXPECT_EQ(s->built, 1);
    EXPECT_FALSE(*lake.Exists(h4));
    EXPECT_EQ(RunGold(o)->up_to_date, 2);
  }
  {  // (c) a first build killed before its entry, then the silver vanished: the plan finds the
     // marker and the no_input build removes what it names.
    FaultInjectingObjectStore lake(storage::NewMemoryObjectStore());
    PutKlines(lake, "2024-03-01", kMar1, 100, 'a');
    GoldRunOptions o = Options(&lake, "2024-03-01", "2024-03-01");
    lake.CrashPutsMatching(entry);
    ASSERT_FALSE(RunGold(o)->ok());
    lake.ClearFaults();
    ASSERT_FALSE(*lake.Exists(entry));
    ASSERT_TRUE(*lake.Exists(h4));
    ASSERT_TRUE(lake.Delete("_ledger/data/futures/um/daily/klines/BTCUSDT/1m/"
                            "BTCUSDT-1m-2024-03-01.zip.json")
                    .ok());
    Result<GoldSummary> s = RunGold(o);
    ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
    EXPECT_EQ(s->no_input, 2);  // klines from its marker, daily_summary from its entry
    EXPECT_TRUE(lake.List("gold/")->empty());
    EXPECT_TRUE(lake.List("_gold/")->empty());
  }
}

// Forwards to a store and records every List prefix and how many keys it returned.
class ListCountingStore final : public storage::ObjectStore {
 public:
  explicit ListCountingStore(storage::ObjectStore* base) : base_(base) {}
  Status Put(std::string_view key, std::string_view data) override { return base_->Put(key, data); }
  Result<std::string> Get(std::string_view key) override { return base_->Get(key); }
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    return base_->GetRange(key, offset, length);
  }
  Result<std::vector<storage::ObjectInfo>> List(std::string_view prefix) override {
    Result<std::vector<storage::ObjectInfo>> r = base_->List(prefix);
    prefixes.emplace_back(prefix);
    if (r.ok()) keys_listed += static_cast<int64_t>(r->size());
    return r;
  }
  Status Delete(std::string_view key) override { return base_->Delete(key); }
  Result<bool> Exists(std::string_view key) override { return base_->Exists(key); }
  std::string Describe() const override { return base_->Describe(); }

  std::vector<std::string> prefixes;
  int64_t keys_listed = 0;

 private:
  storage::ObjectStore* base_;
};

// A no-op run over 60 days of one symbol checks each partition with O(1) requests: it never lists
// the symbol's klines tree per partition, so the keys listed grow with the days, not their square.
TEST(GoldBuilderTest, UpToDateCheckListsNoSymbolTree) {
  auto base = storage::NewMemoryObjectStore();
  constexpr int kDays = 60;
  for (int d = 0; d < kDays; ++d) PutKlines(*base, lake::FormatDate(kMar1 + d), kMar1 + d, d, 'a');
  const std::string end = lake::FormatDate(kMar1 + kDays - 1);
  ASSERT_EQ(RunGold(Options(base.get(), "2024-03-01", end))->built, 2 * kDays);
  ListCountingStore lake(base.get());
  Result<GoldSummary> s = RunGold(Options(&lake, "2024-03-01", end));
  ASSERT_TRUE(s.ok() && s->ok()) << s->Format();
  EXPECT_EQ(s->up_to_date, 2 * kDays);
  // The plan's listings only (silver ledger, gold ledger of each product): not one per partition.
  EXPECT_LE(lake.prefixes.size(), 4u);
  for (const std::string& prefix : lake.prefixes) {
    EXPECT_FALSE(prefix.ends_with("interval=")) << prefix;
    EXPECT_FALSE(prefix.starts_with("gold/")) << prefix;
  }
  // Each listed key is a ledger entry of a day: linear in the days (silver + 2 gold per day).
  EXPECT_LE(lake.keys_listed, 3 * kDays + 10);
}

// Every Corruption names the silver object, and with part files the row number is that object's.
TEST(GoldBuilderTest, CorruptionNamesTheSilverObjectAndItsRow) {
  auto lake = storage::NewMemoryObjectStore();
  const int64_t t0 = kMar1 * 1440 * kMinute;
  const archive::ArchiveFile trades =
      testing::DailyFile(archive::Market::kUsdM, "aggTrades", "BTCUSDT", "2024-03-01");
  testing::PutSilver(*lake, trades,
                     {Row{{"ts_event", t0 + 5}, {"agg_trade_id", int64_t{1}}, {"price", 1.0}},
                      Row{{"ts_event", t0 - 5}, {"agg_trade_id", int64_t{2}}, {"price", 1.0}}},
                     testing::Sha('a'));
  GoldRunOptions o = Options(lake.get(), "2024-03-01", "2024-03-01");
  o.query.source_type = "aggTrades";
  Result<GoldSummary> s = RunGold(o);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->failures.size(), 1u);
  const std::string trades_key = lake::SilverObjectKey(*lake::PartitionKeyOf(trades), trades);
  EXPECT_TRUE(s->failures[0].second.IsCorruption());
  EXPECT_NE(s->failures[0].second.message().find(trades_key + ": row 1 "), std::string::npos)
      << s->failures[0].second.ToString();

  // Klines in two objects; the second's row 3 is off the day.
  const archive::ArchiveFile klines =
      testing::DailyFile(archive::Market::kUsdM, "klines", "BTCUSDT", "2024-03-01", "1m");
  std::vector<Row> day = KlineDay(kMar1, 100);
  testing::PutSilver(*lake, klines, std::vector<Row>(day.begin(), day.begin() + 100),
                     testing::Sha('b'));
  std::vector<Row> part2(day.begin() + 100, day.begin() + 110);
  part2[3]["ts_event"] = t0 - kMinute;
  archive::ArchiveFile other = klines;
  other.symbol = "PART2";  // only to get a second object key
  const std::string key2 = testing::PutSilverObject(*lake, other, part2);
  lake::Ledger ledger(*lake);
  lake::LedgerEntry e = **ledger.Lookup(klines.ZipPath());
  e.silver_files.push_back(key2);
  ASSERT_TRUE(ledger.Record(e).ok());
  s = RunGold(Options(lake.get(), "2024-03-01", "2024-03-01"));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->failures.size(), 2u);
  EXPECT_NE(s->failures[0].second.message().find(key2 + ": row 3 "), std::string::npos)
      << s->failures[0].second.ToString();
}

}  // namespace
}  // namespace cryptolake::gold
