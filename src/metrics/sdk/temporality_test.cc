// Cumulative and delta temporality, start timestamps, several readers.
#include <gtest/gtest.h>

#include <thread>

#include "aggregators.h"
#include "metrics_test_util.h"

namespace cryptolake::metrics {
namespace {

using testing::FindMetric;
using testing::Harness;
using testing::IntValue;

TEST(TemporalityTest, CumulativeAccumulatesAndStartsAtFirstMeasurement) {
  Harness h;
  auto counter = h.meter->CreateInt64Counter("c");
  // The series is created well after the provider: its start must not be
  // the provider's start.
  const uint64_t before_first = internal::NowUnixNanos();
  counter.Add(2, {{"k", "v"}});
  auto first = h.Collect();
  counter.Add(3, {{"k", "v"}});
  auto second = h.Collect();
  const NumberDataPoint& p1 = testing::Sum(FindMetric(first, "c")).points.at(0);
  const NumberDataPoint& p2 = testing::Sum(FindMetric(second, "c")).points.at(0);
  EXPECT_EQ(IntValue(p1), 2);
  EXPECT_EQ(IntValue(p2), 5);
  EXPECT_GE(p1.start_time_unix_nano, before_first);
  EXPECT_EQ(p1.start_time_unix_nano, p2.start_time_unix_nano);
  EXPECT_LE(p1.start_time_unix_nano, p1.time_unix_nano);
  EXPECT_LT(p1.time_unix_nano, p2.time_unix_nano + 1);
}

TEST(TemporalityTest, CumulativeKeepsExportingIdleSeries) {
  Harness h;
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(4);
  h.Collect();
  auto rm = h.Collect();
  EXPECT_EQ(IntValue(testing::Sum(FindMetric(rm, "c")).points.at(0)), 4);
}

TEST(TemporalityTest, DeltaResetsAndStartsAtPreviousCollection) {
  Harness h(TemporalityPreference::kDelta);
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(2);
  auto first = h.Collect();
  counter.Add(3);
  auto second = h.Collect();
  auto third = h.Collect();  // Nothing recorded: no point.
  const NumberDataPoint& p1 = testing::Sum(FindMetric(first, "c")).points.at(0);
  const NumberDataPoint& p2 = testing::Sum(FindMetric(second, "c")).points.at(0);
  EXPECT_EQ(testing::Sum(FindMetric(first, "c")).temporality, AggregationTemporality::kDelta);
  EXPECT_EQ(IntValue(p1), 2);
  EXPECT_EQ(IntValue(p2), 3);
  // The first delta starts when the series was created, the next one at
  // the previous collection.
  EXPECT_LE(p1.start_time_unix_nano, p1.time_unix_nano);
  EXPECT_EQ(p2.start_time_unix_nano, p1.time_unix_nano);
  EXPECT_EQ(FindMetric(third, "c"), nullptr);
}

TEST(TemporalityTest, DeltaPreferenceKeepsUpDownCountersCumulative) {
  Harness h(TemporalityPreference::kDelta);
  auto updown = h.meter->CreateInt64UpDownCounter("ud");
  auto hist = h.meter->CreateDoubleHistogram("h");
  updown.Add(1);
  hist.Record(1);
  auto rm = h.Collect();
  EXPECT_EQ(testing::Sum(FindMetric(rm, "ud")).temporality, AggregationTemporality::kCumulative);
  EXPECT_EQ(testing::Hist(FindMetric(rm, "h")).temporality, AggregationTemporality::kDelta);
}

TEST(TemporalityTest, DeltaHistogramResets) {
  Harness h(TemporalityPreference::kDelta);
  auto hist = h.meter->CreateDoubleHistogram("h");
  hist.Record(1);
  hist.Record(7);
  auto first = h.Collect();
  hist.Record(20);
  auto second = h.Collect();
  const HistogramDataPoint& p1 = testing::Hist(FindMetric(first, "h")).points.at(0);
  const HistogramDataPoint& p2 = testing::Hist(FindMetric(second, "h")).points.at(0);
  EXPECT_EQ(p1.count, 2u);
  EXPECT_DOUBLE_EQ(*p1.max, 7.0);
  EXPECT_EQ(p2.count, 1u);
  EXPECT_DOUBLE_EQ(*p2.min, 20.0);
  EXPECT_DOUBLE_EQ(*p2.sum, 20.0);
}

TEST(TemporalityTest, GaugeUnderDeltaPreferenceKeepsLastValue) {
  // The delta preference maps gauges to cumulative (OTLP gauges carry no
  // temporality): the last value keeps being exported.
  Harness h(TemporalityPreference::kDelta);
  auto gauge = h.meter->CreateInt64Gauge("g");
  gauge.Record(5);
  auto first = h.Collect();
  auto second = h.Collect();
  EXPECT_EQ(IntValue(testing::Gauge(FindMetric(first, "g")).points.at(0)), 5);
  EXPECT_EQ(IntValue(testing::Gauge(FindMetric(second, "g")).points.at(0)), 5);
}

// A reader asking for delta for every kind, gauges included.
class AllDeltaReader final : public MetricReader {
 public:
  AggregationTemporality TemporalityFor(InstrumentKind) const override {
    return AggregationTemporality::kDelta;
  }
};

TEST(TemporalityTest, DeltaGaugeExportsOnlyWhenRecorded) {
  auto reader = std::make_shared<AllDeltaReader>();
  SdkMeterProviderOptions options;
  options.readers = {reader};
  SdkMeterProvider provider(std::move(options));
  auto gauge = provider.GetMeter("m")->CreateInt64Gauge("g");
  gauge.Record(5);
  gauge.Record(6);
  auto first = testing::CollectOrDie(*reader);
  auto second = testing::CollectOrDie(*reader);
  gauge.Record(7);
  auto third = testing::CollectOrDie(*reader);
  EXPECT_EQ(IntValue(testing::Gauge(FindMetric(first, "g")).points.at(0)), 6);
  EXPECT_EQ(FindMetric(second, "g"), nullptr);
  EXPECT_EQ(IntValue(testing::Gauge(FindMetric(third, "g")).points.at(0)), 7);
}

TEST(TemporalityTest, TwoReadersEachSeeEveryMeasurementOnce) {
  auto cumulative = std::make_shared<ManualReader>();
  auto delta = std::make_shared<ManualReader>(ManualReaderOptions{TemporalityPreference::kDelta});
  SdkMeterProviderOptions options;
  options.readers = {cumulative, delta};
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  auto counter = provider->GetMeter("m")->CreateInt64Counter("c");

  counter.Add(1);
  auto c1 = testing::CollectOrDie(*cumulative);  // Drains the cell: delta must still see 1.
  counter.Add(10);
  auto d1 = testing::CollectOrDie(*delta);
  counter.Add(100);
  auto c2 = testing::CollectOrDie(*cumulative);
  auto d2 = testing::CollectOrDie(*delta);
  auto d3 = testing::CollectOrDie(*delta);

  EXPECT_EQ(IntValue(testing::Sum(FindMetric(c1, "c")).points.at(0)), 1);
  EXPECT_EQ(IntValue(testing::Sum(FindMetric(d1, "c")).points.at(0)), 11);
  EXPECT_EQ(IntValue(testing::Sum(FindMetric(c2, "c")).points.at(0)), 111);
  EXPECT_EQ(IntValue(testing::Sum(FindMetric(d2, "c")).points.at(0)), 100);
  EXPECT_EQ(FindMetric(d3, "c"), nullptr);
  EXPECT_EQ(testing::Sum(FindMetric(d2, "c")).temporality, AggregationTemporality::kDelta);
  EXPECT_EQ(testing::Sum(FindMetric(c2, "c")).temporality, AggregationTemporality::kCumulative);
  // Each delta point starts at this reader's previous collection.
  EXPECT_EQ(testing::Sum(FindMetric(d2, "c")).points[0].start_time_unix_nano,
            testing::Sum(FindMetric(d1, "c")).points[0].time_unix_nano);
}

TEST(TemporalityTest, LowMemoryPreference) {
  EXPECT_EQ(TemporalityFor(TemporalityPreference::kLowMemory, InstrumentKind::kCounter),
            AggregationTemporality::kDelta);
  Harness h(TemporalityPreference::kLowMemory);
  auto hist = h.meter->CreateDoubleHistogram("h");
  auto updown = h.meter->CreateInt64UpDownCounter("u");
  hist.Record(1);
  updown.Add(1);
  auto rm = h.Collect();
  EXPECT_EQ(testing::Hist(FindMetric(rm, "h")).temporality, AggregationTemporality::kDelta);
  EXPECT_EQ(testing::Sum(FindMetric(rm, "u")).temporality, AggregationTemporality::kCumulative);
}

}  // namespace
}  // namespace cryptolake::metrics
