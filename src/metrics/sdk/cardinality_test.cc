// Cardinality limit, the overflow series, bound handles and delta forgetting.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "metrics_test_util.h"

// Counts the heap allocations of this test binary, to check that a series
// that keeps recording never allocates again, also under delta temporality
// where idle series give their place back.
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// GCC pairs the replaced operator new with std::free below and warns; the
// pairing is what a replacement allocator is.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace cryptolake::metrics {
namespace {

using testing::FindMetric;
using testing::Harness;
using testing::IntValue;

const AttributeSet kOverflow{{"otel.metric.overflow", true}};

AttributeSet Sym(const std::string& s) { return AttributeSet{{"sym", s}}; }

int64_t Total(const std::vector<NumberDataPoint>& points) {
  int64_t total = 0;
  for (const auto& p : points) total += IntValue(p);
  return total;
}

// The points of counter "c" in one collection (none if it exported nothing).
std::vector<NumberDataPoint> Points(const ResourceMetrics& rm) {
  const MetricData* m = FindMetric(rm, "c");
  return m == nullptr ? std::vector<NumberDataPoint>{} : testing::Sum(m).points;
}

int64_t ValueOf(const std::vector<NumberDataPoint>& points, const AttributeSet& attributes) {
  const NumberDataPoint* p = testing::FindPoint(points, attributes);
  return p == nullptr ? -1 : IntValue(*p);
}

TEST(CardinalityTest, DefaultLimitIs2000SetsPlusOverflow) {
  Harness h;
  auto counter = h.meter->CreateInt64Counter("c");
  for (int i = 0; i < 2500; ++i) counter.Add(1, {{"i", i}});
  auto rm = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm, "c")).points;
  EXPECT_EQ(points.size(), 2001u);
  const NumberDataPoint* overflow = testing::FindPoint(points, kOverflow);
  ASSERT_NE(overflow, nullptr);
  EXPECT_EQ(IntValue(*overflow), 500);
  EXPECT_EQ(Total(points), 2500);  // Nothing dropped.
}

// The specification's guarantee: no overflow while the stream has at most
// `limit` distinct attribute sets, for every temporality and aggregation.
TEST(CardinalityTest, ExactlyLimitSetsNeverOverflow) {
  for (auto temporality : {TemporalityPreference::kCumulative, TemporalityPreference::kDelta}) {
    for (int32_t limit : {1, 2, 5, 2000}) {
      Harness h(temporality, {}, limit);
      auto counter = h.meter->CreateInt64Counter("c");
      auto hist = h.meter->CreateDoubleHistogram("h");
      for (int i = 0; i < limit; ++i) {
        counter.Add(i + 1, {{"i", i}});
        hist.Record(i, {{"i", i}});
      }
      auto rm = h.Collect();
      const auto& points = testing::Sum(FindMetric(rm, "c")).points;
      ASSERT_EQ(points.size(), static_cast<size_t>(limit)) << limit;
      EXPECT_EQ(testing::FindPoint(points, kOverflow), nullptr) << limit;
      for (int i = 0; i < limit; ++i) EXPECT_EQ(ValueOf(points, {{"i", i}}), i + 1);
      const auto& hist_points = testing::Hist(FindMetric(rm, "h")).points;
      EXPECT_EQ(hist_points.size(), static_cast<size_t>(limit)) << limit;
      EXPECT_EQ(testing::FindPoint(hist_points, kOverflow), nullptr) << limit;
    }
  }
}

TEST(CardinalityTest, LimitPlusOneSetsOverflowExactlyTheExtraOne) {
  for (auto temporality : {TemporalityPreference::kCumulative, TemporalityPreference::kDelta}) {
    Harness h(temporality, {}, 3);
    auto counter = h.meter->CreateInt64Counter("c");
    counter.Add(1, {{"sym", "a"}});
    counter.Add(2, {{"sym", "b"}});
    counter.Add(4, {{"sym", "c"}});
    counter.Add(8, {{"sym", "d"}});   // The fourth set: overflow.
    counter.Add(16, {{"sym", "a"}});  // Existing set: its own series.
    counter.Add(32, {{"sym", "d"}});  // Still overflow.
    auto points = Points(h.Collect());
    ASSERT_EQ(points.size(), 4u);
    EXPECT_EQ(ValueOf(points, Sym("a")), 17);
    EXPECT_EQ(ValueOf(points, Sym("b")), 2);
    EXPECT_EQ(ValueOf(points, Sym("c")), 4);
    EXPECT_EQ(ValueOf(points, kOverflow), 40);
  }
}

TEST(CardinalityTest, ExistingSeriesKeepRecordingAfterLimit) {
  Harness h(TemporalityPreference::kCumulative, {}, 2);
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(1, {{"k", "a"}});
  counter.Add(1, {{"k", "b"}});
  counter.Add(1, {{"k", "c"}});  // Overflow.
  counter.Add(5, {{"k", "a"}});  // Existing: still its own series.
  counter.Add(1, {{"k", "d"}});  // Overflow.
  auto rm = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm, "c")).points;
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(IntValue(*testing::FindPoint(points, {{"k", std::string("a")}})), 6);
  EXPECT_EQ(IntValue(*testing::FindPoint(points, kOverflow)), 2);
}

TEST(CardinalityTest, EmptyAttributeSetCountsTowardTheLimit) {
  Harness h(TemporalityPreference::kCumulative, {}, 1);
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(1);
  counter.Add(1, {{"k", 1}});  // Overflow: the empty set took the only place.
  auto rm = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm, "c")).points;
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(IntValue(*testing::FindPoint(points, kOverflow)), 1);
}

TEST(CardinalityTest, BoundHandlesCountAtBindTime) {
  Harness h(TemporalityPreference::kCumulative, {}, 2);
  auto counter = h.meter->CreateInt64Counter("c");
  auto a = counter.Bind({{"k", "a"}});
  auto b = counter.Bind({{"k", "b"}});
  auto c = counter.Bind({{"k", "c"}});  // Bound to the overflow series.
  counter.Add(1, {{"k", "d"}});         // Overflow too.
  c.Add(10);
  auto rm = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm, "c")).points;
  EXPECT_EQ(IntValue(*testing::FindPoint(points, kOverflow)), 11);
  EXPECT_EQ(testing::FindPoint(points, {{"k", std::string("a")}}), nullptr);  // Not yet recorded.
  a.Add(1);
  b.Add(2);
  auto rm2 = h.Collect();
  EXPECT_EQ(testing::Sum(FindMetric(rm2, "c")).points.size(), 3u);
}

TEST(CardinalityTest, OverflowUnderHistogram) {
  Harness h(TemporalityPreference::kCumulative, {}, 1);
  auto hist = h.meter->CreateDoubleHistogram("h");
  hist.Record(1, {{"k", 1}});
  hist.Record(2, {{"k", 2}});
  hist.Record(3, {{"k", 3}});
  auto rm = h.Collect();
  const auto& points = testing::Hist(FindMetric(rm, "h")).points;
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(testing::FindPoint(points, kOverflow)->count, 2u);
}

TEST(CardinalityTest, DeltaForgetsIdleSeriesAndFreesRoom) {
  // Room for 4 sets, each round records 4 fresh ones: under delta the limit
  // applies to the sets of the interval being collected, so the previous
  // round's sets (idle now) never push a new one into overflow.
  Harness h(TemporalityPreference::kDelta, {}, 4);
  auto counter = h.meter->CreateInt64Counter("c");
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 4; ++i) counter.Add(1, {{"round", round}, {"i", i}});
    auto rm = h.Collect();
    const auto& points = testing::Sum(FindMetric(rm, "c")).points;
    ASSERT_EQ(points.size(), 4u) << "round " << round;
    EXPECT_EQ(testing::FindPoint(points, kOverflow), nullptr);
  }
}

TEST(CardinalityTest, DeltaKeepsBoundSeries) {
  Harness h(TemporalityPreference::kDelta, {}, 3);
  auto counter = h.meter->CreateInt64Counter("c");
  auto bound = counter.Bind({{"k", "bound"}});
  bound.Add(1);
  h.Collect();
  h.Collect();  // Idle, but bound: not forgotten.
  h.Collect();
  bound.Add(2);
  auto rm = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm, "c")).points;
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(IntValue(points[0]), 2);
  EXPECT_EQ(points[0].attributes, (AttributeSet{{"k", std::string("bound")}}));
}

TEST(CardinalityTest, DeltaSetOfAnEarlierIntervalDoesNotOverflowANewOne) {
  Harness h(TemporalityPreference::kDelta, {}, 1);
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(1, {{"sym", "a"}});
  auto first = Points(h.Collect());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(ValueOf(first, Sym("a")), 1);
  counter.Add(2, {{"sym", "b"}});  // "a" was recorded last interval, not in this one.
  auto second = Points(h.Collect());
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(ValueOf(second, Sym("b")), 2);
}

TEST(CardinalityTest, DeltaSetThatComesBackAfterGivingItsPlaceAway) {
  Harness h(TemporalityPreference::kDelta, {}, 2);
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(1, {{"sym", "a"}});
  counter.Add(2, {{"sym", "b"}});
  h.Collect();
  // This interval: "c" takes a place given back by an idle set, then "a"
  // records again: two sets, both keep their attributes.
  counter.Add(4, {{"sym", "c"}});
  counter.Add(8, {{"sym", "a"}});
  auto points = Points(h.Collect());
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(ValueOf(points, Sym("c")), 4);
  EXPECT_EQ(ValueOf(points, Sym("a")), 8);
  // Next interval: three sets for two places; every measurement is counted
  // once, the extra set's in the overflow series.
  counter.Add(16, {{"sym", "d"}});
  counter.Add(32, {{"sym", "e"}});
  counter.Add(64, {{"sym", "a"}});
  counter.Add(128, {{"sym", "c"}});
  points = Points(h.Collect());
  EXPECT_EQ(Total(points), 240);
  size_t own = 0;
  for (const auto& p : points) own += p.attributes == kOverflow ? 0 : 1;
  EXPECT_EQ(own, 2u);
  EXPECT_NE(testing::FindPoint(points, kOverflow), nullptr);
  // And the interval after that, with two sets again: no overflow.
  counter.Add(256, {{"sym", "a"}});
  counter.Add(512, {{"sym", "b"}});
  points = Points(h.Collect());
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(ValueOf(points, Sym("a")), 256);
  EXPECT_EQ(ValueOf(points, Sym("b")), 512);
}

TEST(CardinalityTest, DeltaBindingTakesAPlaceFromAnIdleSet) {
  Harness h(TemporalityPreference::kDelta, {}, 1);
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(1, {{"sym", "a"}});
  h.Collect();
  auto bound = counter.Bind({{"sym", "b"}});  // "a" is idle: "b" gets its place.
  bound.Add(5);
  counter.Add(7, {{"sym", "a"}});  // Now over the limit: overflow.
  auto points = Points(h.Collect());
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(ValueOf(points, Sym("b")), 5);
  EXPECT_EQ(ValueOf(points, kOverflow), 7);
  // A bound set keeps its place while bound, even when idle.
  counter.Add(9, {{"sym", "a"}});
  points = Points(h.Collect());
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(ValueOf(points, kOverflow), 9);
}

TEST(CardinalityTest, DeltaSeriesThatKeepRecordingNeverAllocateAgain) {
  // Two sets keep recording while others come and go: the full stream
  // drains cells looking for idle sets, but a set seen already records into
  // its existing series, collection after collection.
  Harness h(TemporalityPreference::kDelta, {}, 2);
  auto counter = h.meter->CreateInt64Counter("c");
  auto hist = h.meter->CreateDoubleHistogram("h");
  counter.Add(1, {{"sym", "a"}});
  counter.Add(1, {{"sym", "b"}});
  hist.Record(1, {{"sym", "a"}});
  h.Collect();
  int64_t total = 0;
  std::vector<uint64_t> allocations;
  for (int round = 0; round < 10; ++round) {
    const uint64_t before = g_allocations.load();
    counter.Add(1, {{"sym", "a"}});
    counter.Add(1, {{"sym", "b"}});
    counter.Add(1, {{"sym", "a"}});
    hist.Record(2, {{"sym", "a"}});
    allocations.push_back(g_allocations.load() - before);
    if (round % 2 == 1) counter.Add(1, {{"sym", "x"}, {"round", round}});  // Overflow.
    auto points = Points(h.Collect());
    total += Total(points);
    EXPECT_EQ(ValueOf(points, Sym("a")), 2) << "round " << round;
    EXPECT_EQ(ValueOf(points, Sym("b")), 1) << "round " << round;
  }
  EXPECT_EQ(allocations, std::vector<uint64_t>(10, 0));
  EXPECT_EQ(total, 35);
}

TEST(CardinalityTest, ViewLimitPerStream) {
  for (auto temporality : {TemporalityPreference::kCumulative, TemporalityPreference::kDelta}) {
    // Two streams of one instrument, each with its own limit.
    Harness h(temporality, {View{{.name = "c"}, {.cardinality_limit = 2}},
                            View{{.name = "c"}, {.name = "c.wide", .cardinality_limit = 3}}});
    auto counter = h.meter->CreateInt64Counter("c");
    counter.Add(1, {{"sym", "a"}});
    counter.Add(2, {{"sym", "b"}});
    counter.Add(4, {{"sym", "c"}});
    auto rm = h.Collect();
    const auto& narrow = testing::Sum(FindMetric(rm, "c")).points;
    ASSERT_EQ(narrow.size(), 3u);
    EXPECT_EQ(ValueOf(narrow, kOverflow), 4);
    const auto& wide = testing::Sum(FindMetric(rm, "c.wide")).points;
    ASSERT_EQ(wide.size(), 3u);
    EXPECT_EQ(testing::FindPoint(wide, kOverflow), nullptr);
  }
}

TEST(CardinalityTest, AsyncExactlyLimitSetsNeverOverflow) {
  for (auto temporality : {TemporalityPreference::kCumulative, TemporalityPreference::kDelta}) {
    Harness h(temporality, {}, 3);
    auto counter = h.meter->CreateInt64ObservableCounter("c");
    counter.AddCallback([](ObserverResult<int64_t>& r) {
      r.Observe(10, {{"sym", "a"}});
      r.Observe(20, {{"sym", "b"}});
      r.Observe(30, {{"sym", "c"}});
    });
    auto gauge = h.meter->CreateDoubleObservableGauge("g");
    gauge.AddCallback([](ObserverResult<double>& r) {
      for (int i = 0; i < 3; ++i) r.Observe(i, {{"i", i}});
    });
    auto rm = h.Collect();
    const auto& points = testing::Sum(FindMetric(rm, "c")).points;
    ASSERT_EQ(points.size(), 3u);
    EXPECT_EQ(testing::FindPoint(points, kOverflow), nullptr);
    EXPECT_EQ(testing::Gauge(FindMetric(rm, "g")).points.size(), 3u);
  }
}

TEST(CardinalityTest, AsyncLimitPlusOneOverflowsTheLastObservedSet) {
  for (auto temporality : {TemporalityPreference::kCumulative, TemporalityPreference::kDelta}) {
    Harness h(temporality, {View{{.name = "c"}, {.cardinality_limit = 2}}});
    auto counter = h.meter->CreateInt64ObservableCounter("c");
    counter.AddCallback([](ObserverResult<int64_t>& r) {
      r.Observe(10, {{"sym", "a"}});
      r.Observe(20, {{"sym", "b"}});
      r.Observe(30, {{"sym", "c"}});  // First-observed sets are preferred.
    });
    auto points = Points(h.Collect());
    ASSERT_EQ(points.size(), 3u);
    EXPECT_EQ(ValueOf(points, Sym("a")), 10);
    EXPECT_EQ(ValueOf(points, Sym("b")), 20);
    EXPECT_EQ(ValueOf(points, kOverflow), 30);
  }
}

TEST(CardinalityTest, CumulativeNeverForgets) {
  Harness h(TemporalityPreference::kCumulative, {}, 4);
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(1, {{"k", 1}});
  h.Collect();
  h.Collect();
  counter.Add(1, {{"k", 2}});
  auto rm = h.Collect();
  EXPECT_EQ(testing::Sum(FindMetric(rm, "c")).points.size(), 2u);
}

}  // namespace
}  // namespace cryptolake::metrics
