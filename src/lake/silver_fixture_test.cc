// Converts every real archive file of ../shared/fixtures and cross-checks the
// silver columns against an independent, naive parse of the same CSV
// (strtod/strtoll over split fields). Skipped, with the reason, when the
// fixtures are not present (a plain clone of the repository).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/csv_scanner.h"
#include "cryptolake/lake/data_type_schema.h"
#include "cryptolake/lake/silver_converter.h"

namespace cryptolake::lake {
namespace {

namespace fs = std::filesystem;

fs::path FixturesRoot() {
  if (const char* env = std::getenv("CRYPTOLAKE_FIXTURES_DIR")) return fs::path(env);
  return fs::path(CRYPTOLAKE_SOURCE_DIR) / ".." / "shared" / "fixtures";
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct FixtureCase {
  std::string archive_path;  // under binance-archive/
  int64_t rows;
  bool header;
  TimeUnit unit;
  size_t partitions;
};

const std::vector<FixtureCase>& Cases() {
  static const std::vector<FixtureCase> cases = {
      {"data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2026-05-08.zip", 24, false,
       TimeUnit::kMicroseconds, 1},
      {"data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip", 1440, false,
       TimeUnit::kMilliseconds, 1},
      {"data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2022-09-05.zip", 1440, true,
       TimeUnit::kMilliseconds, 1},
      {"data/futures/cm/daily/klines/BTCUSD_PERP/1m/BTCUSD_PERP-1m-2022-10-24.zip", 1440, true,
       TimeUnit::kMilliseconds, 1},
      {"data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2026-04.zip", 90, true,
       TimeUnit::kMilliseconds, 30},
      {"data/futures/cm/daily/aggTrades/BTCUSD_PERP/BTCUSD_PERP-aggTrades-2026-05-08.zip", 105280,
       true, TimeUnit::kMilliseconds, 1},
  };
  return cases;
}

// Per-column totals over all rows: doubles summed in file order (so both
// sides round identically), integers summed modulo 2^64.
struct ColumnTotals {
  double sum = 0;
  uint64_t int_sum = 0;  // wraps: µs timestamps overflow int64 sums
  int64_t rows = 0;
};

void CheckAgainstNaiveParse(const archive::ArchiveFile& file, std::string_view csv,
                            const SilverConversion& conv) {
  const DataTypeSchema& schema = *conv.schema;
  const std::vector<CsvColumnSpec>& cols = *schema.CsvColumns(file.market);
  std::vector<ColumnTotals> naive(cols.size());
  bool micros = conv.time_unit == TimeUnit::kMicroseconds;
  CsvScanner scanner(csv);
  std::string_view line;
  std::vector<std::string_view> fields(cols.size() + 1);
  while (scanner.NextLine(&line)) {
    ASSERT_EQ(SplitCsvFields(line, fields), cols.size());
    for (size_t c = 0; c < cols.size(); ++c) {
      std::string cell(fields[c]);
      switch (cols[c].kind) {
        case CsvFieldKind::kDecimal:
          naive[c].sum += std::strtod(cell.c_str(), nullptr);
          break;
        case CsvFieldKind::kInt64:
          naive[c].int_sum += static_cast<uint64_t>(std::strtoll(cell.c_str(), nullptr, 10));
          break;
        case CsvFieldKind::kEpochTime:
          naive[c].int_sum +=
              static_cast<uint64_t>(std::strtoll(cell.c_str(), nullptr, 10)) * (micros ? 1 : 1000);
          break;
        case CsvFieldKind::kBool:
          naive[c].int_sum += (cell == "true" || cell == "True") ? 1 : 0;
          break;
        default:
          break;
      }
      ++naive[c].rows;
    }
  }
  for (size_t c = 0; c < cols.size(); ++c) {
    if (cols[c].silver_name.empty()) continue;
    ColumnTotals silver;
    {
      const SilverConversion& p = conv;
      int col = p.batch.schema().FindColumn(cols[c].silver_name);
      ASSERT_GE(col, 0);
      switch (cols[c].kind) {
        case CsvFieldKind::kDecimal:
          for (double v : p.batch.Double(col)) silver.sum += v;
          break;
        case CsvFieldKind::kInt64:
        case CsvFieldKind::kEpochTime:
          for (int64_t v : p.batch.Int64(col)) silver.int_sum += static_cast<uint64_t>(v);
          break;
        case CsvFieldKind::kBool:
          for (uint8_t v : p.batch.Bool(col)) silver.int_sum += v;
          break;
        default:
          break;
      }
    }
    EXPECT_EQ(silver.sum, naive[c].sum) << cols[c].name;
    EXPECT_EQ(silver.int_sum, naive[c].int_sum) << cols[c].name;
  }
}

class SilverFixtureTest : public ::testing::TestWithParam<size_t> {};

TEST_P(SilverFixtureTest, ConvertsRealArchiveFile) {
  const FixtureCase& fc = Cases()[GetParam()];
  fs::path zip_path = FixturesRoot() / "binance-archive" / fc.archive_path;
  if (!fs::exists(zip_path)) {
    GTEST_SKIP() << "fixture not present: " << zip_path
                 << " (set CRYPTOLAKE_FIXTURES_DIR or place ../shared/fixtures beside the repo)";
  }
  auto file = archive::ArchiveFile::Parse(fc.archive_path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto member = archive::ExtractSingleMember(ReadFile(zip_path));
  ASSERT_TRUE(member.ok()) << member.status().ToString();
  auto conv = ConvertCsvToSilver(*file, member->name, member->data, {});
  ASSERT_TRUE(conv.ok()) << conv.status().ToString();
  EXPECT_EQ(conv->rows_in, fc.rows);
  EXPECT_EQ(conv->rows_out, fc.rows);
  EXPECT_EQ(conv->rows_rejected, 0);
  EXPECT_EQ(conv->had_header, fc.header);
  EXPECT_EQ(conv->time_unit, fc.unit);
  Status valid = conv->batch.Validate();
  EXPECT_TRUE(valid.ok()) << valid.ToString();
  EXPECT_EQ(static_cast<int64_t>(conv->batch.num_rows()), fc.rows);
  // One object per archive file, in the file's own day or month partition.
  const std::string key = file->period == archive::Period::kDaily ? "date=" : "month=";
  EXPECT_NE(conv->partition_dir.find(key + file->date + "/"), std::string::npos)
      << conv->partition_dir;
  CheckAgainstNaiveParse(*file, member->data, *conv);
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, SilverFixtureTest, ::testing::Range<size_t>(0, 6));

TEST(SilverExcerptTest, SpotAggTradesMicrosecondsEightColumns) {
  fs::path p = FixturesRoot() / "csv-excerpts" / "spot-BTCUSDT-aggTrades-2026-01-01-first5000.csv";
  if (!fs::exists(p)) GTEST_SKIP() << "fixture not present: " << p;
  auto file = archive::ArchiveFile::Parse(
      "data/spot/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2026-01-01.zip");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::string csv = ReadFile(p);
  auto conv = ConvertCsvToSilver(*file, p.filename().string(), csv, {});
  ASSERT_TRUE(conv.ok()) << conv.status().ToString();
  EXPECT_EQ(conv->rows_out, 5000);
  EXPECT_FALSE(conv->had_header);
  EXPECT_EQ(conv->time_unit, TimeUnit::kMicroseconds);
  const auto& b = conv->batch;
  int best = b.schema().FindColumn("is_best_match");
  EXPECT_TRUE(b.IsValid(best, 0));
  CheckAgainstNaiveParse(*file, csv, *conv);
}

TEST(SilverExcerptTest, UsdMBookTicker) {
  fs::path p = FixturesRoot() / "csv-excerpts" / "um-BTCUSDT-bookTicker-2023-10-02-first9999.csv";
  if (!fs::exists(p)) GTEST_SKIP() << "fixture not present: " << p;
  auto file = archive::ArchiveFile::Parse(
      "data/futures/um/daily/bookTicker/BTCUSDT/BTCUSDT-bookTicker-2023-10-02.zip");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::string csv = ReadFile(p);
  auto conv = ConvertCsvToSilver(*file, p.filename().string(), csv, {});
  ASSERT_TRUE(conv.ok()) << conv.status().ToString();
  EXPECT_TRUE(conv->had_header);
  EXPECT_EQ(conv->rows_out, 9999);
  CheckAgainstNaiveParse(*file, csv, *conv);
}

}  // namespace
}  // namespace cryptolake::lake
