// The self-metrics of one OtlpDelivery (internal): the instruments listed in
// cryptolake/metrics/export/otlp_delivery.h, created on the global
// (or a given) MeterProvider's meter "cryptolake.metrics.export", and the component
// attributes (otel.component.type, otel.component.name, server.address,
// server.port) they are recorded with.
//
// Thread-safety: the recording methods may be called from any thread. The
// observable instruments call `inflight_points` and `queued_bytes` on the
// collecting thread, from construction until RemoveCallbacks() returns.
#ifndef CRYPTOLAKE_METRICS_EXPORT_DELIVERY_INSTRUMENTS_H_
#define CRYPTOLAKE_METRICS_EXPORT_DELIVERY_INSTRUMENTS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cryptolake/metrics/attributes.h"
#include "cryptolake/metrics/export/otlp_delivery.h"
#include "cryptolake/metrics/instruments.h"
#include "cryptolake/metrics/meter_provider.h"

namespace cryptolake::metrics {

class DeliveryInstruments {
 public:
  // Creates the instruments on `provider`'s meter (null: the global
  // provider); the attributes come from `options` and `component_name`.
  // `inflight_points` and `queued_bytes` are the values the observable
  // instruments report.
  DeliveryInstruments(const OtlpDeliveryOptions& options, std::string component_name,
                      const std::shared_ptr<MeterProvider>& provider,
                      std::function<uint64_t()> inflight_points,
                      std::function<uint64_t()> queued_bytes);

  // "<component_type>/<n>", n counting the deliveries of this process.
  static std::string NextComponentName(const std::string& component_type);

  DeliveryInstruments(const DeliveryInstruments&) = delete;
  DeliveryInstruments& operator=(const DeliveryInstruments&) = delete;

  // Unregisters the observable callbacks: once it returns they are not
  // running and will not run again. The owner calls it before what the
  // callbacks read goes away.
  void RemoveCallbacks() const;

  // otel.sdk.exporter.metric_data_point.exported: `points` finished, with
  // error.type `error_type` (null: success). Nothing is recorded for 0 points.
  void Exported(uint64_t points, const char* error_type) const;
  // otel.sdk.exporter.operation.duration: one batch, first attempt to final
  // outcome, with error.type `error_type` (null: success).
  void Duration(double seconds, const char* error_type) const;
  // cryptolake.exporter.metric_data_point.spooled.
  void Spooled(uint64_t points) const;

 private:
  // Calls f(Attributes) with the component attributes plus error.type when
  // `error_type` is not null.
  template <typename F>
  void WithAttributes(const char* error_type, F&& f) const;

  const std::string type_;
  const std::string name_;
  const std::string address_;
  const int port_;
  Counter<int64_t> exported_;
  Histogram<double> duration_;
  Counter<int64_t> spooled_;
  ObservableUpDownCounter<int64_t> inflight_;
  ObservableUpDownCounter<int64_t> queue_size_;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_EXPORT_DELIVERY_INSTRUMENTS_H_
