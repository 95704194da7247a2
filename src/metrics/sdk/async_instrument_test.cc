// Observable instruments: callbacks, removal, temporality, "not observed =>
// not exported".
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

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
  ASSERT_EQ(points.size(), 4u);  // Three sets plus the overflow series.
  EXPECT_EQ(IntValue(*testing::FindPoint(points, AttributeSet{{"otel.metric.overflow", true}})),
            20);
}

// A reader that wants delta for every instrument kind (ObservableUpDownCounter
// included, which no temporality preference makes delta).
class AllDeltaReader final : public MetricReader {
 public:
  AggregationTemporality TemporalityFor(InstrumentKind) const override {
    return AggregationTemporality::kDelta;
  }
};

// Observations per collection: the value of set {k=a}, or none (nullopt).
template <typename T>
std::vector<std::optional<T>> ExportedDeltas(MetricReader& reader,
                                             const std::vector<std::optional<T>>& observed,
                                             std::optional<T>* current, const char* name) {
  std::vector<std::optional<T>> out;
  for (const auto& o : observed) {
    *current = o;
    ResourceMetrics rm = testing::CollectOrDie(reader);
    const MetricData* m = FindMetric(rm, name);
    const NumberDataPoint* p =
        m == nullptr ? nullptr
                     : testing::FindPoint(testing::Sum(m).points, {{"k", std::string("a")}});
    if (p == nullptr) {
      out.push_back(std::nullopt);
    } else {
      out.push_back(std::get<T>(p->value));
    }
  }
  return out;
}

TEST(AsyncInstrumentTest, DeltaAfterAMissedCallbackIsTheIncreaseSinceTheLastObservation) {
  Harness h(TemporalityPreference::kDelta);
  std::optional<int64_t> a;
  auto counter = h.meter->CreateInt64ObservableCounter("c", {}, [&](ObserverResult<int64_t>& r) {
    if (a) r.Observe(*a, {{"k", "a"}});
    r.Observe(1, {{"k", "other"}});  // The instrument keeps reporting.
  });
  const std::vector<std::optional<int64_t>> observed{10, std::nullopt, 15, 15, std::nullopt,
                                                     std::nullopt, 40};
  const std::vector<std::optional<int64_t>> want{10, std::nullopt, 5, 0, std::nullopt,
                                                 std::nullopt, 25};
  EXPECT_EQ(ExportedDeltas(*h.reader, observed, &a, "c"), want);
}

TEST(AsyncInstrumentTest, DeltaAfterAMissedCallbackStartsAtTheLastObservation) {
  Harness h(TemporalityPreference::kDelta);
  bool observe = true;
  auto counter = h.meter->CreateDoubleObservableCounter("c", {}, [&](ObserverResult<double>& r) {
    if (observe) r.Observe(2.5, {{"k", "a"}});
  });
  auto rm1 = h.Collect();
  observe = false;
  auto rm2 = h.Collect();
  EXPECT_EQ(FindMetric(rm2, "c"), nullptr);
  observe = true;
  auto rm3 = h.Collect();
  const auto& p1 = testing::Sum(FindMetric(rm1, "c")).points.at(0);
  const auto& p3 = testing::Sum(FindMetric(rm3, "c")).points.at(0);
  EXPECT_DOUBLE_EQ(testing::DoubleValue(p3), 0.0);
  // The point covers the whole time since the observation it is relative to.
  EXPECT_EQ(p3.start_time_unix_nano, p1.time_unix_nano);
}

TEST(AsyncInstrumentTest, UpDownCounterDeltaAfterAMissedCallback) {
  auto reader = std::make_shared<AllDeltaReader>();
  SdkMeterProviderOptions options;
  options.readers = {reader};
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  std::optional<double> a;
  auto updown = provider->GetMeter("m")->CreateDoubleObservableUpDownCounter(
      "u", {}, [&](ObserverResult<double>& r) {
        if (a) r.Observe(*a, {{"k", "a"}});
      });
  const std::vector<std::optional<double>> observed{10.0, std::nullopt, 4.0, 6.5};
  const std::vector<std::optional<double>> want{10.0, std::nullopt, -6.0, 2.5};
  EXPECT_EQ(ExportedDeltas(*reader, observed, &a, "u"), want);
}

TEST(AsyncInstrumentTest, CumulativeStillSkipsAnUnobservedSet) {
  Harness h;
  std::optional<int64_t> a;
  auto counter = h.meter->CreateInt64ObservableCounter("c", {}, [&](ObserverResult<int64_t>& r) {
    if (a) r.Observe(*a, {{"k", "a"}});
  });
  const std::vector<std::optional<int64_t>> observed{10, std::nullopt, 15};
  const std::vector<std::optional<int64_t>> want{10, std::nullopt, 15};
  EXPECT_EQ(ExportedDeltas(*h.reader, observed, &a, "c"), want);
}

TEST(AsyncInstrumentTest, DeltaKeepsTheLastObservationOfAtMostLimitUnobservedSets) {
  // Limit 2: of the three sets no longer observed in round 2, the two
  // observed last (round 1) are remembered; "x" (round 0) restarts from its
  // whole value.
  Harness h(TemporalityPreference::kDelta, {}, 2);
  int round = 0;
  auto counter = h.meter->CreateInt64ObservableCounter("c", {}, [&](ObserverResult<int64_t>& r) {
    if (round == 0) r.Observe(100, {{"k", "x"}});
    if (round == 1) {
      r.Observe(100, {{"k", "y"}});
      r.Observe(100, {{"k", "z"}});
    }
    if (round == 3) {
      r.Observe(101, {{"k", "x"}});
      r.Observe(102, {{"k", "y"}});
    }
    if (round == 4) r.Observe(103, {{"k", "z"}});
  });
  std::vector<ResourceMetrics> collections;
  for (round = 0; round < 5; ++round) collections.push_back(h.Collect());
  const auto& r3 = testing::Sum(FindMetric(collections[3], "c")).points;
  EXPECT_EQ(IntValue(*testing::FindPoint(r3, {{"k", std::string("x")}})), 101);  // Forgotten.
  EXPECT_EQ(IntValue(*testing::FindPoint(r3, {{"k", std::string("y")}})), 2);
  const auto& r4 = testing::Sum(FindMetric(collections[4], "c")).points;
  EXPECT_EQ(IntValue(*testing::FindPoint(r4, {{"k", std::string("z")}})), 3);
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
