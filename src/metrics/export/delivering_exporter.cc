#include "cryptolake/metrics/export/delivering_exporter.h"

#include <string>
#include <utility>

#include "cryptolake/metrics/export/otlp_proto.h"

namespace cryptolake::metrics {

DeliveringExporter::DeliveringExporter(std::unique_ptr<OtlpTransport> transport,
                                       DeliveringExporterOptions options)
    : temporality_(options.temporality),
      histogram_aggregation_(options.histogram_aggregation),
      delivery_(std::move(transport), std::move(options.delivery)) {}

Status DeliveringExporter::Export(const ResourceMetrics& data) {
  const uint64_t points = CountDataPoints(data);
  // An empty request would cost a round trip and tell the receiver nothing.
  if (points == 0) return Status::OK();
  // Encoding here, on the reader's thread, keeps the queue made of final
  // request bytes: what is queued is exactly what is spooled and sent.
  return delivery_.Enqueue(EncodeOtlpProto(data), points);
}

AggregationTemporality DeliveringExporter::TemporalityFor(InstrumentKind kind) const {
  return metrics::TemporalityFor(temporality_, kind);
}

DefaultHistogramAggregation DeliveringExporter::HistogramAggregation() const {
  return histogram_aggregation_;
}

Status DeliveringExporter::ForceFlush(std::chrono::milliseconds timeout) {
  return delivery_.ForceFlush(timeout);
}

Status DeliveringExporter::Shutdown(std::chrono::milliseconds timeout) {
  return delivery_.Shutdown(timeout);
}

}  // namespace cryptolake::metrics
