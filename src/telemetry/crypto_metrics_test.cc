#include "cryptolake/telemetry/crypto_metrics.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "cryptolake/telemetry/semantic_conventions.h"
#include "telemetry_test_util.h"

namespace cryptolake::telemetry {
namespace {

int64_t FixedNow() { return 1'700'000'100'000'000; }

TEST(CryptoMetricsTest, CurrentFollowsTheGlobalProvider) {
  std::shared_ptr<CryptoMetrics> noop = CryptoMetrics::Current();
  EXPECT_FALSE(noop->records_ingested.enabled());
  {
    GlobalSdk sdk;
    std::shared_ptr<CryptoMetrics> m = CryptoMetrics::Current();
    EXPECT_TRUE(m->records_ingested.enabled());
    EXPECT_EQ(CryptoMetrics::Current(), m);  // cached while the provider stays
    m->records_ingested.Add(5, {{attr::kMarket, "spot"}});
    EXPECT_EQ(SumOf(sdk.Collect(), "cryptolake.data.records.ingested"), 5);
  }
  EXPECT_FALSE(CryptoMetrics::Current()->records_ingested.enabled());
}

// The acceptance figure: at rate 0.1 over 1M records the per-record histogram holds
// 100k +- 1% and the counter is exact.
TEST(CryptoMetricsTest, HighVolumeSamplingKeepsCountersExact) {
  GlobalSdk sdk;
  CryptoMetricsOptions options;
  options.high_volume_sample_rate = 0.1;
  auto m = CryptoMetrics::Create(sdk.provider(), options);
  const metrics::AttributeView attrs[] = {{attr::kMarket, "um"}, {attr::kDataType, "aggTrades"}};
  for (int i = 0; i < 1'000'000; ++i) {
    m->records_ingested.Add(1, attrs);
    m->RecordRecordAge(3600.0, attrs);
  }
  auto data = sdk.Collect();
  EXPECT_EQ(SumOf(data, "cryptolake.data.records.ingested"), 1'000'000);
  const uint64_t sampled = HistogramCountOf(data, "cryptolake.data.record.age");
  EXPECT_GE(sampled, 99'000u);
  EXPECT_LE(sampled, 101'000u);
}

TEST(CryptoMetricsTest, SampleRateBoundsAndEnvironment) {
  GlobalSdk sdk;
  for (double rate : {0.0, -1.0}) {
    CryptoMetricsOptions o;
    o.high_volume_sample_rate = rate;
    auto m = CryptoMetrics::Create(sdk.provider(), o);
    EXPECT_EQ(m->high_volume_sample_rate(), 0.0);
    for (int i = 0; i < 1000; ++i) EXPECT_FALSE(m->Sampled());
  }
  CryptoMetricsOptions o;
  o.high_volume_sample_rate = 7;
  EXPECT_EQ(CryptoMetrics::Create(sdk.provider(), o)->high_volume_sample_rate(), 1.0);

  setenv("OTEL_HIGH_VOLUME_SAMPLE_RATE", "0.25", 1);
  EXPECT_EQ(HighVolumeSampleRateFromEnvironment(), 0.25);
  setenv("OTEL_HIGH_VOLUME_SAMPLE_RATE", "lots", 1);
  EXPECT_EQ(HighVolumeSampleRateFromEnvironment(), 1.0);
  unsetenv("OTEL_HIGH_VOLUME_SAMPLE_RATE");
  EXPECT_EQ(HighVolumeSampleRateFromEnvironment(), 1.0);
}

TEST(CryptoMetricsTest, SampleRateFromAnInjectedEnvironment) {
  auto env = [](const char* value) {
    return [value](const char* name) -> const char* {
      return std::string_view(name) == "OTEL_HIGH_VOLUME_SAMPLE_RATE" ? value : nullptr;
    };
  };
  EXPECT_EQ(HighVolumeSampleRateFromEnvironment(env("0.1")), 0.1);
  EXPECT_EQ(HighVolumeSampleRateFromEnvironment(env("7")), 1.0);
  EXPECT_EQ(HighVolumeSampleRateFromEnvironment(env("-1")), 0.0);
  EXPECT_EQ(HighVolumeSampleRateFromEnvironment(env("often")), 1.0);
  EXPECT_EQ(HighVolumeSampleRateFromEnvironment(env(nullptr)), 1.0);
}

TEST(CryptoMetricsTest, FreshnessIsNowMinusTheNewestEventPerStream) {
  GlobalSdk sdk;
  CryptoMetricsOptions o;
  o.now_micros = &FixedNow;
  auto m = CryptoMetrics::Create(sdk.provider(), o);
  StreamKey btc{"spot", "klines", "BTCUSDT", "1m"};
  StreamKey eth{"um", "aggTrades", "ETHUSDT", ""};
  m->ObserveNewestEvent(btc, FixedNow() - 90'000'000);
  m->ObserveNewestEvent(btc, FixedNow() - 60'000'000);   // newer wins
  m->ObserveNewestEvent(btc, FixedNow() - 120'000'000);  // older ignored
  m->ObserveNewestEvent(eth, FixedNow() - 2'500'000);
  auto data = sdk.Collect();
  const metrics::MetricData* f = FindMetric(data, "cryptolake.data.freshness");
  ASSERT_NE(f, nullptr);
  const auto& points = std::get<metrics::GaugeData>(f->data).points;
  ASSERT_EQ(points.size(), 2u);
  for (const auto& p : points) {
    const double v = std::get<double>(p.value);
    if (AttrString(p.attributes, attr::kSymbol) == "BTCUSDT") {
      EXPECT_DOUBLE_EQ(v, 60.0);
      EXPECT_EQ(AttrString(p.attributes, attr::kInterval), "1m");
    } else {
      EXPECT_DOUBLE_EQ(v, 2.5);
      EXPECT_EQ(AttrString(p.attributes, attr::kInterval), "");
      EXPECT_EQ(AttrString(p.attributes, attr::kMarket), "um");
    }
    EXPECT_EQ(AttrString(p.attributes, attr::kExchange), "binance");
  }
}

TEST(CryptoMetricsTest, MemoryGaugeReportsTheResidentSetAndUnknownKeysAreDropped) {
  GlobalSdk sdk;
  auto m = CryptoMetrics::Create(sdk.provider());
  // A key the catalog does not list for the instrument is dropped (advisory attribute keys).
  m->queue_size.Add(3, {{attr::kQueue, "ingest.files"}, {"error.message", "free text"}});
  auto data = sdk.Collect();
  EXPECT_GT(SumOf(data, "process.memory.usage"), 1e6);
  const metrics::MetricData* q = FindMetric(data, "cryptolake.queue.size");
  ASSERT_NE(q, nullptr);
  const auto& points = std::get<metrics::SumData>(q->data).points;
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].attributes.size(), 1u);
  EXPECT_EQ(AttrString(points[0].attributes, attr::kQueue), "ingest.files");
}

}  // namespace
}  // namespace cryptolake::telemetry
