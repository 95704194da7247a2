// ArchiveFile: one file of the Binance public data archive, named by its
// coordinates (market, period, data type, symbol, interval, date).
//
// Paths follow the archive's grammar:
//   data/{spot|futures/um|futures/cm|option}/{daily|monthly}/{dataType}/{SYMBOL}[/{interval}]/
//       {SYMBOL}-{interval|dataType}-{DATE}.zip     (+ ".CHECKSUM" sidecar)
// where DATE is YYYY-MM-DD (daily) or YYYY-MM (monthly). ZipPath() and
// Parse() are inverse.
//
// This layer knows the grammar, not the data types: the interval level exists
// exactly when ArchiveFile::interval is non-empty (and Parse() reads it from
// the path's shape). Which data types have an interval (the kline-class types)
// is declared once, in the lake's data-type table
// (cryptolake/lake/data_type_schema.h), which sits above this layer; callers
// set `interval` only for those types.
//
// Thread-safety: plain values and pure functions; safe from any thread.
#ifndef CRYPTOLAKE_ARCHIVE_ARCHIVE_FILE_H_
#define CRYPTOLAKE_ARCHIVE_ARCHIVE_FILE_H_

#include <array>
#include <string>
#include <string_view>

#include "cryptolake/common/status.h"

namespace cryptolake::archive {

// Adding a market: add it here and to kAllMarkets; the switches below (no
// `default:`) then fail to compile (-Werror=switch in archive_file.cc) until
// they name it.
enum class Market { kSpot, kUsdM, kCoinM, kOption };

// Every market, in enum order (checked by a static_assert in archive_file.cc).
inline constexpr std::array<Market, 4> kAllMarkets = {Market::kSpot, Market::kUsdM, Market::kCoinM,
                                                      Market::kOption};

// "spot", "um", "cm", "option": the archive's own names (also the CLI's
// --market values).
std::string_view MarketName(Market market);
// "spot", "USD-M futures", "COIN-M futures", "options": for help texts.
std::string_view MarketDescription(Market market);
// Accepts every MarketName(). InvalidArgument otherwise, listing the choices.
Result<Market> ParseMarket(std::string_view name);
// "data/spot", "data/futures/um", "data/futures/cm", "data/option".
std::string_view MarketPathPrefix(Market market);

enum class Period { kDaily, kMonthly };

// "daily", "monthly".
std::string_view PeriodName(Period period);
Result<Period> ParsePeriod(std::string_view name);

// True if `date` is a valid calendar date in the period's form: YYYY-MM-DD
// for daily, YYYY-MM for monthly.
bool IsValidArchiveDate(Period period, std::string_view date);

struct ArchiveFile {
  Market market = Market::kSpot;
  Period period = Period::kDaily;
  std::string data_type;  // Archive name: "klines", "aggTrades", "fundingRate", ...
  std::string symbol;     // "BTCUSDT", "BTCUSD_PERP", ...
  // Kline-class types only ("1m", "1h", "1mo"); empty otherwise. Non-empty
  // means the path has an interval level.
  std::string interval;
  std::string date;  // "YYYY-MM-DD" (daily) or "YYYY-MM" (monthly).

  // "data/.../SYMBOL/1m/" — the folder holding the zip, with a trailing '/'.
  std::string DirPath() const;
  // "SYMBOL-1m-2020-01-01.zip" / "SYMBOL-aggTrades-2026-05-08.zip".
  std::string ZipName() const;
  // DirPath() + ZipName().
  std::string ZipPath() const;
  // ZipPath() + ".CHECKSUM".
  std::string ChecksumPath() const;

  // Parses an archive path such as
  // "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip" (a leading
  // '/' is tolerated). A folder between symbol and file is the interval, and
  // the file name must then carry it in place of the data type. InvalidArgument
  // naming the path and the first part that does not fit the grammar
  // (including a file name that disagrees with its folders, or an impossible
  // date). Whether the data type exists, or should have an interval, is the
  // caller's question (lake::FindDataTypeSchema, DataTypeSchema::CheckInterval).
  static Result<ArchiveFile> Parse(std::string_view zip_path);

  friend bool operator==(const ArchiveFile&, const ArchiveFile&) = default;
};

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_ARCHIVE_ARCHIVE_FILE_H_
