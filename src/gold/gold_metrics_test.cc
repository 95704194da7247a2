// What RunGold records through the crypto instrument suite, read back through the SDK.
#include <gtest/gtest.h>

#include "cryptolake/gold/gold_builder.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "gold_test_util.h"

namespace cryptolake::gold {
namespace {

using testing::kMinute;
using testing::Row;

bool Has(const metrics::AttributeSet& attrs, std::string_view key, const std::string& value) {
  const metrics::AttributeValue* v = attrs.Find(key);
  return v != nullptr && std::holds_alternative<std::string>(*v) &&
         std::get<std::string>(*v) == value;
}

// Histogram observations (or sum of counter points) of `name` whose points carry key=value.
int64_t Count(const metrics::ResourceMetrics& data, const std::string& name, std::string_view key,
              const std::string& value) {
  int64_t total = 0;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name != name) continue;
      if (const auto* h = std::get_if<metrics::HistogramData>(&m.data)) {
        for (const auto& p : h->points)
          if (Has(p.attributes, key, value)) total += static_cast<int64_t>(p.count);
      } else if (const auto* s = std::get_if<metrics::SumData>(&m.data)) {
        for (const auto& p : s->points)
          if (Has(p.attributes, key, value)) total += std::get<int64_t>(p.value);
      }
    }
  }
  return total;
}

TEST(GoldMetricsTest, WorkflowAndOneProcessingScopePerPartition) {
  auto reader = std::make_shared<metrics::ManualReader>();
  metrics::SdkMeterProviderOptions options;
  options.readers = {reader};
  metrics::SetMeterProvider(std::make_shared<metrics::SdkMeterProvider>(std::move(options)));

  auto lake = storage::NewMemoryObjectStore();
  std::vector<Row> rows;
  for (int m = 0; m < 10; ++m) {
    const int64_t ts = 19783 * 1440 * kMinute + m * kMinute;
    rows.push_back(Row{{"ts_event", ts},
                       {"close_time", ts + kMinute - 1000},
                       {"open", 1.0},
                       {"high", 1.0},
                       {"low", 1.0},
                       {"close", 1.0},
                       {"volume", 1.0},
                       {"quote_volume", 1.0},
                       {"trade_count", int64_t{1}},
                       {"taker_buy_volume", 1.0},
                       {"taker_buy_quote_volume", 1.0}});
  }
  testing::PutSilver(
      *lake, testing::DailyFile(archive::Market::kUsdM, "klines", "BTCUSDT", "2024-03-01", "1m"),
      rows, testing::Sha('a'));
  GoldRunOptions o;
  o.gold.lake = lake.get();
  o.query = GoldQuery{lake.get(), "um", "klines", {}, "2024-03-01", "2024-03-01"};
  ASSERT_TRUE(RunGold(o)->built == 2);
  ASSERT_TRUE(RunGold(o)->up_to_date == 2);

  metrics::ResourceMetrics data;
  ASSERT_TRUE(reader->Collect(&data).ok());
  metrics::SetMeterProvider(nullptr);
  EXPECT_EQ(Count(data, "cryptolake.workflow.executions", "workflow.name", "gold"), 2);
  EXPECT_EQ(Count(data, "cryptolake.data.processing.duration", "processing.stage", "gold"), 4);
  EXPECT_EQ(Count(data, "cryptolake.data.processing.duration", "workflow.name", "gold"), 4);
  EXPECT_EQ(Count(data, "cryptolake.data.records.ingested", "crypto.market", "um"), 0);
}

}  // namespace
}  // namespace cryptolake::gold
