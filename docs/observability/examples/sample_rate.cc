// OTEL_HIGH_VOLUME_SAMPLE_RATE: the share of per-record histogram values kept (0..1, default 1).
// CryptoMetrics::Current() reads it; a program building its own instruments passes it.
#include <cstdio>
#include <memory>

#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/semantic_conventions.h"

namespace m = cryptolake::metrics;
namespace tel = cryptolake::telemetry;

int main() {
  const double rate = tel::HighVolumeSampleRateFromEnvironment();  // 1.0 when unset or invalid
  auto reader = std::make_shared<m::ManualReader>();
  m::SdkMeterProvider provider(m::SdkMeterProviderOptions{.readers = {reader}});
  auto instruments = tel::CryptoMetrics::Create(provider, {.high_volume_sample_rate = rate});

  for (int i = 0; i < 100'000; ++i) {
    // Kept with probability `rate`; counters stay exact.
    instruments->RecordRecordAge(86'400.0 + i % 60,
                                 {{tel::attr::kMarket, "spot"}, {tel::attr::kSource, "archive"}});
  }
  std::printf("sample rate %.3f\n", instruments->high_volume_sample_rate());
  return 0;
}
