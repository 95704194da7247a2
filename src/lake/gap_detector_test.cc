#include "cryptolake/lake/gap_detector.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "cryptolake/lake/gap_records.h"
#include "cryptolake/lake/partition.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/parquet/file_writer.h"
#include "lake_test_util.h"

namespace cryptolake::lake {
namespace {

using archive::ArchiveFile;
using archive::Market;
using archive::Period;

constexpr int64_t kMinuteUs = 60'000'000;

ArchiveFile KlineDay(const std::string& symbol, const std::string& date) {
  return ArchiveFile{Market::kSpot, Period::kDaily, "klines", symbol, "1m", date};
}

// A 1m kline day (ms times) with the bars of `skip` (minute indexes) left out.
std::string KlinesCsv(const std::string& date, const std::set<int>& skip) {
  const int64_t t0 = *ParseDate(date) * kMicrosPerDay / 1000;
  std::string csv;
  for (int i = 0; i < 1440; ++i) {
    if (skip.count(i) != 0) continue;
    const int64_t t = t0 + int64_t{i} * 60000;
    csv += std::to_string(t) + ",100.00,101.50,99.50,100.25,12.5," + std::to_string(t + 59999) +
           ",1250.0,42,6.0,600.0,0\n";
  }
  return csv;
}

// aggTrades (USD-M layout) with ids [first, last] except `skip`, one per second from t0.
std::string AggTradesCsv(const std::string& date, int64_t first, int64_t last,
                         const std::set<int64_t>& skip) {
  const int64_t t0 = *ParseDate(date) * kMicrosPerDay / 1000;
  std::string csv =
      "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n";
  for (int64_t id = first; id <= last; ++id) {
    if (skip.count(id) != 0) continue;
    const int64_t t = t0 + (id - first) * 1000;
    csv += std::to_string(id) + ",100.5,0.1," + std::to_string(id * 2) + "," +
           std::to_string(id * 2) + "," + std::to_string(t) + ",true\n";
  }
  return csv;
}

// Converts and stores `csv` as the silver object of `file`.
void Store(storage::ObjectStore& lake, const ArchiveFile& file, const std::string& csv) {
  auto conv = test_util::Convert(file, csv);
  ASSERT_TRUE(conv.ok()) << conv.status().ToString();
  parquet::FileWriter writer(conv->batch.schema(), parquet::WriterOptions{});
  writer.Append(conv->batch);
  auto bytes = writer.Finish();
  ASSERT_TRUE(bytes.ok());
  auto key = PartitionKeyOf(file);
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(lake.Put(SilverObjectKey(*key, file), *bytes).ok());
}

GapQuery Query(storage::ObjectStore* lake, Market market, const std::string& type,
               const std::string& interval, std::vector<std::string> symbols,
               const std::string& start, const std::string& end, Period period = Period::kDaily) {
  GapQuery q;
  q.lake = lake;
  q.query.market = market;
  q.query.period = period;
  q.query.data_type = type;
  q.query.interval = interval;
  q.query.symbols = std::move(symbols);
  q.query.start_date = start;
  q.query.end_date = end;
  return q;
}

TEST(GapDetectorTest, MissingBarsAreRunsOfHalfOpenRanges) {
  auto lake = storage::NewMemoryObjectStore();
  // Bars 600..604 (10:00-10:05) and the last three of the day are missing.
  Store(*lake, KlineDay("BTCUSDT", "2024-03-01"),
        KlinesCsv("2024-03-01", {600, 601, 602, 603, 604, 1437, 1438, 1439}));
  auto r = DetectGaps(
      Query(lake.get(), Market::kSpot, "klines", "1m", {"BTCUSDT"}, "2024-03-01", "2024-03-01"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->gaps.size(), 2u);
  const int64_t day = *ParseDate("2024-03-01") * kMicrosPerDay;
  EXPECT_EQ(r->gaps[0].kind, GapKind::kMissingBars);
  EXPECT_EQ(r->gaps[0].start_us, day + 600 * kMinuteUs);
  EXPECT_EQ(r->gaps[0].end_us, day + 605 * kMinuteUs);
  EXPECT_EQ(r->gaps[0].missing, 5);
  EXPECT_EQ(r->gaps[1].start_us, day + 1437 * kMinuteUs);
  EXPECT_EQ(r->gaps[1].end_us, day + kMicrosPerDay);
  EXPECT_EQ(r->gaps[1].missing, 3);
  EXPECT_EQ(r->open_gaps(), 2);
  EXPECT_EQ(r->rows_checked, 1432);
  EXPECT_EQ(r->periods_present, 1);
}

TEST(GapDetectorTest, MissingDaysCarryTheirCause) {
  auto lake = storage::NewMemoryObjectStore();
  Store(*lake, KlineDay("BTCUSDT", "2024-03-01"), KlinesCsv("2024-03-01", {}));
  AbsenceRecord absent{KlineDay("BTCUSDT", "2024-03-02").ZipPath(), AbsenceCause::kNotInListing,
                       "2024-03-10T00:00:00Z"};
  ASSERT_TRUE(lake->Put(AbsenceKey(absent.archive_path), SerializeAbsenceRecord(absent)).ok());
  auto r = DetectGaps(
      Query(lake.get(), Market::kSpot, "klines", "1m", {"BTCUSDT"}, "2024-03-01", "2024-03-03"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->gaps.size(), 2u);
  EXPECT_EQ(r->gaps[0].kind, GapKind::kMissingDay);
  EXPECT_EQ(r->gaps[0].cause, "not_in_listing");
  EXPECT_EQ(r->gaps[0].missing, 1440);
  EXPECT_EQ(r->gaps[0].start_us, *ParseDate("2024-03-02") * kMicrosPerDay);
  EXPECT_EQ(r->gaps[0].end_us, *ParseDate("2024-03-03") * kMicrosPerDay);
  EXPECT_EQ(r->gaps[1].cause, "not_ingested");
  EXPECT_EQ(r->gaps[1].silver_file,
            "silver/klines/market=spot/symbol=BTCUSDT/interval=1m/date=2024-03-03/"
            "BTCUSDT-1m-2024-03-03.parquet");
  EXPECT_EQ(r->periods_checked, 3);
}

TEST(GapDetectorTest, AggTradeIdGapsInsideAndAcrossDays) {
  auto lake = storage::NewMemoryObjectStore();
  ArchiveFile d1{Market::kUsdM, Period::kDaily, "aggTrades", "BTCUSDT", "", "2024-03-01"};
  ArchiveFile d2{Market::kUsdM, Period::kDaily, "aggTrades", "BTCUSDT", "", "2024-03-02"};
  Store(*lake, d1, AggTradesCsv("2024-03-01", 100, 200, {150, 151}));
  Store(*lake, d2, AggTradesCsv("2024-03-02", 205, 300, {}));  // 201..204 missing at the boundary
  auto r = DetectGaps(
      Query(lake.get(), Market::kUsdM, "aggTrades", "", {"BTCUSDT"}, "2024-03-01", "2024-03-02"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->gaps.size(), 2u);
  EXPECT_EQ(r->gaps[0].kind, GapKind::kIdGap);
  EXPECT_EQ(r->gaps[0].first_id, 150);
  EXPECT_EQ(r->gaps[0].last_id, 151);
  EXPECT_EQ(r->gaps[0].missing, 2);
  EXPECT_EQ(r->gaps[0].archive_path, d1.ZipPath());
  EXPECT_EQ(r->gaps[1].first_id, 201);
  EXPECT_EQ(r->gaps[1].last_id, 204);
  EXPECT_EQ(r->gaps[1].archive_path, d2.ZipPath());
  // The time range spans from the row before (day 1) to the row after (day 2), half-open.
  EXPECT_LT(r->gaps[1].start_us, *ParseDate("2024-03-02") * kMicrosPerDay);
  EXPECT_EQ(r->gaps[1].end_us, *ParseDate("2024-03-02") * kMicrosPerDay + 1);
}

TEST(GapDetectorTest, FundingRowsFurtherApartThanTheirInterval) {
  auto lake = storage::NewMemoryObjectStore();
  ArchiveFile f{Market::kUsdM, Period::kMonthly, "fundingRate", "BTCUSDT", "", "2026-04"};
  Store(*lake, f,
        "calc_time,funding_interval_hours,last_funding_rate\n"
        "1775001600000,8,-0.00003449\n"   // 04-01 00:00
        "1775030400000,8,-0.00000461\n"   // 04-01 08:00
        "1775088000001,8,0.00002000\n");  // 04-02 00:00: 16:00 is missing
  auto r = DetectGaps(Query(lake.get(), Market::kUsdM, "fundingRate", "", {"BTCUSDT"}, "2026-04-01",
                            "2026-04-30", Period::kMonthly));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->gaps.size(), 1u);
  EXPECT_EQ(r->gaps[0].kind, GapKind::kMissingRows);
  EXPECT_EQ(r->gaps[0].missing, 1);
  EXPECT_EQ(r->gaps[0].end_us, INT64_C(1775088000001000));
}

TEST(GapDetectorTest, RangesRestWasAskedForAreConfirmedNotOpen) {
  auto lake = storage::NewMemoryObjectStore();
  ArchiveFile f = KlineDay("BTCUSDT", "2024-03-01");
  Store(*lake, f, KlinesCsv("2024-03-01", {10, 11, 500}));
  const int64_t day = *ParseDate("2024-03-01") * kMicrosPerDay;
  FillRecord rec;
  rec.archive_path = f.ZipPath();
  rec.silver_file = "x";
  rec.empty.push_back({day + 10 * kMinuteUs, day + 12 * kMinuteUs, -1, -1, 0});
  ASSERT_TRUE(lake->Put(FillKey(f.ZipPath()), SerializeFillRecord(rec)).ok());
  auto r = DetectGaps(
      Query(lake.get(), Market::kSpot, "klines", "1m", {"BTCUSDT"}, "2024-03-01", "2024-03-01"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->gaps.size(), 2u);
  EXPECT_TRUE(r->gaps[0].confirmed_empty);
  EXPECT_FALSE(r->gaps[1].confirmed_empty);
  EXPECT_EQ(r->open_gaps(), 1);
  const std::string json = r->FormatJson(
      Query(lake.get(), Market::kSpot, "klines", "1m", {"BTCUSDT"}, "2024-03-01", "2024-03-01"));
  EXPECT_NE(json.find("\"status\": \"confirmed_empty\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"start\": \"2024-03-01T00:10:00Z\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"start_us\": " + std::to_string(day + 500 * kMinuteUs)), std::string::npos);
  const std::string table = r->FormatTable();
  EXPECT_NE(table.find("confirmed empty by REST"), std::string::npos) << table;
  EXPECT_NE(table.find("1 open gap(s), 2 finding(s)"), std::string::npos) << table;
}

TEST(GapDetectorTest, EveryGapIsAMetric) {
  auto reader = std::make_shared<metrics::ManualReader>();
  metrics::SdkMeterProviderOptions options;
  options.readers = {reader};
  metrics::SetMeterProvider(std::make_shared<metrics::SdkMeterProvider>(std::move(options)));
  auto lake = storage::NewMemoryObjectStore();
  Store(*lake, KlineDay("BTCUSDT", "2024-03-01"), KlinesCsv("2024-03-01", {7}));
  auto r = DetectGaps(
      Query(lake.get(), Market::kSpot, "klines", "1m", {"BTCUSDT"}, "2024-03-01", "2024-03-02"));
  ASSERT_TRUE(r.ok());
  metrics::ResourceMetrics data;
  ASSERT_TRUE(reader->Collect(&data).ok());
  metrics::SetMeterProvider(nullptr);
  int64_t found = 0;
  double seconds = 0;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name == "cryptolake.gaps.found") {
        for (const auto& p : std::get<metrics::SumData>(m.data).points) {
          found += std::get<int64_t>(p.value);
        }
      }
      if (m.name == "cryptolake.gaps.missing_duration") {
        for (const auto& p : std::get<metrics::SumData>(m.data).points) {
          seconds += std::get<double>(p.value);
        }
      }
    }
  }
  EXPECT_EQ(found, 2);  // one bar, one day
  EXPECT_DOUBLE_EQ(seconds, 60 + 86400);
}

TEST(GapDetectorTest, IsoFormatAndIntervals) {
  EXPECT_EQ(FormatIsoMicros(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoMicros(INT64_C(1709251200000001)), "2024-03-01T00:00:00.000001Z");
  EXPECT_EQ(KlineIntervalMicros("1m"), kMinuteUs);
  EXPECT_EQ(KlineIntervalMicros("1d"), kMicrosPerDay);
  EXPECT_EQ(KlineIntervalMicros("1w"), 0);
}

TEST(GapRecordsTest, RoundTripAndCorruption) {
  FillRecord rec;
  rec.archive_path = "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03-01.zip";
  rec.silver_file = "silver/x.parquet";
  rec.filled = {{1, 5, -1, -1, 4}, {10, 20, 100, 110, 11}};
  rec.empty = {{30, 40, -1, -1, 0}};
  rec.rows = 15;
  rec.requests = 3;
  rec.endpoint = "/api/v3/klines";
  auto back = ParseFillRecord(SerializeFillRecord(rec), "k");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, rec);
  auto bad = ParseFillRecord(
      "{\"archive_path\":\"a\",\"silver_file\":\"s\",\"rows\":1,\"requests\":1,"
      "\"filled\":[{\"start_us\":5,\"end_us\":1,\"rows\":0}],\"empty\":[]}",
      "_fills/a.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsCorruption());
  EXPECT_NE(bad.status().message().find("_fills/a.json"), std::string::npos);
  AbsenceRecord a{"p.zip", AbsenceCause::kHttpNotFound, "t"};
  auto ab = ParseAbsenceRecord(SerializeAbsenceRecord(a), "k");
  ASSERT_TRUE(ab.ok());
  EXPECT_EQ(*ab, a);
  EXPECT_FALSE(ParseAbsenceRecord("{\"archive_path\":\"p\",\"cause\":\"gone\"}", "k").ok());
}

}  // namespace
}  // namespace cryptolake::lake
