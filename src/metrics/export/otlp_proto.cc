// OTLP protobuf codec. Field numbers and types are those of opentelemetry-proto
// (common/v1/common.proto, resource/v1/resource.proto, metrics/v1/metrics.proto,
// collector/metrics/v1/metrics_service.proto).
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
#include <utility>
#include <variant>
#include <vector>

#include "proto_wire.h"
#include "utf8.h"

namespace cryptolake::metrics {
namespace {

using proto::ProtoField;
using proto::ProtoReader;
using proto::ProtoWriter;
using proto::WireType;

// Field numbers, one namespace per message.
namespace request {  // collector.metrics.v1.ExportMetricsServiceRequest
constexpr uint32_t kResourceMetrics = 1;
}
namespace response {  // collector.metrics.v1.ExportMetricsServiceResponse
constexpr uint32_t kPartialSuccess = 1;
}
namespace partial_success {  // collector.metrics.v1.ExportMetricsPartialSuccess
constexpr uint32_t kRejectedDataPoints = 1;
constexpr uint32_t kErrorMessage = 2;
}  // namespace partial_success
namespace any_value {  // common.v1.AnyValue
constexpr uint32_t kStringValue = 1;
constexpr uint32_t kBoolValue = 2;
constexpr uint32_t kIntValue = 3;
constexpr uint32_t kDoubleValue = 4;
constexpr uint32_t kArrayValue = 5;
constexpr uint32_t kKvlistValue = 6;
constexpr uint32_t kBytesValue = 7;
}  // namespace any_value
namespace array_value {  // common.v1.ArrayValue
constexpr uint32_t kValues = 1;
}
namespace key_value {  // common.v1.KeyValue
constexpr uint32_t kKey = 1;
constexpr uint32_t kValue = 2;
}  // namespace key_value
namespace scope {  // common.v1.InstrumentationScope
constexpr uint32_t kName = 1;
constexpr uint32_t kVersion = 2;
constexpr uint32_t kAttributes = 3;
}  // namespace scope
namespace resource {  // resource.v1.Resource
constexpr uint32_t kAttributes = 1;
}
namespace resource_metrics {  // metrics.v1.ResourceMetrics
constexpr uint32_t kResource = 1;
constexpr uint32_t kScopeMetrics = 2;
constexpr uint32_t kSchemaUrl = 3;
}  // namespace resource_metrics
namespace scope_metrics {  // metrics.v1.ScopeMetrics
constexpr uint32_t kScope = 1;
constexpr uint32_t kMetrics = 2;
constexpr uint32_t kSchemaUrl = 3;
}  // namespace scope_metrics
namespace metric {  // metrics.v1.Metric
constexpr uint32_t kName = 1;
constexpr uint32_t kDescription = 2;
constexpr uint32_t kUnit = 3;
constexpr uint32_t kGauge = 5;
constexpr uint32_t kSum = 7;
constexpr uint32_t kHistogram = 9;
constexpr uint32_t kExponentialHistogram = 10;
constexpr uint32_t kSummary = 11;
}  // namespace metric
namespace data {  // metrics.v1.Gauge, Sum, Histogram, ExponentialHistogram
constexpr uint32_t kDataPoints = 1;
constexpr uint32_t kAggregationTemporality = 2;  // Not in Gauge.
constexpr uint32_t kIsMonotonic = 3;             // Sum only.
}  // namespace data
namespace number_point {  // metrics.v1.NumberDataPoint
constexpr uint32_t kStartTimeUnixNano = 2;
constexpr uint32_t kTimeUnixNano = 3;
constexpr uint32_t kAsDouble = 4;
constexpr uint32_t kAsInt = 6;
constexpr uint32_t kAttributes = 7;
}  // namespace number_point
namespace histogram_point {  // metrics.v1.HistogramDataPoint
constexpr uint32_t kStartTimeUnixNano = 2;
constexpr uint32_t kTimeUnixNano = 3;
constexpr uint32_t kCount = 4;
constexpr uint32_t kSum = 5;
constexpr uint32_t kBucketCounts = 6;
constexpr uint32_t kExplicitBounds = 7;
constexpr uint32_t kAttributes = 9;
constexpr uint32_t kMin = 11;
constexpr uint32_t kMax = 12;
}  // namespace histogram_point
namespace exp_point {  // metrics.v1.ExponentialHistogramDataPoint
constexpr uint32_t kAttributes = 1;
constexpr uint32_t kStartTimeUnixNano = 2;
constexpr uint32_t kTimeUnixNano = 3;
constexpr uint32_t kCount = 4;
constexpr uint32_t kSum = 5;
constexpr uint32_t kScale = 6;
constexpr uint32_t kZeroCount = 7;
constexpr uint32_t kPositive = 8;
constexpr uint32_t kNegative = 9;
constexpr uint32_t kMin = 12;
constexpr uint32_t kMax = 13;
constexpr uint32_t kZeroThreshold = 14;
}  // namespace exp_point
namespace buckets {  // metrics.v1.ExponentialHistogramDataPoint.Buckets
constexpr uint32_t kOffset = 1;
constexpr uint32_t kBucketCounts = 2;
}  // namespace buckets

// ---------------------------------------------------------------- encoding

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

// Rough encoded size of a metric's points, for the length guess.
template <typename Point>
size_t ApproxPointsSize(const std::vector<Point>& points) {
  if constexpr (std::is_same_v<Point, NumberDataPoint>) {
    return points.size() * 100;
  } else {
    return points.size() * 250;
  }
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

// ---------------------------------------------------------------- decoding

// Prefixes a failure with where it happened: "<name>[<index>]: ...".
Status Within(Status s, std::string_view name, size_t index) {
  if (s.ok()) return s;
  std::string context(name);
  context += '[';
  context += std::to_string(index);
  context += ']';
  return s.WithContext(context);
}

Status Within(Status s, std::string_view name) {
  if (s.ok()) return s;
  return s.WithContext(name);
}

Status Expect(const ProtoField& f, WireType type, std::string_view name) {
  return f.type == type ? Status::OK() : proto::WrongWireType(f, name);
}

Status ReadString(const ProtoField& f, std::string_view name, std::string* out) {
  CL_RETURN_IF_ERROR(Expect(f, WireType::kLen, name));
  if (!IsValidUtf8(f.bytes)) {
    return Status::Corruption("at byte " + std::to_string(f.payload_offset) + ": " +
                              std::string(name) + " is not valid UTF-8");
  }
  out->assign(f.bytes);
  return Status::OK();
}

Status ReadFixed64(const ProtoField& f, std::string_view name, uint64_t* out) {
  CL_RETURN_IF_ERROR(Expect(f, WireType::kI64, name));
  *out = f.value;
  return Status::OK();
}

Status ReadDouble(const ProtoField& f, std::string_view name, double* out) {
  CL_RETURN_IF_ERROR(Expect(f, WireType::kI64, name));
  *out = f.as_double();
  return Status::OK();
}

Status ReadOptionalDouble(const ProtoField& f, std::string_view name, std::optional<double>* out) {
  double v;
  CL_RETURN_IF_ERROR(ReadDouble(f, name, &v));
  *out = v;
  return Status::OK();
}

Status ReadVarint(const ProtoField& f, std::string_view name, uint64_t* out) {
  CL_RETURN_IF_ERROR(Expect(f, WireType::kVarint, name));
  *out = f.value;
  return Status::OK();
}

// sint32: the low 32 bits of the varint, zigzag-decoded.
Status ReadSInt32(const ProtoField& f, std::string_view name, int32_t* out) {
  uint64_t v;
  CL_RETURN_IF_ERROR(ReadVarint(f, name, &v));
  *out = proto::UnZigZag32(static_cast<uint32_t>(v));
  return Status::OK();
}

// Repeated fixed64 or double, packed (one kLen field) or not (one kI64 field
// per element); parsers must accept both.
template <typename T>
Status AppendFixed64s(const ProtoField& f, std::string_view name, std::vector<T>* out) {
  if (f.type == WireType::kI64) {
    out->push_back(std::bit_cast<T>(f.value));
    return Status::OK();
  }
  CL_RETURN_IF_ERROR(Expect(f, WireType::kLen, name));
  if (f.bytes.size() % 8 != 0) {
    return Status::Corruption("at byte " + std::to_string(f.payload_offset) + ": packed " +
                              std::string(name) + " is " + std::to_string(f.bytes.size()) +
                              " bytes, not a multiple of 8");
  }
  out->reserve(out->size() + f.bytes.size() / 8);
  for (size_t i = 0; i < f.bytes.size(); i += 8) {
    out->push_back(std::bit_cast<T>(proto::LoadLittleEndian64(f.bytes.data() + i)));
  }
  return Status::OK();
}

// Repeated uint64 varints, packed or not.
Status AppendVarints(const ProtoField& f, std::string_view name, std::vector<uint64_t>* out) {
  if (f.type == WireType::kVarint) {
    out->push_back(f.value);
    return Status::OK();
  }
  CL_RETURN_IF_ERROR(Expect(f, WireType::kLen, name));
  return Within(ProtoReader::ForEachPackedVarint(f, [out](uint64_t v) { out->push_back(v); }),
                name);
}

// Turns the elements of an ArrayValue into the matching homogeneous vector.
template <typename T>
AttributeValue CollectArray(std::vector<AttributeValue>& elements) {
  std::vector<T> values;
  values.reserve(elements.size());
  for (AttributeValue& e : elements) values.push_back(std::move(std::get<T>(e)));
  return values;
}

Status MakeArray(std::vector<AttributeValue> elements, AttributeValue* out) {
  if (elements.empty()) {
    // The element type of an empty array is not on the wire; see the header.
    *out = std::vector<std::string>{};
    return Status::OK();
  }
  const size_t type = elements[0].index();
  for (size_t i = 1; i < elements.size(); ++i) {
    if (elements[i].index() != type) {
      return Status::InvalidArgument(
          "array_value mixes element types (attribute arrays must be homogeneous)");
    }
  }
  switch (type) {
    case 0:
      *out = CollectArray<bool>(elements);
      break;
    case 1:
      *out = CollectArray<int64_t>(elements);
      break;
    case 2:
      *out = CollectArray<double>(elements);
      break;
    default:
      *out = CollectArray<std::string>(elements);
      break;
  }
  return Status::OK();
}

// AnyValue. Inside an ArrayValue (`in_array`) only scalars are representable.
Status DecodeAnyValue(const ProtoField& f, bool in_array, AttributeValue* out);

Status DecodeArrayValue(const ProtoField& f, std::vector<AttributeValue>* elements) {
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    if (g.number != array_value::kValues) continue;
    CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "ArrayValue.values"));
    AttributeValue element;
    CL_RETURN_IF_ERROR(
        Within(DecodeAnyValue(g, /*in_array=*/true, &element), "values", elements->size()));
    elements->push_back(std::move(element));
  }
  return Status::OK();
}

Status DecodeAnyValue(const ProtoField& f, bool in_array, AttributeValue* out) {
  enum class Held { kNothing, kScalar, kArray } held = Held::kNothing;
  std::vector<AttributeValue> elements;
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    // A oneof: the last member on the wire wins.
    switch (g.number) {
      case any_value::kStringValue: {
        std::string s;
        CL_RETURN_IF_ERROR(ReadString(g, "AnyValue.string_value", &s));
        *out = std::move(s);
        held = Held::kScalar;
        break;
      }
      case any_value::kBoolValue: {
        uint64_t v;
        CL_RETURN_IF_ERROR(ReadVarint(g, "AnyValue.bool_value", &v));
        *out = v != 0;
        held = Held::kScalar;
        break;
      }
      case any_value::kIntValue: {
        uint64_t v;
        CL_RETURN_IF_ERROR(ReadVarint(g, "AnyValue.int_value", &v));
        *out = static_cast<int64_t>(v);
        held = Held::kScalar;
        break;
      }
      case any_value::kDoubleValue: {
        double v;
        CL_RETURN_IF_ERROR(ReadDouble(g, "AnyValue.double_value", &v));
        *out = v;
        held = Held::kScalar;
        break;
      }
      case any_value::kArrayValue:
        if (in_array) {
          return Status::InvalidArgument("nested array_value (attribute arrays hold scalars)");
        }
        CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "AnyValue.array_value"));
        // A repeated occurrence of the same member merges (appends values).
        if (held != Held::kArray) elements.clear();
        held = Held::kArray;
        CL_RETURN_IF_ERROR(Within(DecodeArrayValue(g, &elements), "array_value"));
        break;
      case any_value::kKvlistValue:
        return Status::InvalidArgument("kvlist_value is not an attribute value type");
      case any_value::kBytesValue:
        return Status::InvalidArgument("bytes_value is not an attribute value type");
      default:
        break;  // Unknown field.
    }
  }
  if (held == Held::kNothing) return Status::InvalidArgument("AnyValue holds no value");
  if (held == Held::kArray) return MakeArray(std::move(elements), out);
  return Status::OK();
}

Status DecodeKeyValue(const ProtoField& f, std::vector<KeyValue>* out) {
  KeyValue kv;
  bool has_value = false;
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    if (g.number == key_value::kKey) {
      CL_RETURN_IF_ERROR(ReadString(g, "KeyValue.key", &kv.key));
    } else if (g.number == key_value::kValue) {
      CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "KeyValue.value"));
      CL_RETURN_IF_ERROR(DecodeAnyValue(g, /*in_array=*/false, &kv.value));
      has_value = true;
    }
  }
  if (!has_value) return Status::InvalidArgument("attribute '" + kv.key + "' has no value");
  out->push_back(std::move(kv));
  return Status::OK();
}

// One `attributes` field: appends to `*out` (AttributeSet's constructor later
// sorts and lets the last of duplicate keys win, as the attribute spec asks).
Status DecodeAttribute(const ProtoField& f, std::string_view owner, std::vector<KeyValue>* out) {
  CL_RETURN_IF_ERROR(Expect(f, WireType::kLen, owner));
  return Within(DecodeKeyValue(f, out), "attributes", out->size());
}

// Attributes already held by a set, for a repeated occurrence of the
// message holding them (protobuf merges those).
std::vector<KeyValue> EntriesOf(const AttributeSet& set) { return set.entries(); }

Status DecodePoint(const ProtoField& f, NumberDataPoint* p) {
  std::vector<KeyValue> attributes = EntriesOf(p->attributes);
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    switch (g.number) {
      case number_point::kStartTimeUnixNano:
        CL_RETURN_IF_ERROR(ReadFixed64(g, "start_time_unix_nano", &p->start_time_unix_nano));
        break;
      case number_point::kTimeUnixNano:
        CL_RETURN_IF_ERROR(ReadFixed64(g, "time_unix_nano", &p->time_unix_nano));
        break;
      case number_point::kAsDouble: {
        double v;
        CL_RETURN_IF_ERROR(ReadDouble(g, "as_double", &v));
        p->value = v;
        break;
      }
      case number_point::kAsInt: {
        uint64_t v;
        CL_RETURN_IF_ERROR(ReadFixed64(g, "as_int", &v));
        p->value = static_cast<int64_t>(v);
        break;
      }
      case number_point::kAttributes:
        CL_RETURN_IF_ERROR(DecodeAttribute(g, "NumberDataPoint.attributes", &attributes));
        break;
      default:
        break;  // exemplars, flags, unknown fields.
    }
  }
  p->attributes = AttributeSet(std::move(attributes));
  return Status::OK();
}

Status DecodePoint(const ProtoField& f, HistogramDataPoint* p) {
  std::vector<KeyValue> attributes = EntriesOf(p->attributes);
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    switch (g.number) {
      case histogram_point::kStartTimeUnixNano:
        CL_RETURN_IF_ERROR(ReadFixed64(g, "start_time_unix_nano", &p->start_time_unix_nano));
        break;
      case histogram_point::kTimeUnixNano:
        CL_RETURN_IF_ERROR(ReadFixed64(g, "time_unix_nano", &p->time_unix_nano));
        break;
      case histogram_point::kCount:
        CL_RETURN_IF_ERROR(ReadFixed64(g, "count", &p->count));
        break;
      case histogram_point::kSum:
        CL_RETURN_IF_ERROR(ReadOptionalDouble(g, "sum", &p->sum));
        break;
      case histogram_point::kBucketCounts:
        CL_RETURN_IF_ERROR(AppendFixed64s(g, "bucket_counts", &p->bucket_counts));
        break;
      case histogram_point::kExplicitBounds:
        CL_RETURN_IF_ERROR(AppendFixed64s(g, "explicit_bounds", &p->explicit_bounds));
        break;
      case histogram_point::kAttributes:
        CL_RETURN_IF_ERROR(DecodeAttribute(g, "HistogramDataPoint.attributes", &attributes));
        break;
      case histogram_point::kMin:
        CL_RETURN_IF_ERROR(ReadOptionalDouble(g, "min", &p->min));
        break;
      case histogram_point::kMax:
        CL_RETURN_IF_ERROR(ReadOptionalDouble(g, "max", &p->max));
        break;
      default:
        break;  // exemplars, flags, unknown fields.
    }
  }
  p->attributes = AttributeSet(std::move(attributes));
  return Status::OK();
}

Status DecodeBuckets(const ProtoField& f, ExponentialHistogramBuckets* b) {
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    if (g.number == buckets::kOffset) {
      CL_RETURN_IF_ERROR(ReadSInt32(g, "offset", &b->offset));
    } else if (g.number == buckets::kBucketCounts) {
      CL_RETURN_IF_ERROR(AppendVarints(g, "bucket_counts", &b->bucket_counts));
    }
  }
  return Status::OK();
}

Status DecodePoint(const ProtoField& f, ExponentialHistogramDataPoint* p) {
  std::vector<KeyValue> attributes = EntriesOf(p->attributes);
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    switch (g.number) {
      case exp_point::kAttributes:
        CL_RETURN_IF_ERROR(
            DecodeAttribute(g, "ExponentialHistogramDataPoint.attributes", &attributes));
        break;
      case exp_point::kStartTimeUnixNano:
        CL_RETURN_IF_ERROR(ReadFixed64(g, "start_time_unix_nano", &p->start_time_unix_nano));
        break;
      case exp_point::kTimeUnixNano:
        CL_RETURN_IF_ERROR(ReadFixed64(g, "time_unix_nano", &p->time_unix_nano));
        break;
      case exp_point::kCount:
        CL_RETURN_IF_ERROR(ReadFixed64(g, "count", &p->count));
        break;
      case exp_point::kSum:
        CL_RETURN_IF_ERROR(ReadOptionalDouble(g, "sum", &p->sum));
        break;
      case exp_point::kScale:
        CL_RETURN_IF_ERROR(ReadSInt32(g, "scale", &p->scale));
        break;
      case exp_point::kZeroCount:
        CL_RETURN_IF_ERROR(ReadFixed64(g, "zero_count", &p->zero_count));
        break;
      case exp_point::kPositive:
        CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "positive"));
        CL_RETURN_IF_ERROR(Within(DecodeBuckets(g, &p->positive), "positive"));
        break;
      case exp_point::kNegative:
        CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "negative"));
        CL_RETURN_IF_ERROR(Within(DecodeBuckets(g, &p->negative), "negative"));
        break;
      case exp_point::kMin:
        CL_RETURN_IF_ERROR(ReadOptionalDouble(g, "min", &p->min));
        break;
      case exp_point::kMax:
        CL_RETURN_IF_ERROR(ReadOptionalDouble(g, "max", &p->max));
        break;
      case exp_point::kZeroThreshold:
        CL_RETURN_IF_ERROR(ReadDouble(g, "zero_threshold", &p->zero_threshold));
        break;
      default:
        break;  // exemplars, flags, unknown fields.
    }
  }
  p->attributes = AttributeSet(std::move(attributes));
  return Status::OK();
}

// Gauge, Sum, Histogram or ExponentialHistogram.
template <typename Data>
Status DecodeData(const ProtoField& f, Data* d) {
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    if (g.number == data::kDataPoints) {
      CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "data_points"));
      d->points.emplace_back();
      CL_RETURN_IF_ERROR(
          Within(DecodePoint(g, &d->points.back()), "data_points", d->points.size() - 1));
    } else if constexpr (!std::is_same_v<Data, GaugeData>) {
      if (g.number == data::kAggregationTemporality) {
        uint64_t v;
        CL_RETURN_IF_ERROR(ReadVarint(g, "aggregation_temporality", &v));
        // An open proto3 enum: unknown values are kept, as int32.
        d->temporality = static_cast<AggregationTemporality>(static_cast<int32_t>(v));
      } else if constexpr (std::is_same_v<Data, SumData>) {
        if (g.number == data::kIsMonotonic) {
          uint64_t v;
          CL_RETURN_IF_ERROR(ReadVarint(g, "is_monotonic", &v));
          d->is_monotonic = v != 0;
        }
      }
    }
  }
  return Status::OK();
}

// Decodes the data oneof member `g` into m->data: a repeated occurrence of
// the member already held merges into it, another member replaces it.
template <typename Data>
Status DecodeMetricData(const ProtoField& g, std::string_view name, bool same_member,
                        MetricData* m) {
  CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, name));
  if (!same_member) {
    Data& fresh = m->data.emplace<Data>();
    // The model defaults to cumulative; on the wire an absent temporality
    // is the proto3 default, UNSPECIFIED (and re-encodes as absent).
    if constexpr (!std::is_same_v<Data, GaugeData>) {
      fresh.temporality = AggregationTemporality::kUnspecified;
    }
  }
  return Within(DecodeData(g, &std::get<Data>(m->data)), name);
}

Status DecodeMetric(const ProtoField& f, MetricData* m) {
  uint32_t data_field = 0;  // The oneof member seen last.
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    const bool same = g.number == data_field;
    switch (g.number) {
      case metric::kName:
        CL_RETURN_IF_ERROR(ReadString(g, "Metric.name", &m->name));
        break;
      case metric::kDescription:
        CL_RETURN_IF_ERROR(ReadString(g, "Metric.description", &m->description));
        break;
      case metric::kUnit:
        CL_RETURN_IF_ERROR(ReadString(g, "Metric.unit", &m->unit));
        break;
      case metric::kGauge:
        CL_RETURN_IF_ERROR(DecodeMetricData<GaugeData>(g, "gauge", same, m));
        data_field = g.number;
        break;
      case metric::kSum:
        CL_RETURN_IF_ERROR(DecodeMetricData<SumData>(g, "sum", same, m));
        data_field = g.number;
        break;
      case metric::kHistogram:
        CL_RETURN_IF_ERROR(DecodeMetricData<HistogramData>(g, "histogram", same, m));
        data_field = g.number;
        break;
      case metric::kExponentialHistogram:
        CL_RETURN_IF_ERROR(
            DecodeMetricData<ExponentialHistogramData>(g, "exponential_histogram", same, m));
        data_field = g.number;
        break;
      case metric::kSummary:
        return Status::InvalidArgument("metric '" + m->name +
                                       "' is a summary, which the data model does not have");
      default:
        break;  // metadata, unknown fields.
    }
  }
  if (data_field == 0) {
    return Status::InvalidArgument("metric '" + m->name +
                                   "' has no gauge, sum, histogram or exponential_histogram");
  }
  return Status::OK();
}

Status DecodeScope(const ProtoField& f, InstrumentationScope* s) {
  std::vector<KeyValue> attributes = EntriesOf(s->attributes);
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    switch (g.number) {
      case scope::kName:
        CL_RETURN_IF_ERROR(ReadString(g, "InstrumentationScope.name", &s->name));
        break;
      case scope::kVersion:
        CL_RETURN_IF_ERROR(ReadString(g, "InstrumentationScope.version", &s->version));
        break;
      case scope::kAttributes:
        CL_RETURN_IF_ERROR(DecodeAttribute(g, "InstrumentationScope.attributes", &attributes));
        break;
      default:
        break;  // dropped_attributes_count, unknown fields.
    }
  }
  s->attributes = AttributeSet(std::move(attributes));
  return Status::OK();
}

Status DecodeScopeMetrics(const ProtoField& f, ScopeMetrics* sm) {
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    switch (g.number) {
      case scope_metrics::kScope:
        CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "ScopeMetrics.scope"));
        CL_RETURN_IF_ERROR(Within(DecodeScope(g, &sm->scope), "scope"));
        break;
      case scope_metrics::kMetrics: {
        CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "ScopeMetrics.metrics"));
        MetricData& m = sm->metrics.emplace_back();
        CL_RETURN_IF_ERROR(Within(DecodeMetric(g, &m), "metrics", sm->metrics.size() - 1));
        break;
      }
      case scope_metrics::kSchemaUrl:
        CL_RETURN_IF_ERROR(ReadString(g, "ScopeMetrics.schema_url", &sm->scope.schema_url));
        break;
      default:
        break;
    }
  }
  return Status::OK();
}

Status DecodeResource(const ProtoField& f, std::vector<KeyValue>* attributes) {
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    if (g.number == resource::kAttributes) {
      CL_RETURN_IF_ERROR(DecodeAttribute(g, "Resource.attributes", attributes));
    }  // Else dropped_attributes_count, entity_refs, unknown fields.
  }
  return Status::OK();
}

Status DecodeResourceMetrics(const ProtoField& f, ResourceMetrics* rm) {
  std::vector<KeyValue> attributes;
  std::string schema_url;
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    switch (g.number) {
      case resource_metrics::kResource:
        CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "ResourceMetrics.resource"));
        CL_RETURN_IF_ERROR(Within(DecodeResource(g, &attributes), "resource"));
        break;
      case resource_metrics::kScopeMetrics: {
        CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "ResourceMetrics.scope_metrics"));
        ScopeMetrics& sm = rm->scope_metrics.emplace_back();
        CL_RETURN_IF_ERROR(
            Within(DecodeScopeMetrics(g, &sm), "scope_metrics", rm->scope_metrics.size() - 1));
        break;
      }
      case resource_metrics::kSchemaUrl:
        CL_RETURN_IF_ERROR(ReadString(g, "ResourceMetrics.schema_url", &schema_url));
        break;
      default:
        break;
    }
  }
  rm->resource = Resource(AttributeSet(std::move(attributes)), std::move(schema_url));
  return Status::OK();
}

Status DecodeRequest(std::string_view bytes, ResourceMetrics* rm) {
  ProtoReader r(bytes);
  size_t seen = 0;
  while (!r.AtEnd()) {
    ProtoField f;
    CL_RETURN_IF_ERROR(r.Next(&f));
    if (f.number != request::kResourceMetrics) continue;
    CL_RETURN_IF_ERROR(Expect(f, WireType::kLen, "resource_metrics"));
    if (seen == 1) {
      return Status::InvalidArgument(
          "more than one resource_metrics (the data model holds one resource per request)");
    }
    CL_RETURN_IF_ERROR(Within(DecodeResourceMetrics(f, rm), "resource_metrics", seen));
    ++seen;
  }
  return Status::OK();
}

Status DecodePartialSuccess(const ProtoField& f, ExportPartialSuccess* out) {
  ProtoReader r = ProtoReader::Nested(f);
  while (!r.AtEnd()) {
    ProtoField g;
    CL_RETURN_IF_ERROR(r.Next(&g));
    if (g.number == partial_success::kRejectedDataPoints) {
      uint64_t v;
      CL_RETURN_IF_ERROR(ReadVarint(g, "rejected_data_points", &v));
      out->rejected_data_points = static_cast<int64_t>(v);
    } else if (g.number == partial_success::kErrorMessage) {
      CL_RETURN_IF_ERROR(Expect(g, WireType::kLen, "error_message"));
      // Only shown to people: a receiver's bad UTF-8 must not turn its
      // answer into a decoding failure, so it is repaired, not rejected.
      out->error_message.clear();
      AppendUtf8Sanitized(g.bytes, &out->error_message);
    }
  }
  return Status::OK();
}

}  // namespace

void AppendOtlpProto(const ResourceMetrics& data, std::string* out) {
  size_t approx = 128;
  for (const ScopeMetrics& sm : data.scope_metrics) approx += ApproxScopeSize(sm);
  ProtoWriter w(out);
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

Result<ResourceMetrics> DecodeOtlpProto(std::string_view bytes) {
  ResourceMetrics rm;
  Status s = DecodeRequest(bytes, &rm);
  if (!s.ok()) return s.WithContext("ExportMetricsServiceRequest");
  return rm;
}

Result<ExportPartialSuccess> DecodeExportMetricsServiceResponse(std::string_view bytes) {
  ExportPartialSuccess result;
  ProtoReader r(bytes);
  while (!r.AtEnd()) {
    ProtoField f;
    Status s = r.Next(&f);
    if (s.ok() && f.number == response::kPartialSuccess) {
      s = Expect(f, WireType::kLen, "partial_success");
      if (s.ok()) s = Within(DecodePartialSuccess(f, &result), "partial_success");
    }
    if (!s.ok()) return s.WithContext("ExportMetricsServiceResponse");
  }
  return result;
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
