// Multi-threaded recording with concurrent collection: totals must be exact.
// Runs under ThreadSanitizer and AddressSanitizer in CI.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/time.h>

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
      size_t own_sets = 0;  // Points other than the overflow series.
      for (const auto& p : testing::Sum(m).points) {
        values.push_back(testing::IntValue(p));
        if (p.attributes != AttributeSet{{"otel.metric.overflow", true}}) ++own_sets;
      }
      EXPECT_LE(own_sets, static_cast<size_t>(cardinality_limit));
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

// One bound handle (one lane: the first thread to add owns it, the others
// add to the cell) used by several threads at once, owner threads exiting and
// new threads binding the series again, while delta and cumulative readers
// collect: totals stay exact.
void RunBoundHandleSharedByThreads(TemporalityPreference temporality) {
  testing::Harness h(temporality);
  auto counter = h.meter->CreateInt64Counter("c");
  auto updown = h.meter->CreateInt64UpDownCounter("u");
  const auto shared = counter.Bind({{"kind", "shared"}});
  const auto shared_updown = updown.Bind({});
  constexpr int kRounds = 3;
  std::atomic<int> running{kThreads * kRounds};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        // A new thread per round: the previous round's owner has exited.
        std::thread([&] {
          auto own = counter.Bind({{"kind", "own"}, {"thread", t}});
          for (int i = 0; i < kIterations; ++i) {
            shared.Add(1);
            own.Add(2);
            shared_updown.Add(i % 2 == 0 ? 3 : -1);
          }
          running.fetch_sub(1);
        }).join();
      }
    });
  }
  int64_t counter_total = 0;
  int64_t updown_total = 0;
  auto absorb = [&](const ResourceMetrics& rm) {
    int64_t c = 0;
    int64_t u = 0;
    if (const MetricData* m = FindMetric(rm, "c")) {
      for (const auto& p : testing::Sum(m).points) c += testing::IntValue(p);
    }
    if (const MetricData* m = FindMetric(rm, "u")) {
      for (const auto& p : testing::Sum(m).points) u += testing::IntValue(p);
    }
    counter_total = temporality == TemporalityPreference::kDelta ? counter_total + c : c;
    // The delta preference keeps UpDownCounters cumulative.
    updown_total = u;
  };
  while (running.load() > 0) absorb(h.Collect());
  for (auto& th : threads) th.join();
  absorb(h.Collect());
  EXPECT_EQ(counter_total, int64_t{3} * kThreads * kRounds * kIterations);
  EXPECT_EQ(updown_total, int64_t{kThreads} * kRounds * kIterations);
}

TEST(ConcurrencyTest, BoundHandleSharedByThreadsCumulative) {
  RunBoundHandleSharedByThreads(TemporalityPreference::kCumulative);
}

TEST(ConcurrencyTest, BoundHandleSharedByThreadsDelta) {
  RunBoundHandleSharedByThreads(TemporalityPreference::kDelta);
}

// A signal handler adding through the bound handle the interrupted thread is
// adding through (it owns the lane): no add is lost.
BoundCounter<int64_t>* g_signal_bound = nullptr;
std::atomic<int64_t> g_signal_adds{0};

void AddFromSignalHandler(int) {
  g_signal_bound->Add(1000);
  g_signal_adds.fetch_add(1, std::memory_order_relaxed);
}

TEST(ConcurrencyTest, BoundAddsFromASignalHandlerAreNotLost) {
  testing::Harness h;
  auto counter = h.meter->CreateInt64Counter("c");
  BoundCounter<int64_t> bound = counter.Bind({});
  bound.Add(1);  // This thread owns the lane now.
  g_signal_bound = &bound;
  struct sigaction action = {};
  action.sa_handler = AddFromSignalHandler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  struct sigaction previous = {};
  ASSERT_EQ(sigaction(SIGPROF, &action, &previous), 0);
  // Fires every tick of this process's CPU time, mostly inside the loop.
  const itimerval every = {{0, 100}, {0, 100}};
  ASSERT_EQ(setitimer(ITIMER_PROF, &every, nullptr), 0);
  int64_t adds = 1;
  while (g_signal_adds.load(std::memory_order_relaxed) < 200) {
    for (int i = 0; i < 100000; ++i) bound.Add(1);
    adds += 100000;
  }
  const itimerval stop = {};
  ASSERT_EQ(setitimer(ITIMER_PROF, &stop, nullptr), 0);
  ASSERT_EQ(sigaction(SIGPROF, &previous, nullptr), 0);
  g_signal_bound = nullptr;
  auto rm = h.Collect();
  EXPECT_EQ(testing::IntValue(testing::Sum(FindMetric(rm, "c")).points.at(0)),
            adds + 1000 * g_signal_adds.load());
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
