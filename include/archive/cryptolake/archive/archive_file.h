// ArchiveFile: one file of the Binance public data archive, named by its
// coordinates (market, period, data type, symbol, interval, date).
//
// Paths follow the archive's grammar:
//   data/{spot|futures/um|futures/cm}/{daily|monthly}/{dataType}/{SYMBOL}[/{interval}]/
//       {SYMBOL}-{interval|dataType}-{DATE}.zip     (+ ".CHECKSUM" sidecar)
// where the interval level exists only for kline-class types (klines,
// indexPriceKlines, markPriceKlines, premiumIndexKlines), and DATE is
// YYYY-MM-DD (daily) or YYYY-MM (monthly). ZipPath() and Parse() are inverse.
//
// Thread-safety: plain values and pure functions; safe from any thread.
#ifndef CRYPTOLAKE_ARCHIVE_ARCHIVE_FILE_H_
#define CRYPTOLAKE_ARCHIVE_ARCHIVE_FILE_H_

#include <string>
#include <string_view>

#include "cryptolake/common/status.h"

namespace cryptolake::archive {

enum class Market { kSpot, kUsdM, kCoinM };

// "spot", "um", "cm": the archive's own names (also the CLI's --market values).
std::string_view MarketName(Market market);
// Accepts "spot", "um", "cm". InvalidArgument otherwise, listing the choices.
Result<Market> ParseMarket(std::string_view name);
// "data/spot", "data/futures/um", "data/futures/cm".
std::string_view MarketPathPrefix(Market market);

enum class Period { kDaily, kMonthly };

// "daily", "monthly".
std::string_view PeriodName(Period period);
Result<Period> ParsePeriod(std::string_view name);

// True for klines, indexPriceKlines, markPriceKlines, premiumIndexKlines: the
// types whose paths carry an interval level.
bool IsKlineClass(std::string_view data_type);

// True if `date` is a valid calendar date in the period's form: YYYY-MM-DD
// for daily, YYYY-MM for monthly.
bool IsValidArchiveDate(Period period, std::string_view date);

struct ArchiveFile {
  Market market = Market::kSpot;
  Period period = Period::kDaily;
  std::string data_type;  // Archive name: "klines", "aggTrades", "fundingRate", ...
  std::string symbol;     // "BTCUSDT", "BTCUSD_PERP", ...
  std::string interval;   // Kline-class types only ("1m", "1h", "1mo"); empty otherwise.
  std::string date;       // "YYYY-MM-DD" (daily) or "YYYY-MM" (monthly).

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
  // '/' is tolerated). InvalidArgument naming the path and the first part
  // that does not fit the grammar (including a file name that disagrees with
  // its folders, or an impossible date).
  static Result<ArchiveFile> Parse(std::string_view zip_path);

  friend bool operator==(const ArchiveFile&, const ArchiveFile&) = default;
};

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_ARCHIVE_ARCHIVE_FILE_H_
