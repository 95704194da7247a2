#include "cryptolake/metrics/export/in_memory_metric_exporter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cryptolake::metrics {
namespace {

using std::chrono::milliseconds;

ResourceMetrics MakeData(int64_t value) {
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"service.name", std::string("test")}});
  ScopeMetrics sm;
  sm.scope.name = "scope";
  MetricData m;
  m.name = "counter";
  SumData sum;
  sum.is_monotonic = true;
  NumberDataPoint p;
  p.value = value;
  sum.points.push_back(p);
  m.data = sum;
  sm.metrics.push_back(m);
  rm.scope_metrics.push_back(sm);
  return rm;
}

int64_t ValueOf(const ResourceMetrics& rm) {
  return std::get<int64_t>(
      std::get<SumData>(rm.scope_metrics.at(0).metrics.at(0).data).points.at(0).value);
}

TEST(InMemoryMetricExporterTest, KeepsEveryExportInOrder) {
  InMemoryMetricExporter exporter;
  EXPECT_EQ(exporter.export_count(), 0u);
  EXPECT_TRUE(exporter.Last().scope_metrics.empty());
  ASSERT_TRUE(exporter.Export(MakeData(1)).ok());
  ASSERT_TRUE(exporter.Export(MakeData(2)).ok());
  const auto all = exporter.GetExported();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(ValueOf(all[0]), 1);
  EXPECT_EQ(ValueOf(all[1]), 2);
  EXPECT_EQ(ValueOf(exporter.Last()), 2);
  EXPECT_EQ(all[0].resource, MakeData(1).resource);
}

TEST(InMemoryMetricExporterTest, ResetDropsData) {
  InMemoryMetricExporter exporter;
  ASSERT_TRUE(exporter.Export(MakeData(1)).ok());
  exporter.Reset();
  EXPECT_EQ(exporter.export_count(), 0u);
  ASSERT_TRUE(exporter.Export(MakeData(3)).ok());
  EXPECT_EQ(ValueOf(exporter.Last()), 3);
}

TEST(InMemoryMetricExporterTest, ShutdownRejectsLaterExportsAndIsIdempotent) {
  InMemoryMetricExporter exporter;
  ASSERT_TRUE(exporter.Export(MakeData(1)).ok());
  EXPECT_TRUE(exporter.Shutdown(milliseconds(100)).ok());
  EXPECT_TRUE(exporter.Shutdown(milliseconds(100)).ok());
  EXPECT_TRUE(exporter.is_shutdown());
  Status s = exporter.Export(MakeData(2));
  EXPECT_TRUE(s.IsFailedPrecondition());
  EXPECT_EQ(exporter.export_count(), 1u);
  EXPECT_TRUE(exporter.ForceFlush(milliseconds(100)).ok());
}

TEST(InMemoryMetricExporterTest, TemporalityAndHistogramPreference) {
  InMemoryMetricExporter cumulative;
  EXPECT_EQ(cumulative.TemporalityFor(InstrumentKind::kCounter),
            AggregationTemporality::kCumulative);
  EXPECT_EQ(cumulative.HistogramAggregation(), DefaultHistogramAggregation::kExplicitBucket);
  InMemoryMetricExporter delta(TemporalityPreference::kDelta,
                               DefaultHistogramAggregation::kBase2Exponential);
  EXPECT_EQ(delta.TemporalityFor(InstrumentKind::kCounter), AggregationTemporality::kDelta);
  EXPECT_EQ(delta.TemporalityFor(InstrumentKind::kObservableCounter),
            AggregationTemporality::kDelta);
  EXPECT_EQ(delta.TemporalityFor(InstrumentKind::kUpDownCounter),
            AggregationTemporality::kCumulative);
  EXPECT_EQ(delta.HistogramAggregation(), DefaultHistogramAggregation::kBase2Exponential);
  InMemoryMetricExporter low(TemporalityPreference::kLowMemory);
  EXPECT_EQ(low.TemporalityFor(InstrumentKind::kObservableCounter),
            AggregationTemporality::kCumulative);
  EXPECT_EQ(low.TemporalityFor(InstrumentKind::kHistogram), AggregationTemporality::kDelta);
}

TEST(InMemoryMetricExporterTest, ConcurrentExportsAndReads) {
  InMemoryMetricExporter exporter;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&exporter, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(exporter.Export(MakeData(t * kPerThread + i)).ok());
        (void)exporter.export_count();
        (void)exporter.Last();
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto all = exporter.GetExported();
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<bool> seen(kThreads * kPerThread, false);
  for (const auto& rm : all) seen[ValueOf(rm)] = true;
  for (bool b : seen) EXPECT_TRUE(b);
}

}  // namespace
}  // namespace cryptolake::metrics
