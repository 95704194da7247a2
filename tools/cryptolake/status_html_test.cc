#include "status_html.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "cryptolake/lake/partition.h"

namespace cryptolake::cli {
namespace {

using lake::DayState;

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t pos = 0; (pos = text.find(needle, pos)) != std::string::npos; pos += needle.size()) {
    ++n;
  }
  return n;
}

lake::LakeInventory Inventory() {
  lake::LakeInventory inv;
  inv.lake = "file:///tmp/<lake>";
  inv.scanned_at = "2026-12-06T17:00:00Z";
  lake::DatasetInventory d;
  d.key = {"um", "klines", "1m", "EVIL<script>\"&'"};
  // 2024-01-30 .. 2024-02-02: crosses a month end.
  const int64_t first = *lake::ParseDate("2024-01-30");
  const DayState states[] = {DayState::kComplete, DayState::kGap, DayState::kRestFilled,
                             DayState::kMissing};
  for (int i = 0; i < 4; ++i) {
    d.calendar.push_back({first + i, states[i], i == 3 ? "http_404" : ""});
    d.silver.days.insert(first + i);
  }
  d.last_run = lake::DatasetRun{};
  d.last_run->run_id = "r<1>";
  d.last_run->error = "<img src=x onerror=alert(1)>";
  inv.datasets.push_back(d);
  lake::RunSummary r;
  r.run_id = "20261206T170000Z-1a2b3c4d";
  r.outcome = "succeeded";
  r.rows_per_second = 643.2;
  inv.runs = {r, r};
  inv.run_records = 2;
  inv.problems = {"_runs/<bad>.json: not a run"};
  return inv;
}

TEST(StatusHtmlTest, OneCellPerDayWithItsState) {
  const std::string html = RenderStatusHtml(Inventory());
  EXPECT_EQ(Count(html, "data-date=\""), 4);
  EXPECT_NE(html.find("data-date=\"2024-01-30\" data-state=\"complete\""), std::string::npos);
  EXPECT_NE(html.find("data-date=\"2024-01-31\" data-state=\"gap\""), std::string::npos);
  EXPECT_NE(html.find("data-date=\"2024-02-01\" data-state=\"rest_filled\""), std::string::npos);
  EXPECT_NE(html.find("data-date=\"2024-02-02\" data-state=\"missing\""), std::string::npos);
  EXPECT_NE(html.find("2024-02-02: missing (http_404)"), std::string::npos);
  EXPECT_EQ(Count(html, "class=\"month\""), 3);  // the day-of-month header and two months
  EXPECT_NE(html.find("grid-column:02"), std::string::npos);
  EXPECT_EQ(Count(html, "<rect "), 2);  // one bar per run
  EXPECT_NE(html.find("data-days=\"4\""), std::string::npos);
}

TEST(StatusHtmlTest, EscapesLakeStringsAndLinksNothing) {
  const std::string html = RenderStatusHtml(Inventory());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<bad>"), std::string::npos);
  EXPECT_NE(html.find("EVIL&lt;script&gt;&quot;&amp;&#39;"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  // No element has a src or href attribute; no URL of a network scheme anywhere.
  EXPECT_FALSE(std::regex_search(html, std::regex("<[^>]*\\s(src|href)\\s*=", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(html, std::regex("https?:", std::regex::icase)));
  EXPECT_EQ(html.find("url("), std::string::npos);
}

TEST(StatusHtmlTest, EmptyLake) {
  lake::LakeInventory inv;
  inv.lake = "memory://";
  const std::string html = RenderStatusHtml(inv);
  EXPECT_EQ(Count(html, "data-date="), 0);
  EXPECT_NE(html.find("no bronze, silver or gold"), std::string::npos);
  EXPECT_NE(html.find("No run records"), std::string::npos);
}

TEST(StatusHtmlTest, HtmlEscape) {
  EXPECT_EQ(HtmlEscape("a<b>&\"'c"), "a&lt;b&gt;&amp;&quot;&#39;c");
  EXPECT_EQ(HtmlEscape("plain"), "plain");
}

}  // namespace
}  // namespace cryptolake::cli
