#include "cryptolake/lake/data_type_schema.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace cryptolake::lake {
namespace {

using archive::Market;
using archive::Period;
using parquet::ColumnType;

TEST(DataTypeSchemaTest, DeclarationsAreConsistent) {
  Status s = CheckDataTypeSchemas();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(DataTypeSchemaTest, EveryArchiveTypeIsDeclared) {
  std::set<std::string> names;
  for (const DataTypeSchema& s : AllDataTypeSchemas()) names.insert(s.data_type);
  for (const char* t :
       {"klines", "trades", "aggTrades", "fundingRate", "bookTicker", "bookDepth", "metrics",
        "indexPriceKlines", "markPriceKlines", "premiumIndexKlines", "BVOLIndex", "EOHSummary"}) {
    EXPECT_EQ(names.count(t), 1u) << t;
  }
  // Every market has data types.
  for (Market m : archive::kAllMarkets) {
    int types = 0;
    for (const DataTypeSchema& s : AllDataTypeSchemas()) types += s.CsvColumns(m) != nullptr;
    EXPECT_GT(types, 0) << archive::MarketName(m);
  }
}

// The table is the one place that says which types carry an interval in their archive paths
// (the archive layer only reads the path's shape).
TEST(DataTypeSchemaTest, KlineClassTypesAreDeclaredInTheTable) {
  std::set<std::string> kline_class;
  for (const DataTypeSchema& s : AllDataTypeSchemas()) {
    if (s.has_interval) kline_class.insert(s.data_type);
  }
  EXPECT_EQ(kline_class, (std::set<std::string>{"klines", "indexPriceKlines", "markPriceKlines",
                                                "premiumIndexKlines"}));
  const DataTypeSchema& klines = **FindDataTypeSchema("klines", Market::kSpot);
  EXPECT_TRUE(klines.CheckInterval("1m", Market::kSpot).ok());
  Status missing = klines.CheckInterval("", Market::kSpot);
  EXPECT_TRUE(missing.IsInvalidArgument());
  EXPECT_EQ(missing.message(), "klines needs an interval (e.g. 1m, 1h, 1d)");
  const DataTypeSchema& trades = **FindDataTypeSchema("trades", Market::kSpot);
  EXPECT_TRUE(trades.CheckInterval("", Market::kSpot).ok());
  Status extra = trades.CheckInterval("1m", Market::kSpot);
  EXPECT_TRUE(extra.IsInvalidArgument());
  EXPECT_EQ(extra.message(), "trades has no intervals, but interval \"1m\" was given");
}

TEST(DataTypeSchemaTest, PeriodsFollowTheArchive) {
  auto has = [](const char* type, Market m, Period p) {
    return (*FindDataTypeSchema(type, m))->HasPeriod(p);
  };
  EXPECT_TRUE(has("klines", Market::kSpot, Period::kDaily));
  EXPECT_TRUE(has("klines", Market::kSpot, Period::kMonthly));
  EXPECT_FALSE(has("fundingRate", Market::kUsdM, Period::kDaily));
  EXPECT_TRUE(has("fundingRate", Market::kUsdM, Period::kMonthly));
  EXPECT_FALSE(has("metrics", Market::kUsdM, Period::kMonthly));
  EXPECT_FALSE(has("bookDepth", Market::kCoinM, Period::kMonthly));
  EXPECT_TRUE(has("bookTicker", Market::kCoinM, Period::kMonthly));
  EXPECT_FALSE(has("EOHSummary", Market::kOption, Period::kMonthly));
}

TEST(DataTypeSchemaTest, SpotHasTheExtraBestMatchColumn) {
  auto agg = FindDataTypeSchema("aggTrades", Market::kSpot);
  ASSERT_TRUE(agg.ok());
  EXPECT_EQ((*agg)->CsvColumns(Market::kSpot)->size(), 8u);
  EXPECT_EQ((*agg)->CsvColumns(Market::kUsdM)->size(), 7u);
  EXPECT_EQ((*agg)->CsvColumns(Market::kCoinM)->size(), 7u);
  auto trades = FindDataTypeSchema("trades", Market::kSpot);
  ASSERT_TRUE(trades.ok());
  EXPECT_EQ((*trades)->CsvColumns(Market::kSpot)->size(), 7u);
  EXPECT_EQ((*trades)->CsvColumns(Market::kUsdM)->size(), 6u);
}

TEST(DataTypeSchemaTest, CoinMKlinesMapTheMislabeledColumnToBaseVolume) {
  auto s = FindDataTypeSchema("klines", Market::kCoinM);
  ASSERT_TRUE(s.ok());
  const auto& cm = *(*s)->CsvColumns(Market::kCoinM);
  EXPECT_EQ(cm[7].name, "quote_volume");
  EXPECT_EQ(cm[7].silver_name, "base_volume");
  EXPECT_EQ(cm[10].silver_name, "taker_buy_base_volume");
  const auto& um = *(*s)->CsvColumns(Market::kUsdM);
  EXPECT_EQ(um[7].silver_name, "quote_volume");
}

TEST(DataTypeSchemaTest, SilverSchemaNamingAndTypes) {
  auto k = SilverSchema("klines", Market::kUsdM);
  ASSERT_TRUE(k.ok());
  const parquet::Schema& ks = **k;
  ASSERT_GE(ks.FindColumn("ts_event"), 0);
  EXPECT_EQ(ks.columns[ks.FindColumn("ts_event")].type, ColumnType::kTimestampMicros);
  EXPECT_EQ(ks.columns[ks.FindColumn("close_time")].type, ColumnType::kTimestampMicros);
  EXPECT_EQ(ks.columns[ks.FindColumn("trade_count")].type, ColumnType::kInt64);
  for (const char* c :
       {"open", "high", "low", "close", "volume", "quote_volume", "taker_buy_volume",
        "taker_buy_quote_volume", "exchange", "market", "symbol", "interval"}) {
    EXPECT_GE(ks.FindColumn(c), 0) << c;
  }
  // One schema per type across markets.
  EXPECT_EQ(**SilverSchema("klines", Market::kSpot), **SilverSchema("klines", Market::kCoinM));
  auto f = SilverSchema("fundingRate", Market::kUsdM);
  ASSERT_TRUE(f.ok());
  int mark = (*f)->FindColumn("mark_price");
  ASSERT_GE(mark, 0);
  EXPECT_TRUE((*f)->columns[mark].nullable);
  auto t = SilverSchema("trades", Market::kCoinM);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->columns[(*t)->FindColumn("side")].type, ColumnType::kString);
  EXPECT_TRUE((*t)->columns[(*t)->FindColumn("is_best_match")].nullable);
}

TEST(DataTypeSchemaTest, UnknownTypeOrMarketIsAnError) {
  auto unknown = FindDataTypeSchema("candles", Market::kSpot);
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(unknown.status().IsInvalidArgument());
  EXPECT_NE(unknown.status().message().find("aggTrades"), std::string::npos);
  auto spot_funding = FindDataTypeSchema("fundingRate", Market::kSpot);
  ASSERT_FALSE(spot_funding.ok());
  EXPECT_NE(spot_funding.status().message().find("spot"), std::string::npos);
}

TEST(DataTypeSchemaTest, OrderingRulesFollowTheArchive) {
  EXPECT_FALSE((*FindDataTypeSchema("metrics", Market::kUsdM))->rules.time_non_decreasing);
  EXPECT_TRUE((*FindDataTypeSchema("aggTrades", Market::kUsdM))->rules.time_non_decreasing);
  EXPECT_EQ((*FindDataTypeSchema("klines", Market::kUsdM))->rules.unique_key, "ts_event");
  EXPECT_EQ((*FindDataTypeSchema("trades", Market::kUsdM))->rules.unique_key, "trade_id");
}

}  // namespace
}  // namespace cryptolake::lake
