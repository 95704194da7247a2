// Silver partition layout: where the rows of one (data type, market, symbol,
// interval, UTC date) live in the lake, plus the civil-date arithmetic used to
// assign rows to dates.
//
// Layout (hive-style, so DuckDB's read_parquet(..., hive_partitioning=true)
// recovers market/symbol/interval/date as columns):
//   silver/<data_type>/market=<spot|um|cm>/symbol=<SYMBOL>/[interval=<i>/]date=YYYY-MM-DD/
// The data type is a plain directory, not a `data_type=` key: every data type
// has its own schema, so one query reads one data type's tree. `interval=` is
// present only for kline-class types (klines, indexPriceKlines,
// markPriceKlines, premiumIndexKlines). The partition is the archive file's
// own day; a monthly archive file (fundingRate, or --period monthly) has one
// `month=YYYY-MM` partition instead of `date=`, so that each archive file is
// exactly one silver object (see docs/lake-layout.md for why). The object is
// named after the archive file: <zip name without .zip>.parquet.
// See docs/silver-schema.md.
//
// Thread-safety: stateless functions and plain values.
#ifndef CRYPTOLAKE_LAKE_PARTITION_H_
#define CRYPTOLAKE_LAKE_PARTITION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/common/status.h"

namespace cryptolake::lake {

inline constexpr int64_t kMicrosPerDay = INT64_C(86'400'000'000);

// Days since 1970-01-01 of a proleptic Gregorian date. REQUIRES: 1 <= month <= 12.
constexpr int64_t DaysFromCivil(int year, int month, int day) {
  // Shift the year to start in March so the leap day is the last day of a year.
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = month > 2 ? month - 3 : month + 9;
  const int doy = (153 * mp + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + doe - 719468;
}

constexpr bool IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

constexpr int DaysInMonth(int year, int month) {
  constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// The UTC day (days since the epoch) holding `micros` (floor division).
constexpr int64_t DayOfMicros(int64_t micros) {
  return micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
}

// "YYYY-MM-DD" of a day number. REQUIRES: the year is within 0..9999.
std::string FormatDate(int64_t days_since_epoch);

// Parses "YYYY-MM-DD" into days since the epoch.
Result<int64_t> ParseDate(std::string_view date);

// Identifies one silver partition.
struct PartitionKey {
  std::string data_type;  // archive name: "klines", "aggTrades", ...
  std::string market;     // "spot", "um" or "cm"
  std::string symbol;     // "BTCUSDT"
  std::string interval;   // kline-class types only ("1m"); empty otherwise
  std::string date;       // "YYYY-MM-DD" (daily file), or "YYYY-MM" (monthly file)
};

// "silver/<data_type>/market=<m>/symbol=<S>/[interval=<i>/]date=<d>/" (trailing '/'),
// "month=<YYYY-MM>/" in place of "date=" for a monthly key.
// REQUIRES: the key passed ValidatePartitionKey.
std::string SilverPartitionDir(const PartitionKey& key);

// InvalidArgument unless every part is a safe path component: data_type,
// market, symbol and interval consist of [A-Za-z0-9_-] (interval may be empty)
// and date is a valid "YYYY-MM-DD" or "YYYY-MM".
Status ValidatePartitionKey(const PartitionKey& key);

// The partition of an archive file's silver object. InvalidArgument when the
// file's names are unsafe as path components or its date is invalid.
Result<PartitionKey> PartitionKeyOf(const archive::ArchiveFile& file);

// "<SilverPartitionDir(key)><zip name without .zip>.parquet": the one silver
// object of `file`. The name does not depend on the file's digest or on the
// run's threads, so a republished file replaces it with one atomic write.
// [start, end) in µs since the epoch of the UTC day or month an archive file covers.
// InvalidArgument for a malformed date.
Result<std::pair<int64_t, int64_t>> ArchivePeriodMicros(const archive::ArchiveFile& file);

std::string SilverObjectKey(const PartitionKey& key, const archive::ArchiveFile& file);
// The same with ".rejects.csv": quarantined rows (--on-bad-rows quarantine).
std::string SilverRejectsKey(const PartitionKey& key, const archive::ArchiveFile& file);

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_PARTITION_H_
