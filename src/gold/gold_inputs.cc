#include "gold_inputs.h"

#include <algorithm>
#include <cstdio>

#include "cryptolake/lake/gap_records.h"
#include "cryptolake/lake/ledger.h"
#include "cryptolake/lake/partition.h"

namespace cryptolake::gold {
namespace {

bool SafeName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// "gold/<product>/market=<m>/symbol=<S>/".
std::string ProductSymbolDir(const GoldPartition& p) {
  return "gold/" + std::string(GoldProductName(p.product)) + "/market=" + p.market +
         "/symbol=" + p.symbol + "/";
}

// The entry (or marker) stored under `key`, or nullopt.
Result<std::optional<GoldLedgerEntry>> LookupEntryAt(storage::ObjectStore& lake,
                                                     const std::string& key) {
  Result<std::string> text = lake.Get(key);
  if (!text.ok()) {
    if (text.status().IsNotFound()) return std::optional<GoldLedgerEntry>();
    return text.status();
  }
  CL_ASSIGN_OR_RETURN(GoldLedgerEntry e, ParseGoldLedgerEntry(*text, key));
  return std::optional<GoldLedgerEntry>(std::move(e));
}

}  // namespace

Result<GoldPartition> NormalizePartition(const GoldPartition& in) {
  GoldPartition p = in;
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("gold partition " + std::string(GoldProductName(p.product)) +
                                   "/" + p.market + "/" + p.symbol + "/" + p.period + ": " + why);
  };
  if (p.market != "spot" && p.market != "um" && p.market != "cm") {
    return bad("market must be spot, um or cm");
  }
  if (!SafeName(p.symbol)) return bad("symbol must be [A-Za-z0-9_-]+");
  switch (p.product) {
    case GoldProduct::kKlines:
    case GoldProduct::kDailySummary:
      if (p.source_type.empty()) p.source_type = "klines";
      if (p.source_type != "klines") return bad("reads klines only");
      break;
    case GoldProduct::kTradeBars:
      if (p.source_type.empty()) p.source_type = "aggTrades";
      if (p.source_type != "aggTrades" && p.source_type != "trades") {
        return bad("reads aggTrades or trades");
      }
      break;
    case GoldProduct::kFunding:
      if (p.source_type.empty()) p.source_type = "fundingRate";
      if (p.source_type != "fundingRate") return bad("reads fundingRate only");
      if (p.market == "spot") return bad("spot has no funding");
      break;
  }
  const bool monthly = p.product == GoldProduct::kFunding;
  if (monthly ? !archive::IsValidArchiveDate(archive::Period::kMonthly, p.period)
              : !archive::IsValidArchiveDate(archive::Period::kDaily, p.period)) {
    return bad(monthly ? "period must be YYYY-MM" : "period must be YYYY-MM-DD");
  }
  return p;
}

Result<archive::ArchiveFile> SourceArchiveFile(const GoldPartition& p, const std::string& period) {
  archive::ArchiveFile f;
  CL_ASSIGN_OR_RETURN(f.market, archive::ParseMarket(p.market));
  f.period =
      p.product == GoldProduct::kFunding ? archive::Period::kMonthly : archive::Period::kDaily;
  f.data_type = p.source_type;
  f.symbol = p.symbol;
  if (p.source_type == "klines") f.interval = "1m";
  f.date = period;
  return f;
}

std::string PreviousMonth(const std::string& month) {
  int y = std::stoi(month.substr(0, 4));
  int m = std::stoi(month.substr(5, 2)) - 1;
  if (m == 0) {
    m = 12;
    --y;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d", y, m);
  return buf;
}

std::string NextMonth(const std::string& month) {
  int y = std::stoi(month.substr(0, 4));
  int m = std::stoi(month.substr(5, 2)) + 1;
  if (m == 13) {
    m = 1;
    ++y;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d", y, m);
  return buf;
}

std::vector<std::string> FundingInputMonths(const std::string& month) {
  std::vector<std::string> months = {month};
  const int64_t first =
      lake::DaysFromCivil(std::stoi(month.substr(0, 4)), std::stoi(month.substr(5, 2)), 1);
  const std::string reach = lake::FormatDate(first - kFundingLookbackDays).substr(0, 7);
  for (std::string m = PreviousMonth(month); m >= reach; m = PreviousMonth(m)) months.push_back(m);
  return months;
}

Result<std::vector<GoldInput>> CurrentInputs(storage::ObjectStore& lake, const GoldPartition& p) {
  lake::Ledger ledger(lake);
  std::vector<std::string> periods = {p.period};
  if (p.product == GoldProduct::kFunding) periods = FundingInputMonths(p.period);
  std::vector<GoldInput> inputs;
  for (size_t i = 0; i < periods.size(); ++i) {
    CL_ASSIGN_OR_RETURN(archive::ArchiveFile file, SourceArchiveFile(p, periods[i]));
    CL_ASSIGN_OR_RETURN(std::optional<lake::LedgerEntry> entry, ledger.Lookup(file.ZipPath()));
    if (!entry) {
      if (i == 0) return std::vector<GoldInput>();  // the main input is missing
      continue;
    }
    // A fill rewrites the silver object without touching its ledger entry: its record is part
    // of the input's identity.
    CL_ASSIGN_OR_RETURN(std::optional<lake::FillRecord> fill,
                        lake::LookupFill(lake, file.ZipPath()));
    const std::string fingerprint =
        fill ? std::to_string(fill->rows) + "@" + fill->filled_at : std::string();
    // The ledger counts the archive file's rows, not each object's: count them once, on the
    // file's first object, so input rows add up to what silver holds.
    for (size_t k = 0; k < entry->silver_files.size(); ++k) {
      inputs.push_back(
          GoldInput{entry->silver_files[k], entry->sha256, k == 0 ? entry->rows : 0, fingerprint});
    }
  }
  std::sort(inputs.begin(), inputs.end(),
            [](const GoldInput& a, const GoldInput& b) { return a.key < b.key; });
  return inputs;
}

std::vector<std::string> OutputKeys(const GoldPartition& p,
                                    const std::vector<std::string>& intervals) {
  const std::string dir = ProductSymbolDir(p);
  const std::string& S = p.symbol;
  const std::string& D = p.period;
  switch (p.product) {
    case GoldProduct::kKlines: {
      std::vector<std::string> keys;
      for (const std::string& i : intervals) {
        keys.push_back(dir + "interval=" + i + "/date=" + D + "/" + S + "-" + i + "-" + D +
                       ".parquet");
      }
      return keys;
    }
    case GoldProduct::kTradeBars:
      return {dir + "interval=1m/date=" + D + "/" + S + "-trade_bars-1m-" + D + ".parquet"};
    case GoldProduct::kDailySummary:
      return {dir + "date=" + D + "/" + S + "-daily_summary-" + D + ".parquet"};
    case GoldProduct::kFunding:
      return {dir + "month=" + D + "/" + S + "-funding-" + D + ".parquet"};
  }
  return {};
}

std::string GoldPendingKey(const GoldPartition& p) {
  std::string key = GoldLedgerKey(p);
  key.resize(key.size() - 5);  // ".json"
  return key + std::string(kGoldPendingSuffix);
}

Result<std::optional<GoldLedgerEntry>> LookupGoldEntry(storage::ObjectStore& lake,
                                                       const GoldPartition& p) {
  return LookupEntryAt(lake, GoldLedgerKey(p));
}

Result<std::optional<GoldLedgerEntry>> LookupGoldPending(storage::ObjectStore& lake,
                                                         const GoldPartition& p) {
  return LookupEntryAt(lake, GoldPendingKey(p));
}

}  // namespace cryptolake::gold
