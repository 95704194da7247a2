#include "gold_compute.h"

#include <gtest/gtest.h>

#include <cmath>

#include "gold_test_util.h"

namespace cryptolake::gold {
namespace {

using parquet::ColumnBatch;
using testing::kMinute;
using testing::Row;

constexpr int64_t kDay = 19783;  // 2024-03-01
constexpr int64_t kDayStart = kDay * 1440 * kMinute;

// A 1m silver kline row at `minute` of the day (um: quote volumes present).
Row Bar(int minute, double open, double high, double low, double close, double volume, double quote,
        int64_t trades) {
  const int64_t ts = kDayStart + minute * kMinute;
  return Row{{"ts_event", ts},
             {"close_time", ts + kMinute - 1000},
             {"open", open},
             {"high", high},
             {"low", low},
             {"close", close},
             {"volume", volume},
             {"quote_volume", quote},
             {"trade_count", trades},
             {"taker_buy_volume", volume / 2},
             {"taker_buy_quote_volume", quote / 2}};
}

ColumnBatch Silver(const std::vector<Row>& rows, archive::Market m = archive::Market::kUsdM) {
  ColumnBatch b(**lake::SilverSchema("klines", m));
  for (Row r : rows) {
    r["exchange"] = std::string("binance");
    r["market"] = std::string(archive::MarketName(m));
    r["symbol"] = std::string("BTCUSDT");
    r["interval"] = std::string("1m");
    r["source"] = std::string(r.count("rest") ? "rest" : "archive");
    testing::AppendRow(b, r);
  }
  return b;
}

size_t Col(const ColumnBatch& b, const char* name) {
  const int i = b.schema().FindColumn(name);
  EXPECT_GE(i, 0) << name;
  return static_cast<size_t>(i);
}

TEST(GoldComputeTest, IntervalsMustDivideADay) {
  EXPECT_EQ(*GoldIntervalMicros("5m"), 5 * kMinute);
  EXPECT_EQ(*GoldIntervalMicros("4h"), 240 * kMinute);
  EXPECT_EQ(*GoldIntervalMicros("1d"), 1440 * kMinute);
  for (const char* bad : {"", "m", "7m", "5x", "2d", "0m", "-5m", "5"}) {
    EXPECT_TRUE(GoldIntervalMicros(bad).status().IsInvalidArgument()) << bad;
  }
}

TEST(GoldComputeTest, ResampleFiveMinutesWithAMissingBar) {
  std::vector<Row> rows;
  // Bucket 00:00: minutes 0..4, all present.
  rows.push_back(Bar(0, 10, 12, 9, 11, 1, 10.5, 3));
  rows.push_back(Bar(1, 11, 15, 10, 14, 2, 28, 4));
  rows.push_back(Bar(2, 14, 14, 8, 9, 1, 9.5, 1));
  rows.push_back(Bar(3, 9, 10, 9, 10, 0.5, 4.75, 2));
  rows.push_back(Bar(4, 10, 11, 10, 10.5, 1.5, 15.75, 5));
  // Bucket 00:05: minutes 5, 6, 8 (7 and 9 missing).
  rows.push_back(Bar(5, 20, 21, 19, 20, 1, 20, 1));
  rows.push_back(Bar(6, 20, 22, 20, 21, 1, 21, 1));
  rows.push_back(Bar(8, 21, 21, 18, 19, 2, 40, 2));
  Result<MinuteBars> day = LoadMinuteBars(Silver(rows), kDayStart, "t");
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  int64_t incomplete = 0;
  ColumnBatch b = ResampleKlines(*day, 5 * kMinute, "5m", {"um", "BTCUSDT"}, &incomplete);
  ASSERT_EQ(b.num_rows(), 2u);  // no row for the 286 buckets without bars
  EXPECT_EQ(incomplete, 1);
  EXPECT_EQ(b.Int64(Col(b, "ts_event")),
            (std::vector<int64_t>{kDayStart, kDayStart + 5 * kMinute}));
  // close_time keeps Binance's "end - 1 ms", also for the bucket whose last minute is missing.
  EXPECT_EQ(b.Int64(Col(b, "close_time")), (std::vector<int64_t>{kDayStart + 5 * kMinute - 1000,
                                                                 kDayStart + 10 * kMinute - 1000}));
  EXPECT_EQ(b.Double(Col(b, "open")), (std::vector<double>{10, 20}));
  EXPECT_EQ(b.Double(Col(b, "high")), (std::vector<double>{15, 22}));
  EXPECT_EQ(b.Double(Col(b, "low")), (std::vector<double>{8, 18}));
  EXPECT_EQ(b.Double(Col(b, "close")), (std::vector<double>{10.5, 19}));
  EXPECT_EQ(b.Double(Col(b, "volume")), (std::vector<double>{6, 4}));
  EXPECT_EQ(b.Double(Col(b, "quote_volume")), (std::vector<double>{68.5, 81}));
  EXPECT_EQ(b.Double(Col(b, "taker_buy_volume")), (std::vector<double>{3, 2}));
  EXPECT_EQ(b.Int64(Col(b, "trade_count")), (std::vector<int64_t>{15, 4}));
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "vwap"))[0], 68.5 / 6);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "vwap"))[1], 81.0 / 4);
  EXPECT_EQ(b.Int64(Col(b, "bar_count")), (std::vector<int64_t>{5, 3}));
  EXPECT_EQ(b.Int64(Col(b, "expected_bars")), (std::vector<int64_t>{5, 5}));
  EXPECT_EQ(b.Bool(Col(b, "complete")), (std::vector<uint8_t>{1, 0}));
  EXPECT_FALSE(b.IsValid(Col(b, "base_volume"), 0));
  EXPECT_EQ(b.String(Col(b, "interval"))[1], "5m");
  EXPECT_EQ(b.String(Col(b, "market"))[0], "um");
  EXPECT_TRUE(b.Validate().ok());

  // The whole day as one bucket: 8 of 1440 bars.
  incomplete = 0;
  ColumnBatch d = ResampleKlines(*day, 1440 * kMinute, "1d", {"um", "BTCUSDT"}, &incomplete);
  ASSERT_EQ(d.num_rows(), 1u);
  EXPECT_EQ(d.Int64(Col(d, "bar_count"))[0], 8);
  EXPECT_EQ(d.Int64(Col(d, "expected_bars"))[0], 1440);
  EXPECT_EQ(d.Double(Col(d, "open"))[0], 10);
  EXPECT_EQ(d.Double(Col(d, "close"))[0], 19);
  EXPECT_EQ(incomplete, 1);
}

TEST(GoldComputeTest, CoinMHasNoVwapButBaseVolume) {
  Row r = Bar(0, 10, 10, 10, 10, 5, 0, 1);
  r["quote_volume"] = std::monostate();
  r["taker_buy_quote_volume"] = std::monostate();
  r["base_volume"] = 0.5;
  r["taker_buy_base_volume"] = 0.25;
  Result<MinuteBars> day = LoadMinuteBars(Silver({r}, archive::Market::kCoinM), kDayStart, "t");
  ASSERT_TRUE(day.ok());
  int64_t incomplete = 0;
  ColumnBatch b = ResampleKlines(*day, 5 * kMinute, "5m", {"cm", "BTCUSD_PERP"}, &incomplete);
  ASSERT_EQ(b.num_rows(), 1u);
  EXPECT_FALSE(b.IsValid(Col(b, "vwap"), 0));
  EXPECT_FALSE(b.IsValid(Col(b, "quote_volume"), 0));
  EXPECT_EQ(b.Double(Col(b, "base_volume"))[0], 0.5);
  EXPECT_EQ(b.Double(Col(b, "taker_buy_base_volume"))[0], 0.25);
}

TEST(GoldComputeTest, RowsOutsideTheDayAreCorruption) {
  Row r = Bar(0, 1, 1, 1, 1, 1, 1, 1);
  r["ts_event"] = kDayStart - kMinute;
  EXPECT_TRUE(LoadMinuteBars(Silver({r}), kDayStart, "t").status().IsCorruption());
  r["ts_event"] = kDayStart + 30'000'000;  // not on a minute
  EXPECT_TRUE(LoadMinuteBars(Silver({r}), kDayStart, "t").status().IsCorruption());
}

TEST(GoldComputeTest, DailySummaryReturnsAndVolatility) {
  // Closes 100 (m0), 110 (m1), 99 (m2), [m3 missing], 105 (m4): returns only between adjacent
  // present minutes: ln(110/100), ln(99/110); m4 follows a gap and adds none.
  std::vector<Row> rows = {Bar(0, 100, 101, 99, 100, 1, 100, 1),
                           Bar(1, 100, 110, 100, 110, 1, 110, 1),
                           Bar(2, 110, 110, 99, 99, 1, 99, 1), Bar(4, 99, 106, 99, 105, 1, 105, 1)};
  rows.back()["rest"] = true;
  Result<MinuteBars> day = LoadMinuteBars(Silver(rows), kDayStart, "t");
  ASSERT_TRUE(day.ok());
  int64_t incomplete = 0;
  ColumnBatch b = SummarizeDay(*day, {"um", "BTCUSDT"}, &incomplete);
  ASSERT_EQ(b.num_rows(), 1u);
  EXPECT_EQ(incomplete, 1);
  const double r1 = std::log(110.0 / 100), r2 = std::log(99.0 / 110);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "log_return"))[0], std::log(105.0 / 100));
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "realized_volatility"))[0], std::sqrt(r1 * r1 + r2 * r2));
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "realized_volatility_annualized"))[0],
                   std::sqrt(r1 * r1 + r2 * r2) * std::sqrt(365.0));
  EXPECT_EQ(b.Int64(Col(b, "return_count"))[0], 2);
  EXPECT_EQ(b.Int64(Col(b, "bar_count"))[0], 4);
  EXPECT_EQ(b.Int64(Col(b, "rest_bar_count"))[0], 1);
  EXPECT_EQ(b.Bool(Col(b, "complete"))[0], 0);
  EXPECT_EQ(b.Double(Col(b, "high"))[0], 110);
  EXPECT_EQ(b.Double(Col(b, "low"))[0], 99);
  EXPECT_EQ(b.Int64(Col(b, "close_time"))[0], kDayStart + 1440 * kMinute - 1000);
  EXPECT_TRUE(b.Validate().ok());
}

TEST(GoldComputeTest, TradeBarsFromAggTrades) {
  ColumnBatch s(**lake::SilverSchema("aggTrades", archive::Market::kUsdM));
  auto add = [&](int64_t id, int64_t ts, double price, double size, int64_t first, int64_t last,
                 bool maker) {
    testing::AppendRow(s, Row{{"ts_event", ts},
                              {"agg_trade_id", id},
                              {"price", price},
                              {"size", size},
                              {"first_trade_id", first},
                              {"last_trade_id", last},
                              {"side", std::string(maker ? "sell" : "buy")},
                              {"is_buyer_maker", maker},
                              {"exchange", std::string("binance")},
                              {"market", std::string("um")},
                              {"symbol", std::string("BTCUSDT")},
                              {"source", std::string("archive")}});
  };
  add(1, kDayStart + 1000, 100, 1, 10, 12, false);            // buy, 3 trades
  add(2, kDayStart + 2000, 102, 2, 13, 13, true);             // sell
  add(3, kDayStart + 59'000'000, 99, 0.5, 14, 15, false);     // buy
  add(4, kDayStart + 3 * kMinute + 5, 200, 4, 16, 16, true);  // minute 3, sell
  Result<ColumnBatch> r = BuildTradeBars(s, true, kDayStart, {"um", "BTCUSDT"}, "t");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ColumnBatch& b = *r;
  ASSERT_EQ(b.num_rows(), 2u);  // minutes 1 and 2 had no trade
  EXPECT_EQ(b.Int64(Col(b, "ts_event")),
            (std::vector<int64_t>{kDayStart, kDayStart + 3 * kMinute}));
  EXPECT_EQ(b.Double(Col(b, "open")), (std::vector<double>{100, 200}));
  EXPECT_EQ(b.Double(Col(b, "close")), (std::vector<double>{99, 200}));
  EXPECT_EQ(b.Double(Col(b, "high")), (std::vector<double>{102, 200}));
  EXPECT_EQ(b.Double(Col(b, "low")), (std::vector<double>{99, 200}));
  EXPECT_EQ(b.Double(Col(b, "volume")), (std::vector<double>{3.5, 4}));
  EXPECT_EQ(b.Double(Col(b, "buy_volume")), (std::vector<double>{1.5, 0}));
  EXPECT_EQ(b.Double(Col(b, "sell_volume")), (std::vector<double>{2, 4}));
  EXPECT_EQ(b.Double(Col(b, "quote_volume")), (std::vector<double>{100 + 204 + 49.5, 800}));
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "vwap"))[0], 353.5 / 3.5);
  EXPECT_EQ(b.Int64(Col(b, "trade_count")), (std::vector<int64_t>{6, 1}));
  EXPECT_EQ(b.Int64(Col(b, "agg_trade_count")), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(b.Int64(Col(b, "first_trade_id")), (std::vector<int64_t>{10, 16}));
  EXPECT_EQ(b.Int64(Col(b, "last_trade_id")), (std::vector<int64_t>{15, 16}));
  EXPECT_EQ(b.Int64(Col(b, "first_trade_time"))[0], kDayStart + 1000);
  EXPECT_EQ(b.Int64(Col(b, "last_trade_time"))[0], kDayStart + 59'000'000);
  EXPECT_EQ(b.String(Col(b, "source_type"))[0], "aggTrades");
  EXPECT_TRUE(b.Validate().ok());
}

TEST(GoldComputeTest, TradeBarsFromTrades) {
  ColumnBatch s(**lake::SilverSchema("trades", archive::Market::kSpot));
  auto add = [&](int64_t id, int64_t ts, double price, double size, bool maker) {
    testing::AppendRow(s, Row{{"ts_event", ts},
                              {"trade_id", id},
                              {"price", price},
                              {"size", size},
                              {"quote_size", price * size},
                              {"side", std::string(maker ? "sell" : "buy")},
                              {"is_buyer_maker", maker},
                              {"exchange", std::string("binance")},
                              {"market", std::string("spot")},
                              {"symbol", std::string("BTCUSDT")},
                              {"source", std::string("archive")}});
  };
  // File order differs from id order: open/close still follow the ids.
  add(8, kDayStart + 30, 5, 1, true);
  add(7, kDayStart + 20, 4, 2, false);
  add(9, kDayStart + 40, 6, 1, false);
  Result<ColumnBatch> r = BuildTradeBars(s, false, kDayStart, {"spot", "BTCUSDT"}, "t");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ColumnBatch& b = *r;
  ASSERT_EQ(b.num_rows(), 1u);
  EXPECT_EQ(b.Double(Col(b, "open"))[0], 4);
  EXPECT_EQ(b.Double(Col(b, "close"))[0], 6);
  EXPECT_EQ(b.Int64(Col(b, "trade_count"))[0], 3);
  EXPECT_FALSE(b.IsValid(Col(b, "agg_trade_count"), 0));
  EXPECT_EQ(b.Int64(Col(b, "first_trade_id"))[0], 7);
  EXPECT_EQ(b.Int64(Col(b, "last_trade_id"))[0], 9);
  EXPECT_EQ(b.Double(Col(b, "buy_volume"))[0], 3);
  EXPECT_EQ(b.Double(Col(b, "sell_volume"))[0], 1);
  EXPECT_EQ(b.Double(Col(b, "quote_volume"))[0], 5 + 8 + 6);
  EXPECT_EQ(b.String(Col(b, "source_type"))[0], "trades");
  // A row outside the day is Corruption.
  add(10, kDayStart + 1440 * kMinute, 6, 1, false);
  EXPECT_TRUE(
      BuildTradeBars(s, false, kDayStart, {"spot", "BTCUSDT"}, "t").status().IsCorruption());
}

TEST(GoldComputeTest, FundingWindowsReachIntoThePreviousMonth) {
  const int64_t march = 19783;  // 2024-03-01
  ColumnBatch feb(**lake::SilverSchema("fundingRate", archive::Market::kUsdM));
  ColumnBatch mar(feb.schema());
  auto add = [](ColumnBatch& b, int64_t day, int hour, double rate) {
    testing::AppendRow(b, Row{{"ts_event", day * 1440 * kMinute + hour * 60 * kMinute + 1000},
                              {"funding_rate", rate},
                              {"funding_interval_hours", int64_t{8}},
                              {"exchange", std::string("binance")},
                              {"market", std::string("um")},
                              {"symbol", std::string("BTCUSDT")},
                              {"source", std::string("archive")}});
  };
  // February 25..29 (5 days): 0.0001 three times a day. March 1: 0.0002, 0.0004. March 3: 0.0003.
  for (int64_t d = march - 5; d < march; ++d)
    for (int h : {0, 8, 16}) add(feb, d, h, 0.0001);
  add(mar, march, 0, 0.0002);
  add(mar, march, 8, 0.0004);
  add(mar, march + 2, 16, 0.0003);
  int64_t incomplete = 0;
  Result<ColumnBatch> r =
      BuildFunding({&mar, &feb}, march, 31, {"um", "BTCUSDT"}, "t", &incomplete);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ColumnBatch& b = *r;
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_EQ(incomplete, 2);  // no 30 days of history anywhere
  EXPECT_EQ(b.Int64(Col(b, "ts_event")),
            (std::vector<int64_t>{march * 1440 * kMinute, (march + 2) * 1440 * kMinute}));
  EXPECT_EQ(b.Int64(Col(b, "funding_count")), (std::vector<int64_t>{2, 1}));
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "rate_sum"))[0], 0.0006);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "rate_mean"))[0], 0.0003);
  EXPECT_EQ(b.Double(Col(b, "rate_min"))[0], 0.0002);
  EXPECT_EQ(b.Double(Col(b, "rate_max"))[0], 0.0004);
  // 7d ending March 1: Feb 24 (none) .. Mar 1: 15 rows of 0.0001 + 0.0006 over 17 rows, 6 days.
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "mean_7d"))[0], (15 * 0.0001 + 0.0006) / 17);
  EXPECT_EQ(b.Int64(Col(b, "days_7d"))[0], 6);
  EXPECT_EQ(b.Int64(Col(b, "days_30d"))[0], 6);
  // 7d ending March 3: Feb 26..Mar 3: 4 Feb days (12 rows) + Mar 1 (2) + Mar 3 (1).
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "mean_7d"))[1], (12 * 0.0001 + 0.0006 + 0.0003) / 15);
  EXPECT_EQ(b.Int64(Col(b, "days_7d"))[1], 6);
  EXPECT_EQ(b.Bool(Col(b, "window_complete")), (std::vector<uint8_t>{0, 0}));
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "annualized_rate"))[0], 0.0006 * 365);
  EXPECT_EQ(b.Int64(Col(b, "funding_interval_hours"))[0], 8);
  EXPECT_TRUE(b.Validate().ok());
}

}  // namespace
}  // namespace cryptolake::gold
