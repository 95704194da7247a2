// Concurrency stress test of the metrics SDK (run under ThreadSanitizer by the
// tsan preset, and under ASan+UBSan): writer threads record into shared and
// per-thread series, through attribute lookups and bound handles, while a
// collector thread collects a delta reader and a cumulative reader about every
// millisecond. At the end the sum of every delta collection and the final
// cumulative collection must equal exactly what the writers recorded: nothing
// lost, nothing counted twice.
//
// Values are chosen so that double sums are exact (small multiples of 0.5),
// so the comparisons are exact for doubles too.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "cryptolake/metrics/meter.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

namespace cryptolake::metrics {
namespace {

constexpr int kWriters = 3;
// Sanitized builds run about 10-30x slower; keep them well under 20 s on 2 cores.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kIterations = 70000;
#else
constexpr int kIterations = 200000;
#endif
constexpr double kHistogramValues[] = {0.0, 3.0, 7.5, 30.0, 300.0, 20000.0};
constexpr int kHistogramValueCount = 6;

// Totals of one series, accumulated from collections or from the writers.
struct SeriesTotals {
  int64_t int_sum = 0;
  double double_sum = 0;
  uint64_t count = 0;
  std::vector<uint64_t> buckets;

  friend bool operator==(const SeriesTotals&, const SeriesTotals&) = default;
};

std::string SeriesKey(const std::string& metric, const AttributeSet& attributes) {
  std::string key = metric;
  key.push_back('{');
  for (const KeyValue& kv : attributes.entries()) {
    key.append(kv.key).push_back('=');
    if (const auto* s = std::get_if<std::string>(&kv.value)) key.append(*s);
    if (const auto* i = std::get_if<int64_t>(&kv.value)) key.append(std::to_string(*i));
    key.push_back(',');
  }
  key.push_back('}');
  return key;
}

using Totals = std::map<std::string, SeriesTotals>;

// Adds every point of `data` into `totals` (sums and histograms).
void Accumulate(const ResourceMetrics& data, Totals* totals) {
  for (const ScopeMetrics& scope : data.scope_metrics) {
    for (const MetricData& metric : scope.metrics) {
      if (const auto* sum = std::get_if<SumData>(&metric.data)) {
        for (const NumberDataPoint& p : sum->points) {
          SeriesTotals& t = (*totals)[SeriesKey(metric.name, p.attributes)];
          if (const auto* i = std::get_if<int64_t>(&p.value)) {
            t.int_sum += *i;
          } else {
            t.double_sum += std::get<double>(p.value);
          }
        }
      } else if (const auto* hist = std::get_if<HistogramData>(&metric.data)) {
        for (const HistogramDataPoint& p : hist->points) {
          SeriesTotals& t = (*totals)[SeriesKey(metric.name, p.attributes)];
          t.count += p.count;
          t.double_sum += p.sum.value_or(0);
          if (t.buckets.size() < p.bucket_counts.size()) t.buckets.resize(p.bucket_counts.size());
          for (size_t i = 0; i < p.bucket_counts.size(); ++i) t.buckets[i] += p.bucket_counts[i];
        }
      }
    }
  }
}

Totals Collected(const ResourceMetrics& data) {
  Totals totals;
  Accumulate(data, &totals);
  return totals;
}

size_t DefaultBucketIndex(double v) {
  const std::vector<double>& bounds = DefaultHistogramBoundaries();
  size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  return i;
}

TEST(MetricsStressTest, ConcurrentRecordingWhileCollectingLosesNothing) {
  auto delta_reader = std::make_shared<ManualReader>(
      ManualReaderOptions{.temporality = TemporalityPreference::kDelta});
  auto cumulative_reader = std::make_shared<ManualReader>(
      ManualReaderOptions{.temporality = TemporalityPreference::kCumulative});
  SdkMeterProviderOptions options;
  options.readers = {delta_reader, cumulative_reader};
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  auto meter = provider->GetMeter("stress");

  auto shared_counter = meter->CreateInt64Counter("stress.shared_counter");
  auto thread_counter = meter->CreateInt64Counter("stress.thread_counter");
  auto bound_counter = meter->CreateInt64Counter("stress.bound_counter");
  auto double_counter = meter->CreateDoubleCounter("stress.double_counter");
  auto histogram = meter->CreateDoubleHistogram("stress.histogram");
  auto bound_histogram = meter->CreateDoubleHistogram("stress.bound_histogram");
  auto updown = meter->CreateInt64UpDownCounter("stress.updown");

  const size_t bucket_count = DefaultHistogramBoundaries().size() + 1;
  std::vector<Totals> expected_per_thread(kWriters);
  std::atomic<int> writers_running{kWriters};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      std::string thread_name = std::to_string(t);
      thread_name.insert(0, 1, 't');
      // Bound handles: one shared by name across threads, one per thread.
      auto bound_shared = bound_counter.Bind({{"bound", "shared"}});
      auto bound_own = bound_counter.Bind({{"bound", thread_name}});
      auto bound_hist = bound_histogram.Bind({{"thread", thread_name}});
      Totals& expected = expected_per_thread[t];
      SeriesTotals& e_shared = expected[SeriesKey("stress.shared_counter", {{"kind", "shared"}})];
      SeriesTotals& e_thread =
          expected[SeriesKey("stress.thread_counter", {{"thread", thread_name}})];
      SeriesTotals& e_bound_shared =
          expected[SeriesKey("stress.bound_counter", {{"bound", "shared"}})];
      SeriesTotals& e_bound_own =
          expected[SeriesKey("stress.bound_counter", {{"bound", thread_name}})];
      SeriesTotals& e_double = expected[SeriesKey("stress.double_counter", {})];
      SeriesTotals& e_hist =
          expected[SeriesKey("stress.histogram", {{"kind", "shared"}, {"n", int64_t{t % 2}}})];
      SeriesTotals& e_bound_hist =
          expected[SeriesKey("stress.bound_histogram", {{"thread", thread_name}})];
      SeriesTotals& e_updown = expected[SeriesKey("stress.updown", {{"thread", thread_name}})];
      e_hist.buckets.assign(bucket_count, 0);
      e_bound_hist.buckets.assign(bucket_count, 0);
      for (int i = 0; i < kIterations; ++i) {
        shared_counter.Add(1, {{"kind", "shared"}});
        e_shared.int_sum += 1;
        const int64_t inc = i % 7 + 1;
        thread_counter.Add(inc, {{"thread", thread_name}});
        e_thread.int_sum += inc;
        bound_shared.Add(2);
        e_bound_shared.int_sum += 2;
        bound_own.Add(inc);
        e_bound_own.int_sum += inc;
        double_counter.Add(0.5);
        e_double.double_sum += 0.5;
        const double v = kHistogramValues[i % kHistogramValueCount];
        histogram.Record(v, {{"n", int64_t{t % 2}}, {"kind", "shared"}});
        e_hist.count += 1;
        e_hist.double_sum += v;
        e_hist.buckets[DefaultBucketIndex(v)] += 1;
        const double w = kHistogramValues[(i + t) % kHistogramValueCount];
        bound_hist.Record(w);
        e_bound_hist.count += 1;
        e_bound_hist.double_sum += w;
        e_bound_hist.buckets[DefaultBucketIndex(w)] += 1;
        updown.Add(i % 2 == 0 ? 3 : -1, {{"thread", thread_name}});
        e_updown.int_sum += i % 2 == 0 ? 3 : -1;
      }
      writers_running.fetch_sub(1, std::memory_order_release);
    });
  }

  Totals delta_totals;
  ResourceMetrics last_cumulative;
  int collections = 0;
  int64_t previous_shared_cumulative = 0;
  bool cumulative_decreased = false;
  while (writers_running.load(std::memory_order_acquire) > 0) {
    ResourceMetrics delta;
    ASSERT_TRUE(delta_reader->Collect(&delta).ok());
    Accumulate(delta, &delta_totals);
    ASSERT_TRUE(cumulative_reader->Collect(&last_cumulative).ok());
    const int64_t shared =
        Collected(last_cumulative)[SeriesKey("stress.shared_counter", {{"kind", "shared"}})]
            .int_sum;
    if (shared < previous_shared_cumulative) cumulative_decreased = true;
    previous_shared_cumulative = shared;
    ++collections;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (std::thread& w : writers) w.join();
  // Final collections after every write has happened.
  ResourceMetrics delta;
  ASSERT_TRUE(delta_reader->Collect(&delta).ok());
  Accumulate(delta, &delta_totals);
  ASSERT_TRUE(cumulative_reader->Collect(&last_cumulative).ok());

  // Expected totals: per-thread expectations merged (shared series add up).
  Totals expected;
  for (const Totals& per_thread : expected_per_thread) {
    for (const auto& [key, t] : per_thread) {
      SeriesTotals& e = expected[key];
      e.int_sum += t.int_sum;
      e.double_sum += t.double_sum;
      e.count += t.count;
      if (e.buckets.size() < t.buckets.size()) e.buckets.resize(t.buckets.size());
      for (size_t i = 0; i < t.buckets.size(); ++i) e.buckets[i] += t.buckets[i];
    }
  }

  // UpDownCounters are cumulative even for the delta preference: compare
  // them against the final cumulative collection only.
  Totals delta_expected = expected;
  Totals delta_got = delta_totals;
  for (Totals* t : {&delta_expected, &delta_got}) {
    for (auto it = t->begin(); it != t->end();) {
      it = it->first.rfind("stress.updown", 0) == 0 ? t->erase(it) : std::next(it);
    }
  }
  EXPECT_GT(collections, 1) << "the collector should run while the writers record";
  RecordProperty("collections", collections);
  std::printf("%d collections of each reader while %d writers recorded\n", collections, kWriters);
  EXPECT_FALSE(cumulative_decreased) << "a cumulative counter went backwards";
  EXPECT_EQ(delta_got.size(), delta_expected.size());
  for (const auto& [key, e] : delta_expected) {
    SCOPED_TRACE("delta series " + key);
    ASSERT_TRUE(delta_got.count(key));
    const SeriesTotals& g = delta_got.at(key);
    EXPECT_EQ(g.int_sum, e.int_sum);
    EXPECT_EQ(g.double_sum, e.double_sum);
    EXPECT_EQ(g.count, e.count);
    EXPECT_EQ(g.buckets, e.buckets);
  }
  const Totals cumulative = Collected(last_cumulative);
  EXPECT_EQ(cumulative.size(), expected.size());
  for (const auto& [key, e] : expected) {
    SCOPED_TRACE("cumulative series " + key);
    ASSERT_TRUE(cumulative.count(key));
    const SeriesTotals& g = cumulative.at(key);
    EXPECT_EQ(g.int_sum, e.int_sum);
    EXPECT_EQ(g.double_sum, e.double_sum);
    EXPECT_EQ(g.count, e.count);
    EXPECT_EQ(g.buckets, e.buckets);
  }
  EXPECT_TRUE(provider->Shutdown().ok());
}

}  // namespace
}  // namespace cryptolake::metrics
