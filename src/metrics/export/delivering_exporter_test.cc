#include "cryptolake/metrics/export/delivering_exporter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cryptolake/metrics/export/otlp_proto.h"
#include "cryptolake/metrics/sdk/periodic_exporting_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "delivery_test_util.h"

namespace cryptolake::metrics {
namespace {

using std::chrono::milliseconds;
using namespace delivery_test;  // NOLINT(google-build-using-namespace): test helpers

ResourceMetrics MakeData(int64_t value, int points) {
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"service.name", std::string("test")}});
  ScopeMetrics sm;
  sm.scope.name = "scope";
  MetricData m;
  m.name = "counter";
  SumData sum;
  sum.is_monotonic = true;
  sum.temporality = AggregationTemporality::kDelta;
  for (int i = 0; i < points; ++i) {
    NumberDataPoint p;
    p.attributes = AttributeSet{{"i", int64_t{i}}};
    p.value = value;
    sum.points.push_back(p);
  }
  m.data = sum;
  sm.metrics.push_back(m);
  rm.scope_metrics.push_back(sm);
  return rm;
}

TEST(DeliveringExporterTest, ExportEncodesEnqueuesAndReturnsWhileSendIsStuck) {
  auto script = std::make_shared<Script>();
  script->SetGate(true);
  DeliveringExporter exporter(std::make_unique<ScriptedTransport>(script));
  ASSERT_TRUE(exporter.Export(MakeData(1, 3)).ok());
  ASSERT_TRUE(script->WaitInSend());
  // The reader is not held up: these return while the first Send is blocked.
  ASSERT_TRUE(exporter.Export(MakeData(2, 2)).ok());
  ASSERT_TRUE(exporter.Export(MakeData(3, 1)).ok());
  EXPECT_EQ(exporter.delivery().stats().queued_batches, 3u);
  script->SetGate(false);
  ASSERT_TRUE(exporter.ForceFlush(kLongWait).ok());
  const std::vector<std::string> sent = script->Delivered();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0], EncodeOtlpProto(MakeData(1, 3)));
  EXPECT_EQ(sent[2], EncodeOtlpProto(MakeData(3, 1)));
  EXPECT_EQ(exporter.delivery().stats().delivered_points, 6u);
  EXPECT_TRUE(exporter.Shutdown(kLongWait).ok());
  EXPECT_TRUE(exporter.Export(MakeData(4, 1)).IsFailedPrecondition());
  EXPECT_TRUE(exporter.Shutdown(kLongWait).ok());
}

TEST(DeliveringExporterTest, CollectionsWithoutPointsAreNotSent) {
  auto script = std::make_shared<Script>();
  DeliveringExporter exporter(std::make_unique<ScriptedTransport>(script));
  ASSERT_TRUE(exporter.Export(ResourceMetrics{}).ok());
  ASSERT_TRUE(exporter.Export(MakeData(1, 0)).ok());
  ASSERT_TRUE(exporter.ForceFlush(kLongWait).ok());
  EXPECT_EQ(script->AttemptCount(), 0u);
}

TEST(DeliveringExporterTest, TemporalityAndHistogramAggregationFromOptions) {
  DeliveringExporter cumulative(std::make_unique<ScriptedTransport>(std::make_shared<Script>()));
  EXPECT_EQ(cumulative.TemporalityFor(InstrumentKind::kCounter),
            AggregationTemporality::kCumulative);
  EXPECT_EQ(cumulative.HistogramAggregation(), DefaultHistogramAggregation::kExplicitBucket);
  DeliveringExporter delta(std::make_unique<ScriptedTransport>(std::make_shared<Script>()),
                           {.temporality = TemporalityPreference::kDelta,
                            .histogram_aggregation = DefaultHistogramAggregation::kBase2Exponential});
  EXPECT_EQ(delta.TemporalityFor(InstrumentKind::kCounter), AggregationTemporality::kDelta);
  EXPECT_EQ(delta.TemporalityFor(InstrumentKind::kUpDownCounter),
            AggregationTemporality::kCumulative);
  EXPECT_EQ(delta.HistogramAggregation(), DefaultHistogramAggregation::kBase2Exponential);
}

// The whole pipeline through an outage: recording threads, a periodic reader
// every 10 ms, delta temporality, an endpoint that refuses connections for a
// while and then recovers. What the endpoint received, decoded, adds up to
// exactly what was recorded: nothing lost, nothing counted twice.
TEST(DeliveringExporterTest, OutageThenRecoveryDeliversExactTotals) {
  const std::string dir = TempDir("exporter_stress");
  auto script = std::make_shared<Script>();
  std::atomic<bool> outage{true};
  script->fallback = [&outage](const std::string&) {
    return outage.load() ? Unavailable() : SendOutcome::Success();
  };
  DeliveringExporterOptions options;
  options.temporality = TemporalityPreference::kDelta;
  options.delivery.initial_backoff = milliseconds(2);
  options.delivery.max_backoff = milliseconds(10);
  options.delivery.failures_to_open = 3;
  options.delivery.probe_interval = milliseconds(10);
  options.delivery.spool_dir = dir;
  auto exporter = std::make_shared<DeliveringExporter>(
      std::make_unique<ScriptedTransport>(script), std::move(options));
  auto reader = std::make_shared<PeriodicExportingReader>(
      exporter, PeriodicExportingReaderOptions{.interval = milliseconds(10),
                                               .timeout = milliseconds(5000)});
  auto provider = std::make_shared<SdkMeterProvider>(
      SdkMeterProviderOptions{.resource = Resource::Create({}), .readers = {reader}});
  auto meter = provider->GetMeter("stress");
  auto counter = meter->CreateInt64Counter("records");
  auto histogram = meter->CreateDoubleHistogram("latency");

  constexpr int kThreads = 2;
  std::atomic<bool> stop{false};
  std::vector<int64_t> totals(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        counter.Add(3, {{"thread", int64_t{t}}});
        histogram.Record(1.5, {{"thread", int64_t{t}}});
        n += 3;
        if (n % 300 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      totals[t] = n;
    });
  }
  // Down until several collections have queued up behind a failing endpoint.
  ASSERT_TRUE(Eventually([&] {
    const OtlpDeliveryStats s = exporter->delivery().stats();
    return s.circuit_state == CircuitState::kOpen && s.queued_batches >= 5 &&
           s.spooled_batches >= 5;
  }));
  EXPECT_EQ(script->Delivered().size(), 0u);
  outage = false;
  ASSERT_TRUE(Eventually([&] { return script->Delivered().size() >= 10; }));
  stop = true;
  for (auto& th : threads) th.join();
  ASSERT_TRUE(provider->Shutdown(kLongWait).ok());  // Final collection, then delivery.

  std::map<int64_t, int64_t> sums;
  std::map<int64_t, uint64_t> counts;
  for (const std::string& request : script->Delivered()) {
    Result<ResourceMetrics> decoded = DecodeOtlpProto(request);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    for (const ScopeMetrics& sm : decoded->scope_metrics) {
      if (sm.scope.name != "stress") continue;
      for (const MetricData& m : sm.metrics) {
        if (m.name == "records") {
          const auto& sum = std::get<SumData>(m.data);
          EXPECT_EQ(sum.temporality, AggregationTemporality::kDelta);
          for (const auto& p : sum.points) {
            sums[std::get<int64_t>(*p.attributes.Find("thread"))] += std::get<int64_t>(p.value);
          }
        } else if (m.name == "latency") {
          for (const auto& p : std::get<HistogramData>(m.data).points) {
            counts[std::get<int64_t>(*p.attributes.Find("thread"))] += p.count;
          }
        }
      }
    }
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_GT(totals[t], 0);
    EXPECT_EQ(sums[t], totals[t]) << "thread " << t;
    EXPECT_EQ(counts[t], static_cast<uint64_t>(totals[t] / 3)) << "thread " << t;
  }
  const OtlpDeliveryStats s = exporter->delivery().stats();
  EXPECT_EQ(s.dropped_points, 0u);
  EXPECT_EQ(s.queued_batches, 0u);
  EXPECT_GT(s.spooled_batches, 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cryptolake::metrics
