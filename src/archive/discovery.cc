// Discovery: listing the archive for the files a query covers.
#include "cryptolake/archive/discovery.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

namespace cryptolake::archive {
namespace {

bool IsSymbolChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

std::chrono::year_month_day ToYmd(std::string_view date) {
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (date[i] - '0');
    return v;
  };
  return std::chrono::year_month_day{std::chrono::year{num(0, 4)},
                                     std::chrono::month{static_cast<unsigned>(num(5, 2))},
                                     std::chrono::day{static_cast<unsigned>(num(8, 2))}};
}

std::string FormatYmd(const std::chrono::year_month_day& ymd, bool with_day) {
  char buf[16];
  if (with_day) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()));
  }
  return buf;
}

// True if the file's date (a day, or a month) overlaps [start, end].
bool InRange(const ArchiveFile& f, const DiscoveryQuery& q) {
  if (f.period == Period::kDaily) return f.date >= q.start_date && f.date <= q.end_date;
  return f.date >= q.start_date.substr(0, 7) && f.date <= q.end_date.substr(0, 7);
}

ArchiveFile FileFor(const DiscoveryQuery& q, const std::string& symbol, std::string date) {
  ArchiveFile f;
  f.market = q.market;
  f.period = q.period;
  f.data_type = q.data_type;
  f.symbol = symbol;
  f.interval = q.interval;
  f.date = std::move(date);
  return f;
}

// "data/spot/daily/klines/" — the folder whose subfolders are symbols.
std::string TypeFolder(const DiscoveryQuery& q) {
  std::string out(MarketPathPrefix(q.market));
  out += '/';
  out += PeriodName(q.period);
  out += '/';
  out += q.data_type;
  out += '/';
  return out;
}

}  // namespace

Status ValidateDiscoveryQuery(const DiscoveryQuery& q) {
  if (q.data_type.empty()) return Status::InvalidArgument("no data type given");
  for (char c : q.data_type) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return Status::InvalidArgument("invalid data type \"" + q.data_type + "\"");
    }
  }
  for (char c : q.interval) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return Status::InvalidArgument("invalid interval \"" + q.interval + "\"");
    }
  }
  if (!IsValidArchiveDate(Period::kDaily, q.start_date)) {
    return Status::InvalidArgument("start date \"" + q.start_date + "\" is not a YYYY-MM-DD date");
  }
  if (!IsValidArchiveDate(Period::kDaily, q.end_date)) {
    return Status::InvalidArgument("end date \"" + q.end_date + "\" is not a YYYY-MM-DD date");
  }
  if (q.start_date > q.end_date) {
    return Status::InvalidArgument("start date " + q.start_date + " is after end date " +
                                   q.end_date);
  }
  if (!q.all_symbols && q.symbols.empty()) {
    return Status::InvalidArgument("no symbols given (list some, or ask for all symbols)");
  }
  for (const std::string& s : q.symbols) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), IsSymbolChar)) {
      return Status::InvalidArgument("invalid symbol \"" + s +
                                     "\" (archive symbols are upper case, e.g. BTCUSDT)");
    }
  }
  return Status::OK();
}

Result<std::vector<ArchiveFile>> DiscoverFiles(ArchiveSource& source, const DiscoveryQuery& query,
                                               std::vector<std::string>* zips_without_checksum) {
  CL_RETURN_IF_ERROR(ValidateDiscoveryQuery(query));
  std::vector<std::string> symbols = query.symbols;
  if (query.all_symbols) {
    std::string folder = TypeFolder(query);
    CL_ASSIGN_OR_RETURN(std::vector<std::string> prefixes, source.ListPrefixes(folder));
    for (const std::string& p : prefixes) {
      // "data/.../klines/BTCUSDT/" -> "BTCUSDT"
      std::string_view rest = std::string_view(p).substr(folder.size());
      if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
      if (!rest.empty() && rest.find('/') == std::string_view::npos) symbols.emplace_back(rest);
    }
  }
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());

  std::vector<ArchiveFile> files;
  for (const std::string& symbol : symbols) {
    const std::string folder = FileFor(query, symbol, "").DirPath();
    auto listed = source.ListKeys(folder);
    if (!listed.ok()) return listed.status().WithContext("listing " + folder);
    std::set<std::string_view> keys(listed->begin(), listed->end());
    for (std::string_view key : keys) {
      if (key.size() < 4 || key.substr(key.size() - 4) != ".zip") continue;
      auto parsed = ArchiveFile::Parse(key);
      if (!parsed.ok()) continue;  // Not a data file of this folder's grammar.
      const ArchiveFile& f = *parsed;
      if (f.market != query.market || f.period != query.period || f.data_type != query.data_type ||
          f.symbol != symbol || f.interval != query.interval || !InRange(f, query)) {
        continue;
      }
      if (keys.count(f.ChecksumPath()) == 0) {
        if (zips_without_checksum != nullptr) zips_without_checksum->emplace_back(key);
        continue;
      }
      files.push_back(f);
    }
  }
  std::sort(files.begin(), files.end(),
            [](const ArchiveFile& a, const ArchiveFile& b) { return a.ZipPath() < b.ZipPath(); });
  return files;
}

Result<std::vector<ArchiveFile>> CandidateFiles(const DiscoveryQuery& query) {
  CL_RETURN_IF_ERROR(ValidateDiscoveryQuery(query));
  if (query.all_symbols) {
    return Status::InvalidArgument(
        "candidate files need explicit symbols; all symbols needs a "
        "listing");
  }
  using std::chrono::sys_days;
  std::vector<std::string> dates;
  const auto start = ToYmd(query.start_date);
  const auto end = ToYmd(query.end_date);
  if (query.period == Period::kDaily) {
    for (sys_days d = sys_days(start); d <= sys_days(end); d += std::chrono::days(1)) {
      dates.push_back(FormatYmd(std::chrono::year_month_day(d), true));
    }
  } else {
    const auto last = end.year() / end.month();
    for (auto ym = start.year() / start.month(); ym <= last; ym += std::chrono::months(1)) {
      dates.push_back(FormatYmd(ym / std::chrono::day(1), false));
    }
  }
  std::vector<std::string> symbols = query.symbols;
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  std::vector<ArchiveFile> files;
  files.reserve(symbols.size() * dates.size());
  for (const std::string& symbol : symbols) {
    for (const std::string& date : dates) files.push_back(FileFor(query, symbol, date));
  }
  return files;
}

}  // namespace cryptolake::archive
