// Views: selection, several streams, renames, attribute filters, limits.
#include "cryptolake/metrics/sdk/view.h"

#include <gtest/gtest.h>

#include "metrics_test_util.h"

namespace cryptolake::metrics {
namespace {

using testing::DiagnosticCapture;
using testing::FindMetric;
using testing::FindMetrics;
using testing::Harness;
using testing::IntValue;

TEST(WildcardTest, Patterns) {
  EXPECT_TRUE(WildcardMatch("*", "anything"));
  EXPECT_TRUE(WildcardMatch("*", ""));
  EXPECT_TRUE(WildcardMatch("http.*", "http.server.duration"));
  EXPECT_FALSE(WildcardMatch("http.*", "rpc.server.duration"));
  EXPECT_TRUE(WildcardMatch("*.duration", "http.server.duration"));
  EXPECT_TRUE(WildcardMatch("a?c", "abc"));
  EXPECT_FALSE(WildcardMatch("a?c", "ac"));
  EXPECT_FALSE(WildcardMatch("a?c", "abbc"));
  EXPECT_TRUE(WildcardMatch("a*b*c", "a_x_b_y_c"));
  EXPECT_FALSE(WildcardMatch("a*b*c", "a_x_c"));
  EXPECT_TRUE(WildcardMatch("HTTP.*", "http.x"));  // Case-insensitive.
  EXPECT_TRUE(WildcardMatch("exact", "EXACT"));
  EXPECT_FALSE(WildcardMatch("exact", "exactly"));
  EXPECT_TRUE(WildcardMatch("**?", "x"));
}

TEST(ViewTest, RenameAndDescription) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "records"}, {.name = "ingest.records", .description = "renamed"}}});
  auto counter = h.meter->CreateInt64Counter("records", {.unit = "1", .description = "orig"});
  counter.Add(1);
  auto rm = h.Collect();
  EXPECT_EQ(FindMetric(rm, "records"), nullptr);
  const MetricData* m = FindMetric(rm, "ingest.records");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->description, "renamed");
  EXPECT_EQ(m->unit, "1");
}

TEST(ViewTest, WildcardSelectsSeveralInstruments) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "ingest.*"}, {.attribute_keys = std::vector<std::string>{}}}});
  auto a = h.meter->CreateInt64Counter("ingest.a");
  auto b = h.meter->CreateInt64Counter("ingest.b");
  auto other = h.meter->CreateInt64Counter("other");
  a.Add(1, {{"x", 1}});
  b.Add(1, {{"x", 1}});
  other.Add(1, {{"x", 1}});
  auto rm = h.Collect();
  EXPECT_TRUE(testing::Sum(FindMetric(rm, "ingest.a")).points.at(0).attributes.empty());
  EXPECT_TRUE(testing::Sum(FindMetric(rm, "ingest.b")).points.at(0).attributes.empty());
  EXPECT_FALSE(testing::Sum(FindMetric(rm, "other")).points.at(0).attributes.empty());
}

TEST(ViewTest, QuestionMarkWildcard) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "q?"}, {.aggregation = Aggregation::Drop()}}});
  auto q1 = h.meter->CreateInt64Counter("q1");
  auto q10 = h.meter->CreateInt64Counter("q10");
  EXPECT_FALSE(q1.enabled());
  EXPECT_TRUE(q10.enabled());
}

TEST(ViewTest, SeveralViewsMakeSeveralStreams) {
  Harness h(
      TemporalityPreference::kCumulative,
      {View{{.name = "latency"},
            {.name = "latency.by_symbol", .attribute_keys = std::vector<std::string>{"symbol"}}},
       View{{.name = "latency"},
            {.name = "latency.total", .attribute_keys = std::vector<std::string>{}}}});
  auto hist = h.meter->CreateDoubleHistogram("latency");
  hist.Record(1, {{"symbol", "BTC"}, {"exchange", "binance"}});
  hist.Record(2, {{"symbol", "ETH"}, {"exchange", "binance"}});
  auto rm = h.Collect();
  EXPECT_EQ(FindMetric(rm, "latency"), nullptr);
  EXPECT_EQ(testing::Hist(FindMetric(rm, "latency.by_symbol")).points.size(), 2u);
  const auto& total = testing::Hist(FindMetric(rm, "latency.total")).points;
  ASSERT_EQ(total.size(), 1u);
  EXPECT_EQ(total[0].count, 2u);
}

TEST(ViewTest, ExcludeList) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "c"}, {.excluded_attribute_keys = {"request_id"}}}});
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(1, {{"request_id", 1}, {"route", "/a"}});
  counter.Add(1, {{"request_id", 2}, {"route", "/a"}});
  auto rm = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm, "c")).points;
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].attributes, (AttributeSet{{"route", std::string("/a")}}));
  EXPECT_EQ(IntValue(points[0]), 2);
}

// Both lists set: the allow-list applies, alike for sync and async streams.
TEST(ViewTest, AllowListWinsOverExcludeListForSyncAndAsync) {
  const StreamConfig both{.attribute_keys = std::vector<std::string>{"a", "b"},
                          .excluded_attribute_keys = {"a"}};
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "s"}, both}, View{{.name = "o"}, both}});
  auto counter = h.meter->CreateInt64Counter("s");
  counter.Add(1, {{"a", 1}, {"b", 2}, {"c", 3}});
  auto gauge = h.meter->CreateInt64ObservableGauge("o");
  gauge.AddCallback([](ObserverResult<int64_t>& r) {
    r.Observe(5, {{"a", 1}, {"b", 2}, {"c", 3}});
  });
  auto rm = h.Collect();
  const AttributeSet expected{{"a", int64_t{1}}, {"b", int64_t{2}}};
  const auto& sync_points = testing::Sum(FindMetric(rm, "s")).points;
  ASSERT_EQ(sync_points.size(), 1u);
  EXPECT_EQ(sync_points[0].attributes, expected);
  const auto& async_points = std::get<GaugeData>(FindMetric(rm, "o")->data).points;
  ASSERT_EQ(async_points.size(), 1u);
  EXPECT_EQ(async_points[0].attributes, expected);
}

TEST(ViewTest, ViewAttributeKeysOverrideAdvisoryKeys) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "c"}, {.attribute_keys = std::vector<std::string>{"b"}}}});
  auto counter = h.meter->CreateInt64Counter("c", {.advisory_attribute_keys = {"a"}});
  counter.Add(1, {{"a", 1}, {"b", 2}});
  auto rm = h.Collect();
  EXPECT_EQ(testing::Sum(FindMetric(rm, "c")).points.at(0).attributes,
            (AttributeSet{{"b", int64_t{2}}}));
}

TEST(ViewTest, SelectByKindUnitAndMeter) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.kind = InstrumentKind::kHistogram}, {.aggregation = Aggregation::Drop()}},
             View{{.unit = "By"}, {.aggregation = Aggregation::Drop()}},
             View{{.meter_name = "noisy"}, {.aggregation = Aggregation::Drop()}},
             View{{.meter_version = "9"}, {.aggregation = Aggregation::Drop()}},
             View{{.meter_schema_url = "https://s"}, {.aggregation = Aggregation::Drop()}}});
  EXPECT_FALSE(h.meter->CreateDoubleHistogram("h").enabled());
  EXPECT_FALSE(h.meter->CreateInt64Counter("bytes", {.unit = "By"}).enabled());
  EXPECT_TRUE(h.meter->CreateInt64Counter("count", {.unit = "1"}).enabled());
  EXPECT_FALSE(h.provider->GetMeter("noisy")->CreateInt64Counter("c").enabled());
  EXPECT_FALSE(h.provider->GetMeter("v", "9")->CreateInt64Counter("c").enabled());
  EXPECT_FALSE(h.provider->GetMeter("s", "", "https://s")->CreateInt64Counter("c").enabled());
  EXPECT_TRUE(h.provider->GetMeter("s", "", "https://t")->CreateInt64Counter("c").enabled());
}

TEST(ViewTest, NoMatchingViewGivesDefaultStream) {
  Harness h(TemporalityPreference::kCumulative, {View{{.name = "other"}, {.name = "renamed"}}});
  auto counter = h.meter->CreateInt64Counter("mine");
  counter.Add(1);
  auto rm = h.Collect();
  EXPECT_NE(FindMetric(rm, "mine"), nullptr);
  EXPECT_EQ(FindMetric(rm, "renamed"), nullptr);
}

TEST(ViewTest, RenamingWildcardViewIsReported) {
  DiagnosticCapture diagnostics;
  Harness h(TemporalityPreference::kCumulative, {View{{.name = "x.*"}, {.name = "same"}}});
  EXPECT_EQ(diagnostics.Count("ViewNameSelectsManyInstruments"), 1);
  h.meter->CreateInt64Counter("x.a").Add(1);
  EXPECT_EQ(diagnostics.Count("DuplicateStreamName"), 0);
  h.meter->CreateInt64Counter("x.b").Add(2);
  EXPECT_EQ(diagnostics.Count("DuplicateStreamName"), 1);
  auto rm = h.Collect();
  EXPECT_EQ(FindMetrics(rm, "same").size(), 2u);  // Both kept.
}

TEST(ViewTest, CardinalityLimitPerView) {
  Harness h(TemporalityPreference::kCumulative, {View{{.name = "c"}, {.cardinality_limit = 3}}});
  auto counter = h.meter->CreateInt64Counter("c");
  for (int i = 0; i < 10; ++i) counter.Add(1, {{"i", i}});
  auto rm = h.Collect();
  EXPECT_EQ(testing::Sum(FindMetric(rm, "c")).points.size(), 4u);  // Three sets + overflow.
}

}  // namespace
}  // namespace cryptolake::metrics
