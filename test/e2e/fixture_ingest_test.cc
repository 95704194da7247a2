// Every real archive fixture ingests, and two independent readers agree with the source CSV:
// DuckDB reading our silver Parquet vs DuckDB reading the CSV itself (row count, count/min/max/sum
// of every numeric column after unit normalisation, parquet_metadata statistics and codec), and
// hyparquet decoding every file we wrote. Re-running writes nothing (tree + mtimes unchanged).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/storage/object_store.h"
#include "e2e_support.h"

namespace cryptolake::e2e {
namespace {

namespace fs = std::filesystem;
using archive::Market;

// Column checks: how a silver column relates to the raw CSV, written independently of the
// converter's declarations (so a wrong mapping there shows up here).
struct ColumnCheck {
  const char* name;
  const char* kind;  // "double" | "int" | "bool"
  std::string csv;
  std::string pq;
};

const char* kTimeUs(const char* col) {
  static thread_local std::string s;
  s = std::string("CASE WHEN ") + col + " >= 1000000000000000 THEN " + col + " ELSE " + col +
      " * 1000 END";
  return s.c_str();
}

struct Spec {
  nlohmann::ordered_json csv_columns;
  std::vector<ColumnCheck> checks;
};

Spec SpecFor(const Fixture& f) {
  Spec s;
  const std::string& t = f.file.data_type;
  const std::string sym_check = "CASE WHEN symbol = '" + f.file.symbol + "' AND market = '" +
                                std::string(archive::MarketName(f.file.market)) +
                                "' AND exchange = 'binance' THEN 1 ELSE 0 END";
  s.checks.push_back({"symbol/market/exchange", "int", "1", sym_check});
  if (t == "klines") {
    for (const char* c :
         {"open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume",
          "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore"}) {
      std::string type = "DOUBLE";
      if (std::string(c) == "open_time" || std::string(c) == "close_time" ||
          std::string(c) == "count") {
        type = "BIGINT";
      }
      if (std::string(c) == "ignore") type = "VARCHAR";
      s.csv_columns[c] = type;
    }
    s.checks.push_back({"ts_event", "int", kTimeUs("open_time"), "epoch_us(ts_event)"});
    s.checks.push_back({"close_time", "int", kTimeUs("close_time"), "epoch_us(close_time)"});
    for (const char* c : {"open", "high", "low", "close", "volume", "taker_buy_volume"}) {
      s.checks.push_back({c, "double", c, c});
    }
    s.checks.push_back({"trade_count", "int", "count", "trade_count"});
    s.checks.push_back({"interval", "int", "1",
                        "CASE WHEN interval = '" + f.file.interval + "' THEN 1 ELSE 0 END"});
    if (f.file.market == Market::kCoinM) {
      // COIN-M: the column headed quote_volume is base-asset volume.
      s.checks.push_back({"base_volume", "double", "quote_volume", "base_volume"});
      s.checks.push_back(
          {"taker_buy_base_volume", "double", "taker_buy_quote_volume", "taker_buy_base_volume"});
      s.checks.push_back({"quote_volume (null on COIN-M)", "double", "NULL", "quote_volume"});
    } else {
      s.checks.push_back({"quote_volume", "double", "quote_volume", "quote_volume"});
      s.checks.push_back(
          {"taker_buy_quote_volume", "double", "taker_buy_quote_volume", "taker_buy_quote_volume"});
    }
  } else if (t == "aggTrades") {
    s.csv_columns = {{"agg_trade_id", "BIGINT"},   {"price", "DOUBLE"},
                     {"quantity", "DOUBLE"},       {"first_trade_id", "BIGINT"},
                     {"last_trade_id", "BIGINT"},  {"transact_time", "BIGINT"},
                     {"is_buyer_maker", "BOOLEAN"}};
    if (f.file.market == Market::kSpot) s.csv_columns["is_best_match"] = "BOOLEAN";
    s.checks.push_back({"ts_event", "int", kTimeUs("transact_time"), "epoch_us(ts_event)"});
    s.checks.push_back({"agg_trade_id", "int", "agg_trade_id", "agg_trade_id"});
    s.checks.push_back({"price", "double", "price", "price"});
    s.checks.push_back({"size", "double", "quantity", "size"});
    s.checks.push_back({"first_trade_id", "int", "first_trade_id", "first_trade_id"});
    s.checks.push_back({"last_trade_id", "int", "last_trade_id", "last_trade_id"});
    s.checks.push_back({"is_buyer_maker", "bool", "is_buyer_maker", "is_buyer_maker"});
    s.checks.push_back({"side", "int", "CASE WHEN is_buyer_maker THEN 1 ELSE 0 END",
                        "CASE WHEN side = 'sell' THEN 1 WHEN side = 'buy' THEN 0 END"});
  } else if (t == "fundingRate") {
    s.csv_columns = {{"calc_time", "BIGINT"},
                     {"funding_interval_hours", "BIGINT"},
                     {"last_funding_rate", "DOUBLE"}};
    s.checks.push_back({"ts_event", "int", kTimeUs("calc_time"), "epoch_us(ts_event)"});
    s.checks.push_back(
        {"funding_interval_hours", "int", "funding_interval_hours", "funding_interval_hours"});
    s.checks.push_back({"funding_rate", "double", "last_funding_rate", "funding_rate"});
    s.checks.push_back({"mark_price (null in the archive)", "double", "NULL", "mark_price"});
  } else {
    ADD_FAILURE() << "no column checks for data type " << t;
  }
  return s;
}

TEST(FixtureIngestTest, EveryFixtureIngestsAndDuckDbAgreesWithTheCsv) {
  FixtureSet fixtures = ResolveFixtures();
  if (!fixtures.skip_reason.empty()) GTEST_SKIP() << fixtures.skip_reason;
  const std::string node = FindNode();
  if (node.empty()) GTEST_SKIP() << "node not found: the DuckDB/hyparquet peers cannot run";
  const fs::path script = SourceDir() / "test/e2e/peers/check_silver.mjs";
  ASSERT_GE(fixtures.zips.size(), 6u);

  for (const Fixture& f : fixtures.zips) {
    SCOPED_TRACE(f.path);
    TempDir tmp("fixture");
    const fs::path lake_dir = tmp.path() / "lake";
    auto lake = storage::NewLocalObjectStore(lake_dir);
    lake::IngestOptions o;
    o.source = fixtures.dir.string();
    o.lake = lake.get();
    o.query.market = f.file.market;
    o.query.period = f.file.period;
    o.query.data_type = f.file.data_type;
    o.query.interval = f.file.interval;
    o.query.symbols = {f.file.symbol};
    o.query.start_date =
        f.file.period == archive::Period::kMonthly ? f.file.date + "-01" : f.file.date;
    o.query.end_date = o.query.start_date;
    o.jobs = 2;
    Result<lake::IngestSummary> s = lake::RunIngest(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE(s->ok()) << s->Format();
    ASSERT_EQ(s->files_ingested, 1) << s->Format();
    EXPECT_EQ(s->rows, f.rows);
    EXPECT_EQ(s->rejected_rows, 0);

    // The source CSV, unzipped, for DuckDB's own read_csv.
    Result<archive::ZipMember> member =
        archive::ExtractSingleMember(ReadFileBytes(fixtures.dir / f.path));
    ASSERT_TRUE(member.ok());
    const fs::path csv = tmp.path() / member->name;
    WriteFileBytes(csv, member->data);

    Spec spec = SpecFor(f);
    nlohmann::ordered_json j;
    j["csv"] = csv.string();
    j["csv_header"] = member->data[0] < '0' || member->data[0] > '9';
    j["csv_columns"] = spec.csv_columns;
    j["codec"] = "ZSTD";
    j["parquet_files"] = nlohmann::json::array();
    for (const std::string& key : s->files[0].silver_files) {
      j["parquet_files"].push_back((lake_dir / key).string());
    }
    j["columns"] = nlohmann::json::array();
    for (const ColumnCheck& c : spec.checks) {
      j["columns"].push_back({{"name", c.name}, {"kind", c.kind}, {"csv", c.csv}, {"pq", c.pq}});
    }
    const fs::path spec_path = tmp.path() / "spec.json";
    WriteFileBytes(spec_path, j.dump(2));
    CommandResult r =
        RunCommand("'" + node + "' '" + script.string() + "' '" + spec_path.string() + "'");
    if (r.exit_code == 3) GTEST_SKIP() << "Node peers unavailable: " << r.output;
    EXPECT_EQ(r.exit_code, 0) << r.output;

    // Idempotency on a real directory lake: same tree, same mtimes, nothing written.
    auto before = TreeSnapshot(lake_dir);
    Result<lake::IngestSummary> again = lake::RunIngest(o);
    ASSERT_TRUE(again.ok() && again->ok());
    EXPECT_EQ(again->files_skipped, 1);
    EXPECT_EQ(again->bytes_written, 0);
    EXPECT_EQ(TreeSnapshot(lake_dir), before);
  }
}

}  // namespace
}  // namespace cryptolake::e2e
