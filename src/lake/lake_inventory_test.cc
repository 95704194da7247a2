#include "cryptolake/lake/lake_inventory.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cryptolake/lake/gap_records.h"
#include "cryptolake/lake/ledger.h"
#include "cryptolake/lake/partition.h"
#include "cryptolake/parquet/file_writer.h"
#include "lake_test_util.h"

namespace cryptolake::lake {
namespace {

using archive::ArchiveFile;
using archive::Market;
using archive::Period;

const std::string kSha(64, 'a');

ArchiveFile KlineDay(const std::string& date) {
  return ArchiveFile{Market::kSpot, Period::kDaily, "klines", "BTCUSDT", "1m", date};
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

std::string SilverKey(const ArchiveFile& f) { return SilverObjectKey(*PartitionKeyOf(f), f); }

// Stores a real silver object of `csv` for `f` and its ledger entry (`rejected` quarantined rows).
void Ingested(storage::ObjectStore& lake, const ArchiveFile& f, const std::string& csv,
              int64_t rejected = 0) {
  auto conv = test_util::Convert(f, csv);
  ASSERT_TRUE(conv.ok()) << conv.status().ToString();
  parquet::FileWriter writer(conv->batch.schema(), parquet::WriterOptions{});
  writer.Append(conv->batch);
  auto bytes = writer.Finish();
  ASSERT_TRUE(bytes.ok());
  ASSERT_TRUE(lake.Put(SilverKey(f), *bytes).ok());
  LedgerEntry e;
  e.archive_path = f.ZipPath();
  e.sha256 = kSha;
  e.rows = conv->batch.num_rows();
  e.rejected_rows = rejected;
  e.silver_files = {SilverKey(f)};
  e.ingested_at = "2024-03-09T00:00:00Z";
  e.tool_version = "test";
  ASSERT_TRUE(Ledger(lake).Record(e).ok());
}

void PutBronze(storage::ObjectStore& lake, const ArchiveFile& f) {
  ASSERT_TRUE(lake.Put("bronze/" + f.ZipPath(), "zipbytes").ok());
  ASSERT_TRUE(lake.Put("bronze/" + f.ChecksumPath(), kSha + "  " + f.ZipName() + "\n").ok());
}

// The spot 1m klines lake of the calendar test: 2024-03-01 .. 2024-03-08, one case per day.
std::unique_ptr<storage::ObjectStore> CalendarLake() {
  auto lake = storage::NewMemoryObjectStore();
  // 03-01 complete, with bronze.
  PutBronze(*lake, KlineDay("2024-03-01"));
  Ingested(*lake, KlineDay("2024-03-01"), KlinesCsv("2024-03-01", {}));
  // 03-02: two bars missing inside the day (only a gap check sees it).
  Ingested(*lake, KlineDay("2024-03-02"), KlinesCsv("2024-03-02", {10, 11}));
  // 03-03: rows were quarantined.
  Ingested(*lake, KlineDay("2024-03-03"), KlinesCsv("2024-03-03", {}), /*rejected=*/2);
  EXPECT_TRUE(
      lake->Put(SilverRejectsKey(*PartitionKeyOf(KlineDay("2024-03-03")), KlineDay("2024-03-03")),
                "line,reason,row\n")
          .ok());
  // 03-04: REST filled it.
  Ingested(*lake, KlineDay("2024-03-04"), KlinesCsv("2024-03-04", {}));
  FillRecord fill;
  fill.archive_path = KlineDay("2024-03-04").ZipPath();
  fill.silver_file = SilverKey(KlineDay("2024-03-04"));
  fill.filled.push_back({0, 60'000'000, -1, -1, 1});
  fill.rows = 1;
  fill.requests = 3;
  fill.endpoint = "/api/v3/klines";
  fill.filled_at = "2024-03-09T00:00:00Z";
  fill.tool_version = "test";
  EXPECT_TRUE(lake->Put(FillKey(fill.archive_path), SerializeFillRecord(fill)).ok());
  // 03-05: the archive answered 404.
  AbsenceRecord absent{KlineDay("2024-03-05").ZipPath(), AbsenceCause::kHttpNotFound,
                       "2024-03-09T00:00:00Z"};
  EXPECT_TRUE(lake->Put(AbsenceKey(absent.archive_path), SerializeAbsenceRecord(absent)).ok());
  // 03-06: bronze only.
  PutBronze(*lake, KlineDay("2024-03-06"));
  // 03-07: ingested, then its silver object was deleted.
  Ingested(*lake, KlineDay("2024-03-07"), KlinesCsv("2024-03-07", {}));
  EXPECT_TRUE(lake->Delete(SilverKey(KlineDay("2024-03-07"))).ok());
  // 03-08 complete.
  Ingested(*lake, KlineDay("2024-03-08"), KlinesCsv("2024-03-08", {}));
  return lake;
}

std::vector<std::string> States(const DatasetInventory& d) {
  std::vector<std::string> out;
  for (const CalendarDay& c : d.calendar) {
    out.push_back(FormatDate(c.day) + " " + std::string(DayStateName(c.state)) +
                  (c.detail.empty() ? "" : " " + c.detail));
  }
  return out;
}

TEST(LakeInventoryTest, CalendarHasOneStatePerDayFromFirstToLast) {
  auto lake = CalendarLake();
  auto inv = ScanLake(*lake);
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  EXPECT_TRUE(inv->problems.empty()) << inv->problems.front();
  ASSERT_EQ(inv->datasets.size(), 1u);
  const DatasetInventory& d = inv->datasets[0];
  EXPECT_EQ(d.key.Name(), "spot/klines/1m/BTCUSDT");
  EXPECT_FALSE(d.monthly);
  EXPECT_EQ(States(d), (std::vector<std::string>{
                           "2024-03-01 complete", "2024-03-02 complete",
                           "2024-03-03 gap quarantined", "2024-03-04 rest_filled",
                           "2024-03-05 missing http_404", "2024-03-06 missing not_ingested",
                           "2024-03-07 missing silver_deleted", "2024-03-08 complete"}));
  EXPECT_EQ(d.bronze.days, (std::set<int64_t>{*ParseDate("2024-03-01"), *ParseDate("2024-03-06")}));
  EXPECT_EQ(d.bronze.objects, 4);
  EXPECT_EQ(d.silver.days.size(), 5u);
  EXPECT_EQ(d.silver.objects, 6);  // five Parquet objects and one rejects file
  // Ledger rows: five full days, one with two bars missing, plus the deleted day's entry.
  EXPECT_EQ(d.silver.rows, 6 * 1440 - 2);
  EXPECT_EQ(d.rejected_rows, 2);
  EXPECT_EQ(d.rest_periods, 1);
  EXPECT_EQ(d.rest_rows, 1);
  EXPECT_EQ(d.rest_requests, 3);
  EXPECT_FALSE(d.gaps_checked);
  EXPECT_EQ(d.CountDays(DayState::kMissing), 3);
  EXPECT_FALSE(d.last_run.has_value());
}

TEST(LakeInventoryTest, AFillThatAddedNoRowLeavesTheDayComplete) {
  // REST confirmed the range empty (an exchange outage): the filler still writes its record.
  auto lake = storage::NewMemoryObjectStore();
  Ingested(*lake, KlineDay("2024-03-01"), KlinesCsv("2024-03-01", {}));
  FillRecord fill;
  fill.archive_path = KlineDay("2024-03-01").ZipPath();
  fill.silver_file = SilverKey(KlineDay("2024-03-01"));
  fill.filled.push_back({0, 60'000'000, -1, -1, 0});
  fill.rows = 0;
  fill.requests = 1;
  fill.endpoint = "/api/v3/klines";
  fill.filled_at = "2024-03-09T00:00:00Z";
  fill.tool_version = "test";
  ASSERT_TRUE(lake->Put(FillKey(fill.archive_path), SerializeFillRecord(fill)).ok());
  auto inv = ScanLake(*lake);
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  ASSERT_EQ(inv->datasets.size(), 1u);
  EXPECT_EQ(States(inv->datasets[0]), (std::vector<std::string>{"2024-03-01 complete"}));
  EXPECT_EQ(inv->datasets[0].rest_periods, 1);
  EXPECT_EQ(inv->datasets[0].rest_rows, 0);
}

TEST(LakeInventoryTest, GapCheckMarksDaysWithMissingBars) {
  auto lake = CalendarLake();
  InventoryOptions options;
  options.check_gaps = true;
  auto inv = ScanLake(*lake, options);
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  EXPECT_TRUE(inv->problems.empty()) << inv->problems.front();
  const DatasetInventory& d = inv->datasets.at(0);
  EXPECT_TRUE(d.gaps_checked);
  EXPECT_EQ(d.open_gaps, 1);
  EXPECT_EQ(d.missing_bars, 2);
  EXPECT_EQ(States(d)[1], "2024-03-02 gap open_gaps");
  EXPECT_EQ(States(d)[0], "2024-03-01 complete");
}

TEST(LakeInventoryTest, MonthlyFilesCoverTheirWholeMonthAndGoldAttachesToItsSource) {
  auto lake = storage::NewMemoryObjectStore();
  ArchiveFile feb{Market::kUsdM, Period::kMonthly, "fundingRate", "BTCUSDT", "", "2024-02"};
  ASSERT_TRUE(lake->Put(SilverKey(feb), "parquet").ok());
  ASSERT_TRUE(lake->Put("gold/funding/market=um/symbol=BTCUSDT/month=2024-02/"
                        "BTCUSDT-funding-2024-02.parquet",
                        "12345")
                  .ok());
  // Gold klines of a day whose 1m silver is absent: listed under the 1m klines dataset.
  const std::string gold_dir = "gold/klines/market=um/symbol=BTCUSDT/";
  ASSERT_TRUE(
      lake->Put(gold_dir + "interval=5m/date=2024-02-10/BTCUSDT-5m-2024-02-10.parquet", "ab").ok());
  ASSERT_TRUE(
      lake->Put(gold_dir + "interval=1h/date=2024-02-10/BTCUSDT-1h-2024-02-10.parquet", "cd").ok());
  ASSERT_TRUE(lake->Put("_gold/klines/market=um/symbol=BTCUSDT/date=2024-02-10.json",
                        R"({"product":"klines","market":"um","symbol":"BTCUSDT",
                            "period":"2024-02-10","inputs":[],
                            "outputs":[{"key":"a","rows":288,"bytes":2},
                                       {"key":"b","rows":24,"bytes":2}],
                            "incomplete_buckets":0,"built_at":"2024-03-01T00:00:00Z",
                            "tool_version":"test"})")
                  .ok());
  // A killed gold build's pending marker: what it may have written, not a partition's content.
  ASSERT_TRUE(lake->Put("_gold/klines/market=um/symbol=BTCUSDT/date=2024-02-10.pending.json",
                        R"({"product":"klines","market":"um","symbol":"BTCUSDT",
                            "period":"2024-02-10","inputs":[],
                            "outputs":[{"key":"a","rows":0,"bytes":0}],
                            "incomplete_buckets":0,"built_at":"2024-03-01T00:00:00Z",
                            "tool_version":"test"})")
                  .ok());
  auto inv = ScanLake(*lake);
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  EXPECT_TRUE(inv->problems.empty()) << inv->problems.front();
  ASSERT_EQ(inv->datasets.size(), 2u);
  const DatasetInventory& funding = inv->datasets[0];  // "fundingRate" < "klines"
  EXPECT_EQ(funding.key.Name(), "um/fundingRate/BTCUSDT");
  EXPECT_TRUE(funding.monthly);
  EXPECT_EQ(funding.calendar.size(), 29u);  // 2024 is a leap year
  EXPECT_EQ(funding.CountDays(DayState::kComplete), 29);
  ASSERT_EQ(funding.gold.size(), 1u);
  EXPECT_EQ(funding.gold[0].product, "funding");
  EXPECT_EQ(funding.gold[0].coverage.days.size(), 29u);
  EXPECT_EQ(funding.gold[0].coverage.bytes, 5);
  EXPECT_EQ(funding.gold[0].coverage.rows, -1);  // no gold ledger entry
  const DatasetInventory& klines = inv->datasets[1];
  EXPECT_EQ(klines.key.Name(), "um/klines/1m/BTCUSDT");
  ASSERT_EQ(klines.gold.size(), 1u);
  EXPECT_EQ(klines.gold[0].coverage.objects, 2);
  EXPECT_EQ(klines.gold[0].coverage.rows, 288 + 24);
  EXPECT_EQ(States(klines), (std::vector<std::string>{"2024-02-10 missing not_ingested"}));
}

std::string RunJson(const std::string& id, const std::string& started, const std::string& outcome,
                    double rps, const std::string& tasks) {
  return R"({"run_id":")" + id + R"(","tool_version":"0.1.0","config":"","lake":"x",)" +
         R"("shard":{"index":0,"count":1},"started_at":")" + started + R"(","finished_at":")" +
         started + R"(","seconds":12.5,"outcome":")" + outcome +
         R"(","totals":{"tasks":3,"succeeded":2,"skipped":0,"failed":1,"cancelled":0,)" +
         R"("rows":1000,"bytes_written":50,"rows_per_second":)" + std::to_string(rps) +
         R"(},"steps":{},"tasks":[)" + tasks + "]}";
}

std::string Task(const std::string& date, const std::string& outcome, const std::string& error) {
  return R"({"id":"ingest/spot/klines/1m/BTCUSDT/)" + date +
         R"(","step":"ingest","market":"spot","data_type":"klines","interval":"1m",)" +
         R"("symbol":"BTCUSDT","period":")" + date + R"(","outcome":")" + outcome +
         R"(","detail":"","attempts":1,"seconds":0.1,"rows":1440,"error":")" + error + R"("})";
}

TEST(LakeInventoryTest, LastRunIsTheNewestRunNamingTheDataset) {
  auto lake = CalendarLake();
  ASSERT_TRUE(lake->Put("_runs/20240309T000000Z-aaaaaaaa.json",
                        RunJson("20240309T000000Z-aaaaaaaa", "2024-03-09T00:00:00Z", "succeeded",
                                100, Task("2024-03-01", "succeeded", "")))
                  .ok());
  ASSERT_TRUE(
      lake->Put("_runs/20240310T000000Z-bbbbbbbb.json",
                RunJson("20240310T000000Z-bbbbbbbb", "2024-03-10T00:00:00Z", "partial", 250.5,
                        Task("2024-03-05", "failed", "missing day") + "," +
                            Task("2024-03-06", "succeeded", "")))
          .ok());
  // The newest run does not mention the dataset at all.
  ASSERT_TRUE(
      lake->Put("_runs/20240311T000000Z-cccccccc.json",
                RunJson("20240311T000000Z-cccccccc", "2024-03-11T00:00:00Z", "succeeded", 7, ""))
          .ok());
  InventoryOptions options;
  options.max_runs = 2;
  auto inv = ScanLake(*lake, options);
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  const DatasetInventory& d = inv->datasets.at(0);
  ASSERT_TRUE(d.last_run.has_value());
  EXPECT_EQ(d.last_run->run_id, "20240310T000000Z-bbbbbbbb");
  EXPECT_EQ(d.last_run->run_outcome, "partial");
  EXPECT_EQ(d.last_run->outcome, "failed");
  EXPECT_EQ(d.last_run->failed, 1);
  EXPECT_EQ(d.last_run->succeeded, 1);
  EXPECT_EQ(d.last_run->rows, 2 * 1440);
  EXPECT_EQ(d.last_run->error, "missing day");
  EXPECT_EQ(inv->run_records, 3);
  ASSERT_EQ(inv->runs.size(), 2u);
  EXPECT_EQ(inv->runs[0].run_id, "20240311T000000Z-cccccccc");
  EXPECT_EQ(inv->runs[1].run_id, "20240310T000000Z-bbbbbbbb");
  EXPECT_DOUBLE_EQ(inv->runs[1].rows_per_second, 250.5);
  EXPECT_DOUBLE_EQ(inv->runs[1].seconds, 12.5);
  EXPECT_EQ(inv->runs[1].failed, 1);
}

TEST(LakeInventoryTest, UnreadableRecordsAreProblemsNotErrors) {
  auto lake = CalendarLake();
  ASSERT_TRUE(lake->Put(LedgerKey(KlineDay("2024-03-09").ZipPath()), "{not json").ok());
  ASSERT_TRUE(lake->Put("_runs/broken.json", "[]").ok());
  ASSERT_TRUE(lake->Put("silver/klines/stray.parquet", "x").ok());
  auto inv = ScanLake(*lake);
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  ASSERT_EQ(inv->problems.size(), 3u);
  EXPECT_NE(inv->problems[0].find("silver/klines/stray.parquet"), std::string::npos);
  EXPECT_NE(inv->problems[1].find("2024-03-09"), std::string::npos);
  EXPECT_NE(inv->problems[2].find("_runs/broken.json"), std::string::npos);
  EXPECT_EQ(inv->datasets.at(0).calendar.size(), 8u);  // the rest is still scanned
}

TEST(LakeInventoryTest, JsonHasTheDocumentedShape) {
  auto lake = CalendarLake();
  ASSERT_TRUE(
      lake->Put("_runs/r.json", RunJson("r1", "2024-03-10T00:00:00Z", "partial", 250.5,
                                        Task("2024-03-05", "failed", R"(a \"quoted\" <b>)")))
          .ok());
  auto inv = ScanLake(*lake);
  ASSERT_TRUE(inv.ok());
  nlohmann::json j = nlohmann::json::parse(inv->FormatJson());
  EXPECT_EQ(j["lake"], "memory://");
  EXPECT_EQ(j["gaps_checked"], false);
  ASSERT_EQ(j["datasets"].size(), 1u);
  const auto& d = j["datasets"][0];
  EXPECT_EQ(d["dataset"], "spot/klines/1m/BTCUSDT");
  EXPECT_EQ(d["market"], "spot");
  EXPECT_EQ(d["interval"], "1m");
  EXPECT_EQ(d["period"], "daily");
  EXPECT_EQ(d["first_day"], "2024-03-01");
  EXPECT_EQ(d["last_day"], "2024-03-08");
  EXPECT_EQ(d["days"], 8);
  EXPECT_EQ(d["bronze"]["first"], "2024-03-01");
  EXPECT_EQ(d["bronze"]["rows"], nullptr);
  EXPECT_EQ(d["silver"]["days"], 5);
  EXPECT_EQ(d["silver"]["rejected_rows"], 2);
  EXPECT_EQ(d["rest"]["rows"], 1);
  EXPECT_EQ(d["states"]["complete"], 3);
  EXPECT_EQ(d["states"]["gap"], 1);
  EXPECT_EQ(d["states"]["rest_filled"], 1);
  EXPECT_EQ(d["states"]["missing"], 3);
  EXPECT_EQ(d["gaps"]["missing_by_cause"]["http_404"], 1);
  EXPECT_EQ(d["gaps"]["missing_by_cause"]["silver_deleted"], 1);
  EXPECT_EQ(d["gaps"]["open_gaps"], nullptr);
  EXPECT_EQ(d["last_run"]["outcome"], "failed");
  EXPECT_EQ(d["last_run"]["error"], "a \"quoted\" <b>");
  ASSERT_EQ(d["calendar"].size(), 8u);
  EXPECT_EQ(d["calendar"][4]["date"], "2024-03-05");
  EXPECT_EQ(d["calendar"][4]["state"], "missing");
  EXPECT_EQ(d["calendar"][4]["detail"], "http_404");
  EXPECT_FALSE(d["calendar"][0].contains("detail"));
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["rows_per_second"], 250.5);
  EXPECT_EQ(j["runs"][0]["shard"]["count"], 1);
  EXPECT_TRUE(j["problems"].empty());
}

TEST(LakeInventoryTest, TableAlignsOneRowPerDataset) {
  auto lake = CalendarLake();
  ArchiveFile agg{Market::kCoinM, Period::kDaily, "aggTrades", "BTCUSD_PERP", "", "2024-03-01"};
  ASSERT_TRUE(lake->Put(SilverKey(agg), "x").ok());
  auto inv = ScanLake(*lake);
  ASSERT_TRUE(inv.ok());
  const std::string table = inv->FormatTable();
  std::vector<std::string> lines;
  for (size_t pos = 0, nl; (nl = table.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    lines.push_back(table.substr(pos, nl - pos));
  }
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(lines[1].rfind("DATASET", 0), 0u);
  EXPECT_EQ(lines[2].rfind("cm/aggTrades/BTCUSD_PERP ", 0), 0u);
  EXPECT_EQ(lines[3].rfind("spot/klines/1m/BTCUSDT ", 0), 0u);
  // Every column starts at the same offset on every line.
  const size_t silver = lines[1].find("SILVER");
  EXPECT_EQ(lines[3].substr(silver, 22), "2024-03-01..2024-03-08");
  EXPECT_EQ(lines[2].substr(silver, 22), "2024-03-01..2024-03-01");
  EXPECT_NE(lines[3].find("3d"), std::string::npos);  // missing days
}

TEST(LakeInventoryTest, EmptyLake) {
  auto lake = storage::NewMemoryObjectStore();
  auto inv = ScanLake(*lake);
  ASSERT_TRUE(inv.ok());
  EXPECT_TRUE(inv->datasets.empty());
  EXPECT_NE(inv->FormatTable().find("No datasets"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(inv->FormatJson())["datasets"].size(), 0u);
}

TEST(LakeInventoryTest, FormatBytes) {
  EXPECT_EQ(FormatBytes(532), "532 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(int64_t{3} << 30), "3.0 GiB");
}

}  // namespace
}  // namespace cryptolake::lake
