#include "delivery_instruments.h"

#include <atomic>
#include <memory>
#include <utility>
#include <vector>

#include "cryptolake/metrics/meter_provider.h"

namespace cryptolake::metrics {
namespace {

std::atomic<uint64_t> g_instance_counter{0};

}  // namespace

template <typename F>
void DeliveryInstruments::WithAttributes(const char* error_type, F&& f) const {
  std::vector<AttributeView> attrs;
  attrs.reserve(5);
  attrs.push_back({"otel.component.type", type_});
  attrs.push_back({"otel.component.name", name_});
  if (!address_.empty()) attrs.push_back({"server.address", address_});
  if (port_ != 0) attrs.push_back({"server.port", int64_t{port_}});
  if (error_type != nullptr) attrs.push_back({"error.type", error_type});
  f(Attributes(attrs));
}

std::string DeliveryInstruments::NextComponentName(const std::string& component_type) {
  return component_type + "/" + std::to_string(g_instance_counter.fetch_add(1));
}

DeliveryInstruments::DeliveryInstruments(const OtlpDeliveryOptions& options,
                                         std::string component_name,
                                         const std::shared_ptr<MeterProvider>& provider,
                                         std::function<uint64_t()> inflight_points,
                                         std::function<uint64_t()> queued_bytes)
    : type_(options.component_type),
      name_(std::move(component_name)),
      address_(options.server_address),
      port_(options.server_port) {
  // The observable callbacks may run as soon as they are registered (the
  // attributes above are set by then).
  auto meter =
      (provider != nullptr ? provider : GetMeterProvider())->GetMeter("cryptolake.metrics.export");
  exported_ = meter->CreateInt64Counter(
      "otel.sdk.exporter.metric_data_point.exported",
      {.unit = "{data_point}",
       .description = "The number of metric data points for which the export has finished, "
                      "either successful or failed."});
  duration_ = meter->CreateDoubleHistogram(
      "otel.sdk.exporter.operation.duration",
      {.unit = "s", .description = "The duration of exporting a batch of telemetry records."});
  spooled_ = meter->CreateInt64Counter(
      "cryptolake.exporter.metric_data_point.spooled",
      {.unit = "{data_point}",
       .description = "Metric data points written to the on-disk spool (each batch once)."});
  inflight_ = meter->CreateInt64ObservableUpDownCounter(
      "otel.sdk.exporter.metric_data_point.inflight",
      {.unit = "{data_point}",
       .description = "The number of metric data points which were passed to the exporter, but "
                      "that have not been exported yet."},
      [this, inflight_points = std::move(inflight_points)](ObserverResult<int64_t>& result) {
        const uint64_t points = inflight_points();
        WithAttributes(nullptr,
                       [&](Attributes a) { result.Observe(static_cast<int64_t>(points), a); });
      });
  queue_size_ = meter->CreateInt64ObservableUpDownCounter(
      "cryptolake.exporter.queue.size",
      {.unit = "By", .description = "Bytes of undelivered batches held in memory."},
      [this, queued_bytes = std::move(queued_bytes)](ObserverResult<int64_t>& result) {
        const uint64_t bytes = queued_bytes();
        WithAttributes(nullptr,
                       [&](Attributes a) { result.Observe(static_cast<int64_t>(bytes), a); });
      });
}

void DeliveryInstruments::RemoveCallbacks() const {
  inflight_.RemoveCallback(inflight_.creation_callback_id());
  queue_size_.RemoveCallback(queue_size_.creation_callback_id());
}

void DeliveryInstruments::Exported(uint64_t points, const char* error_type) const {
  if (points == 0) return;
  WithAttributes(error_type, [&](Attributes a) { exported_.Add(static_cast<int64_t>(points), a); });
}

void DeliveryInstruments::Duration(double seconds, const char* error_type) const {
  WithAttributes(error_type, [&](Attributes a) { duration_.Record(seconds, a); });
}

void DeliveryInstruments::Spooled(uint64_t points) const {
  WithAttributes(nullptr, [&](Attributes a) { spooled_.Add(static_cast<int64_t>(points), a); });
}

}  // namespace cryptolake::metrics
