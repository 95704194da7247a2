// The reader on damaged input: every failure is a clean Status, never a crash
// (this test also runs under ASan/UBSan).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "cryptolake/parquet/file_reader.h"
#include "cryptolake/parquet/file_writer.h"
#include "parquet_test_util.h"

namespace cryptolake::parquet {
namespace {

std::string SmallFile(bool v2) {
  WriterOptions opts;
  opts.row_group_rows = 40;
  opts.page_bytes = 64;
  opts.data_page_v2 = v2;
  opts.compression = v2 ? Compression::kSnappy : Compression::kZstd;
  FileWriter w(testing::AllTypesSchema(), opts);
  w.Append(testing::AllTypesBatch(100));
  Result<std::string> f = w.Finish();
  EXPECT_TRUE(f.ok());
  return *f;
}

// Opens and reads everything; returns the first error (or OK).
Status OpenAndRead(const std::string& bytes) {
  Result<FileReader> r = FileReader::Open(bytes);
  if (!r.ok()) return r.status();
  return r->ReadAll().status();
}

TEST(FileReaderCorruptTest, TooSmallAndBadMagic) {
  EXPECT_TRUE(OpenAndRead("").IsCorruption());
  EXPECT_TRUE(OpenAndRead("PAR1PAR1").IsCorruption());
  std::string f = SmallFile(false);
  std::string bad = f;
  bad[0] = 'X';
  EXPECT_TRUE(OpenAndRead(bad).IsCorruption());
  bad = f;
  bad[bad.size() - 1] = 'X';
  EXPECT_TRUE(OpenAndRead(bad).IsCorruption());
}

TEST(FileReaderCorruptTest, BadFooterLength) {
  std::string f = SmallFile(false);
  for (uint32_t len : {0xFFFFFFFFu, static_cast<uint32_t>(f.size()), 0u, 3u}) {
    std::string bad = f;
    std::memcpy(bad.data() + bad.size() - 8, &len, 4);
    Status st = OpenAndRead(bad);
    EXPECT_FALSE(st.ok()) << len;
  }
}

TEST(FileReaderCorruptTest, GarbageThriftFooter) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    std::string footer(1 + rng() % 200, '\0');
    for (char& c : footer) c = static_cast<char>(rng());
    std::string file = "PAR1" + footer;
    uint32_t len = static_cast<uint32_t>(footer.size());
    file.append(reinterpret_cast<const char*>(&len), 4);
    file += "PAR1";
    EXPECT_FALSE(OpenAndRead(file).ok());
  }
}

TEST(FileReaderCorruptTest, EveryTruncationFailsCleanly) {
  for (bool v2 : {false, true}) {
    std::string f = SmallFile(v2);
    for (size_t n = 0; n < f.size(); ++n) {
      Status st = OpenAndRead(f.substr(0, n));
      EXPECT_FALSE(st.ok()) << "prefix " << n;
    }
  }
}

TEST(FileReaderCorruptTest, ByteFlipsNeverCrash) {
  for (bool v2 : {false, true}) {
    std::string f = SmallFile(v2);
    size_t failures = 0;
    for (size_t i = 0; i < f.size(); ++i) {
      for (uint8_t x : {0x01, 0x80, 0xFF}) {
        std::string bad = f;
        bad[i] = static_cast<char>(bad[i] ^ x);
        if (!OpenAndRead(bad).ok()) ++failures;
      }
    }
    // Most flips hit compressed data, headers or the footer and are detected.
    EXPECT_GT(failures, f.size());
  }
}

TEST(FileReaderCorruptTest, RowGroupOutOfRange) {
  Result<FileReader> r = FileReader::Open(SmallFile(false));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ReadRowGroup(-1).status().IsInvalidArgument());
  EXPECT_TRUE(r->ReadRowGroup(r->num_row_groups()).status().IsInvalidArgument());
}

}  // namespace
}  // namespace cryptolake::parquet
