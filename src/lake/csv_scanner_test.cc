#include "cryptolake/lake/csv_scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cryptolake::lake {
namespace {

std::vector<std::pair<int64_t, std::string>> Lines(CsvScanner& s) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::string_view line;
  while (s.NextLine(&line)) out.emplace_back(s.line_number(), std::string(line));
  return out;
}

TEST(CsvScannerTest, NoHeaderWhenFirstByteIsDigitOrMinus) {
  CsvScanner s("1,2\n3,4\n");
  EXPECT_FALSE(s.has_header());
  auto lines = Lines(s);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::make_pair(int64_t{1}, std::string("1,2")));
  EXPECT_EQ(lines[1], std::make_pair(int64_t{2}, std::string("3,4")));
  CsvScanner neg("-1,2\n");
  EXPECT_FALSE(neg.has_header());
}

TEST(CsvScannerTest, HeaderSniffedAndCountedInLineNumbers) {
  CsvScanner s("a,b\n1,2\n3,4");  // no final newline
  EXPECT_TRUE(s.has_header());
  EXPECT_EQ(s.header(), "a,b");
  auto lines = Lines(s);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].first, 2);
  EXPECT_EQ(lines[1], std::make_pair(int64_t{3}, std::string("3,4")));
}

TEST(CsvScannerTest, CrlfIsStripped) {
  CsvScanner s("a,b\r\n1,2\r\n3,4\r\n");
  EXPECT_EQ(s.header(), "a,b");
  auto lines = Lines(s);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].second, "1,2");
  EXPECT_EQ(lines[1].second, "3,4");
}

TEST(CsvScannerTest, ByteOrderMarkSkipped) {
  CsvScanner s(
      "\xEF\xBB\xBF"
      "1,2\n");
  EXPECT_FALSE(s.has_header());
  auto lines = Lines(s);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].second, "1,2");
}

TEST(CsvScannerTest, EmptyAndHeaderOnlyInputsHaveNoDataLines) {
  CsvScanner empty("");
  EXPECT_FALSE(empty.has_header());
  EXPECT_TRUE(Lines(empty).empty());
  CsvScanner header_only("a,b\n");
  EXPECT_TRUE(header_only.has_header());
  EXPECT_TRUE(Lines(header_only).empty());
}

TEST(CsvScannerTest, EmptyLinesAreReturned) {
  CsvScanner s("1\n\n2\n");
  auto lines = Lines(s);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], std::make_pair(int64_t{2}, std::string("")));
}

TEST(CsvScannerTest, SplitFields) {
  std::string_view f[4];
  EXPECT_EQ(SplitCsvFields("a,b,,d", f), 4u);
  EXPECT_EQ(f[0], "a");
  EXPECT_EQ(f[2], "");
  EXPECT_EQ(f[3], "d");
  EXPECT_EQ(SplitCsvFields("1,2,3,4,5,6", f), 6u);  // counts beyond capacity
  EXPECT_EQ(f[3], "4");
  EXPECT_EQ(SplitCsvFields("", f), 1u);
  EXPECT_EQ(SplitCsvFields("x,", f), 2u);
  EXPECT_EQ(f[1], "");
}

TEST(CsvScannerTest, QuoteDetection) {
  EXPECT_TRUE(ContainsQuote("\"1,2\""));
  EXPECT_FALSE(ContainsQuote("12"));
  EXPECT_FALSE(ContainsQuote(""));
}

}  // namespace
}  // namespace cryptolake::lake
