#include "cryptolake/gold/gold_ledger.h"

#include <gtest/gtest.h>

#include "cryptolake/gold/gold_builder.h"

namespace cryptolake::gold {
namespace {

GoldLedgerEntry Sample() {
  GoldLedgerEntry e;
  e.product = "klines";
  e.market = "um";
  e.symbol = "BTCUSDT";
  e.source_type = "klines";
  e.period = "2024-03-01";
  e.inputs = {{"silver/klines/x.parquet", std::string(64, 'a'), 1440}};
  e.outputs = {{"gold/klines/a.parquet", 288, 1234}, {"gold/klines/b.parquet", 1, 99}};
  e.incomplete_buckets = 3;
  e.built_at = "2026-12-06T17:00:00Z";
  e.tool_version = "0.1.0";
  return e;
}

TEST(GoldLedgerTest, RoundTrip) {
  const GoldLedgerEntry e = Sample();
  Result<GoldLedgerEntry> back = ParseGoldLedgerEntry(SerializeGoldLedgerEntry(e), "k");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);
}

TEST(GoldLedgerTest, ContractKeysArePresent) {
  const std::string text = SerializeGoldLedgerEntry(Sample());
  for (const char* key : {"\"product\"", "\"market\"", "\"symbol\"", "\"period\"", "\"inputs\"",
                          "\"outputs\"", "\"incomplete_buckets\"", "\"built_at\"",
                          "\"tool_version\"", "\"sha256\"", "\"rows\"", "\"bytes\""}) {
    EXPECT_NE(text.find(key), std::string::npos) << key;
  }
}

TEST(GoldLedgerTest, BadTextIsCorruptionNamingTheKey) {
  for (const char* bad :
       {"", "[]", "{\"product\": 1}", "not json",
        "{\"product\":\"k\",\"market\":\"um\",\"symbol\":\"S\",\"period\":\"p\","
        "\"inputs\":[{\"key\":\"x\"}],\"outputs\":[],\"incomplete_buckets\":0}"}) {
    Result<GoldLedgerEntry> r = ParseGoldLedgerEntry(bad, "_gold/x.json");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsCorruption());
    EXPECT_NE(r.status().message().find("_gold/x.json"), std::string::npos);
  }
}

TEST(GoldLedgerTest, KeysFollowTheContract) {
  GoldPartition p{GoldProduct::kKlines, "um", "BTCUSDT", "klines", "2024-03-01"};
  EXPECT_EQ(GoldLedgerKey(p), "_gold/klines/market=um/symbol=BTCUSDT/date=2024-03-01.json");
  p.product = GoldProduct::kDailySummary;
  EXPECT_EQ(GoldLedgerKey(p), "_gold/daily_summary/market=um/symbol=BTCUSDT/date=2024-03-01.json");
  p.product = GoldProduct::kTradeBars;
  EXPECT_EQ(GoldLedgerKey(p),
            "_gold/trade_bars/market=um/symbol=BTCUSDT/interval=1m/date=2024-03-01.json");
  p.product = GoldProduct::kFunding;
  p.period = "2024-03";
  EXPECT_EQ(GoldLedgerKey(p), "_gold/funding/market=um/symbol=BTCUSDT/month=2024-03.json");
}

}  // namespace
}  // namespace cryptolake::gold
