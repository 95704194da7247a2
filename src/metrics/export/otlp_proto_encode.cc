// OTLP protobuf encoder (see otlp_proto.h; field numbers in
// otlp_proto_fields.h).
//
// Encoding follows the canonical proto3 serialisation, so our bytes match what
// a generated encoder would produce for the same message: fields in
// field-number order, implicit-presence scalars omitted when they hold their
// default (0, "", false, an empty list), oneof members and proto3 `optional`
// fields (sum, min, max) written whenever set, repeated scalars packed, and
// every length in its shortest varint form. Message fields of the data model
// that have no presence (Metric's resource/scope, the exponential buckets) are
// always written, as our OTLP/JSON encoder does.
//
// The encoder writes the message tree in one pass into the output string (see
// ProtoWriter in proto_wire.h: nested lengths are back-patched), never
// building an intermediate tree or computing sizes twice.
#include "cryptolake/metrics/export/otlp_proto.h"

#include <bit>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "otlp_proto_fields.h"
#include "proto_wire.h"
#include "utf8.h"

namespace cryptolake::metrics {
namespace {

using proto::ProtoWriter;
using namespace otlp_field;  // NOLINT(google-build-using-namespace): field numbers

// proto3 strings must be valid UTF-8 (receivers built on the official
// runtimes reject the whole request otherwise), so invalid bytes become
// U+FFFD, as in our OTLP/JSON encoder.
void WriteStringAlways(ProtoWriter& w, uint32_t field, std::string_view s) {
  if (IsValidUtf8(s)) {
    w.BytesField(field, s);
  } else {
    std::string clean;
    AppendUtf8Sanitized(s, &clean);
    w.BytesField(field, clean);
  }
}

// An implicit-presence string: omitted when empty.
void WriteString(ProtoWriter& w, uint32_t field, std::string_view s) {
  if (!s.empty()) WriteStringAlways(w, field, s);
}

void WriteFixed64(ProtoWriter& w, uint32_t field, uint64_t v) {
  if (v != 0) w.Fixed64Field(field, v);
}

void WriteOptionalDouble(ProtoWriter& w, uint32_t field, const std::optional<double>& v) {
  if (v.has_value()) w.DoubleField(field, *v);
}

// The AnyValue oneof member for one scalar (always written: oneof presence).
template <typename T>
void WriteScalarValue(ProtoWriter& w, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    w.BoolField(any_value::kBoolValue, v);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    w.Int64Field(any_value::kIntValue, v);
  } else if constexpr (std::is_same_v<T, double>) {
    w.DoubleField(any_value::kDoubleValue, v);
  } else {
    WriteStringAlways(w, any_value::kStringValue, v);
  }
}

void WriteAnyValue(ProtoWriter& w, uint32_t field, const AttributeValue& value) {
  const ProtoWriter::Mark mark = w.BeginMessage(field);
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                      std::is_same_v<T, double> || std::is_same_v<T, std::string>) {
          WriteScalarValue(w, v);
        } else {
          const ProtoWriter::Mark array = w.BeginMessage(any_value::kArrayValue);
          for (const auto& element : v) {
            using E = std::decay_t<decltype(element)>;
            const ProtoWriter::Mark item = w.BeginMessage(array_value::kValues);
            if constexpr (std::is_same_v<E, std::string> || std::is_same_v<E, int64_t> ||
                          std::is_same_v<E, double>) {
              WriteScalarValue(w, element);
            } else {  // vector<bool>'s proxy reference.
              WriteScalarValue(w, static_cast<bool>(element));
            }
            w.EndMessage(item);
          }
          w.EndMessage(array);
        }
      },
      value);
  w.EndMessage(mark);
}

void WriteAttributes(ProtoWriter& w, uint32_t field, const AttributeSet& attributes) {
  for (const KeyValue& kv : attributes.entries()) {
    const ProtoWriter::Mark mark = w.BeginMessage(field);
    WriteString(w, key_value::kKey, kv.key);
    WriteAnyValue(w, key_value::kValue, kv.value);
    w.EndMessage(mark);
  }
}

void WritePoint(ProtoWriter& w, const NumberDataPoint& p) {
  WriteFixed64(w, number_point::kStartTimeUnixNano, p.start_time_unix_nano);
  WriteFixed64(w, number_point::kTimeUnixNano, p.time_unix_nano);
  if (const int64_t* i = std::get_if<int64_t>(&p.value)) {
    w.Fixed64Field(number_point::kAsInt, static_cast<uint64_t>(*i));  // sfixed64.
  } else {
    w.DoubleField(number_point::kAsDouble, std::get<double>(p.value));
  }
  WriteAttributes(w, number_point::kAttributes, p.attributes);
}

void WritePoint(ProtoWriter& w, const HistogramDataPoint& p) {
  WriteFixed64(w, histogram_point::kStartTimeUnixNano, p.start_time_unix_nano);
  WriteFixed64(w, histogram_point::kTimeUnixNano, p.time_unix_nano);
  WriteFixed64(w, histogram_point::kCount, p.count);
  WriteOptionalDouble(w, histogram_point::kSum, p.sum);
  w.PackedFixed64Field(histogram_point::kBucketCounts, p.bucket_counts);
  w.PackedDoubleField(histogram_point::kExplicitBounds, p.explicit_bounds);
  WriteAttributes(w, histogram_point::kAttributes, p.attributes);
  WriteOptionalDouble(w, histogram_point::kMin, p.min);
  WriteOptionalDouble(w, histogram_point::kMax, p.max);
}

void WriteBuckets(ProtoWriter& w, uint32_t field, const ExponentialHistogramBuckets& b) {
  const ProtoWriter::Mark mark = w.BeginMessage(field);
  if (b.offset != 0) w.SInt32Field(buckets::kOffset, b.offset);
  w.PackedVarintField(buckets::kBucketCounts, b.bucket_counts);
  w.EndMessage(mark);
}

void WritePoint(ProtoWriter& w, const ExponentialHistogramDataPoint& p) {
  WriteAttributes(w, exp_point::kAttributes, p.attributes);
  WriteFixed64(w, exp_point::kStartTimeUnixNano, p.start_time_unix_nano);
  WriteFixed64(w, exp_point::kTimeUnixNano, p.time_unix_nano);
  WriteFixed64(w, exp_point::kCount, p.count);
  WriteOptionalDouble(w, exp_point::kSum, p.sum);
  if (p.scale != 0) w.SInt32Field(exp_point::kScale, p.scale);
  WriteFixed64(w, exp_point::kZeroCount, p.zero_count);
  WriteBuckets(w, exp_point::kPositive, p.positive);
  WriteBuckets(w, exp_point::kNegative, p.negative);
  WriteOptionalDouble(w, exp_point::kMin, p.min);
  WriteOptionalDouble(w, exp_point::kMax, p.max);
  // Default is +0.0 only: -0.0 has other bits and is written, as generated
  // encoders do.
  if (std::bit_cast<uint64_t>(p.zero_threshold) != 0) {
    w.DoubleField(exp_point::kZeroThreshold, p.zero_threshold);
  }
}

// Bytes a length varint is expected to need for a body of about `approx`
// bytes: a good guess spares EndMessage() moving the body.
size_t LengthBytesFor(size_t approx) { return proto::VarintSize(approx); }

// Rough encoded size of a metric's points, for the length guesses and the
// initial buffer: about 100 bytes of times, value and three attributes, plus
// 16 bytes per explicit bucket (count and bound) or about 2 per exponential
// bucket, judged from the first point.
template <typename Point>
size_t ApproxPointsSize(const std::vector<Point>& points) {
  if (points.empty()) return 0;
  size_t per_point = 100;
  if constexpr (std::is_same_v<Point, HistogramDataPoint>) {
    per_point += 40 + 16 * points[0].bucket_counts.size();
  } else if constexpr (std::is_same_v<Point, ExponentialHistogramDataPoint>) {
    per_point += 70 + 2 * (points[0].positive.bucket_counts.size() +
                           points[0].negative.bucket_counts.size());
  }
  return points.size() * per_point;
}

size_t ApproxMetricSize(const MetricData& m) {
  return std::visit([](const auto& d) { return ApproxPointsSize(d.points); }, m.data) + 64;
}

template <typename Point>
void WriteDataPoints(ProtoWriter& w, const std::vector<Point>& points) {
  for (const Point& p : points) {
    // Typical points fit in 127 bytes; histograms with bounds need two.
    const ProtoWriter::Mark mark =
        w.BeginMessage(data::kDataPoints, std::is_same_v<Point, NumberDataPoint> ? 1 : 2);
    WritePoint(w, p);
    w.EndMessage(mark);
  }
}

void WriteTemporality(ProtoWriter& w, AggregationTemporality t) {
  if (t != AggregationTemporality::kUnspecified) {
    w.Int32Field(data::kAggregationTemporality, static_cast<int32_t>(t));
  }
}

void WriteMetric(ProtoWriter& w, const MetricData& m, size_t approx_size) {
  WriteString(w, metric::kName, m.name);
  WriteString(w, metric::kDescription, m.description);
  WriteString(w, metric::kUnit, m.unit);
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        uint32_t field;
        if constexpr (std::is_same_v<T, GaugeData>) {
          field = metric::kGauge;
        } else if constexpr (std::is_same_v<T, SumData>) {
          field = metric::kSum;
        } else if constexpr (std::is_same_v<T, HistogramData>) {
          field = metric::kHistogram;
        } else {
          field = metric::kExponentialHistogram;
        }
        // The oneof member is written even with no points: it carries the kind.
        const ProtoWriter::Mark mark = w.BeginMessage(field, LengthBytesFor(approx_size));
        WriteDataPoints(w, d.points);
        if constexpr (!std::is_same_v<T, GaugeData>) WriteTemporality(w, d.temporality);
        if constexpr (std::is_same_v<T, SumData>) {
          if (d.is_monotonic) w.BoolField(data::kIsMonotonic, true);
        }
        w.EndMessage(mark);
      },
      m.data);
}

void WriteScopeMetrics(ProtoWriter& w, const ScopeMetrics& sm) {
  {
    const ProtoWriter::Mark mark = w.BeginMessage(scope_metrics::kScope);
    WriteString(w, scope::kName, sm.scope.name);
    WriteString(w, scope::kVersion, sm.scope.version);
    WriteAttributes(w, scope::kAttributes, sm.scope.attributes);
    w.EndMessage(mark);
  }
  for (const MetricData& m : sm.metrics) {
    const size_t approx = ApproxMetricSize(m);
    const ProtoWriter::Mark mark = w.BeginMessage(scope_metrics::kMetrics, LengthBytesFor(approx));
    WriteMetric(w, m, approx);
    w.EndMessage(mark);
  }
  WriteString(w, scope_metrics::kSchemaUrl, sm.scope.schema_url);
}

size_t ApproxScopeSize(const ScopeMetrics& sm) {
  size_t size = 64;
  for (const MetricData& m : sm.metrics) size += ApproxMetricSize(m);
  return size;
}

}  // namespace

void AppendOtlpProto(const ResourceMetrics& data, std::string* out) {
  size_t approx = 128;
  for (const ScopeMetrics& sm : data.scope_metrics) approx += ApproxScopeSize(sm);
  ProtoWriter w(out);
  w.Reserve(approx + approx / 8);
  const ProtoWriter::Mark rm = w.BeginMessage(request::kResourceMetrics, LengthBytesFor(approx));
  {
    const ProtoWriter::Mark res = w.BeginMessage(resource_metrics::kResource, 2);
    WriteAttributes(w, resource::kAttributes, data.resource.attributes());
    w.EndMessage(res);
  }
  for (const ScopeMetrics& sm : data.scope_metrics) {
    const ProtoWriter::Mark mark =
        w.BeginMessage(resource_metrics::kScopeMetrics, LengthBytesFor(ApproxScopeSize(sm)));
    WriteScopeMetrics(w, sm);
    w.EndMessage(mark);
  }
  WriteString(w, resource_metrics::kSchemaUrl, data.resource.schema_url());
  w.EndMessage(rm);
  w.Finish();
}

std::string EncodeOtlpProto(const ResourceMetrics& data) {
  std::string out;
  AppendOtlpProto(data, &out);
  return out;
}

uint64_t CountDataPoints(const ResourceMetrics& data) {
  uint64_t n = 0;
  for (const ScopeMetrics& sm : data.scope_metrics) {
    for (const MetricData& m : sm.metrics) {
      n += std::visit([](const auto& d) -> uint64_t { return d.points.size(); }, m.data);
    }
  }
  return n;
}

}  // namespace cryptolake::metrics
