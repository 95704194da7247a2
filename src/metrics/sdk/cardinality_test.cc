// Cardinality limit, the overflow series, bound handles and delta forgetting.
#include <gtest/gtest.h>

#include "metrics_test_util.h"

namespace cryptolake::metrics {
namespace {

using testing::FindMetric;
using testing::Harness;
using testing::IntValue;

const AttributeSet kOverflow{{"otel.metric.overflow", true}};

int64_t Total(const std::vector<NumberDataPoint>& points) {
  int64_t total = 0;
  for (const auto& p : points) total += IntValue(p);
  return total;
}

TEST(CardinalityTest, DefaultLimitIs2000IncludingOverflow) {
  Harness h;
  auto counter = h.meter->CreateInt64Counter("c");
  for (int i = 0; i < 2500; ++i) counter.Add(1, {{"i", i}});
  auto rm = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm, "c")).points;
  EXPECT_EQ(points.size(), 2000u);
  const NumberDataPoint* overflow = testing::FindPoint(points, kOverflow);
  ASSERT_NE(overflow, nullptr);
  EXPECT_EQ(IntValue(*overflow), 501);
  EXPECT_EQ(Total(points), 2500);  // Nothing dropped.
}

TEST(CardinalityTest, ExistingSeriesKeepRecordingAfterLimit) {
  Harness h(TemporalityPreference::kCumulative, {}, 3);
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
  Harness h(TemporalityPreference::kCumulative, {}, 2);
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(1);
  counter.Add(1, {{"k", 1}});  // Overflow: the empty set took the only slot.
  auto rm = h.Collect();
  const auto& points = testing::Sum(FindMetric(rm, "c")).points;
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(IntValue(*testing::FindPoint(points, kOverflow)), 1);
}

TEST(CardinalityTest, BoundHandlesCountAtBindTime) {
  Harness h(TemporalityPreference::kCumulative, {}, 3);
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
  Harness h(TemporalityPreference::kCumulative, {}, 2);
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
  // Room for 8 series. A series is forgotten once it stayed idle for a
  // whole interval, so two rounds of four fresh sets fit at any time;
  // without forgetting, round 2 would overflow.
  Harness h(TemporalityPreference::kDelta, {}, 9);
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
