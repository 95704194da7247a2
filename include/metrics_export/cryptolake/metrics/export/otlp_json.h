// OTLP/JSON encoding of the export data model.
//
// EncodeOtlpJson() turns one ResourceMetrics into one
// opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest in
// the OTLP/JSON encoding ({"resourceMetrics":[...]}), as OTLP/HTTP receivers
// accept it with Content-Type application/json:
//  - field names in lowerCamelCase;
//  - 64-bit integers (timeUnixNano, startTimeUnixNano, asInt, count,
//    bucketCounts, zeroCount, intValue) as decimal strings;
//  - 32-bit integers (scale, offset) and enums (aggregationTemporality) as
//    JSON numbers;
//  - doubles as JSON numbers in shortest round-trip form, NaN and infinities
//    as the strings "NaN", "Infinity", "-Infinity" (proto3 JSON mapping);
//  - absent optional fields (sum, min, max) and empty strings/lists omitted,
//    as the proto3 JSON mapping does for default values;
//  - strings escaped per RFC 8259; valid UTF-8 passes through, and each byte
//    of an invalid UTF-8 sequence becomes U+FFFD so the output is always
//    valid UTF-8 JSON.
// The output is a single line without a trailing newline.
//
// Thread-safety: pure functions; safe to call concurrently.
#ifndef CRYPTOLAKE_METRICS_EXPORT_OTLP_JSON_H_
#define CRYPTOLAKE_METRICS_EXPORT_OTLP_JSON_H_

#include <string>

#include "cryptolake/metrics/sdk/metric_data.h"

namespace cryptolake::metrics {

// Returns the ExportMetricsServiceRequest for `data` as one JSON object.
std::string EncodeOtlpJson(const ResourceMetrics& data);

// Appends the same encoding to `*out` (lets callers reuse one buffer).
void AppendOtlpJson(const ResourceMetrics& data, std::string* out);

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_EXPORT_OTLP_JSON_H_
