// Field numbers of the OTLP protobuf messages, shared by the encoder
// (otlp_proto_encode.cc) and the decoder (otlp_proto_decode.cc) (internal).
// Numbers and types are those of opentelemetry-proto (common/v1/common.proto,
// resource/v1/resource.proto, metrics/v1/metrics.proto,
// collector/metrics/v1/metrics_service.proto).
#ifndef CRYPTOLAKE_METRICS_EXPORT_OTLP_PROTO_FIELDS_H_
#define CRYPTOLAKE_METRICS_EXPORT_OTLP_PROTO_FIELDS_H_

#include <cstdint>

namespace cryptolake::metrics::otlp_field {

namespace request {  // collector.metrics.v1.ExportMetricsServiceRequest
inline constexpr uint32_t kResourceMetrics = 1;
}
namespace response {  // collector.metrics.v1.ExportMetricsServiceResponse
inline constexpr uint32_t kPartialSuccess = 1;
}
namespace partial_success {  // collector.metrics.v1.ExportMetricsPartialSuccess
inline constexpr uint32_t kRejectedDataPoints = 1;
inline constexpr uint32_t kErrorMessage = 2;
}  // namespace partial_success
namespace any_value {  // common.v1.AnyValue
inline constexpr uint32_t kStringValue = 1;
inline constexpr uint32_t kBoolValue = 2;
inline constexpr uint32_t kIntValue = 3;
inline constexpr uint32_t kDoubleValue = 4;
inline constexpr uint32_t kArrayValue = 5;
inline constexpr uint32_t kKvlistValue = 6;
inline constexpr uint32_t kBytesValue = 7;
}  // namespace any_value
namespace array_value {  // common.v1.ArrayValue
inline constexpr uint32_t kValues = 1;
}
namespace key_value {  // common.v1.KeyValue
inline constexpr uint32_t kKey = 1;
inline constexpr uint32_t kValue = 2;
}  // namespace key_value
namespace scope {  // common.v1.InstrumentationScope
inline constexpr uint32_t kName = 1;
inline constexpr uint32_t kVersion = 2;
inline constexpr uint32_t kAttributes = 3;
}  // namespace scope
namespace resource {  // resource.v1.Resource
inline constexpr uint32_t kAttributes = 1;
}
namespace resource_metrics {  // metrics.v1.ResourceMetrics
inline constexpr uint32_t kResource = 1;
inline constexpr uint32_t kScopeMetrics = 2;
inline constexpr uint32_t kSchemaUrl = 3;
}  // namespace resource_metrics
namespace scope_metrics {  // metrics.v1.ScopeMetrics
inline constexpr uint32_t kScope = 1;
inline constexpr uint32_t kMetrics = 2;
inline constexpr uint32_t kSchemaUrl = 3;
}  // namespace scope_metrics
namespace metric {  // metrics.v1.Metric
inline constexpr uint32_t kName = 1;
inline constexpr uint32_t kDescription = 2;
inline constexpr uint32_t kUnit = 3;
inline constexpr uint32_t kGauge = 5;
inline constexpr uint32_t kSum = 7;
inline constexpr uint32_t kHistogram = 9;
inline constexpr uint32_t kExponentialHistogram = 10;
inline constexpr uint32_t kSummary = 11;
}  // namespace metric
namespace data {  // metrics.v1.Gauge, Sum, Histogram, ExponentialHistogram
inline constexpr uint32_t kDataPoints = 1;
inline constexpr uint32_t kAggregationTemporality = 2;  // Not in Gauge.
inline constexpr uint32_t kIsMonotonic = 3;             // Sum only.
}  // namespace data
namespace number_point {  // metrics.v1.NumberDataPoint
inline constexpr uint32_t kStartTimeUnixNano = 2;
inline constexpr uint32_t kTimeUnixNano = 3;
inline constexpr uint32_t kAsDouble = 4;
inline constexpr uint32_t kAsInt = 6;
inline constexpr uint32_t kAttributes = 7;
}  // namespace number_point
namespace histogram_point {  // metrics.v1.HistogramDataPoint
inline constexpr uint32_t kStartTimeUnixNano = 2;
inline constexpr uint32_t kTimeUnixNano = 3;
inline constexpr uint32_t kCount = 4;
inline constexpr uint32_t kSum = 5;
inline constexpr uint32_t kBucketCounts = 6;
inline constexpr uint32_t kExplicitBounds = 7;
inline constexpr uint32_t kAttributes = 9;
inline constexpr uint32_t kMin = 11;
inline constexpr uint32_t kMax = 12;
}  // namespace histogram_point
namespace exp_point {  // metrics.v1.ExponentialHistogramDataPoint
inline constexpr uint32_t kAttributes = 1;
inline constexpr uint32_t kStartTimeUnixNano = 2;
inline constexpr uint32_t kTimeUnixNano = 3;
inline constexpr uint32_t kCount = 4;
inline constexpr uint32_t kSum = 5;
inline constexpr uint32_t kScale = 6;
inline constexpr uint32_t kZeroCount = 7;
inline constexpr uint32_t kPositive = 8;
inline constexpr uint32_t kNegative = 9;
inline constexpr uint32_t kMin = 12;
inline constexpr uint32_t kMax = 13;
inline constexpr uint32_t kZeroThreshold = 14;
}  // namespace exp_point
namespace buckets {  // metrics.v1.ExponentialHistogramDataPoint.Buckets
inline constexpr uint32_t kOffset = 1;
inline constexpr uint32_t kBucketCounts = 2;
}  // namespace buckets

}  // namespace cryptolake::metrics::otlp_field

#endif  // CRYPTOLAKE_METRICS_EXPORT_OTLP_PROTO_FIELDS_H_
