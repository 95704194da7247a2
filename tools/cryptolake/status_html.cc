#include "status_html.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cryptolake/common/version.h"
#include "cryptolake/lake/partition.h"

namespace cryptolake::cli {
namespace {

using lake::CalendarDay;
using lake::DatasetInventory;
using lake::DayState;
using lake::LakeInventory;

// Colours differ in hue and lightness so the states stay apart in grey-scale prints too.
constexpr const char* kStyle = R"(
body{font:14px/1.4 "DejaVu Sans",Arial,sans-serif;margin:24px;color:#1d2329;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px}
.meta{color:#59636e;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
th{background:#eef1f4;white-space:nowrap}
table.summary{font-size:13px}
td.n{text-align:right;white-space:nowrap}
td.r{white-space:nowrap}
.legend span.item{margin-right:18px;display:inline-flex;align-items:center;gap:6px}
.d{display:inline-block;width:14px;height:14px;border-radius:2px}
.s-complete{background:#2da44e}
.s-gap{background:#e09b1a}
.s-rest_filled{background:#2f6fdb}
.s-missing{background:#cf222e}
.dataset{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 16px 14px;
  margin:14px 0}
.dataset h2{margin:6px 0}
.nums{color:#3b434b;margin:4px 0 10px}
.month{display:flex;align-items:center;margin:2px 0}
.mlabel{width:64px;font-family:"DejaVu Sans Mono",monospace;font-size:12px;color:#59636e}
.days{display:grid;grid-template-columns:repeat(31,16px);gap:2px}
.days .d{width:16px;height:16px}
.dom{font-size:9px;color:#8c959f;text-align:center}
.chart text{font:11px "DejaVu Sans",Arial,sans-serif;fill:#3b434b}
.problems li{color:#a40e26}
)";

std::string Num(int64_t v) { return std::to_string(v); }

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Range(const lake::LayerCoverage& c) {
  if (c.empty()) return "-";
  return lake::FormatDate(c.first_day()) + " .. " + lake::FormatDate(c.last_day()) + " (" +
         Num(static_cast<int64_t>(c.days.size())) + " d)";
}

void Legend(std::string& out) {
  out += "<div class=\"legend\">";
  for (DayState s :
       {DayState::kComplete, DayState::kGap, DayState::kRestFilled, DayState::kMissing}) {
    const std::string name(lake::DayStateName(s));
    out += "<span class=\"item\"><span class=\"d s-" + name + "\"></span>" + name + "</span>";
  }
  out +=
      "</div>\n<p class=\"meta\">complete: silver present, nothing quarantined, no open gap "
      "found; gap: rows quarantined or (with --check-gaps) bars/ids missing inside the day; "
      "rest_filled: rows added from Binance's REST API; missing: no silver (hover for the "
      "cause).</p>\n";
}

void SummaryTable(const LakeInventory& inv, std::string& out) {
  out +=
      "<table class=\"summary\"><tr><th>dataset</th><th>bronze</th><th>silver</th>"
      "<th>silver rows</th><th>bytes</th><th>gold</th><th>complete</th><th>gap</th>"
      "<th>rest_filled</th><th>missing</th><th>last run</th></tr>\n";
  for (const DatasetInventory& d : inv.datasets) {
    int64_t bytes = d.bronze.bytes + d.silver.bytes;
    std::string gold;
    for (const auto& g : d.gold) {
      bytes += g.coverage.bytes;
      if (!gold.empty()) gold += ", ";
      gold += g.product + " " + Num(static_cast<int64_t>(g.coverage.days.size())) + " d";
    }
    std::string run = "-";
    if (d.last_run) run = d.last_run->run_id + " " + d.last_run->outcome;
    out += "<tr><td>" + HtmlEscape(d.key.Name()) + "</td><td class=\"r\">" + Range(d.bronze) +
           "</td><td class=\"r\">" + Range(d.silver) + "</td><td class=\"n\">" +
           (d.silver.rows < 0 ? "-" : Num(d.silver.rows)) + "</td><td class=\"n\">" +
           lake::FormatBytes(bytes) + "</td><td>" + HtmlEscape(gold.empty() ? "-" : gold) +
           "</td><td class=\"n\">" + Num(d.CountDays(DayState::kComplete)) +
           "</td><td class=\"n\">" + Num(d.CountDays(DayState::kGap)) + "</td><td class=\"n\">" +
           Num(d.CountDays(DayState::kRestFilled)) + "</td><td class=\"n\">" +
           Num(d.CountDays(DayState::kMissing)) + "</td><td>" + HtmlEscape(run) + "</td></tr>\n";
  }
  out += "</table>\n";
}

void Calendar(const DatasetInventory& d, std::string& out) {
  out +=
      "<div class=\"cal\">\n<div class=\"month\"><span class=\"mlabel\"></span><div "
      "class=\"days\">";
  for (int dom = 1; dom <= 31; ++dom) out += "<span class=\"dom\">" + Num(dom) + "</span>";
  out += "</div></div>\n";
  std::string month;
  for (const CalendarDay& c : d.calendar) {
    const std::string date = lake::FormatDate(c.day);
    if (date.substr(0, 7) != month) {
      if (!month.empty()) out += "</div></div>\n";
      month = date.substr(0, 7);
      out += "<div class=\"month\"><span class=\"mlabel\">" + month + "</span><div class=\"days\">";
    }
    const std::string state(lake::DayStateName(c.state));
    std::string title = date + ": " + state;
    if (!c.detail.empty()) title += " (" + c.detail + ")";
    out += "<span class=\"d s-" + state + "\" style=\"grid-column:" + date.substr(8, 2) +
           "\" data-date=\"" + date + "\" data-state=\"" + state + "\" title=\"" +
           HtmlEscape(title) + "\"></span>";
  }
  if (!month.empty()) out += "</div></div>\n";
  out += "</div>\n";
}

void Dataset(const DatasetInventory& d, std::string& out) {
  const std::string name = HtmlEscape(d.key.Name());
  out += "<section class=\"dataset\" data-dataset=\"" + name + "\"";
  if (!d.calendar.empty()) {
    out += " data-first=\"" + lake::FormatDate(d.calendar.front().day) + "\" data-last=\"" +
           lake::FormatDate(d.calendar.back().day) + "\"";
  }
  out += " data-days=\"" + Num(static_cast<int64_t>(d.calendar.size())) + "\">\n<h2>" + name +
         (d.monthly ? " <small>(monthly files)</small>" : "") + "</h2>\n<div class=\"nums\">";
  out += "bronze " + Range(d.bronze) + ", " + Num(d.bronze.objects) + " objects, " +
         lake::FormatBytes(d.bronze.bytes) + "<br>silver " + Range(d.silver) + ", " +
         (d.silver.rows < 0 ? std::string("?") : Num(d.silver.rows)) + " rows, " +
         Num(d.rejected_rows) + " quarantined, " + lake::FormatBytes(d.silver.bytes);
  for (const auto& g : d.gold) {
    out += "<br>gold " + HtmlEscape(g.product) + " " + Range(g.coverage) + ", " +
           (g.coverage.rows < 0 ? std::string("?") : Num(g.coverage.rows)) + " rows, " +
           lake::FormatBytes(g.coverage.bytes);
  }
  out += "<br>REST: " + Num(d.rest_periods) + " files filled, " + Num(d.rest_rows) + " rows, " +
         Num(d.rest_requests) + " requests";
  if (d.gaps_checked) {
    out += "<br>gap check: " + Num(d.open_gaps) + " open gaps, " + Num(d.missing_bars) +
           " bars missing";
  }
  if (d.last_run) {
    const lake::DatasetRun& r = *d.last_run;
    out += "<br>last run " + HtmlEscape(r.run_id) + " (" + HtmlEscape(r.started_at) +
           "): " + HtmlEscape(r.outcome) + " (run " + HtmlEscape(r.run_outcome) + "), " +
           Num(r.succeeded) + " succeeded, " + Num(r.skipped) + " skipped, " + Num(r.failed) +
           " failed, " + Num(r.cancelled) + " cancelled";
    if (!r.error.empty()) out += "; error: " + HtmlEscape(r.error);
  }
  out += "</div>\n";
  Calendar(d, out);
  out += "</section>\n";
}

// The runs' rows/s as vertical bars, oldest on the left.
void RunsChart(const LakeInventory& inv, std::string& out) {
  std::vector<const lake::RunSummary*> runs;
  for (auto it = inv.runs.rbegin(); it != inv.runs.rend(); ++it) runs.push_back(&*it);
  double max_rps = 0;
  for (const auto* r : runs) max_rps = std::max(max_rps, r->rows_per_second);
  constexpr int kBar = 36, kGap = 14, kHeight = 160, kTop = 18, kBottom = 20;
  const int width = static_cast<int>(runs.size()) * (kBar + kGap) + kGap;
  out += "<svg class=\"chart\" width=\"" + Num(width) + "\" height=\"" +
         Num(kHeight + kTop + kBottom) + "\" role=\"img\" aria-label=\"rows per second of the " +
         "last runs\">\n<line x1=\"0\" y1=\"" + Num(kTop + kHeight) + "\" x2=\"" + Num(width) +
         "\" y2=\"" + Num(kTop + kHeight) + "\" stroke=\"#8c959f\"/>\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const lake::RunSummary& r = *runs[i];
    const int h = max_rps > 0 ? static_cast<int>(r.rows_per_second / max_rps * kHeight) : 0;
    const int x = kGap + static_cast<int>(i) * (kBar + kGap);
    const char* colour = r.outcome == "succeeded" ? "#2da44e"
                         : r.outcome == "partial" ? "#e09b1a"
                                                  : "#cf222e";
    out += "<rect x=\"" + Num(x) + "\" y=\"" + Num(kTop + kHeight - h) + "\" width=\"" + Num(kBar) +
           "\" height=\"" + Num(std::max(h, 1)) + "\" fill=\"" + colour + "\"><title>" +
           HtmlEscape(r.run_id) + ": " + Fixed(r.rows_per_second, 1) + " rows/s, " +
           HtmlEscape(r.outcome) + "</title></rect>";
    out += "<text x=\"" + Num(x) + "\" y=\"" + Num(kTop + kHeight - h - 4) + "\">" +
           Fixed(r.rows_per_second, 0) + "</text>";
    out += "<text x=\"" + Num(x) + "\" y=\"" + Num(kTop + kHeight + 14) + "\">#" +
           Num(static_cast<int64_t>(i + 1)) + "</text>\n";
  }
  out += "</svg>\n";
}

void RunsTable(const LakeInventory& inv, std::string& out) {
  out +=
      "<table class=\"runs\"><tr><th>#</th><th>run</th><th>started</th><th>outcome</th>"
      "<th>shard</th><th>seconds</th><th>tasks</th><th>failed</th><th>rows</th><th>rows/s</th>"
      "</tr>\n";
  const size_t n = inv.runs.size();
  for (size_t i = 0; i < n; ++i) {
    const lake::RunSummary& r = inv.runs[i];
    out += "<tr><td>#" + Num(static_cast<int64_t>(n - i)) + "</td><td>" + HtmlEscape(r.run_id) +
           "</td><td>" + HtmlEscape(r.started_at) + "</td><td>" + HtmlEscape(r.outcome) +
           "</td><td>" + Num(r.shard_index) + "/" + Num(r.shard_count) + "</td><td class=\"n\">" +
           Fixed(r.seconds, 1) + "</td><td class=\"n\">" + Num(r.tasks) + "</td><td class=\"n\">" +
           Num(r.failed) + "</td><td class=\"n\">" + Num(r.rows) + "</td><td class=\"n\">" +
           Fixed(r.rows_per_second, 1) + "</td></tr>\n";
  }
  out += "</table>\n";
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderStatusHtml(const LakeInventory& inv) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>cryptolake status: " +
      HtmlEscape(inv.lake) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  out += "<h1>cryptolake status</h1>\n<p class=\"meta\">Lake <code>" + HtmlEscape(inv.lake) +
         "</code>, scanned " + HtmlEscape(inv.scanned_at) + " by cryptolake " +
         CRYPTOLAKE_VERSION_STRING + "; " + Num(static_cast<int64_t>(inv.datasets.size())) +
         " datasets; row-level gap check " + (inv.gaps_checked ? "done" : "not run") + ".</p>\n";
  Legend(out);
  out += "<h2>Datasets</h2>\n";
  if (inv.datasets.empty()) {
    out += "<p>The lake holds no bronze, silver or gold objects.</p>\n";
  } else {
    SummaryTable(inv, out);
    for (const DatasetInventory& d : inv.datasets) Dataset(d, out);
  }
  out += "<h2>Last runs</h2>\n";
  if (inv.runs.empty()) {
    out += "<p>No run records (<code>_runs/</code>) in the lake.</p>\n";
  } else {
    out += "<p class=\"meta\">Rows per second of the last " +
           Num(static_cast<int64_t>(inv.runs.size())) + " of " + Num(inv.run_records) +
           " runs, oldest first.</p>\n";
    RunsChart(inv, out);
    RunsTable(inv, out);
  }
  if (!inv.problems.empty()) {
    out += "<h2>Problems</h2>\n<ul class=\"problems\">\n";
    for (const std::string& p : inv.problems) out += "<li>" + HtmlEscape(p) + "</li>\n";
    out += "</ul>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace cryptolake::cli
