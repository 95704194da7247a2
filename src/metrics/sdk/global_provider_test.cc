// The global provider and the no-op provider.
#include <gtest/gtest.h>

#include "cryptolake/metrics/meter_provider.h"
#include "metrics_test_util.h"

namespace cryptolake::metrics {
namespace {

TEST(GlobalProviderTest, NoopUntilInstalledThenSdk) {
  SetMeterProvider(nullptr);
  auto before = GetMeterProvider()->GetMeter("lib")->CreateInt64Counter("early");
  EXPECT_FALSE(before.enabled());
  before.Add(1);

  auto reader = std::make_shared<ManualReader>();
  SdkMeterProviderOptions options;
  options.readers = {reader};
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  SetMeterProvider(provider);
  EXPECT_EQ(GetMeterProvider(), provider);

  auto after = GetMeterProvider()->GetMeter("lib")->CreateInt64Counter("late");
  EXPECT_TRUE(after.enabled());
  after.Add(2);
  before.Add(1);  // Created before install: stays a no-op (documented).
  auto rm = testing::CollectOrDie(*reader);
  EXPECT_NE(testing::FindMetric(rm, "late"), nullptr);
  EXPECT_EQ(testing::FindMetric(rm, "early"), nullptr);

  SetMeterProvider(nullptr);
  EXPECT_EQ(GetMeterProvider(), NoopMeterProvider());
}

TEST(GlobalProviderTest, NoopProviderHandsOutWorkingNoops) {
  auto meter = NoopMeterProvider()->GetMeter("x", "1", "s", AttributeSet{{"a", true}});
  ASSERT_NE(meter, nullptr);
  auto c = meter->CreateDoubleCounter("c");
  c.Add(1.0, {{"k", "v"}});
  c.Bind({{"k", "v"}}).Add(1.0);
  auto g =
      meter->CreateInt64ObservableGauge("g", {}, [](ObserverResult<int64_t>& r) { r.Observe(1); });
  EXPECT_FALSE(g.enabled());
  EXPECT_EQ(g.creation_callback_id(), 0u);
  meter->CreateDoubleHistogram("h").Record(1.0);
  meter->CreateInt64Gauge("gg").Record(1);
  meter->CreateInt64UpDownCounter("u").Add(-1);
}

TEST(GlobalProviderTest, ProviderOwnsItsOwnShutdown) {
  auto reader = std::make_shared<ManualReader>();
  SdkMeterProviderOptions options;
  options.readers = {reader};
  SetMeterProvider(std::make_shared<SdkMeterProvider>(std::move(options)));
  GetMeterProvider()->GetMeter("m")->CreateInt64Counter("c").Add(1);
  SetMeterProvider(nullptr);  // Last reference: the provider shuts down.
  EXPECT_TRUE(reader->is_shutdown());
}

}  // namespace
}  // namespace cryptolake::metrics
