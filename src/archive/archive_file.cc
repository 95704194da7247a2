// Archive path grammar: building and parsing data/.../X.zip paths.
#include "cryptolake/archive/archive_file.h"

#include <string>
#include <vector>

// Every switch over Market names every market (no `default:`), so adding one
// fails to compile until each switch handles it.
#pragma GCC diagnostic error "-Wswitch"

namespace cryptolake::archive {
namespace {

constexpr bool MarketsInEnumOrder() {
  for (size_t i = 0; i < kAllMarkets.size(); ++i) {
    if (static_cast<size_t>(kAllMarkets[i]) != i) return false;
  }
  return true;
}
static_assert(MarketsInEnumOrder(), "kAllMarkets must list every Market in enum order");

// "spot, um, cm or option" (names) / "spot, futures/um, ..." (path folders).
std::string ListMarkets(bool folders) {
  std::string out;
  for (size_t i = 0; i < kAllMarkets.size(); ++i) {
    if (i > 0) out += i + 1 == kAllMarkets.size() ? " or " : ", ";
    std::string_view name = folders ? MarketPathPrefix(kAllMarkets[i]).substr(5)  // "data/"
                                    : MarketName(kAllMarkets[i]);
    out += name;
  }
  return out;
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int ToInt(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Symbols are upper-case letters, digits and '_' (BTCUSD_PERP, BTCUSDT_260925).
bool IsValidSymbol(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Data types and intervals: ASCII letters and digits ("aggTrades", "1mo").
bool IsValidName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      parts.push_back(path.substr(start));
      return parts;
    }
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

std::string_view MarketName(Market market) {
  switch (market) {
    case Market::kSpot:
      return "spot";
    case Market::kUsdM:
      return "um";
    case Market::kCoinM:
      return "cm";
    case Market::kOption:
      return "option";
  }
  return "?";
}

std::string_view MarketDescription(Market market) {
  switch (market) {
    case Market::kSpot:
      return "spot";
    case Market::kUsdM:
      return "USD-M futures";
    case Market::kCoinM:
      return "COIN-M futures";
    case Market::kOption:
      return "options";
  }
  return "?";
}

Result<Market> ParseMarket(std::string_view name) {
  for (Market m : kAllMarkets) {
    if (name == MarketName(m)) return m;
  }
  return Status::InvalidArgument("unknown market \"" + std::string(name) + "\" (expected " +
                                 ListMarkets(false) + ")");
}

std::string_view MarketPathPrefix(Market market) {
  switch (market) {
    case Market::kSpot:
      return "data/spot";
    case Market::kUsdM:
      return "data/futures/um";
    case Market::kCoinM:
      return "data/futures/cm";
    case Market::kOption:
      return "data/option";
  }
  return "?";
}

std::string_view PeriodName(Period period) {
  return period == Period::kDaily ? "daily" : "monthly";
}

Result<Period> ParsePeriod(std::string_view name) {
  if (name == "daily") return Period::kDaily;
  if (name == "monthly") return Period::kMonthly;
  return Status::InvalidArgument("unknown period \"" + std::string(name) +
                                 "\" (expected daily or monthly)");
}

bool IsValidArchiveDate(Period period, std::string_view date) {
  size_t want = period == Period::kDaily ? 10 : 7;
  if (date.size() != want || date[4] != '-') return false;
  if (!AllDigits(date.substr(0, 4)) || !AllDigits(date.substr(5, 2))) return false;
  int year = ToInt(date.substr(0, 4));
  int month = ToInt(date.substr(5, 2));
  if (year < 1970 || month < 1 || month > 12) return false;
  if (period == Period::kMonthly) return true;
  if (date[7] != '-' || !AllDigits(date.substr(8, 2))) return false;
  int day = ToInt(date.substr(8, 2));
  return day >= 1 && day <= DaysInMonth(year, month);
}

std::string ArchiveFile::DirPath() const {
  std::string out(MarketPathPrefix(market));
  out += '/';
  out += PeriodName(period);
  out += '/';
  out += data_type;
  out += '/';
  out += symbol;
  out += '/';
  if (!interval.empty()) {
    out += interval;
    out += '/';
  }
  return out;
}

std::string ArchiveFile::ZipName() const {
  std::string out = symbol;
  out += '-';
  out += interval.empty() ? data_type : interval;
  out += '-';
  out += date;
  out += ".zip";
  return out;
}

std::string ArchiveFile::ZipPath() const { return DirPath() + ZipName(); }

std::string ArchiveFile::ChecksumPath() const { return ZipPath() + ".CHECKSUM"; }

Result<ArchiveFile> ArchiveFile::Parse(std::string_view zip_path) {
  std::string_view path = zip_path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("not an archive zip path \"" + std::string(zip_path) +
                                   "\": " + std::string(why));
  };
  ArchiveFile f;
  bool known_market = false;
  for (Market m : kAllMarkets) {
    std::string_view prefix = MarketPathPrefix(m);
    if (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix &&
        path[prefix.size()] == '/') {
      f.market = m;
      path.remove_prefix(prefix.size() + 1);
      known_market = true;
      break;
    }
  }
  if (!known_market) {
    if (path.substr(0, 5) != "data/") return bad("does not start with data/");
    return bad("unknown market folder (expected " + ListMarkets(true) + ")");
  }
  // period / type / symbol / [interval /] file
  std::vector<std::string_view> parts = SplitPath(path);
  if (parts.size() < 4) return bad("too few path components");
  if (parts.size() > 5) return bad("unexpected number of path components");
  auto period = ParsePeriod(parts[0]);
  if (!period.ok()) return bad("unknown period folder \"" + std::string(parts[0]) + "\"");
  f.period = *period;
  if (!IsValidName(parts[1])) return bad("invalid data type folder");
  f.data_type = std::string(parts[1]);
  if (!IsValidSymbol(parts[2])) return bad("invalid symbol folder");
  f.symbol = std::string(parts[2]);
  size_t file_index = 3;
  if (parts.size() == 5) {
    if (!IsValidName(parts[3])) return bad("invalid interval folder");
    f.interval = std::string(parts[3]);
    file_index = 4;
  }
  std::string_view name = parts[file_index];
  const std::string_view kZip = ".zip";
  if (name.size() <= kZip.size() || name.substr(name.size() - kZip.size()) != kZip) {
    return bad("file name does not end in .zip");
  }
  // The date is the tail of the stem; its length follows from the period.
  std::string_view stem = name.substr(0, name.size() - kZip.size());
  size_t date_len = f.period == Period::kDaily ? 10 : 7;
  if (stem.size() <= date_len + 1) return bad("file name too short");
  f.date = std::string(stem.substr(stem.size() - date_len));
  if (!IsValidArchiveDate(f.period, f.date)) {
    return bad("invalid " + std::string(PeriodName(f.period)) + " date \"" + f.date + "\"");
  }
  if (f.ZipName() != name) {
    return bad("file name does not match its folders (expected " + f.ZipName() + ")");
  }
  return f;
}

}  // namespace cryptolake::archive
