// Instrument creation rules: names, units, descriptions, duplicates, no-ops.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cryptolake/metrics/meter.h"
#include "instrument_validation.h"
#include "metrics_test_util.h"

namespace cryptolake::metrics {
namespace {

using testing::DiagnosticCapture;
using testing::FindMetric;
using testing::FindMetrics;
using testing::Harness;
using testing::IntValue;
using testing::Sum;

TEST(InstrumentNameTest, Syntax) {
  using internal::IsValidInstrumentName;
  EXPECT_TRUE(IsValidInstrumentName("a"));
  EXPECT_TRUE(IsValidInstrumentName("http.server.duration"));
  EXPECT_TRUE(IsValidInstrumentName("A_b-c/d.9"));
  EXPECT_TRUE(IsValidInstrumentName(std::string(255, 'x')));
  EXPECT_FALSE(IsValidInstrumentName(std::string(256, 'x')));
  EXPECT_FALSE(IsValidInstrumentName(""));
  EXPECT_FALSE(IsValidInstrumentName("9abc"));
  EXPECT_FALSE(IsValidInstrumentName("_abc"));
  EXPECT_FALSE(IsValidInstrumentName("a bc"));
  EXPECT_FALSE(IsValidInstrumentName("a*b"));
  EXPECT_FALSE(IsValidInstrumentName("caf\xC3\xA9"));
}

TEST(InstrumentNameTest, Units) {
  EXPECT_TRUE(internal::IsValidUnit(""));
  EXPECT_TRUE(internal::IsValidUnit("{record}"));
  EXPECT_TRUE(internal::IsValidUnit(std::string(63, 'u')));
  EXPECT_FALSE(internal::IsValidUnit(std::string(64, 'u')));
  EXPECT_FALSE(internal::IsValidUnit("\xC2\xB5s"));
}

TEST(InstrumentTest, InvalidNameGivesWorkingNoopAndOneDiagnostic) {
  DiagnosticCapture diagnostics;
  Harness h;
  auto counter = h.meter->CreateInt64Counter("1-invalid");
  EXPECT_FALSE(counter.enabled());
  counter.Add(5, {{"k", "v"}});  // Must not crash.
  counter.Bind({{"k", "v"}}).Add(1);
  EXPECT_EQ(diagnostics.Count("InvalidInstrumentName"), 1);
  EXPECT_TRUE(h.Collect().scope_metrics.empty());
}

TEST(InstrumentTest, InvalidUnitGivesNoop) {
  DiagnosticCapture diagnostics;
  Harness h;
  auto counter = h.meter->CreateInt64Counter("ok", {.unit = std::string(64, 'u')});
  EXPECT_FALSE(counter.enabled());
  EXPECT_EQ(diagnostics.Count("InvalidInstrumentUnit"), 1);
}

TEST(InstrumentTest, LongDescriptionIsKept) {
  Harness h;
  std::string description(5000, 'd');
  description += "\xE2\x82\xAC";  // UTF-8 is fine.
  auto counter = h.meter->CreateInt64Counter("c", {.unit = "1", .description = description});
  counter.Add(1);
  auto rm = h.Collect();
  const MetricData* m = FindMetric(rm, "c");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->description, description);
  EXPECT_EQ(m->unit, "1");
}

TEST(InstrumentTest, SameIdentitySharesStorageCaseInsensitively) {
  DiagnosticCapture diagnostics;
  Harness h;
  auto a = h.meter->CreateInt64Counter("Requests", {.unit = "1"});
  auto b = h.meter->CreateInt64Counter("requests", {.unit = "1"});
  a.Add(2);
  b.Add(3);
  auto rm = h.Collect();
  auto metrics = FindMetrics(rm, "Requests");
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(IntValue(Sum(metrics[0]).points.at(0)), 5);
  EXPECT_EQ(diagnostics.size(), 0u);
}

TEST(InstrumentTest, ConflictingDuplicateIsReportedAndBothKept) {
  DiagnosticCapture diagnostics;
  Harness h;
  auto a = h.meter->CreateInt64Counter("dup", {.unit = "s"});
  auto b = h.meter->CreateInt64Counter("dup", {.unit = "ms"});
  auto c = h.meter->CreateDoubleHistogram("dup");
  EXPECT_EQ(diagnostics.Count("DuplicateInstrumentConflict"), 2);
  a.Add(1);
  b.Add(10);
  c.Record(3.0);
  auto rm = h.Collect();
  EXPECT_EQ(FindMetrics(rm, "dup").size(), 3u);
}

TEST(InstrumentTest, DifferentMetersDoNotConflict) {
  DiagnosticCapture diagnostics;
  Harness h;
  auto other = h.provider->GetMeter("other.meter");
  EXPECT_NE(other, h.meter);
  EXPECT_EQ(h.provider->GetMeter("test.meter", "1.0"), h.meter);
  h.meter->CreateInt64Counter("x", {.unit = "s"}).Add(1);
  other->CreateInt64Counter("x", {.unit = "ms"}).Add(1);
  EXPECT_EQ(diagnostics.Count("DuplicateInstrumentConflict"), 0);
  auto rm = h.Collect();
  EXPECT_EQ(rm.scope_metrics.size(), 2u);
}

TEST(InstrumentTest, ScopeIsExported) {
  Harness h;
  auto meter = h.provider->GetMeter("scoped", "2.0", "https://opentelemetry.io/schemas/1.26.0",
                                    AttributeSet{{"team", std::string("lake")}});
  meter->CreateInt64Counter("c").Add(1);
  auto rm = h.Collect();
  ASSERT_EQ(rm.scope_metrics.size(), 1u);
  const InstrumentationScope& scope = rm.scope_metrics[0].scope;
  EXPECT_EQ(scope.name, "scoped");
  EXPECT_EQ(scope.version, "2.0");
  EXPECT_EQ(scope.schema_url, "https://opentelemetry.io/schemas/1.26.0");
  EXPECT_EQ(scope.attributes, (AttributeSet{{"team", std::string("lake")}}));
  EXPECT_EQ(rm.resource.attributes(), (AttributeSet{{"service.name", std::string("test")}}));
}

TEST(InstrumentTest, CounterAndHistogramIgnoreNegativeAndNaN) {
  Harness h;
  auto counter = h.meter->CreateDoubleCounter("c");
  auto histogram = h.meter->CreateInt64Histogram("h");
  counter.Add(1.5);
  counter.Add(-1.0);
  counter.Add(std::nan(""));
  histogram.Record(4);
  histogram.Record(-4);
  auto rm = h.Collect();
  EXPECT_DOUBLE_EQ(testing::DoubleValue(Sum(FindMetric(rm, "c")).points.at(0)), 1.5);
  EXPECT_EQ(testing::Hist(FindMetric(rm, "h")).points.at(0).count, 1u);
}

TEST(InstrumentTest, NonFiniteValuesAreIgnoredBySumsAndGauges) {
  Harness h;
  auto updown = h.meter->CreateDoubleUpDownCounter("ud");
  auto gauge = h.meter->CreateDoubleGauge("g");
  updown.Add(2.0);
  updown.Add(std::numeric_limits<double>::infinity());
  updown.Add(-std::numeric_limits<double>::infinity());
  updown.Add(std::nan(""));
  gauge.Record(7.0);
  gauge.Record(std::nan(""));
  gauge.Record(std::numeric_limits<double>::infinity());
  auto rm = h.Collect();
  EXPECT_DOUBLE_EQ(testing::DoubleValue(Sum(FindMetric(rm, "ud")).points.at(0)), 2.0);
  EXPECT_DOUBLE_EQ(testing::DoubleValue(testing::Gauge(FindMetric(rm, "g")).points.at(0)), 7.0);
}

TEST(InstrumentTest, DefaultConstructedHandlesAreNoops) {
  Counter<int64_t> c;
  c.Add(1, {{"a", 1}});
  Histogram<double> h;
  h.Record(1.0);
  ObservableGauge<int64_t> g;
  EXPECT_EQ(g.AddCallback([](ObserverResult<int64_t>&) {}), 0u);
  EXPECT_FALSE(g.RemoveCallback(1));
  BoundCounter<int64_t> b = c.Bind({});
  b.Add(3);
  EXPECT_FALSE(b.enabled());
}

TEST(InstrumentTest, BoundHandlesRecordIntoTheSeries) {
  Harness h;
  auto counter = h.meter->CreateInt64Counter("c");
  auto updown = h.meter->CreateDoubleUpDownCounter("ud");
  auto histogram = h.meter->CreateDoubleHistogram("h");
  auto gauge = h.meter->CreateInt64Gauge("g");
  auto bc = counter.Bind({{"s", "BTC"}});
  auto bu = updown.Bind({{"s", "BTC"}});
  auto bh = histogram.Bind({{"s", "BTC"}});
  auto bg = gauge.Bind({{"s", "BTC"}});
  for (int i = 0; i < 10; ++i) {
    bc.Add(2);
    bu.Add(-0.5);
    bh.Record(i);
    bg.Record(i);
  }
  bc.Add(-5);  // Ignored.
  counter.Add(1, {{"s", "BTC"}});
  auto rm = h.Collect();
  AttributeSet btc{{"s", std::string("BTC")}};
  EXPECT_EQ(IntValue(*testing::FindPoint(Sum(FindMetric(rm, "c")).points, btc)), 21);
  EXPECT_DOUBLE_EQ(testing::DoubleValue(Sum(FindMetric(rm, "ud")).points.at(0)), -5.0);
  EXPECT_EQ(testing::Hist(FindMetric(rm, "h")).points.at(0).count, 10u);
  EXPECT_EQ(IntValue(testing::Gauge(FindMetric(rm, "g")).points.at(0)), 9);
}

TEST(InstrumentTest, AdvisoryAttributeKeysFilterWhenNoView) {
  Harness h;
  auto counter = h.meter->CreateInt64Counter("c", {.advisory_attribute_keys = {"keep"}});
  counter.Add(1, {{"keep", 1}, {"drop", 2}});
  counter.Add(1, {{"keep", 1}, {"drop", 3}});
  auto rm = h.Collect();
  const auto& points = Sum(FindMetric(rm, "c")).points;
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].attributes, (AttributeSet{{"keep", int64_t{1}}}));
  EXPECT_EQ(IntValue(points[0]), 2);
}

}  // namespace
}  // namespace cryptolake::metrics
