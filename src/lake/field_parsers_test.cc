#include "field_parsers.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cryptolake::lake::internal {
namespace {

// Parses the whole of `s`; false when a prefix or nothing was consumed.
bool Int(std::string_view s, int64_t* out) {
  const char* end = s.data() + s.size();
  return ParseInt64(s.data(), end, out) == end;
}
bool Dec(std::string_view s, double* out) {
  const char* end = s.data() + s.size();
  return ParseDecimal(s.data(), end, out) == end;
}

TEST(FieldParsersTest, Int64AcceptsSignedValuesUpToTheLimit) {
  int64_t v = 0;
  EXPECT_TRUE(Int("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(Int("480537903", &v));
  EXPECT_EQ(v, 480537903);
  EXPECT_TRUE(Int("-42", &v));
  EXPECT_EQ(v, -42);
  EXPECT_TRUE(Int("1767225600039409", &v));
  EXPECT_EQ(v, 1767225600039409);
  EXPECT_TRUE(Int("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(Int("999999999999999999", &v));
  EXPECT_EQ(v, 999999999999999999);
}

TEST(FieldParsersTest, Int64RejectsOverflowAndNonDigits) {
  int64_t v = 0;
  EXPECT_FALSE(Int("9223372036854775808", &v));
  EXPECT_FALSE(Int("12345678901234567890", &v));
  EXPECT_FALSE(Int("", &v));
  EXPECT_FALSE(Int("-", &v));
  EXPECT_FALSE(Int("abc", &v));
  EXPECT_FALSE(Int("12a", &v));  // stops at 'a'
  EXPECT_FALSE(Int("1.5", &v));
}

TEST(FieldParsersTest, DecimalParsesArchiveNumbers) {
  double v = 0;
  EXPECT_TRUE(Dec("19560.7", &v));
  EXPECT_DOUBLE_EQ(v, 19560.7);
  EXPECT_TRUE(Dec("-0.00003449", &v));
  EXPECT_DOUBLE_EQ(v, -0.00003449);
  EXPECT_TRUE(Dec("7195.24000000", &v));
  EXPECT_DOUBLE_EQ(v, 7195.24);
  EXPECT_TRUE(Dec("542.0", &v));
  EXPECT_TRUE(Dec("0", &v));
  EXPECT_EQ(v, 0.0);
}

TEST(FieldParsersTest, DecimalRejectsNonNumbers) {
  double v = 0;
  EXPECT_FALSE(Dec("", &v));
  EXPECT_FALSE(Dec("abc", &v));
  EXPECT_FALSE(Dec("nan", &v));
  EXPECT_FALSE(Dec("inf", &v));
  EXPECT_FALSE(Dec("-inf", &v));
  EXPECT_FALSE(Dec("-", &v));
  EXPECT_FALSE(Dec("1.2.3", &v));
  EXPECT_FALSE(Dec("+1", &v));
}

TEST(FieldParsersTest, BoolAcceptsBothCapitalisations) {
  uint8_t b = 9;
  for (std::string_view s : {"true", "True"}) {
    EXPECT_EQ(ParseBool(s.data(), s.data() + s.size(), &b), s.data() + s.size()) << s;
    EXPECT_EQ(b, 1);
  }
  for (std::string_view s : {"false", "False"}) {
    EXPECT_EQ(ParseBool(s.data(), s.data() + s.size(), &b), s.data() + s.size()) << s;
    EXPECT_EQ(b, 0);
  }
  for (std::string_view s : {"TRUE", "1", "", "tru", "yes"}) {
    const char* end = s.data() + s.size();
    EXPECT_NE(ParseBool(s.data(), end, &b), end) << s;
  }
}

TEST(FieldParsersTest, DateTimeTextToMicros) {
  int64_t us = 0;
  std::string_view s = "2023-10-02 00:01:05";
  ASSERT_EQ(ParseDateTimeText(s.data(), s.data() + s.size(), &us), s.data() + s.size());
  EXPECT_EQ(us, (INT64_C(1696204800) + 65) * 1'000'000);
  std::string_view leap = "2024-02-29 23:59:59";
  ASSERT_NE(ParseDateTimeText(leap.data(), leap.data() + leap.size(), &us), nullptr);
  EXPECT_EQ(us, INT64_C(1709251199) * 1'000'000);
  for (std::string_view bad : {"2023-02-29 00:00:00", "2023-13-01 00:00:00", "2023-10-02T00:01:05",
                               "2023-10-02 24:00:00", "2023-10-02"}) {
    EXPECT_EQ(ParseDateTimeText(bad.data(), bad.data() + bad.size(), &us), nullptr) << bad;
  }
}

// The fast parsers read ahead up to `limit`; cells are embedded in a padded
// buffer the way the converter sees them (followed by ',' or a line end).
struct Padded {
  explicit Padded(std::string_view cell, char after = ',') : buf(cell) {
    buf += after;
    buf.append(64, '7');  // digits after the cell must not leak into it
  }
  const char* begin() const { return buf.data(); }
  const char* cell_end(std::string_view cell) const { return buf.data() + cell.size(); }
  const char* limit() const { return buf.data() + buf.size(); }
  std::string buf;
};

TEST(FieldParsersTest, FastIntegerMatchesScalar) {
  for (std::string_view s :
       {"0", "7", "-7", "12345678", "123456789", "1778198400020", "1767225600039409",
        "9999999999999999", "99999999999999999", "9223372036854775807", "9223372036854775808", "-",
        "", "a", "1a", "00000000000000000001"}) {
    Padded pad(s);
    int64_t fast = -1, slow = -2;
    const char* f = ParseInt64Fast(pad.begin(), pad.cell_end(s), pad.limit(), &fast);
    const char* e = ParseInt64(pad.begin(), pad.cell_end(s), &slow);
    ASSERT_EQ(f, e) << s;
    if (f != nullptr) {
      EXPECT_EQ(fast, slow) << s;
    }
  }
}

TEST(FieldParsersTest, FastIntegerStopsAtTheCellEndEvenBeforeDigits) {
  // A cell followed directly by digits (end inside a digit run) must not
  // swallow them.
  std::string buf = "12345" + std::string(40, '9');
  int64_t v = 0;
  const char* end = buf.data() + 5;
  EXPECT_EQ(ParseInt64Fast(buf.data(), end, buf.data() + buf.size(), &v), end);
  EXPECT_EQ(v, 12345);
}

TEST(FieldParsersTest, FastDecimalMatchesStrtodExactly) {
  std::mt19937_64 rng(42);
  std::vector<std::string> cases = {"0",
                                    "0.0",
                                    "79972.8",
                                    "542.0",
                                    "-0.00003449",
                                    "7195.24000000",
                                    "0.00000001",
                                    "19431",
                                    "-5.00",
                                    ".5",
                                    "-.5",
                                    "5.",
                                    "1e5",
                                    "1.5E-3",
                                    "123456789012345.678",
                                    "9007199254740993",
                                    "0.1234567890123456789",
                                    "99.33183109"};
  for (int i = 0; i < 20000; ++i) {
    uint64_t ip = rng() % 1000000;
    int frac_len = static_cast<int>(rng() % 12);
    std::string s;
    if (rng() % 5 == 0) s.push_back('-');
    s += std::to_string(ip);
    if (frac_len > 0) {
      s += '.';
      for (int j = 0; j < frac_len; ++j) s += static_cast<char>('0' + rng() % 10);
    }
    cases.push_back(s);
  }
  for (const std::string& s : cases) {
    Padded pad(s, '\n');
    double fast = -1;
    const char* f = ParseDecimalFast(pad.begin(), pad.cell_end(s), pad.limit(), &fast);
    ASSERT_EQ(f, pad.cell_end(s)) << s;
    EXPECT_EQ(fast, std::strtod(s.c_str(), nullptr)) << s;
  }
  for (std::string_view bad : {"", "-", ".", "abc", "nan", "inf", "1e999", "-1e400"}) {
    Padded pad(bad);
    double v = 0;
    EXPECT_NE(ParseDecimalFast(pad.begin(), pad.cell_end(bad), pad.limit(), &v), pad.cell_end(bad))
        << bad;
  }
}

}  // namespace
}  // namespace cryptolake::lake::internal
