// Field parsers for the archive's CSV cells: integers, decimals, booleans,
// "YYYY-MM-DD HH:MM:SS" datetimes, "YYYY-MM-DD" dates and hours of the day.
// Internal to src/lake.
//
// Each parser starts at `p`, consumes the longest valid prefix of the cell and
// returns the position just after it, or nullptr when the cell does not start
// with a valid value. The caller then checks that the returned position is the
// cell's end (a ',' or the end of the line): this fused design lets the
// converter parse each byte once instead of splitting fields first.
//
// Thread-safety: stateless free functions.
#ifndef CRYPTOLAKE_SRC_LAKE_FIELD_PARSERS_H_
#define CRYPTOLAKE_SRC_LAKE_FIELD_PARSERS_H_

#include <fast_float/fast_float.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "cryptolake/lake/partition.h"

namespace cryptolake::lake::internal {

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') <= 9; }

// Optional '-', then 1 to 18 digits, or 19 digits that fit in int64.
inline const char* ParseInt64(const char* p, const char* end, int64_t* out) {
  bool negative = false;
  if (p < end && *p == '-') {
    negative = true;
    ++p;
  }
  const char* start = p;
  uint64_t value = 0;
  // Up to 18 digits cannot overflow uint64 arithmetic below 1e18.
  const char* fast_end = end - p > 18 ? p + 18 : end;
  while (p < fast_end && IsDigit(*p)) {
    value = value * 10 + static_cast<uint64_t>(*p - '0');
    ++p;
  }
  if (p == start) return nullptr;
  if (p < end && IsDigit(*p)) {
    // A 19th digit: accept only when the result stays within int64.
    uint64_t digit = static_cast<uint64_t>(*p - '0');
    if (p - start != 18 || value > (UINT64_C(9223372036854775807) - digit) / 10) return nullptr;
    value = value * 10 + digit;
    ++p;
    if (p < end && IsDigit(*p)) return nullptr;  // 20+ digits: overflow
  }
  *out = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
  return p;
}

// A plain finite decimal number ("123", "-0.5", "1.0e-5", ".5"); never "nan"/"inf"
// and nothing that overflows to infinity.
// This is the general (slower) path; ParseDecimalFast handles the common case.
inline const char* ParseDecimal(const char* p, const char* end, double* out) {
  if (p == end) return nullptr;
  char c = *p;
  if (!IsDigit(c) && c != '-' && c != '.') return nullptr;
  if (c == '-' && (p + 1 == end || (!IsDigit(p[1]) && p[1] != '.'))) return nullptr;
  auto result = fast_float::from_chars(p, end, *out);
  if (result.ec != std::errc() || !std::isfinite(*out)) return nullptr;  // "1e999"
  return result.ptr;
}

// ---- SWAR (8 bytes at a time) digit runs --------------------------------
//
// The fast parsers below read 8 bytes at a time. They may read past the cell
// and past `end`, but never past `limit` (the end of the whole buffer); a run
// of digits always stops at the byte after the cell (',', '\r', '\n'), so the
// extra bytes never change a result. Near `limit` they use the scalar code.

inline uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian: p[0] is the lowest byte
}

// Number of leading bytes of `v` that are ASCII digits (0..8).
__attribute__((always_inline)) inline int LeadingDigits(uint64_t v) {
  const uint64_t x = v ^ UINT64_C(0x3030303030303030);  // digits -> 0..9
  // Bytes 0..9 stay below 0x80 after adding 0x76; anything else gets its high
  // bit set (or already had it). A carry out of a non-digit byte only touches
  // higher (later) bytes, so the lowest flagged byte is exact.
  const uint64_t flags = ((x + UINT64_C(0x7676767676767676)) | x) & UINT64_C(0x8080808080808080);
  return flags == 0 ? 8 : __builtin_ctzll(flags) / 8;
}

// Value of the first k (1..8) digit bytes of `v`.
__attribute__((always_inline)) inline uint64_t DigitsValue(uint64_t v, int k) {
  uint64_t d = (v ^ UINT64_C(0x3030303030303030)) << (8 * (8 - k));  // right-align as 8 digits
  // Byte i (i = 0 most significant) holds digit i. Combine neighbours into
  // 2-, then 4-, then 8-digit values.
  d = (d & UINT64_C(0x000F000F000F000F)) * 10 + ((d >> 8) & UINT64_C(0x000F000F000F000F));
  d = (d & UINT64_C(0x0000007F0000007F)) * 100 + ((d >> 16) & UINT64_C(0x0000007F0000007F));
  return (d & UINT64_C(0x3FFF)) * 10000 + ((d >> 32) & UINT64_C(0x3FFF));
}

inline constexpr uint64_t kPow10U64[9] = {1,      10,      100,      1000,     10000,
                                          100000, 1000000, 10000000, 100000000};

// Reads a run of up to 16 digits at p (p + 16 <= limit). Adds them to *value
// (value = value * 10^n + run) and returns the number of digits n; 16 means
// the run may continue.
__attribute__((always_inline)) inline int DigitRun16(const char* p, uint64_t* value) {
  uint64_t v = Load8(p);
  int k = LeadingDigits(v);
  if (k == 0) return 0;
  *value = *value * kPow10U64[k] + DigitsValue(v, k);
  if (k < 8) return k;
  v = Load8(p + 8);
  int k2 = LeadingDigits(v);
  if (k2 == 0) return 8;
  *value = *value * kPow10U64[k2] + DigitsValue(v, k2);
  return 8 + k2;
}

// ParseInt64 with an 8-bytes-at-a-time fast path.
__attribute__((always_inline)) inline const char* ParseInt64Fast(const char* p, const char* end,
                                                                 const char* limit, int64_t* out) {
  if (limit - p < 18) return ParseInt64(p, end, out);
  const char* const start = p;
  const bool negative = *p == '-';
  p += negative;
  uint64_t value = 0;
  int n = DigitRun16(p, &value);
  if (n == 0) return nullptr;
  // 16+ digits (µs timestamps have 16): finish or, near overflow, go scalar.
  if (n == 16 && IsDigit(p[16])) return ParseInt64(start, end, out);
  if (p + n > end) return ParseInt64(start, end, out);  // digits beyond the cell's end
  *out = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
  return p + n;
}

inline constexpr double kPow10Double[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// ParseDecimal with a fast path for "[-]digits[.digits]": when the digits
// form an integer m <= 2^53 with f <= 22 fraction digits, m / 10^f is one
// correctly rounded IEEE division of two exact values, i.e. the same double
// strtod returns. Everything else (exponents, long mantissas) goes to
// fast_float.
__attribute__((always_inline)) inline const char* ParseDecimalFast(const char* p, const char* end,
                                                                   const char* limit, double* out) {
  if (limit - p < 36) return ParseDecimal(p, end, out);
  const char* q = p;
  const bool negative = *q == '-';
  q += negative;
  uint64_t m = 0;
  int int_digits = DigitRun16(q, &m);
  if (int_digits == 16) return ParseDecimal(p, end, out);
  q += int_digits;
  int frac_digits = 0;
  if (*q == '.') {
    ++q;
    frac_digits = DigitRun16(q, &m);
    if (frac_digits == 16) return ParseDecimal(p, end, out);
    q += frac_digits;
  }
  if (int_digits + frac_digits == 0 || int_digits + frac_digits > 19 || q > end || *q == 'e' ||
      *q == 'E' || m > (UINT64_C(1) << 53) || frac_digits > 22) {
    return ParseDecimal(p, end, out);
  }
  double v = static_cast<double>(m) / kPow10Double[frac_digits];
  *out = negative ? -v : v;
  return q;
}

// "true", "false", "True", "False".
inline const char* ParseBool(const char* p, const char* end, uint8_t* out) {
  size_t n = static_cast<size_t>(end - p);
  if (n >= 4 && (p[0] == 't' || p[0] == 'T') && std::memcmp(p + 1, "rue", 3) == 0) {
    *out = 1;
    return p + 4;
  }
  if (n >= 5 && (p[0] == 'f' || p[0] == 'F') && std::memcmp(p + 1, "alse", 4) == 0) {
    *out = 0;
    return p + 5;
  }
  return nullptr;
}

inline bool TwoDigits(const char* p, int* out) {
  if (!IsDigit(p[0]) || !IsDigit(p[1])) return false;
  *out = (p[0] - '0') * 10 + (p[1] - '0');
  return true;
}

// "YYYY-MM-DD HH:MM:SS" (UTC) -> microseconds since the epoch.
inline const char* ParseDateTimeText(const char* p, const char* end, int64_t* out_micros) {
  constexpr int kLen = 19;
  if (end - p < kLen) return nullptr;
  int y_hi, y_lo, month, day, hour, minute, second;
  if (!TwoDigits(p, &y_hi) || !TwoDigits(p + 2, &y_lo) || p[4] != '-' ||
      !TwoDigits(p + 5, &month) || p[7] != '-' || !TwoDigits(p + 8, &day) || p[10] != ' ' ||
      !TwoDigits(p + 11, &hour) || p[13] != ':' || !TwoDigits(p + 14, &minute) || p[16] != ':' ||
      !TwoDigits(p + 17, &second)) {
    return nullptr;
  }
  int year = y_hi * 100 + y_lo;
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return nullptr;
  }
  int64_t days = DaysFromCivil(year, month, day);
  *out_micros =
      ((days * 24 + hour) * 60 + minute) * INT64_C(60'000'000) + second * INT64_C(1'000'000);
  return p + kLen;
}

// "YYYY-MM-DD" (UTC) -> µs of that midnight.
inline const char* ParseDateText(const char* p, const char* end, int64_t* out_micros) {
  constexpr int kLen = 10;
  if (end - p < kLen) return nullptr;
  int y_hi, y_lo, month, day;
  if (!TwoDigits(p, &y_hi) || !TwoDigits(p + 2, &y_lo) || p[4] != '-' ||
      !TwoDigits(p + 5, &month) || p[7] != '-' || !TwoDigits(p + 8, &day)) {
    return nullptr;
  }
  int year = y_hi * 100 + y_lo;
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return nullptr;
  *out_micros = DaysFromCivil(year, month, day) * kMicrosPerDay;
  return p + kLen;
}

// An hour of the day, 0..23 (one or two digits) -> µs since midnight.
inline const char* ParseHourOfDay(const char* p, const char* end, int64_t* out_micros) {
  int64_t hour = 0;
  const char* q = ParseInt64(p, end, &hour);
  if (q == nullptr || *p == '-' || q - p > 2 || hour > 23) return nullptr;
  *out_micros = hour * INT64_C(3'600'000'000);
  return q;
}

}  // namespace cryptolake::lake::internal

#endif  // CRYPTOLAKE_SRC_LAKE_FIELD_PARSERS_H_
