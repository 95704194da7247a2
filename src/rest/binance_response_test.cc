#include "cryptolake/rest/binance_response.h"

#include <gtest/gtest.h>

namespace cryptolake::rest {
namespace {

ResponsePage Spot() {
  ResponsePage p;
  p.market = archive::Market::kSpot;
  p.what = "GET /api/v3/klines symbol BTCUSDT";
  p.times_in_micros = true;
  return p;
}

std::string Kline(const std::string& ignore) {
  return "[[1777420800000000,\"94250.0\",\"94298.1\",\"94227.9\",\"94298.1\",\"9.7\","
         "1777420859999999,\"915509.0\",164,\"7.4\",\"698127.1\"," +
         ignore + "]]";
}

TEST(BinanceResponseTest, KlineRowsBecomeArchiveLinesInTheArchivesUnit) {
  auto lines = DecodeKlinesPage(Spot(), Kline("\"0\""));
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0],
            "1777420800000000,94250.0,94298.1,94227.9,94298.1,9.7,1777420859999999,915509.0,164,"
            "7.4,698127.1,0\n");
  ResponsePage ms = Spot();
  ms.unit = CsvTimeUnit::kMilliseconds;
  EXPECT_EQ((*DecodeKlinesPage(ms, Kline("0")))[0].substr(0, 14), "1777420800000,");
}

// The "ignore" element is copied as sent; one that holds a delimiter would inject or shift CSV
// cells, so it is refused.
TEST(BinanceResponseTest, AnIgnoreFieldThatCouldInjectARowIsRefused) {
  for (const char* bad : {"\"0\\n1,2\"", "\"0,1\"", "\"\\\"\"", "\"0\\r\"", "[1]", "null"}) {
    auto lines = DecodeKlinesPage(Spot(), Kline(bad));
    ASSERT_FALSE(lines.ok()) << bad;
    EXPECT_TRUE(lines.status().IsCorruption());
    EXPECT_NE(std::string(lines.status().message()).find("GET /api/v3/klines"), std::string::npos);
  }
}

TEST(BinanceResponseTest, IntegersBeyondTwoToThe53AreRefusedNotWrapped) {
  ResponsePage p = Spot();
  p.times_in_micros = false;  // ms: converting to µs multiplies by 1000
  auto huge = DecodeKlinesPage(
      p, "[[18446744073709551615,\"1\",\"1\",\"1\",\"1\",\"1\",2,\"1\",3,\"1\",\"1\",\"0\"]]");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(std::string(huge.status().message()).find("open time is not an integer"),
            std::string::npos)
      << huge.status().ToString();
  EXPECT_FALSE(DecodeKlinesPage(p,
                                "[[9223372036854775807,\"1\",\"1\",\"1\",\"1\",\"1\",2,\"1\",3,"
                                "\"1\",\"1\",\"0\"]]")
                   .ok());
}

TEST(BinanceResponseTest, AggTradesAndFundingPages) {
  ResponsePage um;
  um.market = archive::Market::kUsdM;
  um.what = "GET /fapi/v1/aggTrades symbol BTCUSDT";
  auto trades = DecodeAggTradesPage(
      um, R"([{"a":480000000,"p":"94215.5","q":"26.0","f":1123000000,"l":1123000003,)"
          R"("T":1777420800000,"m":false}])");
  ASSERT_TRUE(trades.ok()) << trades.status().ToString();
  EXPECT_EQ((*trades)[0], "480000000,94215.5,26.0,1123000000,1123000003,1777420800000,false\n");
  auto missing = DecodeAggTradesPage(um, R"([{"a":1}])");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("field \"p\" is missing"),
            std::string::npos);
  auto funding = DecodeFundingPage(
      um, R"([{"symbol":"BTCUSDT","fundingTime":1775001600000,"fundingRate":"-0.00003449"}])");
  ASSERT_TRUE(funding.ok());
  EXPECT_EQ((*funding)[0], "1775001600000,-0.00003449\n");
  EXPECT_FALSE(DecodeFundingPage(um, "{").ok());
  EXPECT_FALSE(DecodeFundingPage(um, R"({"code":-1121})").ok());
}

}  // namespace
}  // namespace cryptolake::rest
