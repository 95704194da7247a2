#include "cryptolake/lake/demo_archive.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/silver_converter.h"

namespace cryptolake::lake {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path MakeTempDir() {
  std::string tmpl = (fs::path(testing::TempDir()) / "demo-archive-XXXXXX").string();
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

TEST(DemoArchiveTest, EveryFileVerifiesAndConvertsCleanly) {
  fs::path dir = MakeTempDir();
  DemoArchiveOptions options;
  options.agg_trades_per_day = 3000;
  Result<DemoArchive> demo = GenerateDemoArchive(dir, options);
  ASSERT_TRUE(demo.ok()) << demo.status().ToString();
  // 2 spot symbols + 1 um symbol klines for 2 days, cm aggTrades 2 days, 1 monthly funding.
  EXPECT_EQ(demo->files.size(), 2u * 2 + 2 + 2 + 1);
  EXPECT_EQ(demo->datasets.size(), 4u);
  int64_t rows = 0;
  for (const archive::ArchiveFile& f : demo->files) {
    std::string zip = ReadFile(dir / f.ZipPath());
    std::string sum = ReadFile(dir / f.ChecksumPath());
    ASSERT_TRUE(archive::VerifyChecksum(f.ZipName(), zip, sum).ok()) << f.ZipPath();
    Result<archive::ZipMember> member = archive::ExtractSingleMember(zip);
    ASSERT_TRUE(member.ok()) << member.status().ToString();
    EXPECT_EQ(member->name, f.ZipName().substr(0, f.ZipName().size() - 4) + ".csv");
    Result<SilverConversion> conv = ConvertCsvToSilver(f, member->name, member->data);
    ASSERT_TRUE(conv.ok()) << f.ZipPath() << ": " << conv.status().ToString();
    EXPECT_EQ(conv->rows_rejected, 0);
    rows += conv->rows_out;
    // Real formats: spot without header in µs, futures with header in ms.
    if (f.market == archive::Market::kSpot) {
      EXPECT_FALSE(conv->had_header);
      EXPECT_EQ(conv->time_unit, TimeUnit::kMicroseconds);
    } else {
      EXPECT_TRUE(conv->had_header);
      EXPECT_EQ(conv->time_unit, TimeUnit::kMilliseconds);
    }
  }
  EXPECT_EQ(rows, demo->csv_rows);
  fs::remove_all(dir);
}

TEST(DemoArchiveTest, DeterministicForTheSameOptions) {
  fs::path a = MakeTempDir(), b = MakeTempDir();
  Result<DemoArchive> da = GenerateDemoArchive(a), db = GenerateDemoArchive(b);
  ASSERT_TRUE(da.ok() && db.ok());
  for (const archive::ArchiveFile& f : da->files) {
    EXPECT_EQ(ReadFile(a / f.ZipPath()), ReadFile(b / f.ZipPath())) << f.ZipPath();
  }
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(DemoArchiveTest, RejectsBadOptions) {
  fs::path dir = MakeTempDir();
  DemoArchiveOptions o;
  o.days = 0;
  EXPECT_TRUE(GenerateDemoArchive(dir, o).status().IsInvalidArgument());
  o.days = 1;
  o.first_day = "2026-02-30";
  EXPECT_TRUE(GenerateDemoArchive(dir, o).status().IsInvalidArgument());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cryptolake::lake
