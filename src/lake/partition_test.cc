#include "cryptolake/lake/partition.h"

#include <gtest/gtest.h>

namespace cryptolake::lake {
namespace {

TEST(PartitionTest, CivilDateRoundTrip) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2026, 5, 8), 20581);
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(20581), "2026-05-08");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  for (int64_t d = -800; d < 40000; d += 37) {
    auto parsed = ParseDate(FormatDate(d));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, d);
  }
}

TEST(PartitionTest, DayOfMicrosFloors) {
  EXPECT_EQ(DayOfMicros(0), 0);
  EXPECT_EQ(DayOfMicros(kMicrosPerDay - 1), 0);
  EXPECT_EQ(DayOfMicros(kMicrosPerDay), 1);
  EXPECT_EQ(DayOfMicros(-1), -1);
  EXPECT_EQ(FormatDate(DayOfMicros(INT64_C(1778198400020) * 1000)), "2026-05-08");
}

TEST(PartitionTest, ParseDateRejectsImpossibleDates) {
  EXPECT_FALSE(ParseDate("2023-02-29").ok());
  EXPECT_TRUE(ParseDate("2024-02-29").ok());
  EXPECT_FALSE(ParseDate("2024-2-29").ok());
  EXPECT_FALSE(ParseDate("2024-00-10").ok());
  EXPECT_FALSE(ParseDate("").ok());
}

TEST(PartitionTest, HiveStyleDirectories) {
  PartitionKey k{"klines", "um", "BTCUSDT", "1m", "2022-09-05"};
  EXPECT_TRUE(ValidatePartitionKey(k).ok());
  EXPECT_EQ(SilverPartitionDir(k),
            "silver/klines/market=um/symbol=BTCUSDT/interval=1m/date=2022-09-05/");
  PartitionKey a{"aggTrades", "cm", "BTCUSD_PERP", "", "2026-05-08"};
  EXPECT_TRUE(ValidatePartitionKey(a).ok());
  EXPECT_EQ(SilverPartitionDir(a),
            "silver/aggTrades/market=cm/symbol=BTCUSD_PERP/date=2026-05-08/");
}

TEST(PartitionTest, RejectsUnsafeComponents) {
  EXPECT_FALSE(ValidatePartitionKey({"klines", "um", "../etc", "1m", "2022-09-05"}).ok());
  EXPECT_FALSE(ValidatePartitionKey({"klines", "um", "A/B", "1m", "2022-09-05"}).ok());
  EXPECT_FALSE(ValidatePartitionKey({"klines", "um", "BTC=X", "1m", "2022-09-05"}).ok());
  EXPECT_FALSE(ValidatePartitionKey({"klines", "um", "", "1m", "2022-09-05"}).ok());
  EXPECT_FALSE(ValidatePartitionKey({"klines", "um", "BTCUSDT", "1 m", "2022-09-05"}).ok());
  EXPECT_FALSE(ValidatePartitionKey({"klines", "um", "BTCUSDT", "1m", "2022-9-5"}).ok());
}

}  // namespace
}  // namespace cryptolake::lake
