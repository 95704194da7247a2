// MeterProvider: the entry point of the metrics API, and the global provider.
//
// Library code asks the global provider for a Meter and creates instruments
// from it without depending on the SDK:
//   auto meter = metrics::GetMeterProvider()->GetMeter("cryptolake.ingest", "0.1.0");
//   auto records = meter->CreateInt64Counter("records", {.unit = "{record}"});
// Until the application installs an SDK with SetMeterProvider(), the global
// provider is a no-op: its meters hand out no-op instruments. Instruments
// created before SetMeterProvider() stay no-op forever (they do not forward
// to a provider installed later), so applications install the SDK first,
// before creating instruments.
//
// Thread-safety: GetMeterProvider/SetMeterProvider and GetMeter may be called
// concurrently from any thread.
#ifndef CRYPTOLAKE_METRICS_METER_PROVIDER_H_
#define CRYPTOLAKE_METRICS_METER_PROVIDER_H_

#include <memory>
#include <string_view>

#include "cryptolake/metrics/attribute_set.h"
#include "cryptolake/metrics/meter.h"

namespace cryptolake::metrics {

class MeterProvider {
 public:
  virtual ~MeterProvider() = default;

  // Returns the meter of scope (name, version, schema_url, scope_attributes).
  // Asking twice for the same scope returns the same meter. An empty name is
  // allowed (a diagnostic is not required by the spec; the meter works).
  virtual std::shared_ptr<Meter> GetMeter(std::string_view name, std::string_view version = "",
                                          std::string_view schema_url = "",
                                          const AttributeSet& scope_attributes = {}) = 0;
};

// A provider whose meters create only no-op instruments. Shared singleton.
std::shared_ptr<MeterProvider> NoopMeterProvider();

// The global provider: NoopMeterProvider() until SetMeterProvider() is called.
std::shared_ptr<MeterProvider> GetMeterProvider();

// Installs `provider` globally; nullptr restores the no-op provider.
void SetMeterProvider(std::shared_ptr<MeterProvider> provider);

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_METER_PROVIDER_H_
