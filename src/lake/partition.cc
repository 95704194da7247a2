#include "cryptolake/lake/partition.h"

#include <cstdio>

namespace cryptolake::lake {

std::string FormatDate(int64_t days_since_epoch) {
  // Inverse of DaysFromCivil (March-based years, 400-year eras).
  const int64_t z = days_since_epoch + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", year, month, day);
  return std::string(buf);
}

Result<int64_t> ParseDate(std::string_view date) {
  auto digits = [&](size_t pos, size_t n, int* out) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (date[i] < '0' || date[i] > '9') return false;
      v = v * 10 + (date[i] - '0');
    }
    *out = v;
    return true;
  };
  int year, month, day;
  if (date.size() != 10 || date[4] != '-' || date[7] != '-' || !digits(0, 4, &year) ||
      !digits(5, 2, &month) || !digits(8, 2, &day) || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month)) {
    std::string msg = "date \"";
    msg.append(date);
    msg += "\" is not YYYY-MM-DD";
    return Status::InvalidArgument(msg);
  }
  return DaysFromCivil(year, month, day);
}

namespace {

bool IsSafeComponent(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Status ValidatePartitionKey(const PartitionKey& key) {
  auto bad = [](std::string_view what, std::string_view value) {
    return Status::InvalidArgument("partition " + std::string(what) + " \"" + std::string(value) +
                                   "\" must consist of letters, digits, '_' or '-'");
  };
  if (!IsSafeComponent(key.data_type)) return bad("data type", key.data_type);
  if (!IsSafeComponent(key.market)) return bad("market", key.market);
  if (!IsSafeComponent(key.symbol)) return bad("symbol", key.symbol);
  if (!key.interval.empty() && !IsSafeComponent(key.interval)) return bad("interval", key.interval);
  if (key.date.size() == 7) {  // a monthly archive file's partition
    auto month = ParseDate(key.date + "-01");
    if (!month.ok()) {
      return Status::InvalidArgument("month \"" + key.date + "\" is not YYYY-MM");
    }
    return Status::OK();
  }
  auto date = ParseDate(key.date);
  if (!date.ok()) return date.status();
  return Status::OK();
}

Result<PartitionKey> PartitionKeyOf(const archive::ArchiveFile& file) {
  PartitionKey key;
  key.data_type = file.data_type;
  key.market = std::string(archive::MarketName(file.market));
  key.symbol = file.symbol;
  key.interval = file.interval;  // present exactly for types with intervals (the table says)
  if (!archive::IsValidArchiveDate(file.period, file.date)) {
    return Status::InvalidArgument("archive file " + file.ZipName() + " has bad date \"" +
                                   file.date + "\"");
  }
  key.date = file.date;
  CL_RETURN_IF_ERROR(ValidatePartitionKey(key));
  return key;
}

namespace {
std::string ZipStem(const archive::ArchiveFile& file) {
  std::string name = file.ZipName();
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".zip") == 0)
    name.resize(name.size() - 4);
  return name;
}
}  // namespace

std::string SilverObjectKey(const PartitionKey& key, const archive::ArchiveFile& file) {
  return SilverPartitionDir(key) + ZipStem(file) + ".parquet";
}

std::string SilverRejectsKey(const PartitionKey& key, const archive::ArchiveFile& file) {
  return SilverPartitionDir(key) + ZipStem(file) + ".rejects.csv";
}

std::string SilverPartitionDir(const PartitionKey& key) {
  std::string dir = "silver/";
  dir += key.data_type;
  dir += "/market=";
  dir += key.market;
  dir += "/symbol=";
  dir += key.symbol;
  if (!key.interval.empty()) {
    dir += "/interval=";
    dir += key.interval;
  }
  dir += key.date.size() == 7 ? "/month=" : "/date=";
  dir += key.date;
  dir += '/';
  return dir;
}

Result<std::pair<int64_t, int64_t>> ArchivePeriodMicros(const archive::ArchiveFile& file) {
  if (file.period == archive::Period::kDaily) {
    CL_ASSIGN_OR_RETURN(int64_t day, ParseDate(file.date));
    return std::make_pair(day * kMicrosPerDay, (day + 1) * kMicrosPerDay);
  }
  CL_ASSIGN_OR_RETURN(int64_t first, ParseDate(file.date + "-01"));
  const int year = (file.date[0] - '0') * 1000 + (file.date[1] - '0') * 100 +
                   (file.date[2] - '0') * 10 + (file.date[3] - '0');
  const int month = (file.date[5] - '0') * 10 + (file.date[6] - '0');
  return std::make_pair(first * kMicrosPerDay, (first + DaysInMonth(year, month)) * kMicrosPerDay);
}

}  // namespace cryptolake::lake
