#include "cryptolake/archive/archive_file.h"

#include <gtest/gtest.h>

#include "archive_test_util.h"

namespace cryptolake::archive {
namespace {

TEST(ArchiveFileTest, BuildsKlinePathsWithIntervalFolder) {
  ArchiveFile f{Market::kSpot, Period::kDaily, "klines", "BTCUSDT", "1m", "2020-01-01"};
  EXPECT_EQ(f.DirPath(), "data/spot/daily/klines/BTCUSDT/1m/");
  EXPECT_EQ(f.ZipName(), "BTCUSDT-1m-2020-01-01.zip");
  EXPECT_EQ(f.ZipPath(), "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip");
  EXPECT_EQ(f.ChecksumPath(), f.ZipPath() + ".CHECKSUM");
}

TEST(ArchiveFileTest, BuildsOtherTypePathsWithTypeInFileName) {
  ArchiveFile f{Market::kUsdM, Period::kMonthly, "fundingRate", "BTCUSDT", "", "2026-04"};
  EXPECT_EQ(f.ZipPath(),
            "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2026-04.zip");
  ArchiveFile g{Market::kCoinM, Period::kDaily, "markPriceKlines",
                "BTCUSD_PERP",  "1h",           "2024-02-29"};
  EXPECT_EQ(g.ZipPath(),
            "data/futures/cm/daily/markPriceKlines/BTCUSD_PERP/1h/BTCUSD_PERP-1h-2024-02-29.zip");
}

TEST(ArchiveFileTest, ParseIsTheInverseOfZipPathForEveryFixture) {
  for (const auto& fx : testing::Fixtures()) {
    auto parsed = ArchiveFile::Parse(fx.zip_path);
    ASSERT_TRUE(parsed.ok()) << fx.zip_path << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->ZipPath(), fx.zip_path);
  }
  auto f = ArchiveFile::Parse(
      "/data/futures/cm/daily/aggTrades/BTCUSD_PERP/"
      "BTCUSD_PERP-aggTrades-2026-05-08.zip");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->market, Market::kCoinM);
  EXPECT_EQ(f->period, Period::kDaily);
  EXPECT_EQ(f->data_type, "aggTrades");
  EXPECT_EQ(f->symbol, "BTCUSD_PERP");
  EXPECT_EQ(f->interval, "");
  EXPECT_EQ(f->date, "2026-05-08");
  auto m = ArchiveFile::Parse("data/spot/monthly/klines/ADABKRW/1mo/ADABKRW-1mo-2020-08.zip");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->interval, "1mo");
  EXPECT_EQ(m->date, "2020-08");
}

TEST(ArchiveFileTest, ParseRejectsPathsOutsideTheGrammar) {
  for (const char* bad : {
           "",
           "spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip",           // no data/
           "data/options/daily/BVOLIndex/X/X-BVOLIndex-2023-09-25.zip",        // no such market
           "data/futures/xm/daily/trades/A/A-trades-2020-01-01.zip",           // bad futures market
           "data/spot/weekly/trades/A/A-trades-2020-01-01.zip",                // bad period
           "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-klines-2020-01-01.zip",  // name w/o interval
           "data/spot/daily/trades/BTCUSDT/1m/x/BTCUSDT-1m-2020-01-01.zip",    // extra level
           "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip.CHECKSUM",
           "data/spot/daily/klines/BTCUSDT/1m/ETHUSDT-1m-2020-01-01.zip",    // name mismatch
           "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-5m-2020-01-01.zip",    // interval mismatch
           "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2021-02-29.zip",    // not a date
           "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01.zip",       // monthly date, daily
           "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip",  // daily date, monthly
           "data/spot/daily/klines/btcusdt/1m/btcusdt-1m-2020-01-01.zip",    // lower-case symbol
           "data/spot/daily/klines/BTCUSDT/../BTCUSDT-..-2020-01-01.zip",
       }) {
    auto parsed = ArchiveFile::Parse(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_TRUE(parsed.status().IsInvalidArgument());
      EXPECT_NE(parsed.status().message().find(bad), std::string::npos);
    }
  }
}

// The archive layer reads the interval level from the path's shape; whether a
// data type should have one is the lake's data-type table's call
// (data_type_schema_test.cc checks klines without, and trades with, an interval).
TEST(ArchiveFileTest, ParseReadsTheIntervalLevelFromThePathShape) {
  auto with = ArchiveFile::Parse("data/spot/daily/trades/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip");
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(with->interval, "1m");
  auto without = ArchiveFile::Parse("data/spot/daily/klines/BTCUSDT/BTCUSDT-klines-2020-01-01.zip");
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_EQ(without->interval, "");
}

TEST(ArchiveFileTest, OptionPathsLiveUnderDataOption) {
  ArchiveFile bvol{Market::kOption, Period::kDaily, "BVOLIndex", "BTCBVOLUSDT", "", "2023-09-25"};
  EXPECT_EQ(bvol.ZipPath(),
            "data/option/daily/BVOLIndex/BTCBVOLUSDT/BTCBVOLUSDT-BVOLIndex-2023-09-25.zip");
  auto parsed = ArchiveFile::Parse(bvol.ZipPath());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, bvol);
  auto eoh =
      ArchiveFile::Parse("data/option/daily/EOHSummary/BTCUSDT/BTCUSDT-EOHSummary-2023-10-23.zip");
  ASSERT_TRUE(eoh.ok()) << eoh.status().ToString();
  EXPECT_EQ(eoh->market, Market::kOption);
  EXPECT_EQ(eoh->data_type, "EOHSummary");
  EXPECT_EQ(eoh->symbol, "BTCUSDT");
  EXPECT_EQ(eoh->date, "2023-10-23");
}

TEST(ArchiveFileTest, MarketsAndPeriods) {
  EXPECT_EQ(MarketName(Market::kUsdM), "um");
  EXPECT_EQ(MarketPathPrefix(Market::kCoinM), "data/futures/cm");
  EXPECT_EQ(ParseMarket("cm").value(), Market::kCoinM);
  EXPECT_EQ(MarketName(Market::kOption), "option");
  EXPECT_EQ(MarketPathPrefix(Market::kOption), "data/option");
  EXPECT_EQ(ParseMarket("option").value(), Market::kOption);
  for (Market m : kAllMarkets) EXPECT_EQ(ParseMarket(MarketName(m)).value(), m);
  auto bad = ParseMarket("futures");
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("spot, um, cm or option"), std::string::npos)
      << bad.status().ToString();
  EXPECT_EQ(ParsePeriod("monthly").value(), Period::kMonthly);
  EXPECT_FALSE(ParsePeriod("weekly").ok());
  EXPECT_TRUE(IsValidArchiveDate(Period::kDaily, "2024-02-29"));
  EXPECT_FALSE(IsValidArchiveDate(Period::kDaily, "2023-02-29"));
  EXPECT_FALSE(IsValidArchiveDate(Period::kDaily, "2023-13-01"));
  EXPECT_FALSE(IsValidArchiveDate(Period::kDaily, "2023-1-01"));
  EXPECT_TRUE(IsValidArchiveDate(Period::kMonthly, "2023-12"));
  EXPECT_FALSE(IsValidArchiveDate(Period::kMonthly, "2023-00"));
}

}  // namespace
}  // namespace cryptolake::archive
