// The options market (data/option/...): BVOLIndex and EOHSummary, declared only in the
// data-type table. Tests convert generated CSVs of the archive's layouts and ingest a generated
// options day through RunIngest from a local directory into an in-memory lake.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/data_type_schema.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/lake/silver_converter.h"
#include "cryptolake/parquet/file_reader.h"
#include "cryptolake/storage/object_store.h"
#include "lake_test_util.h"

namespace cryptolake::lake {
namespace {

using namespace test_util;  // NOLINT(google-build-using-namespace)

namespace fs = std::filesystem;
using archive::ArchiveFile;
using archive::Market;
using archive::Period;
using parquet::ColumnType;

const ArchiveFile kBvol{Market::kOption, Period::kDaily, "BVOLIndex", "BTCBVOLUSDT", "",
                        "2023-09-25"};
const ArchiveFile kEoh{Market::kOption, Period::kDaily, "EOHSummary", "BTCUSDT", "", "2023-10-23"};

constexpr char kBvolHeader[] = "calc_time,symbol,base_asset,quote_asset,index_value\n";
constexpr int64_t kBvolDayMs = INT64_C(1695600000000);  // 2023-09-25T00:00:00Z

// `rows` BVOLIndex rows, one a second from midnight of 2023-09-25.
std::string BvolCsv(int rows) {
  std::string csv = kBvolHeader;
  for (int i = 0; i < rows; ++i) {
    csv += std::to_string(kBvolDayMs + int64_t{i} * 1000) + ",BTCBVOLUSDT,BTCBVOL,USDT," +
           std::to_string(37 + i % 10) + "." + std::to_string(1000 + i % 9000) + "\n";
  }
  return csv;
}

constexpr char kEohHeader[] =
    "date,hour,symbol,underlying,type,strike,open,high,low,close,volume_contracts,volume_usdt,"
    "best_bid_price,best_ask_price,best_bid_qty,best_ask_qty,best_buy_iv,best_sell_iv,mark_price,"
    "mark_iv,delta,gamma,vega,theta,openinterest_contracts,openinterest_usdt\n";

// One EOHSummary row; `quotes` fills open..openinterest_usdt (20 cells).
std::string EohRow(const std::string& date, const std::string& hour, const std::string& option,
                   const std::string& type, const std::string& strike, const std::string& quotes) {
  return date + "," + hour + "," + option + ",BTCUSDT," + type + "," + strike + "," + quotes + "\n";
}

// A call traded in hour 0, the put of the same strike untraded (empty OHLC and volumes, and the
// bid IV empty as the archive publishes it), then the call in hour 5 and in hour 1 (rows of
// different options interleave, so hours do not only grow).
std::string EohCsv() {
  std::string csv = kEohHeader;
  csv += EohRow("2023-10-23", "0", "BTC-231027-33000-C", "C", "231027-33000",
                "1250,1300,1200,1280.5,3.5,4480.25,1270,1290,2.1,1.4,,0.4812,1281.2,0.47,0.5612,"
                "0.00011,18.25,-52.5,120.3,3905000.5");
  csv += EohRow("2023-10-23", "0", "BTC-231027-33000-P", "P", "231027-33000",
                ",,,,,,0E-8,25,,3,,0.5102,14.9,0.5001,-0.4388,0.00011,18.25,-50.1,87,2824000");
  csv += EohRow("2023-10-23", "5", "BTC-231027-33000-C", "C", "231027-33000",
                "1280,1280,1280,1280,0.1,128,1275,1295,1,1,,0.475,1283,0.471,0.562,-1E-8,18.3,"
                "-52.7,120.4,3906000");
  csv += EohRow("2023-10-23", "1", "BTC-231027-33000-C", "C", "231027-33000",
                ",,,,,,1271,1291,2,1.5,,0.48,1282,0.4705,0.5615,0.00011,18.26,-52.6,120.3,3905100");
  return csv;
}

// ------------------------------------------------------------------ table --

TEST(OptionMarketTest, OptionTypesExistOnlyOnTheOptionMarketAndDaily) {
  for (const char* t : {"BVOLIndex", "EOHSummary"}) {
    auto s = FindDataTypeSchema(t, Market::kOption);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_FALSE((*s)->has_interval);
    EXPECT_TRUE((*s)->HasPeriod(Period::kDaily));
    EXPECT_FALSE((*s)->HasPeriod(Period::kMonthly));
    EXPECT_TRUE((*s)->CheckInterval("", Market::kOption).ok());
    for (Market m : {Market::kSpot, Market::kUsdM, Market::kCoinM}) {
      auto other = FindDataTypeSchema(t, m);
      EXPECT_TRUE(other.status().IsInvalidArgument()) << t;
    }
  }
  auto klines = FindDataTypeSchema("klines", Market::kOption);
  ASSERT_FALSE(klines.ok());
  EXPECT_NE(klines.status().message().find("does not exist for market option"), std::string::npos)
      << klines.status().ToString();
  auto unknown = FindDataTypeSchema("candles", Market::kOption);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("EOHSummary"), std::string::npos);
}

TEST(OptionMarketTest, SilverSchemasFollowTheConventions) {
  const parquet::Schema& bvol = **SilverSchema("BVOLIndex", Market::kOption);
  const parquet::Schema& eoh = **SilverSchema("EOHSummary", Market::kOption);
  for (const parquet::Schema* s : {&bvol, &eoh}) {
    ASSERT_GE(s->FindColumn("ts_event"), 0);
    EXPECT_EQ(s->columns[s->FindColumn("ts_event")].type, ColumnType::kTimestampMicros);
    EXPECT_FALSE(s->columns[s->FindColumn("ts_event")].nullable);
    for (const char* c : {"exchange", "market", "symbol", "interval"}) {
      ASSERT_GE(s->FindColumn(c), 0) << c;
      EXPECT_EQ(s->columns[s->FindColumn(c)].type, ColumnType::kString);
    }
  }
  EXPECT_EQ(bvol.columns[bvol.FindColumn("index_value")].type, ColumnType::kDouble);
  EXPECT_EQ(bvol.columns[bvol.FindColumn("base_asset")].type, ColumnType::kString);
  for (const char* c : {"option_symbol", "underlying", "option_type", "strike"}) {
    ASSERT_GE(eoh.FindColumn(c), 0) << c;
    EXPECT_EQ(eoh.columns[eoh.FindColumn(c)].type, ColumnType::kString) << c;
  }
  for (const char* c :
       {"open", "close", "volume", "quote_volume", "bid_iv", "ask_iv", "mark_iv", "delta", "gamma",
        "vega", "theta", "open_interest", "open_interest_value"}) {
    ASSERT_GE(eoh.FindColumn(c), 0) << c;
    EXPECT_EQ(eoh.columns[eoh.FindColumn(c)].type, ColumnType::kDouble) << c;
    EXPECT_TRUE(eoh.columns[eoh.FindColumn(c)].nullable) << c;
  }
  // The archive's `hour` is folded into ts_event, not stored on its own.
  EXPECT_LT(eoh.FindColumn("hour"), 0);
  EXPECT_EQ(
      (*FindDataTypeSchema("EOHSummary", Market::kOption))->CsvColumns(Market::kOption)->size(),
      26u);
}

// ---------------------------------------------------------------- BVOLIndex --

TEST(OptionMarketTest, BvolIndexConvertsToOneDayPartition) {
  auto r = Convert(kBvol, BvolCsv(3600));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->had_header);
  EXPECT_EQ(r->time_unit, TimeUnit::kMilliseconds);
  EXPECT_EQ(r->rows_in, 3600);
  EXPECT_EQ(r->rows_out, 3600);
  EXPECT_EQ(r->partition_dir, "silver/BVOLIndex/market=option/symbol=BTCBVOLUSDT/date=2023-09-25/");
  const parquet::ColumnBatch& b = r->batch;
  ASSERT_TRUE(b.Validate().ok()) << b.Validate().ToString();
  ASSERT_EQ(b.num_rows(), 3600u);
  EXPECT_EQ(b.Int64(Col(b, "ts_event"))[0], kBvolDayMs * 1000);
  EXPECT_EQ(b.Int64(Col(b, "ts_event"))[3599], (kBvolDayMs + 3599000) * 1000);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "index_value"))[0], 37.1);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "index_value"))[11], 38.1011);
  EXPECT_EQ(b.String(Col(b, "base_asset"))[7], "BTCBVOL");
  EXPECT_EQ(b.String(Col(b, "quote_asset"))[7], "USDT");
  EXPECT_EQ(b.String(Col(b, "exchange"))[0], "binance");
  EXPECT_EQ(b.String(Col(b, "market"))[0], "option");
  EXPECT_EQ(b.String(Col(b, "symbol"))[0], "BTCBVOLUSDT");
  EXPECT_EQ(b.Validity(Col(b, "interval"))[0], 0);  // null: not kline-class
}

TEST(OptionMarketTest, BvolIndexWithoutHeaderAndInMicroseconds) {
  // Header presence is sniffed; the time unit is decided per file.
  std::string csv = "1695600000000000,BTCBVOLUSDT,BTCBVOL,USDT,37.2172\n";
  auto r = Convert(kBvol, csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->had_header);
  EXPECT_EQ(r->time_unit, TimeUnit::kMicroseconds);
  EXPECT_EQ(r->batch.Int64(0)[0], INT64_C(1695600000000000));
}

TEST(OptionMarketTest, BvolIndexBadRowsNameFileLineColumnAndValue) {
  std::string csv = BvolCsv(3);
  EXPECT_EQ(FailMessage(kBvol, csv + "1695600003000,BTCBVOLUSDT,BTCBVOL,USDT,abc\n"),
            "test.csv line 5 column \"index_value\": value \"abc\" is not a number");
  EXPECT_EQ(FailMessage(kBvol, csv + "1695600003000,BTCBVOLUSDT,BTCBVOL,USDT,-1.5\n"),
            "test.csv line 5 column \"index_value\": value -1.5 must be >= 0");
  EXPECT_EQ(FailMessage(kBvol, csv + "1695600003000,BTCBVOLUSDT,BTCBVOL,37.1\n"),
            "test.csv line 5: expected 5 columns, found 4");
  EXPECT_EQ(FailMessage(kBvol, csv + "1695600003000000,BTCBVOLUSDT,BTCBVOL,USDT,37.1\n"),
            "test.csv line 5 column \"calc_time\": time 1695600003000000 is not in milliseconds "
            "like the file's first time value (line 2); mixed time units");
  EXPECT_EQ(FailMessage(kBvol, csv + "1695600003000,BTCBVOLUSDT,\"BTCBVOL\",USDT,37.1\n"),
            "test.csv line 5 column \"base_asset\": value \"\"BTCBVOL\"\" is quoted; the "
            "archive's CSV format has no quoting");
  // A wrong header width fails the file under both policies.
  auto r = Convert(kBvol, "calc_time,symbol,index_value\n1695600000000,BTCBVOLUSDT,37.1\n",
                   BadRowPolicy::kQuarantine);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("BVOLIndex on market option has 5"), std::string::npos)
      << r.status().ToString();
}

// --------------------------------------------------------------- EOHSummary --

TEST(OptionMarketTest, EohSummaryTimeIsDatePlusHourAndEmptyCellsAreNull) {
  auto r = Convert(kEoh, EohCsv());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->had_header);
  EXPECT_EQ(r->rows_out, 4);
  EXPECT_EQ(r->partition_dir, "silver/EOHSummary/market=option/symbol=BTCUSDT/date=2023-10-23/");
  const parquet::ColumnBatch& b = r->batch;
  ASSERT_TRUE(b.Validate().ok()) << b.Validate().ToString();
  ASSERT_EQ(b.num_rows(), 4u);
  const int64_t midnight = INT64_C(1698019200000000);  // 2023-10-23T00:00:00Z in µs
  const int64_t hour = INT64_C(3600000000);
  const auto& ts = b.Int64(Col(b, "ts_event"));
  EXPECT_EQ(ts[0], midnight);
  EXPECT_EQ(ts[1], midnight);
  EXPECT_EQ(ts[2], midnight + 5 * hour);
  EXPECT_EQ(ts[3], midnight + 1 * hour);  // hours of one option need not grow row by row
  EXPECT_EQ(b.String(Col(b, "option_symbol"))[1], "BTC-231027-33000-P");
  EXPECT_EQ(b.String(Col(b, "underlying"))[1], "BTCUSDT");
  EXPECT_EQ(b.String(Col(b, "option_type"))[1], "P");
  EXPECT_EQ(b.String(Col(b, "strike"))[0], "231027-33000");
  EXPECT_EQ(b.String(Col(b, "symbol"))[0], "BTCUSDT");
  EXPECT_EQ(b.String(Col(b, "market"))[3], "option");
  EXPECT_EQ(b.Validity(Col(b, "interval"))[0], 0);

  // Present values, including exponent notation and tiny negatives as published.
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "close"))[0], 1280.5);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "volume"))[0], 3.5);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "quote_volume"))[0], 4480.25);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "ask_iv"))[0], 0.4812);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "theta"))[0], -52.5);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "open_interest_value"))[0], 3905000.5);
  EXPECT_EQ(b.Validity(Col(b, "bid_price"))[1], 1);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "bid_price"))[1], 0.0);  // "0E-8"
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "gamma"))[2], -1e-8);    // "-1E-8"
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "delta"))[1], -0.4388);

  // Empty cells are nulls: the untraded put's OHLC and volumes, every bid IV.
  for (const char* c : {"open", "high", "low", "close", "volume", "quote_volume"}) {
    EXPECT_EQ(b.Validity(Col(b, c))[0], 1) << c;
    EXPECT_EQ(b.Validity(Col(b, c))[1], 0) << c;
    EXPECT_EQ(b.Validity(Col(b, c))[3], 0) << c;
  }
  for (size_t row = 0; row < 4; ++row) {
    EXPECT_EQ(b.Validity(Col(b, "bid_iv"))[row], 0) << row;
    EXPECT_EQ(b.Validity(Col(b, "mark_iv"))[row], 1) << row;
  }
  EXPECT_EQ(b.Validity(Col(b, "bid_price"))[0], 1);
  EXPECT_EQ(b.Validity(Col(b, "ask_size"))[1], 1);
  EXPECT_EQ(b.Validity(Col(b, "bid_size"))[1], 0);
}

TEST(OptionMarketTest, EohSummaryBadRowsNameFileLineColumnAndValue) {
  const std::string quotes = "1,1,1,1,1,1,1,1,1,1,,0.5,1,0.5,0.5,0.0001,1,-1,1,1";
  const std::string good =
      EohRow("2023-10-23", "3", "BTC-231027-33000-C", "C", "231027-33000", quotes);
  const std::string csv = std::string(kEohHeader) + good;
  EXPECT_EQ(FailMessage(kEoh, csv + EohRow("2023-10-23", "24", "X", "C", "1", quotes)),
            "test.csv line 3 column \"hour\": value \"24\" is not an hour of the day (0..23)");
  EXPECT_EQ(FailMessage(kEoh, csv + EohRow("2023-10-23", "-1", "X", "C", "1", quotes)),
            "test.csv line 3 column \"hour\": value \"-1\" is not an hour of the day (0..23)");
  EXPECT_EQ(FailMessage(kEoh, csv + EohRow("2023-10-23", "", "X", "C", "1", quotes)),
            "test.csv line 3 column \"hour\": value is empty");
  EXPECT_EQ(FailMessage(kEoh, csv + EohRow("2023-02-29", "1", "X", "C", "1", quotes)),
            "test.csv line 3 column \"date\": value \"2023-02-29\" is not a date YYYY-MM-DD");
  EXPECT_EQ(FailMessage(kEoh, csv + EohRow("2023-10-23 01:00:00", "1", "X", "C", "1", quotes)),
            "test.csv line 3 column \"date\": value \"2023-10-23 01:00:00\" is not a date "
            "YYYY-MM-DD");
  EXPECT_EQ(FailMessage(kEoh, csv + EohRow("2023-10-23", "1", "X", "C", "1",
                                           "1,1,1,1,1,1,1,1,1,1,,abc,1,0.5,0.5,0.0001,1,-1,1,1")),
            "test.csv line 3 column \"best_sell_iv\": value \"abc\" is not a number");
  EXPECT_EQ(FailMessage(kEoh, csv + "2023-10-23,1,X,BTCUSDT,C,1,1,1\n"),
            "test.csv line 3: expected 26 columns, found 8");

  // Quarantine keeps the good rows and records the bad one verbatim.
  const std::string bad = EohRow("2023-10-23", "99", "X", "C", "1", quotes);
  auto r = Convert(kEoh, csv + bad + good, BadRowPolicy::kQuarantine);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_out, 2);
  EXPECT_EQ(r->rows_rejected, 1);
  EXPECT_EQ(r->rejects_csv,
            "line,reason,row\n3,\"column \"\"hour\"\": value \"\"99\"\" is not an hour of the day "
            "(0..23)\",\"" +
                bad.substr(0, bad.size() - 1) + "\"\n");
  EXPECT_EQ(r->partition_dir, "silver/EOHSummary/market=option/symbol=BTCUSDT/date=2023-10-23/");
}

TEST(OptionMarketTest, EohSummaryRowsOfAnotherDayStayInTheFilesObject) {
  const std::string quotes = ",,,,,,1,1,1,1,,0.5,1,0.5,0.5,0.0001,1,-1,1,1";
  std::string csv = std::string(kEohHeader) + EohRow("2023-10-23", "23", "A", "C", "1", quotes) +
                    EohRow("2023-10-24", "0", "A", "C", "1", quotes);
  auto r = Convert(kEoh, csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // One object per archive file: the file's own day partition holds both rows.
  EXPECT_EQ(r->batch.num_rows(), 2u);
  EXPECT_EQ(r->partition_dir, "silver/EOHSummary/market=option/symbol=BTCUSDT/date=2023-10-23/");
}

// ----------------------------------------------------------------- pipeline --

IngestOptions OptionIngest(const fs::path& src, storage::ObjectStore* lake, const ArchiveFile& f) {
  IngestOptions o;
  o.source = src.string();
  o.lake = lake;
  o.query.market = Market::kOption;
  o.query.period = Period::kDaily;
  o.query.data_type = f.data_type;
  o.query.symbols = {f.symbol};
  o.query.start_date = f.date;
  o.query.end_date = f.date;
  return o;
}

TEST(OptionMarketTest, RunIngestTakesAnOptionsDayFromALocalMirror) {
  fs::path src = MakeTempDir("options-src");
  Publish(src, kBvol, BvolCsv(86400));
  Publish(src, kEoh, EohCsv());
  // A neighbouring day outside the requested range is not ingested.
  ArchiveFile next_day = kBvol;
  next_day.date = "2023-09-26";
  Publish(src, next_day, BvolCsv(1));
  ASSERT_TRUE(fs::exists(src / "data/option/daily/BVOLIndex/BTCBVOLUSDT/"
                               "BTCBVOLUSDT-BVOLIndex-2023-09-25.zip"));
  auto lake = storage::NewMemoryObjectStore();

  struct Case {
    const ArchiveFile* file;
    int64_t rows;
    std::string silver_prefix;
  };
  for (const Case& c :
       {Case{&kBvol, 86400, "silver/BVOLIndex/market=option/symbol=BTCBVOLUSDT/date=2023-09-25/"},
        Case{&kEoh, 4, "silver/EOHSummary/market=option/symbol=BTCUSDT/date=2023-10-23/"}}) {
    Result<IngestSummary> s = RunIngest(OptionIngest(src, lake.get(), *c.file));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_TRUE(s->ok()) << s->Format();
    EXPECT_EQ(s->files_ingested, 1) << s->Format();
    EXPECT_EQ(s->rows, c.rows);
    ASSERT_EQ(s->files.size(), 1u);
    EXPECT_EQ(s->files[0].archive_path, c.file->ZipPath());
    EXPECT_TRUE(*lake->Exists("bronze/" + c.file->ZipPath()));
    ASSERT_EQ(s->files[0].silver_files.size(), 1u);
    const std::string& key = s->files[0].silver_files[0];
    EXPECT_EQ(key.substr(0, c.silver_prefix.size()), c.silver_prefix) << key;

    // The Parquet file reads back with the declared schema and the converted values.
    Result<std::string> bytes = lake->Get(key);
    ASSERT_TRUE(bytes.ok()) << key;
    Result<parquet::FileReader> reader = parquet::FileReader::Open(*bytes);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ(reader->schema(), **SilverSchema(c.file->data_type, Market::kOption));
    EXPECT_EQ(reader->num_rows(), c.rows);
    Result<parquet::ColumnBatch> batch = reader->ReadAll();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    EXPECT_EQ(batch->String(Col(*batch, "market"))[0], "option");
    if (c.file == &kEoh) {
      EXPECT_EQ(batch->Int64(Col(*batch, "ts_event"))[2],
                INT64_C(1698019200000000) + 5 * INT64_C(3600000000));
      EXPECT_EQ(batch->Validity(Col(*batch, "open"))[1], 0);
    } else {
      EXPECT_DOUBLE_EQ(batch->Double(Col(*batch, "index_value"))[86399], 46.6399);
    }

    // A second run finds the file in the ledger and writes nothing.
    Result<IngestSummary> again = RunIngest(OptionIngest(src, lake.get(), *c.file));
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->files_skipped, 1) << again->Format();
    EXPECT_EQ(again->bytes_written, 0);
  }

  // The option types take no interval, and exist on no other market.
  IngestOptions o = OptionIngest(src, lake.get(), kBvol);
  o.query.interval = "1m";
  Result<IngestSummary> with_interval = RunIngest(o);
  EXPECT_TRUE(with_interval.status().IsInvalidArgument());
  EXPECT_NE(with_interval.status().message().find("BVOLIndex has no intervals"), std::string::npos)
      << with_interval.status().ToString();
  o = OptionIngest(src, lake.get(), kEoh);
  o.query.market = Market::kUsdM;
  EXPECT_TRUE(RunIngest(o).status().IsInvalidArgument());
  fs::remove_all(src);
}

}  // namespace
}  // namespace cryptolake::lake
