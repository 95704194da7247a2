// LakeInventory's table and JSON renderings (the JSON schema is documented in docs/status.md;
// change both together).
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cryptolake/lake/lake_inventory.h"
#include "cryptolake/lake/partition.h"

namespace cryptolake::lake {
namespace {

using Json = nlohmann::ordered_json;

Json LayerJson(const LayerCoverage& c) {
  Json j;
  j["first"] = c.empty() ? Json(nullptr) : Json(FormatDate(c.first_day()));
  j["last"] = c.empty() ? Json(nullptr) : Json(FormatDate(c.last_day()));
  j["days"] = c.days.size();
  j["objects"] = c.objects;
  j["bytes"] = c.bytes;
  j["rows"] = c.rows < 0 ? Json(nullptr) : Json(c.rows);
  return j;
}

// "2024-03-01..2024-03-31 (31d)", or "-".
std::string RangeText(const LayerCoverage& c) {
  if (c.empty()) return "-";
  return FormatDate(c.first_day()) + ".." + FormatDate(c.last_day()) + " (" +
         std::to_string(c.days.size()) + "d)";
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Left-aligned columns separated by two spaces.
std::string Align(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    if (width.size() < r.size()) width.resize(r.size(), 0);
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

int64_t TotalBytes(const DatasetInventory& d) {
  int64_t b = d.bronze.bytes + d.silver.bytes;
  for (const auto& g : d.gold) b += g.coverage.bytes;
  return b;
}

}  // namespace

std::string LakeInventory::FormatJson() const {
  Json j;
  j["lake"] = lake;
  j["scanned_at"] = scanned_at;
  j["gaps_checked"] = gaps_checked;
  Json arr = Json::array();
  for (const DatasetInventory& d : datasets) {
    Json o;
    o["dataset"] = d.key.Name();
    o["market"] = d.key.market;
    o["data_type"] = d.key.data_type;
    o["interval"] = d.key.interval;
    o["symbol"] = d.key.symbol;
    o["period"] = d.monthly ? "monthly" : "daily";
    o["first_day"] = d.calendar.empty() ? Json(nullptr) : Json(FormatDate(d.calendar.front().day));
    o["last_day"] = d.calendar.empty() ? Json(nullptr) : Json(FormatDate(d.calendar.back().day));
    o["days"] = d.calendar.size();
    o["bronze"] = LayerJson(d.bronze);
    Json silver = LayerJson(d.silver);
    silver["rejected_rows"] = d.rejected_rows;
    o["silver"] = std::move(silver);
    Json gold = Json::array();
    for (const GoldProductCoverage& g : d.gold) {
      Json p;
      p["product"] = g.product;
      const Json layer = LayerJson(g.coverage);
      for (const auto& [k, v] : layer.items()) p[k] = v;
      gold.push_back(std::move(p));
    }
    o["gold"] = std::move(gold);
    o["rest"] = {{"periods", d.rest_periods}, {"rows", d.rest_rows}, {"requests", d.rest_requests}};
    Json states;
    for (DayState s :
         {DayState::kComplete, DayState::kGap, DayState::kRestFilled, DayState::kMissing}) {
      states[std::string(DayStateName(s))] = d.CountDays(s);
    }
    o["states"] = std::move(states);
    Json causes = Json::object();
    for (const CalendarDay& c : d.calendar) {
      if (c.state != DayState::kMissing) continue;
      causes[c.detail] = causes.value(c.detail, 0) + 1;
    }
    Json gaps;
    gaps["missing_days"] = d.CountDays(DayState::kMissing);
    gaps["missing_by_cause"] = std::move(causes);
    gaps["gap_days"] = d.CountDays(DayState::kGap);
    gaps["quarantined_rows"] = d.rejected_rows;
    gaps["checked"] = d.gaps_checked;
    gaps["open_gaps"] = d.gaps_checked ? Json(d.open_gaps) : Json(nullptr);
    gaps["missing_bars"] = d.gaps_checked ? Json(d.missing_bars) : Json(nullptr);
    o["gaps"] = std::move(gaps);
    if (d.last_run) {
      const DatasetRun& r = *d.last_run;
      o["last_run"] = {{"run_id", r.run_id},
                       {"started_at", r.started_at},
                       {"finished_at", r.finished_at},
                       {"run_outcome", r.run_outcome},
                       {"outcome", r.outcome},
                       {"tasks",
                        {{"succeeded", r.succeeded},
                         {"skipped", r.skipped},
                         {"failed", r.failed},
                         {"cancelled", r.cancelled}}},
                       {"rows", r.rows},
                       {"error", r.error}};
    } else {
      o["last_run"] = nullptr;
    }
    Json cal = Json::array();
    for (const CalendarDay& c : d.calendar) {
      Json day;
      day["date"] = FormatDate(c.day);
      day["state"] = std::string(DayStateName(c.state));
      if (!c.detail.empty()) day["detail"] = c.detail;
      cal.push_back(std::move(day));
    }
    o["calendar"] = std::move(cal);
    arr.push_back(std::move(o));
  }
  j["datasets"] = std::move(arr);
  Json runs_json = Json::array();
  for (const RunSummary& r : runs) {
    runs_json.push_back({{"run_id", r.run_id},
                         {"started_at", r.started_at},
                         {"finished_at", r.finished_at},
                         {"outcome", r.outcome},
                         {"shard", {{"index", r.shard_index}, {"count", r.shard_count}}},
                         {"seconds", r.seconds},
                         {"tasks", r.tasks},
                         {"succeeded", r.succeeded},
                         {"skipped", r.skipped},
                         {"failed", r.failed},
                         {"cancelled", r.cancelled},
                         {"rows", r.rows},
                         {"bytes_written", r.bytes_written},
                         {"rows_per_second", r.rows_per_second}});
  }
  j["runs"] = std::move(runs_json);
  j["run_records"] = run_records;
  j["problems"] = problems;
  // Lake strings are arbitrary bytes; never let one invalid UTF-8 sequence abort the dump.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string LakeInventory::FormatTable() const {
  std::string out = "Lake " + lake + " (scanned " + scanned_at + ")\n";
  if (datasets.empty()) {
    out += "No datasets: the lake holds no bronze, silver or gold objects.\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"DATASET", "BRONZE", "SILVER", "ROWS", "BYTES", "GOLD", "MISSING", "GAP",
                    "REST", "LAST RUN"});
    for (const DatasetInventory& d : datasets) {
      std::string gold;
      for (const GoldProductCoverage& g : d.gold) {
        if (!gold.empty()) gold += ",";
        gold += g.product + ":" + std::to_string(g.coverage.days.size()) + "d";
      }
      std::string gap = std::to_string(d.CountDays(DayState::kGap)) + "d";
      if (d.gaps_checked) gap += " (" + std::to_string(d.open_gaps) + " open)";
      std::string rest = d.rest_periods == 0 ? "-"
                                             : std::to_string(d.rest_periods) + " files/" +
                                                   std::to_string(d.rest_rows) + " rows";
      std::string run = "-";
      if (d.last_run) {
        run = d.last_run->run_id + " " + d.last_run->outcome;
        if (d.last_run->run_outcome != d.last_run->outcome) {
          run += " (run " + d.last_run->run_outcome + ")";
        }
      }
      rows.push_back({d.key.Name(), RangeText(d.bronze), RangeText(d.silver),
                      d.silver.rows < 0 ? "-" : std::to_string(d.silver.rows),
                      FormatBytes(TotalBytes(d)), gold.empty() ? "-" : gold,
                      std::to_string(d.CountDays(DayState::kMissing)) + "d", gap, rest, run});
    }
    out += Align(rows);
  }
  if (!runs.empty()) {
    out += "\nLast runs (" + std::to_string(runs.size()) + " of " + std::to_string(run_records) +
           "):\n";
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"RUN", "STARTED", "OUTCOME", "SECONDS", "TASKS", "FAILED", "ROWS", "ROWS/S"});
    for (const RunSummary& r : runs) {
      rows.push_back({r.run_id, r.started_at, r.outcome, Fixed(r.seconds, 1),
                      std::to_string(r.tasks), std::to_string(r.failed), std::to_string(r.rows),
                      Fixed(r.rows_per_second, 1)});
    }
    out += Align(rows);
  }
  if (!problems.empty()) {
    out += "\nProblems (" + std::to_string(problems.size()) + "):\n";
    for (const std::string& p : problems) out += "  " + p + "\n";
  }
  return out;
}

}  // namespace cryptolake::lake
