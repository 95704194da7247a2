#include "cryptolake/lake/ledger.h"

#include <gtest/gtest.h>

#include "cryptolake/storage/object_store.h"

namespace cryptolake::lake {
namespace {

LedgerEntry SampleEntry() {
  LedgerEntry e;
  e.archive_path = "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip";
  e.sha256 = "dd579c62368ded93d3f01a1904575b932279e32936e181c062763e605793c1c2";
  e.silver_files = {
      "silver/klines/market=spot/symbol=BTCUSDT/interval=1m/date=2020-01-01/"
      "part-dd579c62368ded93.parquet"};
  e.reject_files = {"silver/x/rejects-dd579c62368ded93.csv"};
  e.rows = 1440;
  e.rejected_rows = 2;
  e.ingested_at = "2026-11-24T08:00:00Z";
  e.tool_version = "0.1.0";
  return e;
}

TEST(LedgerTest, KeyMirrorsTheArchivePath) {
  EXPECT_EQ(LedgerKey("data/a/b.zip"), "_ledger/data/a/b.zip.json");
}

TEST(LedgerTest, SerializeParseRoundTrip) {
  LedgerEntry e = SampleEntry();
  e.superseded_files = {"silver/old/part-0000000000000000.parquet"};
  Result<LedgerEntry> back = ParseLedgerEntry(SerializeLedgerEntry(e), "k");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);
  EXPECT_EQ(e.AllFiles().size(), 2u);
}

TEST(LedgerTest, RejectsMalformedEntries) {
  EXPECT_TRUE(ParseLedgerEntry("not json", "k").status().IsCorruption());
  EXPECT_TRUE(ParseLedgerEntry("[]", "k").status().IsCorruption());
  std::string text = SerializeLedgerEntry(SampleEntry());
  std::string bad_digest = text;
  bad_digest.replace(bad_digest.find("dd579c"), 6, "XX579c");
  Result<LedgerEntry> r = ParseLedgerEntry(bad_digest, "_ledger/x.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("_ledger/x.json"), std::string::npos);
  EXPECT_TRUE(
      ParseLedgerEntry(R"({"archive_path":"a","sha256":"00"})", "k").status().IsCorruption());
}

TEST(LedgerTest, LookupRecordAndList) {
  auto store = storage::NewMemoryObjectStore();
  Ledger ledger(*store);
  LedgerEntry e = SampleEntry();
  Result<std::optional<LedgerEntry>> missing = ledger.Lookup(e.archive_path);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(ledger.Record(e).ok());
  Result<std::optional<LedgerEntry>> found = ledger.Lookup(e.archive_path);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, e);

  LedgerEntry e2 = e;
  e2.sha256 = std::string(64, 'a');
  ASSERT_TRUE(ledger.Record(e2).ok());  // replaces
  EXPECT_EQ((*ledger.Lookup(e.archive_path))->sha256, e2.sha256);

  LedgerEntry other = e;
  other.archive_path = "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-02.zip";
  ASSERT_TRUE(ledger.Record(other).ok());
  Result<std::vector<LedgerEntry>> all = ledger.ListAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].archive_path, e.archive_path);
  EXPECT_EQ((*all)[1].archive_path, other.archive_path);
}

TEST(LedgerTest, DamagedEntryIsAnErrorNotAbsent) {
  auto store = storage::NewMemoryObjectStore();
  ASSERT_TRUE(store->Put(LedgerKey("data/a.zip"), "{garbage").ok());
  Ledger ledger(*store);
  EXPECT_TRUE(ledger.Lookup("data/a.zip").status().IsCorruption());
}

TEST(LedgerTest, RecordValidatesTheEntry) {
  auto store = storage::NewMemoryObjectStore();
  Ledger ledger(*store);
  LedgerEntry e = SampleEntry();
  e.sha256 = "short";
  EXPECT_TRUE(ledger.Record(e).status().IsInvalidArgument());
}

}  // namespace
}  // namespace cryptolake::lake
