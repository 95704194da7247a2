// RecordDataBatch: records and bytes of one batch, no scope to measure. Counters are never
// sampled; the attributes are the stream's.
#include <cstdio>
#include <memory>

#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"

namespace tel = cryptolake::telemetry;

int main() {
  auto reader = std::make_shared<cryptolake::metrics::ManualReader>();
  auto provider = std::make_shared<cryptolake::metrics::SdkMeterProvider>(
      cryptolake::metrics::SdkMeterProviderOptions{.readers = {reader}});
  cryptolake::metrics::SetMeterProvider(provider);

  const tel::TrackerAttributes stream = {{tel::attr::kExchange, "binance"},
                                         {tel::attr::kMarket, "um"},
                                         {tel::attr::kDataType, "aggTrades"},
                                         {tel::attr::kSymbol, "BTCUSDT"},
                                         {tel::attr::kSource, "archive"}};
  tel::RecordDataBatch(/*records=*/250'000, /*bytes=*/9'800'000, stream);
  tel::UpdateQueueSize("ingest.files", +3);
  tel::UpdateQueueSize("ingest.files", -1);

  cryptolake::metrics::ResourceMetrics data;
  if (!reader->Collect(&data).ok()) return 1;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& metric : scope.metrics) std::printf("%s\n", metric.name.c_str());
  }
  cryptolake::metrics::SetMeterProvider(nullptr);
  return 0;
}
