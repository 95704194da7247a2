// Archive path grammar: building and parsing data/.../X.zip paths.
#include "cryptolake/archive/archive_file.h"

#include <array>
#include <string>
#include <vector>

namespace cryptolake::archive {
namespace {

constexpr std::array<std::string_view, 4> kKlineClassTypes = {
    "klines", "indexPriceKlines", "markPriceKlines", "premiumIndexKlines"};

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
  }
  return "?";
}

Result<Market> ParseMarket(std::string_view name) {
  if (name == "spot") return Market::kSpot;
  if (name == "um") return Market::kUsdM;
  if (name == "cm") return Market::kCoinM;
  return Status::InvalidArgument("unknown market \"" + std::string(name) +
                                 "\" (expected spot, um or cm)");
}

std::string_view MarketPathPrefix(Market market) {
  switch (market) {
    case Market::kSpot:
      return "data/spot";
    case Market::kUsdM:
      return "data/futures/um";
    case Market::kCoinM:
      return "data/futures/cm";
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

bool IsKlineClass(std::string_view data_type) {
  for (std::string_view t : kKlineClassTypes) {
    if (t == data_type) return true;
  }
  return false;
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
  if (IsKlineClass(data_type)) {
    out += interval;
    out += '/';
  }
  return out;
}

std::string ArchiveFile::ZipName() const {
  std::string out = symbol;
  out += '-';
  out += IsKlineClass(data_type) ? interval : data_type;
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
  std::vector<std::string_view> parts = SplitPath(path);
  if (parts.empty() || parts[0] != "data") return bad("does not start with data/");
  ArchiveFile f;
  size_t i = 1;
  if (parts.size() > 1 && parts[1] == "spot") {
    f.market = Market::kSpot;
    i = 2;
  } else if (parts.size() > 2 && parts[1] == "futures") {
    if (parts[2] == "um") {
      f.market = Market::kUsdM;
    } else if (parts[2] == "cm") {
      f.market = Market::kCoinM;
    } else {
      return bad("unknown futures market (expected um or cm)");
    }
    i = 3;
  } else {
    return bad("unknown market folder (expected spot, futures/um or futures/cm)");
  }
  // period / type / symbol / [interval /] file
  if (parts.size() < i + 4) return bad("too few path components");
  auto period = ParsePeriod(parts[i]);
  if (!period.ok()) return bad("unknown period folder \"" + std::string(parts[i]) + "\"");
  f.period = *period;
  if (!IsValidName(parts[i + 1])) return bad("invalid data type folder");
  f.data_type = std::string(parts[i + 1]);
  if (!IsValidSymbol(parts[i + 2])) return bad("invalid symbol folder");
  f.symbol = std::string(parts[i + 2]);
  size_t file_index = i + 3;
  if (IsKlineClass(f.data_type)) {
    if (parts.size() < i + 5) return bad("kline-class path lacks an interval folder");
    if (!IsValidName(parts[i + 3])) return bad("invalid interval folder");
    f.interval = std::string(parts[i + 3]);
    file_index = i + 4;
  }
  if (parts.size() != file_index + 1) return bad("unexpected number of path components");
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
