#include "cryptolake/lake/silver_converter.h"

#include <gtest/gtest.h>

#include <string>

#include "lake_test_util.h"

namespace cryptolake::lake {
namespace {

using namespace test_util;  // NOLINT(google-build-using-namespace)

using archive::ArchiveFile;
using archive::Market;
using archive::Period;

ArchiveFile File(Market m, Period p, std::string type, std::string symbol, std::string interval,
                 std::string date) {
  ArchiveFile f;
  f.market = m;
  f.period = p;
  f.data_type = std::move(type);
  f.symbol = std::move(symbol);
  f.interval = std::move(interval);
  f.date = std::move(date);
  return f;
}

const ArchiveFile kUmKlines =
    File(Market::kUsdM, Period::kDaily, "klines", "BTCUSDT", "1m", "2022-09-05");
constexpr char kKlinesHeader[] =
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
    "taker_buy_quote_volume,ignore\n";
// Two real rows of BTCUSDT-1m-2022-09-05 (USD-M).
constexpr char kUmRow1[] =
    "1662336000000,19992.70,20000.00,19988.10,19996.80,482.638,1662336059999,9650791.43440,4263,"
    "302.950,6057727.57980,0\n";
constexpr char kUmRow2[] =
    "1662336060000,19996.70,20001.50,19985.90,19986.00,701.730,1662336119999,14032573.48430,3690,"
    "368.935,7378310.41410,0\n";

TEST(SilverConverterTest, UsdMKlinesWithHeader) {
  auto r = Convert(kUmKlines, std::string(kKlinesHeader) + kUmRow1 + kUmRow2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->had_header);
  EXPECT_EQ(r->time_unit, TimeUnit::kMilliseconds);
  EXPECT_EQ(r->rows_in, 2);
  EXPECT_EQ(r->rows_out, 2);
  EXPECT_EQ(r->rows_rejected, 0);
  EXPECT_TRUE(r->rejects_csv.empty());
  EXPECT_EQ(r->partition_dir,
            "silver/klines/market=um/symbol=BTCUSDT/interval=1m/date=2022-09-05/");
  const parquet::ColumnBatch& b = r->batch;
  ASSERT_TRUE(b.Validate().ok()) << b.Validate().ToString();
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_EQ(b.Int64(Col(b, "ts_event"))[0], INT64_C(1662336000000000));
  EXPECT_EQ(b.Int64(Col(b, "close_time"))[1], INT64_C(1662336119999000));
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "high"))[0], 20000.0);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "volume"))[1], 701.730);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "quote_volume"))[0], 9650791.43440);
  EXPECT_TRUE(b.IsValid(Col(b, "quote_volume"), 0));
  EXPECT_FALSE(b.IsValid(Col(b, "base_volume"), 0));
  EXPECT_EQ(b.Int64(Col(b, "trade_count"))[1], 3690);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "taker_buy_quote_volume"))[1], 7378310.41410);
  EXPECT_EQ(b.String(Col(b, "exchange"))[1], "binance");
  EXPECT_EQ(b.String(Col(b, "market"))[0], "um");
  EXPECT_EQ(b.String(Col(b, "symbol"))[0], "BTCUSDT");
  EXPECT_EQ(b.String(Col(b, "interval"))[1], "1m");
  EXPECT_TRUE(b.IsValid(Col(b, "interval"), 1));
}

TEST(SilverConverterTest, SpotKlinesWithoutHeaderInMicrosecondsAndCrlf) {
  ArchiveFile f = File(Market::kSpot, Period::kDaily, "klines", "BTCUSDT", "1h", "2026-05-08");
  std::string csv =
      "1778198400000000,80006.00000000,80142.84000000,79729.72000000,79831.99000000,"
      "958.06006000,1778201999999999,76636658.96208970,67626,559.85461000,44801546.15802500,0\r\n"
      "1778202000000000,79831.98000000,79900.11000000,79612.63000000,79740.01000000,"
      "539.33838000,1778205599999999,43021133.11240800,60400,259.42410000,20693153.56999060,0\r\n";
  auto r = Convert(f, csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->had_header);
  EXPECT_EQ(r->time_unit, TimeUnit::kMicroseconds);
  const auto& b = r->batch;
  EXPECT_EQ(b.Int64(Col(b, "ts_event"))[1], INT64_C(1778202000000000));
  EXPECT_EQ(b.Int64(Col(b, "close_time"))[0], INT64_C(1778201999999999));
  EXPECT_EQ(b.String(Col(b, "market"))[0], "spot");
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "taker_buy_quote_volume"))[1], 20693153.56999060);
}

TEST(SilverConverterTest, CoinMKlinesRelabelMislabeledColumns) {
  ArchiveFile f = File(Market::kCoinM, Period::kDaily, "klines", "BTCUSD_PERP", "1m", "2022-10-24");
  std::string csv = std::string(kKlinesHeader) +
                    "1666569600000,19560.7,19566.7,19555.5,19556.2,19431,1666569659999,"
                    "99.33183109,425,9916,50.69336469,0\n";
  auto r = Convert(f, csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& b = r->batch;
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "volume"))[0], 19431);  // contracts
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "base_volume"))[0], 99.33183109);
  EXPECT_TRUE(b.IsValid(Col(b, "base_volume"), 0));
  EXPECT_FALSE(b.IsValid(Col(b, "quote_volume"), 0));
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "taker_buy_volume"))[0], 9916);
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "taker_buy_base_volume"))[0], 50.69336469);
  EXPECT_FALSE(b.IsValid(Col(b, "taker_buy_quote_volume"), 0));
  EXPECT_EQ(r->partition_dir,
            "silver/klines/market=cm/symbol=BTCUSD_PERP/interval=1m/date=2022-10-24/");
}

TEST(SilverConverterTest, SpotAggTradesTrueFalseCapitalisedAndSide) {
  ArchiveFile f = File(Market::kSpot, Period::kDaily, "aggTrades", "BTCUSDT", "", "2026-01-01");
  std::string csv =
      "3800397495,87648.21000000,0.08185000,5723703861,5723703861,1767225600039409,True,True\n"
      "3800397496,87648.22000000,0.00013000,5723703862,5723703862,1767225600272386,False,True\n"
      "3800397497,87648.22000000,0.00023000,5723703863,5723703864,1767225600276733,false,false\n";
  auto r = Convert(f, csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->partition_dir, "silver/aggTrades/market=spot/symbol=BTCUSDT/date=2026-01-01/");
  const auto& b = r->batch;
  ASSERT_TRUE(b.Validate().ok());
  EXPECT_EQ(b.Int64(Col(b, "ts_event"))[0], INT64_C(1767225600039409));
  EXPECT_EQ(b.Int64(Col(b, "agg_trade_id"))[2], 3800397497);
  EXPECT_EQ(b.Int64(Col(b, "last_trade_id"))[2], 5723703864);
  EXPECT_EQ(b.Bool(Col(b, "is_buyer_maker"))[0], 1);
  EXPECT_EQ(b.Bool(Col(b, "is_buyer_maker"))[1], 0);
  // Buyer was the maker => the aggressor sold.
  EXPECT_EQ(b.String(Col(b, "side"))[0], "sell");
  EXPECT_EQ(b.String(Col(b, "side"))[1], "buy");
  EXPECT_EQ(b.Bool(Col(b, "is_best_match"))[0], 1);
  EXPECT_EQ(b.Bool(Col(b, "is_best_match"))[2], 0);
  EXPECT_TRUE(b.IsValid(Col(b, "is_best_match"), 2));
  EXPECT_FALSE(b.IsValid(Col(b, "interval"), 0));
}

TEST(SilverConverterTest, FuturesAggTradesLowercaseBoolsAndNullBestMatch) {
  ArchiveFile f =
      File(Market::kCoinM, Period::kDaily, "aggTrades", "BTCUSD_PERP", "", "2026-05-08");
  std::string csv =
      "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n"
      "480537903,79972.8,542.0,1123474160,1123474164,1778198400020,false\n"
      "480537904,79972.9,1.0,1123474165,1123474165,1778198400024,true\n";
  auto r = Convert(f, csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& b = r->batch;
  EXPECT_EQ(b.Int64(Col(b, "ts_event"))[0], INT64_C(1778198400020000));
  EXPECT_EQ(b.String(Col(b, "side"))[0], "buy");
  EXPECT_EQ(b.String(Col(b, "side"))[1], "sell");
  EXPECT_FALSE(b.IsValid(Col(b, "is_best_match"), 0));
  EXPECT_FALSE(b.IsValid(Col(b, "is_best_match"), 1));
}

TEST(SilverConverterTest, CoinMTradesNameBaseQuantityCorrectly) {
  ArchiveFile f = File(Market::kCoinM, Period::kDaily, "trades", "BTCUSD_PERP", "", "2026-05-08");
  std::string csv =
      "id,price,qty,base_qty,time,is_buyer_maker\n"
      "1,79972.8,10,0.0125,1778198400020,true\n";
  auto r = Convert(f, csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& b = r->batch;
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "base_size"))[0], 0.0125);
  EXPECT_TRUE(b.IsValid(Col(b, "base_size"), 0));
  EXPECT_FALSE(b.IsValid(Col(b, "quote_size"), 0));
  EXPECT_EQ(b.Int64(Col(b, "trade_id"))[0], 1);
}

TEST(SilverConverterTest, MonthlyFundingRateSplitsIntoDays) {
  ArchiveFile f = File(Market::kUsdM, Period::kMonthly, "fundingRate", "BTCUSDT", "", "2026-04");
  std::string csv =
      "calc_time,funding_interval_hours,last_funding_rate\n"
      "1775001600000,8,-0.00003449\n"   // 2026-04-01 00:00
      "1775030400000,8,-0.00000461\n"   // 2026-04-01 08:00
      "1775059200004,8,0.00001000\n"    // 2026-04-01 16:00 (+4 ms jitter)
      "1775088000001,8,0.00002000\n"    // 2026-04-02 00:00
      "1777564800000,8,-0.00002904\n";  // 2026-04-30 16:00
  auto r = Convert(f, csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // A monthly archive file is one object in its month's partition.
  EXPECT_EQ(r->batch.num_rows(), 5u);
  EXPECT_EQ(r->partition_dir, "silver/fundingRate/market=um/symbol=BTCUSDT/month=2026-04/");
  const auto& b = r->batch;
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "funding_rate"))[0], -0.00003449);
  EXPECT_EQ(b.Int64(Col(b, "funding_interval_hours"))[0], 8);
  EXPECT_EQ(b.Int64(Col(b, "ts_event"))[2], INT64_C(1775059200004000));
  EXPECT_FALSE(b.IsValid(Col(b, "mark_price"), 0));
  EXPECT_EQ(r->rows_out, 5);
}

TEST(SilverConverterTest, MetricsAreUnorderedWithEmptyValuesAsNull) {
  ArchiveFile f = File(Market::kUsdM, Period::kDaily, "metrics", "BTCUSDT", "", "2023-10-02");
  std::string csv =
      "create_time,symbol,sum_open_interest,sum_open_interest_value,"
      "count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,"
      "sum_taker_long_short_vol_ratio\n"
      "2023-10-02 00:10:00,BTCUSDT,1000.5,27981000.1,1.2,1.3,1.4,0.9\n"
      "2023-10-02 00:05:00,BTCUSDT,999.5,,1.2,1.3,,0.8\n";
  auto r = Convert(f, csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& b = r->batch;
  ASSERT_TRUE(b.Validate().ok()) << b.Validate().ToString();
  EXPECT_EQ(b.Int64(Col(b, "ts_event"))[1], (INT64_C(1696204800) + 300) * 1000000);
  EXPECT_TRUE(b.IsValid(Col(b, "open_interest_value"), 0));
  EXPECT_FALSE(b.IsValid(Col(b, "open_interest_value"), 1));
  EXPECT_FALSE(b.IsValid(Col(b, "account_long_short_ratio"), 1));
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "taker_buy_sell_volume_ratio"))[1], 0.8);
}

TEST(SilverConverterTest, BookTickerAndBookDepthByDeclarationOnly) {
  ArchiveFile t = File(Market::kUsdM, Period::kDaily, "bookTicker", "BTCUSDT", "", "2023-10-02");
  auto r = Convert(t,
                   "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,"
                   "transaction_time,event_time\n"
                   "3319366863672,27981.30000000,12.91100000,27981.40000000,7.25800000,"
                   "1696204800012,1696204800018\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& b = r->batch;
  EXPECT_EQ(b.Int64(Col(b, "update_id"))[0], 3319366863672);
  EXPECT_EQ(b.Int64(Col(b, "event_time"))[0], INT64_C(1696204800018000));
  EXPECT_DOUBLE_EQ(b.Double(Col(b, "ask_size"))[0], 7.258);

  ArchiveFile d =
      File(Market::kCoinM, Period::kDaily, "bookDepth", "BTCUSD_PERP", "", "2023-10-02");
  auto dr = Convert(d,
                    "timestamp,percentage,depth,notional\n"
                    "2023-10-02 00:00:01,-5.00,1000.5,27000000.25\n"
                    "2023-10-02 00:00:01,5,900,26000000\n");
  ASSERT_TRUE(dr.ok()) << dr.status().ToString();
  const auto& db = dr->batch;
  EXPECT_EQ(db.Int64(Col(db, "ts_event"))[0], (INT64_C(1696204800) + 1) * 1000000);
  EXPECT_DOUBLE_EQ(db.Double(Col(db, "percentage"))[0], -5.0);
}

TEST(SilverConverterTest, PriceKlinesFamilyIsDeclared) {
  for (const char* type : {"indexPriceKlines", "markPriceKlines", "premiumIndexKlines"}) {
    ArchiveFile f = File(Market::kUsdM, Period::kDaily, type, "BTCUSDT", "1m", "2022-09-05");
    auto r = Convert(f, std::string(kKlinesHeader) +
                            "1662336000000,19992.70,20000.00,19988.10,19996.80,0,1662336059999,0,"
                            "60,0,0,0\n");
    ASSERT_TRUE(r.ok()) << type << ": " << r.status().ToString();
    const auto& b = r->batch;
    EXPECT_EQ(b.Int64(Col(b, "basic_data_count"))[0], 60);
    EXPECT_EQ(b.String(Col(b, "interval"))[0], "1m");
  }
  // A premium index is signed; negative bars are valid there only.
  ArchiveFile p =
      File(Market::kUsdM, Period::kDaily, "premiumIndexKlines", "BTCUSDT", "1m", "2022-09-05");
  std::string negative =
      "1662336000000,-0.0003,-0.0001,-0.0004,-0.0002,0,1662336059999,0,60,0,0,0\n";
  EXPECT_TRUE(Convert(p, negative).ok());
  ArchiveFile m =
      File(Market::kUsdM, Period::kDaily, "markPriceKlines", "BTCUSDT", "1m", "2022-09-05");
  EXPECT_FALSE(Convert(m, negative).ok());
}

TEST(SilverConverterTest, ErrorNamesFileLineColumnAndValue) {
  std::string csv = std::string(kKlinesHeader) + kUmRow1 +
                    "1662336060000,19996.70,abc,19985.90,19986.00,701.730,1662336119999,"
                    "14032573.48430,3690,368.935,7378310.41410,0\n";
  auto r = ConvertCsvToSilver(kUmKlines, "BTCUSDT-1m-2022-09-05.csv", csv, {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption());
  EXPECT_EQ(r.status().message(),
            "BTCUSDT-1m-2022-09-05.csv line 3 column \"high\": value \"abc\" is not a number");
}

TEST(SilverConverterTest, ParseErrorsPerKind) {
  std::string base = std::string(kKlinesHeader);
  EXPECT_NE(FailMessage(kUmKlines, base + "1662336000000,19992.70,20000.00,19988.10,19996.80,"
                                          "482.638,1662336059999,9650791.4344,4263.5,302.950,"
                                          "6057727.57980,0\n")
                .find("column \"count\": value \"4263.5\" is not an integer"),
            std::string::npos);
  EXPECT_NE(
      FailMessage(kUmKlines, base + "1662336000000,19992.70,,19988.10,19996.80,482.638,"
                                    "1662336059999,9650791.4344,4263,302.950,6057727.5798,0\n")
          .find("column \"high\": value is empty"),
      std::string::npos);
  EXPECT_NE(
      FailMessage(kUmKlines, base + "x662336000000,19992.70,20000.00,19988.10,19996.80,"
                                    "482.638,1662336059999,9650791.4344,4263,302.950,"
                                    "6057727.57980,0\n")
          .find("line 2 column \"open_time\": value \"x662336000000\" is not an integer epoch"),
      std::string::npos);
  ArchiveFile agg = File(Market::kUsdM, Period::kDaily, "aggTrades", "BTCUSDT", "", "2022-09-05");
  EXPECT_NE(FailMessage(agg, "1,19992.7,1.0,1,1,1662336000000,yes\n")
                .find("line 1 column \"is_buyer_maker\": value \"yes\" is not a boolean"),
            std::string::npos);
  EXPECT_NE(FailMessage(agg, "1,\"19992.7\",1.0,1,1,1662336000000,true\n").find("quoted"),
            std::string::npos);
}

TEST(SilverConverterTest, ColumnCountErrors) {
  ArchiveFile agg = File(Market::kUsdM, Period::kDaily, "aggTrades", "BTCUSDT", "", "2022-09-05");
  EXPECT_EQ(FailMessage(agg, "1,19992.7,1.0,1,1,1662336000000\n"),
            "test.csv line 1: expected 7 columns, found 6");
  EXPECT_EQ(FailMessage(agg, "1,19992.7,1.0,1,1,1662336000000,true,true\n"),
            "test.csv line 1: expected 7 columns, found 8");
  EXPECT_NE(FailMessage(agg, "1,19992.7,1.0,1,1,1662336000000,true\n\n").find("line 2: empty line"),
            std::string::npos);
  // Header with the wrong column count: a spot file presented as USD-M.
  EXPECT_NE(FailMessage(agg, "a,b,c\n").find("line 1: header"), std::string::npos);
  // A truncated final line.
  EXPECT_NE(FailMessage(agg, "1,19992.7,1.0,1,1,1662336000000,true\n2,19992.7,1.").find("line 2"),
            std::string::npos);
}

TEST(SilverConverterTest, OhlcSanity) {
  std::string h = kKlinesHeader;
  // high below close
  EXPECT_NE(FailMessage(kUmKlines, h + "1662336000000,19992.70,19995.00,19988.10,19996.80,1,"
                                       "1662336059999,1,1,1,1,0\n")
                .find("column \"high\": OHLC violation"),
            std::string::npos);
  // low above open
  EXPECT_NE(FailMessage(kUmKlines, h + "1662336000000,19992.70,20000.00,19993.10,19996.80,1,"
                                       "1662336059999,1,1,1,1,0\n")
                .find("column \"low\": OHLC violation"),
            std::string::npos);
  // low above high (with open/close inside neither)
  EXPECT_NE(FailMessage(kUmKlines, h + "1662336000000,5,4,6,5,1,1662336059999,1,1,1,1,0\n")
                .find("OHLC violation"),
            std::string::npos);
}

TEST(SilverConverterTest, PositiveAndNonNegativeRules) {
  std::string h = kKlinesHeader;
  EXPECT_NE(FailMessage(kUmKlines, h + "1662336000000,0,0,0,0,1,1662336059999,1,1,1,1,0\n")
                .find("column \"open\": value 0 must be > 0"),
            std::string::npos);
  EXPECT_NE(FailMessage(kUmKlines, h + "1662336000000,1,1,1,1,-2,1662336059999,1,1,1,1,0\n")
                .find("column \"volume\": value -2 must be >= 0"),
            std::string::npos);
  EXPECT_NE(FailMessage(kUmKlines, h + "1662336000000,1,1,1,1,2,1662336059999,1,-1,1,1,0\n")
                .find("column \"count\": value -1 must be >= 0"),
            std::string::npos);
}

TEST(SilverConverterTest, TimeMustNotGoBackwardsWhereTheArchiveSorts) {
  ArchiveFile agg = File(Market::kUsdM, Period::kDaily, "aggTrades", "BTCUSDT", "", "2022-09-05");
  std::string msg = FailMessage(agg,
                                "1,10,1,1,1,1662336000005,true\n"
                                "2,10,1,2,2,1662336000004,true\n");
  EXPECT_NE(msg.find("line 2 column \"transact_time\": time goes backwards"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("line 1"), std::string::npos);
  // Equal times are fine.
  EXPECT_TRUE(Convert(agg, "1,10,1,1,1,1662336000005,true\n2,10,1,2,2,1662336000005,true\n").ok());
}

TEST(SilverConverterTest, DuplicateKeys) {
  ArchiveFile agg = File(Market::kUsdM, Period::kDaily, "aggTrades", "BTCUSDT", "", "2022-09-05");
  EXPECT_NE(FailMessage(agg, "7,10,1,1,1,1662336000005,true\n7,10,1,2,2,1662336000006,true\n")
                .find("line 2 column \"agg_trade_id\": duplicate agg_trade_id 7"),
            std::string::npos);
  // A non-adjacent duplicate (ids out of order) goes through the slow path.
  EXPECT_NE(FailMessage(agg,
                        "5,10,1,1,1,1662336000005,true\n"
                        "9,10,1,1,1,1662336000006,true\n"
                        "6,10,1,1,1,1662336000007,true\n"
                        "5,10,1,1,1,1662336000008,true\n")
                .find("line 4 column \"agg_trade_id\": duplicate agg_trade_id 5"),
            std::string::npos);
  // Out of order but unique ids are accepted.
  EXPECT_TRUE(Convert(agg, "5,10,1,1,1,1662336000005,true\n4,10,1,1,1,1662336000006,true\n").ok());
  // Duplicate kline open_time.
  std::string h = kKlinesHeader;
  EXPECT_NE(FailMessage(kUmKlines, h + kUmRow1 + kUmRow1).find("duplicate ts_event"),
            std::string::npos);
}

TEST(SilverConverterTest, MixedTimeUnitsAreRejected) {
  ArchiveFile agg = File(Market::kSpot, Period::kDaily, "aggTrades", "BTCUSDT", "", "2026-01-01");
  std::string msg = FailMessage(agg,
                                "1,10,1,1,1,1767225600039409,True,True\n"
                                "2,10,1,2,2,1767225600040,True,True\n");
  EXPECT_NE(msg.find("line 2 column \"transact_time\": time 1767225600040 is not in microseconds"),
            std::string::npos)
      << msg;
  EXPECT_NE(FailMessage(agg, "1,10,1,1,1,-5,True,True\n").find("is negative"), std::string::npos);
}

TEST(SilverConverterTest, RowsOutsideTheFilesDayAreRejectedUnlessDisabled) {
  ArchiveFile agg = File(Market::kUsdM, Period::kDaily, "aggTrades", "BTCUSDT", "", "2022-09-05");
  std::string csv = "1,10,1,1,1,1662336000000,true\n2,10,1,2,2,1662422400000,true\n";
  EXPECT_NE(FailMessage(agg, csv).find("time 2022-09-06 is outside the file's day 2022-09-05"),
            std::string::npos);
  ConvertOptions o;
  o.check_file_period = false;
  auto r = ConvertCsvToSilver(agg, "x.csv", csv, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // One object per archive file: both rows stay in the file's own partition.
  EXPECT_EQ(r->batch.num_rows(), 2u);
  EXPECT_EQ(r->partition_dir, "silver/aggTrades/market=um/symbol=BTCUSDT/date=2022-09-05/");
}

TEST(SilverConverterTest, QuarantineCollectsBadRowsVerbatimAndKeepsGoodOnes) {
  std::string bad_high =
      "1662336060000,19996.70,abc,19985.90,19986.00,701.730,1662336119999,14032573.48430,3690,"
      "368.935,7378310.41410,0";
  std::string short_row = "1662336120000,1,2";
  std::string ohlc_bad = "1662336180000,5,4,3,5,1,1662336239999,1,1,1,1,0";
  std::string good3 = "1662336240000,5,6,4,5,1,1662336299999,1,1,1,1,0";
  std::string csv = std::string(kKlinesHeader) + kUmRow1 + bad_high + "\n" + short_row + "\n" +
                    ohlc_bad + "\r\n" + good3 + "\n";
  auto r = Convert(kUmKlines, csv, BadRowPolicy::kQuarantine);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_in, 5);
  EXPECT_EQ(r->rows_out, 2);
  EXPECT_EQ(r->rows_rejected, 3);
  EXPECT_EQ(r->batch.num_rows(), 2u);
  EXPECT_TRUE(r->batch.Validate().ok());
  EXPECT_EQ(r->partition_dir,
            "silver/klines/market=um/symbol=BTCUSDT/interval=1m/date=2022-09-05/");
  std::string expected =
      "line,reason,row\n"
      "3,\"column \"\"high\"\": value \"\"abc\"\" is not a number\",\"" +
      bad_high + "\"\n" + "4,\"expected 12 columns, found 3\",\"" + short_row + "\"\n";
  EXPECT_EQ(r->rejects_csv.substr(0, expected.size()), expected);
  EXPECT_NE(r->rejects_csv.find("5,\"column \"\"high\"\": OHLC violation"), std::string::npos);
  EXPECT_NE(r->rejects_csv.find(ohlc_bad + "\"\n"), std::string::npos);  // CR stripped
}

TEST(SilverConverterTest, QuarantinedRowsDoNotPoisonOrderingOrKeys) {
  ArchiveFile agg = File(Market::kUsdM, Period::kDaily, "aggTrades", "BTCUSDT", "", "2022-09-05");
  // Row 2 is bad (price 0) and must not count as "seen" for id 2 or time.
  auto r = Convert(agg,
                   "1,10,1,1,1,1662336000005,true\n"
                   "2,0,1,2,2,1662336000099,true\n"
                   "2,10,1,2,2,1662336000006,true\n",
                   BadRowPolicy::kQuarantine);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows_out, 2);
  EXPECT_EQ(r->rows_rejected, 1);
}

TEST(SilverConverterTest, QuarantinedRowDoesNotDecideTheTimeUnit) {
  ArchiveFile agg = File(Market::kSpot, Period::kDaily, "aggTrades", "BTCUSDT", "", "2026-01-01");
  // Row 1 has a millisecond time (in the file's day once scaled) and a bad boolean after it;
  // rows 2 and 3 are good microsecond rows; row 4 is well-formed but in milliseconds, so it is
  // the file's one mixed-unit row.
  auto r = Convert(agg,
                   "1,10,1,1,1,1767225600039,maybe,True\n"
                   "2,10,1,2,2,1767225600039409,True,True\n"
                   "3,10,1,3,3,1767225600040000,False,True\n"
                   "4,10,1,4,4,1767225600041,False,True\n",
                   BadRowPolicy::kQuarantine);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_out, 2);
  EXPECT_EQ(r->rows_rejected, 2);
  EXPECT_EQ(r->time_unit, TimeUnit::kMicroseconds);
  EXPECT_NE(r->rejects_csv.find("1,\"column \"\"is_buyer_maker\"\""), std::string::npos)
      << r->rejects_csv;
  EXPECT_NE(r->rejects_csv.find("4,\"column \"\"transact_time\"\": time 1767225600041 is not in "
                                "microseconds like the file's first time value (line 2)"),
            std::string::npos)
      << r->rejects_csv;
  // A first row rejected by validation (OHLC) does not decide the unit either.
  ArchiveFile spot_klines =
      File(Market::kSpot, Period::kDaily, "klines", "BTCUSDT", "1m", "2026-01-01");
  auto k = Convert(spot_klines,
                   "1767225600000,5,4,3,5,1,1767225659999,1,1,1,1,0\n"
                   "1767225660000000,5,6,4,5,1,1767225719999999,1,1,1,1,0\n",
                   BadRowPolicy::kQuarantine);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->rows_out, 1);
  EXPECT_EQ(k->rows_rejected, 1);
}

TEST(SilverConverterTest, FailPolicyIsTheDefault) {
  EXPECT_EQ(ConvertOptions().on_bad_rows, BadRowPolicy::kFail);
  EXPECT_EQ(*ParseBadRowPolicy("quarantine"), BadRowPolicy::kQuarantine);
  EXPECT_FALSE(ParseBadRowPolicy("drop").ok());
}

TEST(SilverConverterTest, EmptyAndHeaderOnlyFilesFail) {
  auto empty = Convert(kUmKlines, "");
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(empty.status().IsCorruption());
  EXPECT_NE(empty.status().message().find("has no data rows (the file is empty)"),
            std::string::npos)
      << empty.status().ToString();
  auto header_only = Convert(kUmKlines, kKlinesHeader);
  ASSERT_FALSE(header_only.ok());
  EXPECT_NE(header_only.status().message().find("has no data rows (only a header)"),
            std::string::npos)
      << header_only.status().ToString();
}

TEST(SilverConverterTest, BadFileCoordinatesAreInvalidArgument) {
  ArchiveFile unknown = File(Market::kUsdM, Period::kDaily, "candles", "BTCUSDT", "", "2022-09-05");
  EXPECT_TRUE(Convert(unknown, "").status().IsInvalidArgument());
  ArchiveFile bad_symbol =
      File(Market::kUsdM, Period::kDaily, "klines", "BTC/USDT", "1m", "2022-09-05");
  EXPECT_TRUE(Convert(bad_symbol, "").status().IsInvalidArgument());
  ArchiveFile no_interval =
      File(Market::kUsdM, Period::kDaily, "klines", "BTCUSDT", "", "2022-09-05");
  EXPECT_TRUE(Convert(no_interval, "").status().IsInvalidArgument());
}

}  // namespace
}  // namespace cryptolake::lake
