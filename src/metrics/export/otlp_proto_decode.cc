// OTLP protobuf decoder (see otlp_proto.h; field numbers in
// otlp_proto_fields.h).
//
// It accepts any valid encoding of the messages, not only the canonical one
// our encoder writes: fields in any order, unknown fields skipped, packed and
// unpacked repeated scalars, repeated singular messages merged.
#include <algorithm>
#include <bit>
#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "cryptolake/metrics/export/otlp_proto.h"
#include "otlp_proto_fields.h"
#include "proto_wire.h"
#include "utf8.h"

namespace cryptolake::metrics {
namespace {

using proto::ProtoField;
using proto::ProtoReader;
using proto::WireType;
using namespace otlp_field;  // NOLINT(google-build-using-namespace): field numbers

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

namespace {

// Parses `bytes` as one message, calling on_field(const ProtoField&) for each
// field; false when malformed or when on_field returns false.
template <typename OnField>
bool ForEachField(std::string_view bytes, OnField&& on_field) {
  ProtoReader r(bytes);
  while (!r.AtEnd()) {
    ProtoField f;
    if (!r.Next(&f).ok() || !on_field(f)) return false;
  }
  return true;
}

// google.protobuf.Duration {int64 seconds = 1; int32 nanos = 2;} in ms, clamped
// to [0, 1 day]. Fields of another number or wire type are skipped.
std::optional<std::chrono::milliseconds> DecodeDurationMillis(std::string_view bytes) {
  int64_t seconds = 0;
  int64_t nanos = 0;
  const bool ok = ForEachField(bytes, [&](const ProtoField& f) {
    if ((f.number == 1 || f.number == 2) && f.type == WireType::kVarint) {
      (f.number == 1 ? seconds : nanos) = static_cast<int64_t>(f.value);
    }
    return true;
  });
  if (!ok) return std::nullopt;
  if (seconds < 0 || nanos < 0) return std::chrono::milliseconds(0);
  seconds = std::min<int64_t>(seconds, 86400);
  return std::chrono::milliseconds(seconds * 1000 + nanos / 1000000);
}

}  // namespace

std::optional<std::chrono::milliseconds> RetryDelayFromStatusDetails(std::string_view details) {
  // google.rpc.Status {int32 code = 1; string message = 2; repeated Any details = 3;}
  // google.protobuf.Any {string type_url = 1; bytes value = 2;}
  // google.rpc.RetryInfo {Duration retry_delay = 1;}
  // Fields of another number or wire type are skipped; the first RetryInfo
  // decides and nothing after it is read. Malformed bytes before it (the
  // traversal stops without `found`) mean no delay.
  std::optional<std::chrono::milliseconds> found;
  (void)ForEachField(details, [&](const ProtoField& detail) {
    if (detail.number != 3 || detail.type != WireType::kLen) return true;
    std::string_view type_url;
    std::string_view value;
    if (!ForEachField(detail.bytes, [&](const ProtoField& f) {
          if ((f.number == 1 || f.number == 2) && f.type == WireType::kLen) {
            (f.number == 1 ? type_url : value) = f.bytes;
          }
          return true;
        })) {
      return false;
    }
    // type_url is "<host>/google.rpc.RetryInfo": compare what follows the last '/'.
    const size_t slash = type_url.rfind('/');
    if (type_url.substr(slash == std::string_view::npos ? 0 : slash + 1) !=
        "google.rpc.RetryInfo") {
      return true;
    }
    // A RetryInfo without a delay still says "retry": at once.
    std::optional<std::chrono::milliseconds> delay = std::chrono::milliseconds(0);
    if (!ForEachField(value, [&](const ProtoField& f) {
          if (f.number == 1 && f.type == WireType::kLen) delay = DecodeDurationMillis(f.bytes);
          return delay.has_value();
        })) {
      return false;
    }
    found = delay;
    return false;  // Decided: stop reading.
  });
  return found;
}

}  // namespace cryptolake::metrics
