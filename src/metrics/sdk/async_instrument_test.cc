// Observable instruments: callbacks, removal, temporality, "not observed =>
// not exported".
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <stdexcept>

#include "metrics_test_util.h"

namespace cryptolake::metrics {
namespace {

using testing::FindMetric;
using testing::Harness;
using testing::IntValue;

TEST(AsyncInstrumentTest, GaugeCallbackObservesAtCollection) {
  Harness h;
  int calls = 0;
  auto gauge = h.meter->CreateInt64ObservableGauge("queue", {.unit = "{item}"},
                                                   [&](ObserverResult<int64_t>& r) {
                                                     ++calls;
                                                     r.Observe(3, {{"q", "a"}});
                                                     r.Observe(7, {{"q", "b"}});
                                                   });
  EXPECT_NE(gauge.creation_callback_id(), 0u);
  EXPECT_EQ(calls, 0);
  auto rm = h.Collect();
  EXPECT_EQ(calls, 1);
  const auto& points = testing::Gauge(FindMetric(rm, "queue")).points;
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(IntValue(*testing::FindPoint(points, {{"q", std::string("b")}})), 7);
}

TEST(AsyncInstrumentTest, CallbacksCanBeAddedAndRemoved) {
  Harness h;
  auto counter = h.meter->CreateDoubleObservableCounter("bytes");
  EXPECT_EQ(counter.creation_callback_id(), 0u);
  CallbackId a = counter.AddCallback([](ObserverResult<double>& r) {
    r.Observe(1.5, {{"s", "a"}});
  });
  CallbackId b = counter.AddCallback([](ObserverResult<double>& r) {
    r.Observe(2.5, {{"s", "b"}});
  });
  EXPECT_NE(a, b);
  auto rm1 = h.Collect();
  EXPECT_EQ(testing::Sum(FindMetric(rm1, "bytes")).points.size(), 2u);
  EXPECT_TRUE(counter.RemoveCallback(a));
  EXPECT_FALSE(counter.RemoveCallback(a));
  auto rm2 = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm2, "bytes")).points;
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].attributes, (AttributeSet{{"s", std::string("b")}}));
  EXPECT_TRUE(counter.RemoveCallback(b));
  auto rm3 = h.Collect();
  EXPECT_EQ(FindMetric(rm3, "bytes"), nullptr);
}

TEST(AsyncInstrumentTest, NotObservedIsNotExportedUnderCumulative) {
  Harness h;
  bool observe_b = true;
  auto counter = h.meter->CreateInt64ObservableCounter("c", {}, [&](ObserverResult<int64_t>& r) {
    r.Observe(10, {{"k", "a"}});
    if (observe_b) r.Observe(20, {{"k", "b"}});
  });
  auto rm1 = h.Collect();
  EXPECT_EQ(testing::Sum(FindMetric(rm1, "c")).points.size(), 2u);
  observe_b = false;
  auto rm2 = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm2, "c")).points;
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].attributes, (AttributeSet{{"k", std::string("a")}}));
}

TEST(AsyncInstrumentTest, CumulativeExportsObservedValueWithStableStart) {
  Harness h;
  int64_t total = 0;
  auto counter = h.meter->CreateInt64ObservableCounter(
      "c", {}, [&](ObserverResult<int64_t>& r) { r.Observe(total); });
  total = 5;
  auto rm1 = h.Collect();
  total = 12;
  auto rm2 = h.Collect();
  const auto& p1 = testing::Sum(FindMetric(rm1, "c")).points.at(0);
  const auto& p2 = testing::Sum(FindMetric(rm2, "c")).points.at(0);
  EXPECT_EQ(IntValue(p1), 5);
  EXPECT_EQ(IntValue(p2), 12);
  EXPECT_TRUE(testing::Sum(FindMetric(rm2, "c")).is_monotonic);
  EXPECT_EQ(p1.start_time_unix_nano, p2.start_time_unix_nano);
}

TEST(AsyncInstrumentTest, DeltaIsDifferenceOfSuccessiveObservations) {
  Harness h(TemporalityPreference::kDelta);
  int64_t total = 0;
  auto counter = h.meter->CreateInt64ObservableCounter("c", {}, [&](ObserverResult<int64_t>& r) {
    r.Observe(total, {{"k", 1}});
  });
  total = 5;
  auto rm1 = h.Collect();
  total = 12;
  auto rm2 = h.Collect();
  total = 12;
  auto rm3 = h.Collect();
  const SumData& s1 = testing::Sum(FindMetric(rm1, "c"));
  EXPECT_EQ(s1.temporality, AggregationTemporality::kDelta);
  EXPECT_EQ(IntValue(s1.points.at(0)), 5);
  const auto& p2 = testing::Sum(FindMetric(rm2, "c")).points.at(0);
  EXPECT_EQ(IntValue(p2), 7);
  EXPECT_EQ(p2.start_time_unix_nano, s1.points[0].time_unix_nano);
  EXPECT_EQ(IntValue(testing::Sum(FindMetric(rm3, "c")).points.at(0)), 0);
}

TEST(AsyncInstrumentTest, UpDownCounterDeltaPreferenceStaysCumulative) {
  Harness h(TemporalityPreference::kDelta);
  auto updown = h.meter->CreateDoubleObservableUpDownCounter(
      "u", {}, [](ObserverResult<double>& r) { r.Observe(-4.5); });
  auto rm = h.Collect();
  const SumData& s = testing::Sum(FindMetric(rm, "u"));
  EXPECT_EQ(s.temporality, AggregationTemporality::kCumulative);
  EXPECT_FALSE(s.is_monotonic);
  EXPECT_DOUBLE_EQ(testing::DoubleValue(s.points.at(0)), -4.5);
}

TEST(AsyncInstrumentTest, LastObservationOfASetWins) {
  Harness h;
  auto gauge = h.meter->CreateInt64ObservableGauge("g", {}, [](ObserverResult<int64_t>& r) {
    r.Observe(1, {{"k", 1}});
    r.Observe(2, {{"k", 1}});
  });
  gauge.AddCallback([](ObserverResult<int64_t>& r) { r.Observe(3, {{"k", 1}}); });
  auto rm = h.Collect();
  const auto& points = testing::Gauge(FindMetric(rm, "g")).points;
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(IntValue(points[0]), 3);
}

TEST(AsyncInstrumentTest, FilteredSetsAreSummedForSums) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "c"}, {.attribute_keys = std::vector<std::string>{"keep"}}}});
  auto counter = h.meter->CreateInt64ObservableCounter("c", {}, [](ObserverResult<int64_t>& r) {
    r.Observe(1, {{"keep", 1}, {"drop", 1}});
    r.Observe(2, {{"keep", 1}, {"drop", 2}});
  });
  auto rm = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm, "c")).points;
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(IntValue(points[0]), 3);
}

TEST(AsyncInstrumentTest, CardinalityLimitOverflows) {
  Harness h(TemporalityPreference::kCumulative, {}, 3);
  auto counter = h.meter->CreateInt64ObservableCounter("c", {}, [](ObserverResult<int64_t>& r) {
    for (int i = 0; i < 5; ++i) r.Observe(10, {{"i", i}});
  });
  auto rm = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm, "c")).points;
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(IntValue(*testing::FindPoint(points, AttributeSet{{"otel.metric.overflow", true}})),
            30);
}

TEST(AsyncInstrumentTest, NonFiniteObservationsIgnored) {
  Harness h;
  auto gauge = h.meter->CreateDoubleObservableGauge("g", {}, [](ObserverResult<double>& r) {
    r.Observe(std::nan(""), {{"k", 1}});
    r.Observe(1.0, {{"k", 2}});
  });
  auto rm = h.Collect();
  EXPECT_EQ(testing::Gauge(FindMetric(rm, "g")).points.size(), 1u);
}

TEST(AsyncInstrumentTest, CallbackMayRemoveItself) {
  Harness h;
  auto gauge = h.meter->CreateInt64ObservableGauge("g");
  int calls = 0;
  CallbackId id = 0;
  id = gauge.AddCallback([&](ObserverResult<int64_t>& r) {
    ++calls;
    r.Observe(1);
    gauge.RemoveCallback(id);
  });
  h.Collect();
  h.Collect();
  EXPECT_EQ(calls, 1);
}

TEST(AsyncInstrumentTest, ThrowingCallbackIsReported) {
  testing::DiagnosticCapture diagnostics;
  Harness h;
  auto gauge = h.meter->CreateInt64ObservableGauge("g", {}, [](ObserverResult<int64_t>& r) {
    r.Observe(1);
    throw std::runtime_error("boom");
  });
  auto rm = h.Collect();
  EXPECT_EQ(diagnostics.Count("CallbackFailed"), 1);
  EXPECT_EQ(testing::Gauge(FindMetric(rm, "g")).points.size(), 1u);
}

TEST(AsyncInstrumentTest, SameIdentityAccumulatesCallbacks) {
  Harness h;
  auto a = h.meter->CreateInt64ObservableGauge("g", {}, [](ObserverResult<int64_t>& r) {
    r.Observe(1, {{"from", "a"}});
  });
  auto b = h.meter->CreateInt64ObservableGauge("G", {}, [](ObserverResult<int64_t>& r) {
    r.Observe(2, {{"from", "b"}});
  });
  auto rm = h.Collect();
  EXPECT_EQ(testing::Gauge(FindMetric(rm, "g")).points.size(), 2u);
}

}  // namespace
}  // namespace cryptolake::metrics
