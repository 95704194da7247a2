// A View that overrides the catalog's advisory buckets of cryptolake.api.request.duration (say,
// for a region where every request takes over 100 ms) and keeps only two attributes.
#include <cstdio>
#include <memory>

#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/metrics/sdk/view.h"
#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/instrument_catalog.h"
#include "cryptolake/telemetry/semantic_conventions.h"

namespace m = cryptolake::metrics;
namespace tel = cryptolake::telemetry;

int main() {
  m::View view;
  view.selector.name = std::string(tel::SpecOf(tel::InstrumentId::kApiRequestDuration).name);
  view.stream.aggregation = m::Aggregation::ExplicitBucketHistogram({0.1, 0.2, 0.4, 0.8, 1.6, 5});
  view.stream.attribute_keys = std::vector<std::string>{std::string(tel::attr::kUrlTemplate),
                                                        std::string(tel::attr::kOutcome)};
  auto reader = std::make_shared<m::ManualReader>();
  m::SdkMeterProviderOptions options;
  options.readers = {reader};
  options.views = {view};
  m::SdkMeterProvider provider(options);

  auto instruments = tel::CryptoMetrics::Create(provider);
  instruments->api_request_duration.Record(0.3, {{tel::attr::kUrlTemplate, "/api/v3/klines"},
                                                 {tel::attr::kOutcome, "success"},
                                                 {tel::attr::kServerAddress, "api.binance.com"}});

  m::ResourceMetrics data;
  if (!reader->Collect(&data).ok()) return 1;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& metric : scope.metrics) {
      const auto* hist = std::get_if<m::HistogramData>(&metric.data);
      if (hist == nullptr || hist->points.empty()) continue;
      std::printf("%s: %zu boundaries\n", metric.name.c_str(),
                  hist->points[0].explicit_bounds.size());
    }
  }
  return 0;
}
