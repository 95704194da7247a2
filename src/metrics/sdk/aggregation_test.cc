// Every aggregation, through the public API and a ManualReader.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "metrics_test_util.h"

namespace cryptolake::metrics {
namespace {

using testing::DoubleValue;
using testing::FindMetric;
using testing::Harness;
using testing::IntValue;

TEST(SumAggregationTest, MonotonicCounterIntAndDouble) {
  Harness h;
  auto ints = h.meter->CreateInt64Counter("ints");
  auto doubles = h.meter->CreateDoubleCounter("doubles");
  for (int i = 0; i < 100; ++i) {
    ints.Add(i);
    doubles.Add(0.5);
  }
  auto rm = h.Collect();
  const SumData& is = testing::Sum(FindMetric(rm, "ints"));
  EXPECT_TRUE(is.is_monotonic);
  EXPECT_EQ(is.temporality, AggregationTemporality::kCumulative);
  EXPECT_EQ(IntValue(is.points.at(0)), 4950);
  EXPECT_DOUBLE_EQ(DoubleValue(testing::Sum(FindMetric(rm, "doubles")).points.at(0)), 50.0);
}

TEST(SumAggregationTest, UpDownCounterIsNotMonotonic) {
  Harness h;
  auto updown = h.meter->CreateInt64UpDownCounter("queue");
  updown.Add(5);
  updown.Add(-8);
  auto rm = h.Collect();
  const SumData& s = testing::Sum(FindMetric(rm, "queue"));
  EXPECT_FALSE(s.is_monotonic);
  EXPECT_EQ(IntValue(s.points.at(0)), -3);
}

TEST(SumAggregationTest, AddZeroCreatesAPoint) {
  Harness h(TemporalityPreference::kDelta);
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(0, {{"a", 1}});
  auto rm = h.Collect();
  ASSERT_NE(FindMetric(rm, "c"), nullptr);
  EXPECT_EQ(IntValue(testing::Sum(FindMetric(rm, "c")).points.at(0)), 0);
}

TEST(LastValueAggregationTest, GaugeKeepsLastValue) {
  Harness h;
  auto gauge = h.meter->CreateDoubleGauge("temp", {.unit = "Cel"});
  gauge.Record(20.5, {{"room", "a"}});
  gauge.Record(21.5, {{"room", "a"}});
  gauge.Record(-3.0, {{"room", "b"}});
  auto rm = h.Collect();
  const GaugeData& g = testing::Gauge(FindMetric(rm, "temp"));
  ASSERT_EQ(g.points.size(), 2u);
  EXPECT_DOUBLE_EQ(DoubleValue(*testing::FindPoint(g.points, {{"room", std::string("a")}})), 21.5);
  EXPECT_DOUBLE_EQ(DoubleValue(*testing::FindPoint(g.points, {{"room", std::string("b")}})), -3.0);
  EXPECT_EQ(g.points[0].start_time_unix_nano, 0u);
  EXPECT_GT(g.points[0].time_unix_nano, 0u);
}

TEST(ExplicitHistogramTest, DefaultBoundariesAndStatistics) {
  Harness h;
  auto hist = h.meter->CreateDoubleHistogram("latency");
  for (double v : {0.0, 5.0, 5.5, 10.0, 10000.0, 10000.5, 77.0}) hist.Record(v);
  auto rm = h.Collect();
  const HistogramData& data = testing::Hist(FindMetric(rm, "latency"));
  EXPECT_EQ(data.temporality, AggregationTemporality::kCumulative);
  const HistogramDataPoint& p = data.points.at(0);
  EXPECT_EQ(p.explicit_bounds, DefaultHistogramBoundaries());
  ASSERT_EQ(p.bucket_counts.size(), 16u);
  // Buckets are upper-inclusive: (-inf,0], (0,5], (5,10], ...
  EXPECT_EQ(p.bucket_counts[0], 1u);   // 0
  EXPECT_EQ(p.bucket_counts[1], 1u);   // 5
  EXPECT_EQ(p.bucket_counts[2], 2u);   // 5.5, 10
  EXPECT_EQ(p.bucket_counts[6], 1u);   // 77 in (75,100]
  EXPECT_EQ(p.bucket_counts[14], 1u);  // 10000 in (7500,10000]
  EXPECT_EQ(p.bucket_counts[15], 1u);  // 10000.5 overflow
  EXPECT_EQ(p.count, 7u);
  EXPECT_DOUBLE_EQ(*p.sum, 0 + 5 + 5.5 + 10 + 10000 + 10000.5 + 77);
  EXPECT_DOUBLE_EQ(*p.min, 0.0);
  EXPECT_DOUBLE_EQ(*p.max, 10000.5);
}

TEST(ExplicitHistogramTest, AdvisoryBoundaries) {
  Harness h;
  auto hist = h.meter->CreateInt64Histogram("sizes", {.advisory_bucket_boundaries = {1, 10, 100}});
  hist.Record(1);
  hist.Record(50);
  hist.Record(500);
  auto rm = h.Collect();
  const HistogramDataPoint& p = testing::Hist(FindMetric(rm, "sizes")).points.at(0);
  EXPECT_EQ(p.explicit_bounds, (std::vector<double>{1, 10, 100}));
  EXPECT_EQ(p.bucket_counts, (std::vector<uint64_t>{1, 0, 1, 1}));
}

TEST(ExplicitHistogramTest, ViewBoundariesWinAndMinMaxCanBeOff) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "h"},
                  {.aggregation = Aggregation::ExplicitBucketHistogram({2.0, 4.0}, false)}}});
  auto hist = h.meter->CreateDoubleHistogram("h", {.advisory_bucket_boundaries = {1, 10}});
  hist.Record(3.0);
  auto rm = h.Collect();
  const HistogramDataPoint& p = testing::Hist(FindMetric(rm, "h")).points.at(0);
  EXPECT_EQ(p.explicit_bounds, (std::vector<double>{2.0, 4.0}));
  EXPECT_EQ(p.bucket_counts, (std::vector<uint64_t>{0, 1, 0}));
  EXPECT_FALSE(p.min.has_value());
  EXPECT_FALSE(p.max.has_value());
}

TEST(ExplicitHistogramTest, NoBoundariesIsOneBucket) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "h"}, {.aggregation = Aggregation::ExplicitBucketHistogram({})}}});
  auto hist = h.meter->CreateDoubleHistogram("h");
  hist.Record(3.0);
  hist.Record(1e9);
  auto rm = h.Collect();
  const HistogramDataPoint& p = testing::Hist(FindMetric(rm, "h")).points.at(0);
  EXPECT_TRUE(p.explicit_bounds.empty());
  EXPECT_EQ(p.bucket_counts, (std::vector<uint64_t>{2}));
}

TEST(ExplicitHistogramTest, ManyBoundariesUseBinarySearchCorrectly) {
  std::vector<double> bounds;
  for (int i = 1; i <= 100; ++i) bounds.push_back(i);
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "h"}, {.aggregation = Aggregation::ExplicitBucketHistogram(bounds)}}});
  auto hist = h.meter->CreateDoubleHistogram("h");
  hist.Record(0.5);    // bucket 0
  hist.Record(1.0);    // bucket 0 (upper-inclusive)
  hist.Record(1.5);    // bucket 1
  hist.Record(100.0);  // bucket 99
  hist.Record(101);    // bucket 100
  auto rm = h.Collect();
  const auto& counts = testing::Hist(FindMetric(rm, "h")).points.at(0).bucket_counts;
  EXPECT_EQ(counts[0], 2u);
  EXPECT_EQ(counts[1], 1u);
  EXPECT_EQ(counts[99], 1u);
  EXPECT_EQ(counts[100], 1u);
}

TEST(ExplicitHistogramTest, NonFiniteValuesIgnored) {
  Harness h;
  auto hist = h.meter->CreateDoubleHistogram("h");
  hist.Record(std::numeric_limits<double>::infinity());
  hist.Record(std::nan(""));
  hist.Record(1.0);
  auto rm = h.Collect();
  const HistogramDataPoint& p = testing::Hist(FindMetric(rm, "h")).points.at(0);
  EXPECT_EQ(p.count, 1u);
  EXPECT_DOUBLE_EQ(*p.sum, 1.0);
}

TEST(ExplicitHistogramTest, NoSumForInstrumentsThatMayRecordNegatives) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "g"}, {.aggregation = Aggregation::ExplicitBucketHistogram({0})}}});
  auto gauge = h.meter->CreateDoubleGauge("g");
  gauge.Record(-2.0);
  gauge.Record(3.0);
  auto rm = h.Collect();
  const HistogramDataPoint& p = testing::Hist(FindMetric(rm, "g")).points.at(0);
  EXPECT_EQ(p.count, 2u);
  EXPECT_FALSE(p.sum.has_value());
  EXPECT_DOUBLE_EQ(*p.min, -2.0);
}

TEST(ExponentialHistogramTest, ViewSelectsExponential) {
  Harness h(
      TemporalityPreference::kCumulative,
      {View{{.name = "h"}, {.aggregation = Aggregation::Base2ExponentialHistogram(160, 20)}}});
  auto hist = h.meter->CreateDoubleHistogram("h");
  hist.Record(0.0);
  hist.Record(1.0);
  hist.Record(2.0);
  hist.Record(4.0);
  auto rm = h.Collect();
  const ExponentialHistogramData& data = testing::ExpHist(FindMetric(rm, "h"));
  const ExponentialHistogramDataPoint& p = data.points.at(0);
  EXPECT_EQ(p.count, 4u);
  EXPECT_EQ(p.zero_count, 1u);
  EXPECT_DOUBLE_EQ(*p.sum, 7.0);
  EXPECT_DOUBLE_EQ(*p.min, 0.0);
  EXPECT_DOUBLE_EQ(*p.max, 4.0);
  uint64_t total = 0;
  for (uint64_t c : p.positive.bucket_counts) total += c;
  EXPECT_EQ(total, 3u);
  EXPECT_LE(p.positive.bucket_counts.size(), 160u);
  EXPECT_LE(p.scale, 20);
}

TEST(ExponentialHistogramTest, ExporterPreferenceMakesItTheDefault) {
  Harness h(TemporalityPreference::kDelta, {}, 2000,
            DefaultHistogramAggregation::kBase2Exponential);
  auto hist = h.meter->CreateInt64Histogram("h");
  hist.Record(10);
  auto rm = h.Collect();
  const ExponentialHistogramData& data = testing::ExpHist(FindMetric(rm, "h"));
  EXPECT_EQ(data.temporality, AggregationTemporality::kDelta);
  EXPECT_EQ(data.points.at(0).count, 1u);
}

TEST(ExponentialHistogramTest, CumulativeMergesAcrossCollections) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "h"}, {.aggregation = Aggregation::Base2ExponentialHistogram(4, 20)}}});
  auto hist = h.meter->CreateDoubleHistogram("h");
  hist.Record(1.0);
  h.Collect();
  hist.Record(1000.0);
  auto rm = h.Collect();
  const ExponentialHistogramDataPoint& p = testing::ExpHist(FindMetric(rm, "h")).points.at(0);
  EXPECT_EQ(p.count, 2u);
  EXPECT_LE(p.positive.bucket_counts.size(), 4u);
  EXPECT_DOUBLE_EQ(*p.max, 1000.0);
}

TEST(DropAggregationTest, DropsTheStream) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "dropped"}, {.aggregation = Aggregation::Drop()}}});
  auto counter = h.meter->CreateInt64Counter("dropped");
  auto kept = h.meter->CreateInt64Counter("kept");
  EXPECT_FALSE(counter.enabled());
  counter.Add(1);
  kept.Add(1);
  auto rm = h.Collect();
  EXPECT_EQ(FindMetric(rm, "dropped"), nullptr);
  EXPECT_NE(FindMetric(rm, "kept"), nullptr);
}

TEST(AggregationOverrideTest, SumOfHistogramAndLastValueOfCounter) {
  Harness h(TemporalityPreference::kCumulative,
            {View{{.name = "h"}, {.aggregation = Aggregation::Sum()}},
             View{{.name = "c"}, {.aggregation = Aggregation::LastValue()}}});
  auto hist = h.meter->CreateInt64Histogram("h");
  auto counter = h.meter->CreateInt64Counter("c");
  hist.Record(3);
  hist.Record(4);
  counter.Add(3);
  counter.Add(9);
  auto rm = h.Collect();
  const SumData& s = testing::Sum(FindMetric(rm, "h"));
  EXPECT_TRUE(s.is_monotonic);
  EXPECT_EQ(IntValue(s.points.at(0)), 7);
  EXPECT_EQ(IntValue(testing::Gauge(FindMetric(rm, "c")).points.at(0)), 9);
}

}  // namespace
}  // namespace cryptolake::metrics
