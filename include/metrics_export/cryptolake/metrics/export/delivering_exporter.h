// DeliveringExporter: the MetricExporter that puts OTLP on the wire without
// ever holding up the periodic reader.
//
// Export() counts the data points, encodes the collection as an OTLP
// ExportMetricsServiceRequest (EncodeOtlpProto) and hands it to an
// OtlpDelivery (otlp_delivery.h), then returns OK at once: retries, backoff,
// the circuit breaker and the spool all happen on the delivery's threads. A
// collection without data points is not sent. ForceFlush and Shutdown are the
// delivery's. Temporality and the default histogram aggregation come from the
// options (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE /
// _DEFAULT_HISTOGRAM_AGGREGATION).
//
// Thread-safety: as MetricExporter (Export never concurrent with itself;
// ForceFlush and Shutdown from any thread, concurrently with Export).
#ifndef CRYPTOLAKE_METRICS_EXPORT_DELIVERING_EXPORTER_H_
#define CRYPTOLAKE_METRICS_EXPORT_DELIVERING_EXPORTER_H_

#include <chrono>
#include <memory>

#include "cryptolake/metrics/export/otlp_delivery.h"
#include "cryptolake/metrics/export/otlp_transport.h"
#include "cryptolake/metrics/sdk/metric_exporter.h"

namespace cryptolake::metrics {

struct DeliveringExporterOptions {
  TemporalityPreference temporality = TemporalityPreference::kCumulative;
  DefaultHistogramAggregation histogram_aggregation = DefaultHistogramAggregation::kExplicitBucket;
  OtlpDeliveryOptions delivery = {};
};

class DeliveringExporter final : public MetricExporter {
 public:
  // REQUIRES: transport != nullptr.
  DeliveringExporter(std::unique_ptr<OtlpTransport> transport,
                     DeliveringExporterOptions options = {});

  // Encodes and enqueues; OK at once. FailedPrecondition after Shutdown().
  Status Export(const ResourceMetrics& data) override;
  AggregationTemporality TemporalityFor(InstrumentKind kind) const override;
  DefaultHistogramAggregation HistogramAggregation() const override;
  Status ForceFlush(std::chrono::milliseconds timeout) override;
  Status Shutdown(std::chrono::milliseconds timeout) override;

  // The delivery behind it (stats, for tests and status pages).
  const OtlpDelivery& delivery() const { return delivery_; }
  // See OtlpDelivery::UseMeterProvider.
  void UseMeterProvider(std::shared_ptr<MeterProvider> provider) {
    delivery_.UseMeterProvider(std::move(provider));
  }

 private:
  const TemporalityPreference temporality_;
  const DefaultHistogramAggregation histogram_aggregation_;
  OtlpDelivery delivery_;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_EXPORT_DELIVERING_EXPORTER_H_
