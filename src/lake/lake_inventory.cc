#include "cryptolake/lake/lake_inventory.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <utility>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/lake/gap_detector.h"
#include "cryptolake/lake/gap_records.h"
#include "cryptolake/lake/ledger.h"
#include "cryptolake/lake/partition.h"
#include "json_fields.h"

namespace cryptolake::lake {
namespace {

// What the scan learned about one archive period (a day, or a month) of a dataset. A day's
// calendar state merges the periods covering it.
struct PeriodInfo {
  bool silver = false;        // a silver .parquet object exists
  bool ledger = false;        // a ledger entry exists
  int64_t rejected_rows = 0;  // quarantined rows (ledger)
  bool rejects_file = false;  // a .rejects.csv object exists
  bool fill = false;          // a fill record exists
  std::string absent_cause;   // the absence record's cause, if any

  void Merge(const PeriodInfo& o) {
    silver = silver || o.silver;
    ledger = ledger || o.ledger;
    rejected_rows += o.rejected_rows;
    rejects_file = rejects_file || o.rejects_file;
    fill = fill || o.fill;
    if (absent_cause.empty()) absent_cause = o.absent_cause;
  }
};

struct Work {
  DatasetInventory inv;
  std::map<std::string, PeriodInfo> periods;  // "YYYY-MM-DD" or "YYYY-MM"
  std::map<std::string, GoldProductCoverage> gold;
  std::set<int64_t> gap_days;  // days holding an open row-level gap (check_gaps)
};

using Datasets = std::map<DatasetKey, Work>;

// The days a period covers: [first, first + count).
bool PeriodDays(std::string_view period, int64_t* first, int64_t* count) {
  if (period.size() == 10) {
    Result<int64_t> d = ParseDate(period);
    if (!d.ok()) return false;
    *first = *d;
    *count = 1;
    return true;
  }
  if (period.size() == 7) {
    Result<int64_t> d = ParseDate(std::string(period) + "-01");
    if (!d.ok()) return false;
    *first = *d;
    int year = std::stoi(std::string(period.substr(0, 4)));
    int month = std::stoi(std::string(period.substr(5, 2)));
    *count = DaysInMonth(year, month);
    return true;
  }
  return false;
}

void AddDays(std::string_view period, std::set<int64_t>* days) {
  int64_t first = 0, count = 0;
  if (!PeriodDays(period, &first, &count)) return;
  for (int64_t d = first; d < first + count; ++d) days->insert(d);
}

DatasetKey KeyOf(const archive::ArchiveFile& f) {
  return {std::string(archive::MarketName(f.market)), f.data_type, f.interval, f.symbol};
}

Work& WorkFor(Datasets& ds, const DatasetKey& key) {
  Work& w = ds[key];
  w.inv.key = key;
  return w;
}

std::vector<std::string_view> SplitKey(std::string_view key) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (true) {
    size_t slash = key.find('/', pos);
    parts.push_back(key.substr(pos, slash == std::string_view::npos ? slash : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return parts;
}

// "name=value" -> value when the component has that name.
bool HiveValue(std::string_view part, std::string_view name, std::string* value) {
  if (part.size() <= name.size() + 1 || part.substr(0, name.size()) != name ||
      part[name.size()] != '=') {
    return false;
  }
  *value = std::string(part.substr(name.size() + 1));
  return true;
}

// A Hive-layout key below a tree root: <root>/<name>/market=/symbol=/[interval=/]date=|month=/...
struct HiveKey {
  std::string name;  // data type (silver) or product (gold)
  std::string market, symbol, interval, period;
  bool monthly = false;
  std::string file;
};

bool ParseHiveKey(std::string_view key, HiveKey* out) {
  std::vector<std::string_view> p = SplitKey(key);
  if (p.size() < 6) return false;
  out->name = std::string(p[1]);
  if (!HiveValue(p[2], "market", &out->market) || !HiveValue(p[3], "symbol", &out->symbol)) {
    return false;
  }
  size_t i = 4;
  if (HiveValue(p[i], "interval", &out->interval)) ++i;
  if (i + 2 != p.size()) return false;
  if (HiveValue(p[i], "date", &out->period)) {
    out->monthly = false;
  } else if (HiveValue(p[i], "month", &out->period)) {
    out->monthly = true;
  } else {
    return false;
  }
  int64_t first = 0, count = 0;
  if (!PeriodDays(out->period, &first, &count)) return false;
  out->file = std::string(p[i + 1]);
  return true;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void AddObject(LayerCoverage& layer, uint64_t size) {
  ++layer.objects;
  layer.bytes += static_cast<int64_t>(size);
}

Status ScanBronze(storage::ObjectStore& lake, Datasets& ds, std::vector<std::string>& problems) {
  CL_ASSIGN_OR_RETURN(auto objects, lake.List("bronze/"));
  for (const storage::ObjectInfo& o : objects) {
    std::string_view path = std::string_view(o.key).substr(7);
    const bool sidecar = EndsWith(path, ".CHECKSUM");
    if (sidecar) path.remove_suffix(9);
    Result<archive::ArchiveFile> f = archive::ArchiveFile::Parse(path);
    if (!f.ok()) {
      problems.push_back(o.key + ": not an archive file path");
      continue;
    }
    Work& w = WorkFor(ds, KeyOf(*f));
    w.inv.monthly = w.inv.monthly || f->period == archive::Period::kMonthly;
    AddObject(w.inv.bronze, o.size);
    if (!sidecar) AddDays(f->date, &w.inv.bronze.days);
  }
  return Status::OK();
}

Status ScanSilver(storage::ObjectStore& lake, Datasets& ds, std::vector<std::string>& problems) {
  CL_ASSIGN_OR_RETURN(auto objects, lake.List("silver/"));
  for (const storage::ObjectInfo& o : objects) {
    HiveKey h;
    if (!ParseHiveKey(o.key, &h)) {
      problems.push_back(o.key + ": not a silver partition key");
      continue;
    }
    Work& w = WorkFor(ds, {h.market, h.name, h.interval, h.symbol});
    w.inv.monthly = w.inv.monthly || h.monthly;
    AddObject(w.inv.silver, o.size);
    if (EndsWith(h.file, ".parquet")) {
      AddDays(h.period, &w.inv.silver.days);
      w.periods[h.period].silver = true;
    } else if (EndsWith(h.file, ".rejects.csv")) {
      w.periods[h.period].rejects_file = true;
    }
  }
  return Status::OK();
}

// Calls `fn(key, text)`, in key order, for every object under `prefix` ending in ".json"; a Get
// error is a problem, a listing error is returned. The objects are fetched by `jobs` threads
// (small objects: on S3 each Get is a round trip), in batches so memory stays bounded.
template <typename Fn>
Status ForEachJson(storage::ObjectStore& lake, std::string_view prefix, int jobs,
                   std::vector<std::string>& problems, Fn fn,
                   std::string_view skip_suffix = std::string_view()) {
  CL_ASSIGN_OR_RETURN(auto listed, lake.List(prefix));
  std::vector<std::string> keys;
  for (storage::ObjectInfo& o : listed) {
    if (!EndsWith(o.key, ".json")) continue;
    if (!skip_suffix.empty() && EndsWith(o.key, skip_suffix)) continue;
    keys.push_back(std::move(o.key));
  }
  constexpr size_t kBatch = 4096;
  for (size_t begin = 0; begin < keys.size(); begin += kBatch) {
    const size_t end = std::min(keys.size(), begin + kBatch);
    std::vector<std::optional<Result<std::string>>> texts(end - begin);
    std::atomic<size_t> next{begin};
    auto work = [&] {
      for (size_t i; (i = next.fetch_add(1)) < end;) texts[i - begin].emplace(lake.Get(keys[i]));
    };
    std::vector<std::thread> threads;
    const size_t n = std::min<size_t>(std::max(1, jobs), end - begin);
    for (size_t t = 1; t < n; ++t) threads.emplace_back(work);
    work();
    for (std::thread& t : threads) t.join();
    for (size_t i = begin; i < end; ++i) {
      Result<std::string>& text = *texts[i - begin];
      if (!text.ok()) {
        // Deleted between List and Get (an ingest removing a record) is not a problem.
        if (!text.status().IsNotFound()) problems.push_back(text.status().ToString());
        continue;
      }
      fn(keys[i], *text);
    }
  }
  return Status::OK();
}

Status ScanRecords(storage::ObjectStore& lake, int jobs, Datasets& ds,
                   std::vector<std::string>& problems) {
  CL_RETURN_IF_ERROR(ForEachJson(
      lake, kLedgerPrefix, jobs, problems, [&](const std::string& key, const std::string& text) {
        Result<LedgerEntry> e = ParseLedgerEntry(text, key);
        Result<archive::ArchiveFile> f =
            e.ok() ? archive::ArchiveFile::Parse(e->archive_path) : e.status();
        if (!f.ok()) return problems.push_back(f.status().ToString());
        Work& w = WorkFor(ds, KeyOf(*f));
        w.inv.monthly = w.inv.monthly || f->period == archive::Period::kMonthly;
        if (w.inv.silver.rows < 0) w.inv.silver.rows = 0;
        w.inv.silver.rows += e->rows;
        w.inv.rejected_rows += e->rejected_rows;
        PeriodInfo& p = w.periods[f->date];
        p.ledger = true;
        p.rejected_rows += e->rejected_rows;
      }));
  CL_RETURN_IF_ERROR(ForEachJson(
      lake, kAbsentPrefix, jobs, problems, [&](const std::string& key, const std::string& text) {
        Result<AbsenceRecord> r = ParseAbsenceRecord(text, key);
        Result<archive::ArchiveFile> f =
            r.ok() ? archive::ArchiveFile::Parse(r->archive_path) : r.status();
        if (!f.ok()) return problems.push_back(f.status().ToString());
        Work& w = WorkFor(ds, KeyOf(*f));
        w.inv.monthly = w.inv.monthly || f->period == archive::Period::kMonthly;
        w.periods[f->date].absent_cause = std::string(AbsenceCauseName(r->cause));
      }));
  CL_RETURN_IF_ERROR(ForEachJson(
      lake, kFillsPrefix, jobs, problems, [&](const std::string& key, const std::string& text) {
        Result<FillRecord> r = ParseFillRecord(text, key);
        Result<archive::ArchiveFile> f =
            r.ok() ? archive::ArchiveFile::Parse(r->archive_path) : r.status();
        if (!f.ok()) return problems.push_back(f.status().ToString());
        Work& w = WorkFor(ds, KeyOf(*f));
        w.inv.monthly = w.inv.monthly || f->period == archive::Period::kMonthly;
        ++w.inv.rest_periods;
        w.inv.rest_rows += r->rows;
        w.inv.rest_requests += r->requests;
        // A fill that added no row (REST confirmed the range empty, or every row was already
        // there) leaves the day as it was: only added rows make it "rest_filled".
        if (r->rows > 0) w.periods[f->date].fill = true;
      }));
  return Status::OK();
}

// The silver dataset a gold product is built from (gold_builder.h): klines and daily_summary
// from 1m klines, trade_bars from aggTrades (or trades when only those exist), funding from
// fundingRate. Another product is listed under its own name.
DatasetKey GoldSource(const Datasets& ds, std::string_view product, const std::string& market,
                      const std::string& symbol, const std::string& interval) {
  if (product == "klines" || product == "daily_summary") return {market, "klines", "1m", symbol};
  if (product == "funding") return {market, "fundingRate", "", symbol};
  if (product == "trade_bars") {
    DatasetKey trades{market, "trades", "", symbol};
    DatasetKey agg{market, "aggTrades", "", symbol};
    return ds.count(agg) == 0 && ds.count(trades) != 0 ? trades : agg;
  }
  return {market, std::string(product), interval, symbol};
}

Status ScanGold(storage::ObjectStore& lake, int jobs, Datasets& ds,
                std::vector<std::string>& problems) {
  CL_ASSIGN_OR_RETURN(auto objects, lake.List("gold/"));
  for (const storage::ObjectInfo& o : objects) {
    HiveKey h;
    if (!ParseHiveKey(o.key, &h)) {
      problems.push_back(o.key + ": not a gold partition key");
      continue;
    }
    Work& w = WorkFor(ds, GoldSource(ds, h.name, h.market, h.symbol, h.interval));
    GoldProductCoverage& g = w.gold[h.name];
    g.product = h.name;
    AddObject(g.coverage, o.size);
    AddDays(h.period, &g.coverage.days);
  }
  // Gold ledger entries: rows of the partition's outputs (the contract's "outputs":[{"rows"}]).
  // A build's pending marker (<entry key without .json>.pending.json, gold_ledger.h) names what
  // an unfinished build may write, not what the partition holds: it is skipped.
  return ForEachJson(
      lake, kGoldLedgerPrefix, jobs, problems,
      [&](const std::string& key, const std::string& text) {
        nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
        HiveKey h;
        std::string pseudo = "gold/" + key.substr(kGoldLedgerPrefix.size());
        pseudo.resize(pseudo.size() - 5);
        pseudo += "/x";  // the entry's key is the partition dir; give it a file name to parse
        if (j.is_discarded() || !j.is_object() || !ParseHiveKey(pseudo, &h)) {
          return problems.push_back("gold ledger entry " + key + ": not a gold ledger object");
        }
        int64_t rows = 0;
        auto outputs = j.find("outputs");
        if (outputs == j.end() || !outputs->is_array()) {
          return problems.push_back("gold ledger entry " + key + ": \"outputs\" is not an array");
        }
        for (const auto& out : *outputs) {
          auto r = out.is_object() ? out.find("rows") : out.end();
          if (r == out.end() || !r->is_number_integer()) {
            return problems.push_back("gold ledger entry " + key + ": an output has no rows");
          }
          rows += r->get<int64_t>();
        }
        Work& w = WorkFor(ds, GoldSource(ds, h.name, h.market, h.symbol, h.interval));
        GoldProductCoverage& g = w.gold[h.name];
        g.product = h.name;
        if (g.coverage.rows < 0) g.coverage.rows = 0;
        g.coverage.rows += rows;
      },
      /*skip_suffix=*/".pending.json");
}

// Run records: a missing or mistyped field counts as empty / 0 (docs/status.md). Integers only
// (JsonFields::NumIn): a float such as 1e20 would not fit an int64_t.
std::string JStr(const nlohmann::json& j, const char* name) {
  std::string out;
  internal::JsonFields::StrIn(j, name, &out);
  return out;
}
int64_t JInt(const nlohmann::json& j, const char* name) {
  int64_t out = 0;
  internal::JsonFields::NumIn(j, name, &out);
  return out;
}
double JNum(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

bool Newer(const std::string& started_a, const std::string& id_a, const std::string& started_b,
           const std::string& id_b) {
  return std::tie(started_a, id_a) > std::tie(started_b, id_b);
}

Status ScanRuns(storage::ObjectStore& lake, int jobs, Datasets& ds, LakeInventory& inv,
                int max_runs) {
  std::vector<RunSummary> runs;
  Status st = ForEachJson(
      lake, kRunsPrefix, jobs, inv.problems, [&](const std::string& key, const std::string& text) {
        nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded() || !j.is_object() || !j.contains("run_id") ||
            !j["run_id"].is_string()) {
          return inv.problems.push_back("run record " + key + ": not a run object with a run_id");
        }
        RunSummary r;
        r.run_id = JStr(j, "run_id");
        r.started_at = JStr(j, "started_at");
        r.finished_at = JStr(j, "finished_at");
        r.outcome = JStr(j, "outcome");
        r.seconds = JNum(j, "seconds");
        if (auto s = j.find("shard"); s != j.end() && s->is_object()) {
          r.shard_index = static_cast<int>(JInt(*s, "index"));
          r.shard_count = static_cast<int>(std::max<int64_t>(1, JInt(*s, "count")));
        }
        if (auto t = j.find("totals"); t != j.end() && t->is_object()) {
          r.tasks = JInt(*t, "tasks");
          r.succeeded = JInt(*t, "succeeded");
          r.skipped = JInt(*t, "skipped");
          r.failed = JInt(*t, "failed");
          r.cancelled = JInt(*t, "cancelled");
          r.rows = JInt(*t, "rows");
          r.bytes_written = JInt(*t, "bytes_written");
          r.rows_per_second = JNum(*t, "rows_per_second");
        }
        // This run's share of each dataset it has tasks for.
        std::map<DatasetKey, DatasetRun> mine;
        if (auto tasks = j.find("tasks"); tasks != j.end() && tasks->is_array()) {
          for (const auto& t : *tasks) {
            if (!t.is_object()) continue;
            DatasetKey k{JStr(t, "market"), JStr(t, "data_type"), JStr(t, "interval"),
                         JStr(t, "symbol")};
            if (ds.count(k) == 0) continue;
            DatasetRun& d = mine[k];
            const std::string outcome = JStr(t, "outcome");
            if (outcome == "succeeded") ++d.succeeded;
            if (outcome == "skipped") ++d.skipped;
            if (outcome == "cancelled") ++d.cancelled;
            if (outcome == "failed") {
              if (d.failed++ == 0) d.error = JStr(t, "error");
            }
            d.rows += JInt(t, "rows");
          }
        }
        for (auto& [k, d] : mine) {
          d.run_id = r.run_id;
          d.started_at = r.started_at;
          d.finished_at = r.finished_at;
          d.run_outcome = r.outcome;
          d.outcome = d.failed      ? "failed"
                      : d.cancelled ? "cancelled"
                      : d.succeeded ? "succeeded"
                                    : "skipped";
          std::optional<DatasetRun>& last = ds[k].inv.last_run;
          if (!last || Newer(d.started_at, d.run_id, last->started_at, last->run_id)) last = d;
        }
        runs.push_back(std::move(r));
      });
  CL_RETURN_IF_ERROR(st);
  std::sort(runs.begin(), runs.end(), [](const RunSummary& a, const RunSummary& b) {
    return Newer(a.started_at, a.run_id, b.started_at, b.run_id);
  });
  inv.run_records = static_cast<int64_t>(runs.size());
  if (static_cast<int64_t>(runs.size()) > max_runs) runs.resize(std::max(0, max_runs));
  inv.runs = std::move(runs);
  return Status::OK();
}

// Every day the dataset knows of, in any layer or record.
std::set<int64_t> KnownDays(const Work& w) {
  std::set<int64_t> days = w.inv.bronze.days;
  days.insert(w.inv.silver.days.begin(), w.inv.silver.days.end());
  for (const auto& [name, g] : w.gold) days.insert(g.coverage.days.begin(), g.coverage.days.end());
  for (const auto& [period, info] : w.periods) AddDays(period, &days);
  return days;
}

void CheckGaps(Work& w, int64_t first, int64_t last, storage::ObjectStore& lake,
               std::vector<std::string>& problems) {
  if (w.inv.silver.empty()) return;
  GapQuery q;
  q.lake = &lake;
  Result<archive::Market> market = archive::ParseMarket(w.inv.key.market);
  if (!market.ok()) return problems.push_back(w.inv.key.Name() + ": " + market.status().message());
  q.query.market = *market;
  q.query.period = w.inv.monthly ? archive::Period::kMonthly : archive::Period::kDaily;
  q.query.data_type = w.inv.key.data_type;
  q.query.interval = w.inv.key.interval;
  q.query.symbols = {w.inv.key.symbol};
  q.query.start_date = FormatDate(first);
  q.query.end_date = FormatDate(last);
  Result<GapReport> report = DetectGaps(q);
  if (!report.ok()) {
    return problems.push_back(w.inv.key.Name() + ": gap check: " + report.status().ToString());
  }
  w.inv.gaps_checked = true;
  for (const Gap& g : report->gaps) {
    if (g.kind == GapKind::kMissingDay || !g.open()) continue;
    ++w.inv.open_gaps;
    if (g.kind == GapKind::kMissingBars) w.inv.missing_bars += g.missing;
    const int64_t from = DayOfMicros(g.start_us);
    const int64_t to = DayOfMicros(std::max(g.start_us, g.end_us - 1));
    for (int64_t d = std::max(from, first); d <= std::min(to, last); ++d) w.gap_days.insert(d);
  }
}

void BuildCalendar(Work& w, int64_t first, int64_t last) {
  std::map<int64_t, PeriodInfo> by_day;
  for (const auto& [period, info] : w.periods) {
    int64_t start = 0, count = 0;
    if (!PeriodDays(period, &start, &count)) continue;
    for (int64_t d = start; d < start + count; ++d) by_day[d].Merge(info);
  }
  for (int64_t d = first; d <= last; ++d) {
    CalendarDay c;
    c.day = d;
    const PeriodInfo& p = by_day[d];
    if (!p.silver) {
      c.state = DayState::kMissing;
      c.detail = !p.absent_cause.empty() ? p.absent_cause
                 : p.ledger              ? "silver_deleted"
                                         : "not_ingested";
    } else {
      const bool quarantined = p.rejected_rows > 0 || p.rejects_file;
      const bool open = w.gap_days.count(d) != 0;
      if (quarantined || open) {
        c.state = DayState::kGap;
        c.detail = quarantined && open ? "quarantined+open_gaps"
                   : quarantined       ? "quarantined"
                                       : "open_gaps";
      } else {
        c.state = p.fill ? DayState::kRestFilled : DayState::kComplete;
      }
    }
    w.inv.calendar.push_back(std::move(c));
  }
}

}  // namespace

std::string DatasetKey::Name() const {
  std::string s = market + "/" + data_type + "/";
  if (!interval.empty()) s += interval + "/";
  return s + symbol;
}

std::string_view DayStateName(DayState state) {
  switch (state) {
    case DayState::kComplete:
      return "complete";
    case DayState::kGap:
      return "gap";
    case DayState::kRestFilled:
      return "rest_filled";
    case DayState::kMissing:
      return "missing";
  }
  return "missing";
}

int64_t DatasetInventory::CountDays(DayState state) const {
  return std::count_if(calendar.begin(), calendar.end(),
                       [state](const CalendarDay& c) { return c.state == state; });
}

Result<LakeInventory> ScanLake(storage::ObjectStore& lake, const InventoryOptions& options) {
  LakeInventory inv;
  inv.lake = lake.Describe();
  inv.scanned_at = UtcNowText();
  inv.gaps_checked = options.check_gaps;
  Datasets ds;
  CL_RETURN_IF_ERROR(ScanBronze(lake, ds, inv.problems));
  CL_RETURN_IF_ERROR(ScanSilver(lake, ds, inv.problems));
  CL_RETURN_IF_ERROR(ScanRecords(lake, options.jobs, ds, inv.problems));
  CL_RETURN_IF_ERROR(ScanGold(lake, options.jobs, ds, inv.problems));
  CL_RETURN_IF_ERROR(ScanRuns(lake, options.jobs, ds, inv, options.max_runs));
  for (auto& [key, w] : ds) {
    std::set<int64_t> days = KnownDays(w);
    if (!days.empty()) {
      const int64_t first = *days.begin(), last = *days.rbegin();
      if (options.check_gaps) CheckGaps(w, first, last, lake, inv.problems);
      BuildCalendar(w, first, last);
    }
    for (auto& [name, g] : w.gold) w.inv.gold.push_back(std::move(g));
    inv.datasets.push_back(std::move(w.inv));
  }
  return inv;
}

std::string FormatBytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 5) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  }
  return buf;
}

}  // namespace cryptolake::lake
