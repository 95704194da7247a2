// OTLP/JSON writer. Field names and numbering follow opentelemetry-proto's
// metrics/v1/metrics.proto, common/v1/common.proto and
// resource/v1/resource.proto; the JSON form follows the proto3 JSON mapping
// with OTLP's two exceptions (enums as integers; trace/span ids as hex, which
// metrics without exemplars never carry).
//
// The writer appends directly to one std::string instead of building a DOM:
// export of 10k series should not allocate per field.
#include "cryptolake/metrics/export/otlp_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "utf8.h"

namespace cryptolake::metrics {
namespace {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void Raw(std::string_view s) { out_->append(s); }
  void Raw(char c) { out_->push_back(c); }

  // Writes `"key":` preceded by a comma unless it is the first member.
  void Key(std::string_view key, bool* first) {
    if (!*first) Raw(',');
    *first = false;
    Raw('"');
    Raw(key);
    Raw("\":");
  }

  void String(std::string_view s);

  void Uint64AsString(uint64_t v) {
    Raw('"');
    Integer(v);
    Raw('"');
  }
  void Int64AsString(int64_t v) {
    Raw('"');
    Integer(v);
    Raw('"');
  }
  template <typename T>
  void Integer(T v) {
    char buf[24];
    const auto result = std::to_chars(buf, buf + sizeof buf, v);
    out_->append(buf, result.ptr);
  }

  void Double(double v) {
    if (std::isnan(v)) {
      Raw("\"NaN\"");
    } else if (std::isinf(v)) {
      Raw(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else if (v == 0 && std::signbit(v)) {
      Raw("-0.0");  // "-0" would read back as integer 0 in some parsers.
    } else {
      char buf[32];
      const auto result = std::to_chars(buf, buf + sizeof buf, v);
      out_->append(buf, result.ptr);
    }
  }

  void Bool(bool v) { Raw(v ? "true" : "false"); }

 private:
  std::string* out_;
};

void JsonWriter::String(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  Raw('"');
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        Raw(kUtf8Replacement);  // Replaces each byte that starts no valid sequence.
        ++i;
      } else {
        out_->append(s.data() + i, len);
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        Raw("\\\"");
        break;
      case '\\':
        Raw("\\\\");
        break;
      case '\b':
        Raw("\\b");
        break;
      case '\f':
        Raw("\\f");
        break;
      case '\n':
        Raw("\\n");
        break;
      case '\r':
        Raw("\\r");
        break;
      case '\t':
        Raw("\\t");
        break;
      default:
        if (c < 0x20) {
          Raw("\\u00");
          Raw(kHex[c >> 4]);
          Raw(kHex[c & 0xF]);
        } else {
          Raw(static_cast<char>(c));
        }
    }
    ++i;
  }
  Raw('"');
}

// common.proto AnyValue.
void WriteAnyValue(JsonWriter& w, const AttributeValue& value) {
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          w.Raw("{\"boolValue\":");
          w.Bool(v);
          w.Raw('}');
        } else if constexpr (std::is_same_v<T, int64_t>) {
          w.Raw("{\"intValue\":");
          w.Int64AsString(v);
          w.Raw('}');
        } else if constexpr (std::is_same_v<T, double>) {
          w.Raw("{\"doubleValue\":");
          w.Double(v);
          w.Raw('}');
        } else if constexpr (std::is_same_v<T, std::string>) {
          w.Raw("{\"stringValue\":");
          w.String(v);
          w.Raw('}');
        } else {
          w.Raw("{\"arrayValue\":{\"values\":[");
          bool first = true;
          for (const auto& element : v) {
            if (!first) w.Raw(',');
            first = false;
            using E = std::decay_t<decltype(element)>;
            if constexpr (std::is_same_v<E, std::string>) {
              w.Raw("{\"stringValue\":");
              w.String(element);
            } else if constexpr (std::is_same_v<E, double>) {
              w.Raw("{\"doubleValue\":");
              w.Double(element);
            } else if constexpr (std::is_same_v<E, int64_t>) {
              w.Raw("{\"intValue\":");
              w.Int64AsString(element);
            } else {  // vector<bool>'s proxy reference.
              w.Raw("{\"boolValue\":");
              w.Bool(static_cast<bool>(element));
            }
            w.Raw('}');
          }
          w.Raw("]}}");
        }
      },
      value);
}

// Writes `"attributes":[KeyValue...]` when the set is not empty.
void WriteAttributes(JsonWriter& w, const AttributeSet& attributes, bool* first) {
  if (attributes.empty()) return;
  w.Key("attributes", first);
  w.Raw('[');
  bool first_kv = true;
  for (const KeyValue& kv : attributes.entries()) {
    if (!first_kv) w.Raw(',');
    first_kv = false;
    w.Raw("{\"key\":");
    w.String(kv.key);
    w.Raw(",\"value\":");
    WriteAnyValue(w, kv.value);
    w.Raw('}');
  }
  w.Raw(']');
}

void WriteStringField(JsonWriter& w, std::string_view key, std::string_view value, bool* first) {
  if (value.empty()) return;
  w.Key(key, first);
  w.String(value);
}

void WriteTimes(JsonWriter& w, uint64_t start, uint64_t time, bool* first) {
  if (start != 0) {
    w.Key("startTimeUnixNano", first);
    w.Uint64AsString(start);
  }
  w.Key("timeUnixNano", first);
  w.Uint64AsString(time);
}

void WriteOptionalDouble(JsonWriter& w, std::string_view key, const std::optional<double>& v,
                         bool* first) {
  if (!v.has_value()) return;
  w.Key(key, first);
  w.Double(*v);
}

void WriteUint64Array(JsonWriter& w, const std::vector<uint64_t>& values) {
  w.Raw('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i != 0) w.Raw(',');
    w.Uint64AsString(values[i]);
  }
  w.Raw(']');
}

void WritePoint(JsonWriter& w, const NumberDataPoint& p) {
  bool first = true;
  w.Raw('{');
  WriteAttributes(w, p.attributes, &first);
  WriteTimes(w, p.start_time_unix_nano, p.time_unix_nano, &first);
  if (const int64_t* i = std::get_if<int64_t>(&p.value)) {
    w.Key("asInt", &first);
    w.Int64AsString(*i);
  } else {
    w.Key("asDouble", &first);
    w.Double(std::get<double>(p.value));
  }
  w.Raw('}');
}

// The fields both histogram point kinds start with, in their OTLP order.
template <typename HistogramPoint>
void WriteHistogramHead(JsonWriter& w, const HistogramPoint& p, bool* first) {
  WriteAttributes(w, p.attributes, first);
  WriteTimes(w, p.start_time_unix_nano, p.time_unix_nano, first);
  w.Key("count", first);
  w.Uint64AsString(p.count);
  WriteOptionalDouble(w, "sum", p.sum, first);
}

void WritePoint(JsonWriter& w, const HistogramDataPoint& p) {
  bool first = true;
  w.Raw('{');
  WriteHistogramHead(w, p, &first);
  w.Key("bucketCounts", &first);
  WriteUint64Array(w, p.bucket_counts);
  w.Key("explicitBounds", &first);
  w.Raw('[');
  for (size_t i = 0; i < p.explicit_bounds.size(); ++i) {
    if (i != 0) w.Raw(',');
    w.Double(p.explicit_bounds[i]);
  }
  w.Raw(']');
  WriteOptionalDouble(w, "min", p.min, &first);
  WriteOptionalDouble(w, "max", p.max, &first);
  w.Raw('}');
}

void WriteBuckets(JsonWriter& w, std::string_view key, const ExponentialHistogramBuckets& b,
                  bool* first) {
  w.Key(key, first);
  w.Raw("{\"offset\":");
  w.Integer(b.offset);
  w.Raw(",\"bucketCounts\":");
  WriteUint64Array(w, b.bucket_counts);
  w.Raw('}');
}

void WritePoint(JsonWriter& w, const ExponentialHistogramDataPoint& p) {
  bool first = true;
  w.Raw('{');
  WriteHistogramHead(w, p, &first);
  w.Key("scale", &first);
  w.Integer(p.scale);
  w.Key("zeroCount", &first);
  w.Uint64AsString(p.zero_count);
  WriteBuckets(w, "positive", p.positive, &first);
  WriteBuckets(w, "negative", p.negative, &first);
  WriteOptionalDouble(w, "min", p.min, &first);
  WriteOptionalDouble(w, "max", p.max, &first);
  w.Key("zeroThreshold", &first);
  w.Double(p.zero_threshold);
  w.Raw('}');
}

template <typename Point>
void WriteDataPoints(JsonWriter& w, const std::vector<Point>& points, bool* first) {
  w.Key("dataPoints", first);
  w.Raw('[');
  for (size_t i = 0; i < points.size(); ++i) {
    if (i != 0) w.Raw(',');
    WritePoint(w, points[i]);
  }
  w.Raw(']');
}

void WriteTemporality(JsonWriter& w, AggregationTemporality t, bool* first) {
  w.Key("aggregationTemporality", first);
  w.Integer(static_cast<int>(t));
}

void WriteMetric(JsonWriter& w, const MetricData& m) {
  bool first = true;
  w.Raw('{');
  w.Key("name", &first);
  w.String(m.name);
  WriteStringField(w, "description", m.description, &first);
  WriteStringField(w, "unit", m.unit, &first);
  std::visit(
      [&](const auto& data) {
        using T = std::decay_t<decltype(data)>;
        bool inner = true;
        if constexpr (std::is_same_v<T, GaugeData>) {
          w.Key("gauge", &first);
          w.Raw('{');
          WriteDataPoints(w, data.points, &inner);
        } else if constexpr (std::is_same_v<T, SumData>) {
          w.Key("sum", &first);
          w.Raw('{');
          WriteDataPoints(w, data.points, &inner);
          WriteTemporality(w, data.temporality, &inner);
          w.Key("isMonotonic", &inner);
          w.Bool(data.is_monotonic);
        } else if constexpr (std::is_same_v<T, HistogramData>) {
          w.Key("histogram", &first);
          w.Raw('{');
          WriteDataPoints(w, data.points, &inner);
          WriteTemporality(w, data.temporality, &inner);
        } else {
          w.Key("exponentialHistogram", &first);
          w.Raw('{');
          WriteDataPoints(w, data.points, &inner);
          WriteTemporality(w, data.temporality, &inner);
        }
        w.Raw('}');
      },
      m.data);
  w.Raw('}');
}

void WriteScopeMetrics(JsonWriter& w, const ScopeMetrics& sm) {
  bool first = true;
  w.Raw('{');
  w.Key("scope", &first);
  {
    bool scope_first = true;
    w.Raw('{');
    w.Key("name", &scope_first);
    w.String(sm.scope.name);
    WriteStringField(w, "version", sm.scope.version, &scope_first);
    WriteAttributes(w, sm.scope.attributes, &scope_first);
    w.Raw('}');
  }
  w.Key("metrics", &first);
  w.Raw('[');
  for (size_t i = 0; i < sm.metrics.size(); ++i) {
    if (i != 0) w.Raw(',');
    WriteMetric(w, sm.metrics[i]);
  }
  w.Raw(']');
  WriteStringField(w, "schemaUrl", sm.scope.schema_url, &first);
  w.Raw('}');
}

}  // namespace

void AppendOtlpJson(const ResourceMetrics& data, std::string* out) {
  JsonWriter w(out);
  w.Raw("{\"resourceMetrics\":[{");
  bool first = true;
  w.Key("resource", &first);
  {
    bool resource_first = true;
    w.Raw('{');
    WriteAttributes(w, data.resource.attributes(), &resource_first);
    w.Raw('}');
  }
  w.Key("scopeMetrics", &first);
  w.Raw('[');
  for (size_t i = 0; i < data.scope_metrics.size(); ++i) {
    if (i != 0) w.Raw(',');
    WriteScopeMetrics(w, data.scope_metrics[i]);
  }
  w.Raw(']');
  WriteStringField(w, "schemaUrl", data.resource.schema_url(), &first);
  w.Raw("}]}");
}

std::string EncodeOtlpJson(const ResourceMetrics& data) {
  std::string out;
  out.reserve(1024);
  AppendOtlpJson(data, &out);
  return out;
}

}  // namespace cryptolake::metrics
