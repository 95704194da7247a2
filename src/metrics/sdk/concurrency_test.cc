// Multi-threaded recording with concurrent collection: totals must be exact.
// Runs under ThreadSanitizer and AddressSanitizer in CI.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "metrics_test_util.h"

namespace cryptolake::metrics {
namespace {

using testing::FindMetric;

constexpr int kThreads = 4;
constexpr int kIterations = 20000;

int64_t SumAll(const std::vector<int64_t>& v) {
  int64_t t = 0;
  for (int64_t x : v) t += x;
  return t;
}

// Records from kThreads threads into shared and per-thread series (new
// series keep appearing) while the main thread collects as fast as it can.
void RunAndCheck(TemporalityPreference temporality, int32_t cardinality_limit) {
  testing::Harness h(temporality, {}, cardinality_limit);
  auto counter = h.meter->CreateInt64Counter("c");
  auto hist = h.meter->CreateDoubleHistogram("h");
  std::atomic<int> running{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto bound = counter.Bind({{"kind", "bound"}});
      for (int i = 0; i < kIterations; ++i) {
        counter.Add(1, {{"kind", "shared"}});
        counter.Add(1, {{"kind", "own"}, {"thread", t}, {"bucket", i % 50}});
        bound.Add(1);
        hist.Record(i % 100, {{"thread", t}});
      }
      running.fetch_sub(1);
    });
  }
  int64_t counter_total = 0;
  uint64_t hist_count = 0;
  auto absorb = [&](const ResourceMetrics& rm) {
    if (const MetricData* m = FindMetric(rm, "c")) {
      std::vector<int64_t> values;
      for (const auto& p : testing::Sum(m).points) values.push_back(testing::IntValue(p));
      if (temporality == TemporalityPreference::kDelta) {
        counter_total += SumAll(values);
      } else {
        counter_total = SumAll(values);
      }
    }
    if (const MetricData* m = FindMetric(rm, "h")) {
      uint64_t n = 0;
      for (const auto& p : testing::Hist(m).points) n += p.count;
      hist_count = temporality == TemporalityPreference::kDelta ? hist_count + n : n;
    }
  };
  while (running.load() > 0) absorb(h.Collect());
  for (auto& th : threads) th.join();
  absorb(h.Collect());
  EXPECT_EQ(counter_total, int64_t{3} * kThreads * kIterations);
  EXPECT_EQ(hist_count, uint64_t{kThreads} * kIterations);
}

TEST(ConcurrencyTest, CumulativeTotalsAreExact) {
  RunAndCheck(TemporalityPreference::kCumulative, 2000);
}

TEST(ConcurrencyTest, DeltaTotalsAreExactWhileSeriesAreForgotten) {
  RunAndCheck(TemporalityPreference::kDelta, 2000);
}

TEST(ConcurrencyTest, TotalsAreExactWithOverflow) {
  RunAndCheck(TemporalityPreference::kDelta, 20);
}

TEST(ConcurrencyTest, ConcurrentInstrumentCreationSharesOneInstrument) {
  testing::Harness h;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) h.meter->CreateInt64Counter("same").Add(1);
    });
  }
  for (auto& th : threads) th.join();
  auto rm = h.Collect();
  EXPECT_EQ(testing::FindMetrics(rm, "same").size(), 1u);
  EXPECT_EQ(testing::IntValue(testing::Sum(FindMetric(rm, "same")).points.at(0)), kThreads * 1000);
}

}  // namespace
}  // namespace cryptolake::metrics
