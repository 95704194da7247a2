#include "cryptolake/metrics/export/otlp_proto.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "export_test_util.h"
#include "proto_wire.h"

namespace cryptolake::metrics {
namespace {

using proto::ProtoWriter;
using proto::WireType;

constexpr uint64_t kStart = 1700000000000000000ULL;
constexpr uint64_t kTime = 1700000060123456789ULL;

// One request covering every point kind, int and double values, every
// attribute value type, optional fields absent and present (including
// present zeros), non-finite doubles, empty lists and a second empty scope.
ResourceMetrics MakeFixture() {
  ResourceMetrics rm;
  rm.resource = Resource(
      AttributeSet{
          {"service.name", std::string("cryptolake-ingest")},
          {"host.cores", int64_t{2}},
          {"debug", false},
          {"load", 0.75},
          {"unicode", std::string("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x9A\x80")},
          {"empty", std::string()},
      },
      "https://opentelemetry.io/schemas/1.26.0");

  ScopeMetrics sm;
  sm.scope.name = "cryptolake.ingest";
  sm.scope.version = "0.1.0";
  sm.scope.schema_url = "https://opentelemetry.io/schemas/1.25.0";
  sm.scope.attributes = AttributeSet{{"component", std::string("archive")}};

  {
    MetricData m;
    m.name = "ingest.records";
    m.description = "Records ingested";
    m.unit = "{record}";
    SumData sum;
    sum.temporality = AggregationTemporality::kCumulative;
    sum.is_monotonic = true;
    NumberDataPoint p;
    p.attributes = AttributeSet{{"exchange", std::string("binance")},
                                {"symbol", std::string("BTCUSDT")},
                                {"compressed", true},
                                {"ratio", 0.25},
                                {"shard", int64_t{-3}}};
    p.start_time_unix_nano = kStart;
    p.time_unix_nano = kTime;
    p.value = int64_t{9007199254740993};
    sum.points.push_back(p);
    NumberDataPoint zero;  // Every field at its default: only as_int (oneof) is written.
    zero.value = int64_t{0};
    sum.points.push_back(zero);
    m.data = sum;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;
    m.name = "queue.depth";
    SumData sum;
    sum.temporality = AggregationTemporality::kDelta;
    sum.is_monotonic = false;
    NumberDataPoint p;
    p.attributes = AttributeSet{{"strings", std::vector<std::string>{"a", "", "b\"c"}},
                                {"bools", std::vector<bool>{true, false, true}},
                                {"ints", std::vector<int64_t>{1, -2, INT64_MAX, INT64_MIN}},
                                {"doubles", std::vector<double>{0.5, -1e300, 0.0}},
                                {"empty", std::vector<std::string>{}}};
    p.start_time_unix_nano = kStart;
    p.time_unix_nano = kTime;
    p.value = -2.5;
    sum.points.push_back(p);
    NumberDataPoint zero;
    zero.time_unix_nano = kTime;
    zero.value = 0.0;  // as_double 0 must stay a double.
    sum.points.push_back(zero);
    m.data = sum;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;
    m.name = "price.last";
    m.description = "Last trade price";
    m.unit = "USD";
    GaugeData gauge;
    for (double v :
         {67123.45, std::numeric_limits<double>::quiet_NaN(),
          std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), -0.0,
          std::numeric_limits<double>::denorm_min()}) {
      NumberDataPoint p;
      p.attributes = AttributeSet{{"i", static_cast<int64_t>(gauge.points.size())}};
      p.time_unix_nano = kTime;
      p.value = v;
      gauge.points.push_back(p);
    }
    NumberDataPoint e;
    e.time_unix_nano = kTime;
    e.value = int64_t{INT64_MIN};
    gauge.points.push_back(e);
    m.data = gauge;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;
    m.name = "fetch.duration";
    m.unit = "s";
    HistogramData hist;
    hist.temporality = AggregationTemporality::kDelta;
    HistogramDataPoint full;
    full.attributes = AttributeSet{{"endpoint", std::string("data.binance.vision")}};
    full.start_time_unix_nano = kStart;
    full.time_unix_nano = kTime;
    full.count = 6;
    full.sum = 12.75;
    full.explicit_bounds = {0.1, 1, 10};
    full.bucket_counts = {1, 2, 3, 0};
    full.min = 0.05;
    full.max = 9.5;
    HistogramDataPoint zeros;  // Optional fields present with value 0.
    zeros.start_time_unix_nano = kStart;
    zeros.time_unix_nano = kTime;
    zeros.sum = 0.0;
    zeros.min = 0.0;
    zeros.max = 0.0;
    zeros.bucket_counts = {0};
    HistogramDataPoint bare;  // No sum/min/max, no buckets at all.
    bare.time_unix_nano = kTime;
    hist.points = {full, zeros, bare};
    m.data = hist;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;
    m.name = "trade.size";
    m.unit = "{contract}";
    ExponentialHistogramData eh;
    eh.temporality = AggregationTemporality::kCumulative;
    ExponentialHistogramDataPoint p;
    p.start_time_unix_nano = kStart;
    p.time_unix_nano = kTime;
    p.count = 7;
    p.sum = 3.5;
    p.scale = -2;
    p.zero_count = 1;
    p.zero_threshold = 1e-9;
    p.positive.offset = -3;
    p.positive.bucket_counts = {1, 0, 2, 300, UINT64_MAX};
    p.negative.offset = 5;
    p.negative.bucket_counts = {3};
    p.min = -40.0;
    p.max = 1.5;
    ExponentialHistogramDataPoint empty;
    empty.attributes = AttributeSet{{"side", std::string("sell")}};
    empty.start_time_unix_nano = kStart;
    empty.time_unix_nano = kTime;
    empty.scale = 20;
    empty.zero_threshold = -0.0;
    eh.points = {p, empty};
    m.data = eh;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;  // Kinds with no points still carry their kind.
    m.name = "empty.histogram";
    m.data = HistogramData{};
    sm.metrics.push_back(m);
    m.name = "empty.gauge";
    m.data = GaugeData{};
    sm.metrics.push_back(m);
    m.name = "empty.exponential";
    m.data = ExponentialHistogramData{{}, AggregationTemporality::kDelta};
    sm.metrics.push_back(m);
  }
  rm.scope_metrics.push_back(sm);
  rm.scope_metrics.push_back(ScopeMetrics{});  // An empty scope is legal.
  return rm;
}

// --- deep comparison (doubles bit for bit, so NaN and -0.0 count) ---

bool SameDouble(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

void ExpectSameDouble(double a, double b, const char* what) {
  EXPECT_TRUE(SameDouble(a, b)) << what << ": " << a << " vs " << b;
}

void ExpectSameOptional(const std::optional<double>& a, const std::optional<double>& b,
                        const char* what) {
  ASSERT_EQ(a.has_value(), b.has_value()) << what;
  if (a) ExpectSameDouble(*a, *b, what);
}

void ExpectSamePoint(const NumberDataPoint& a, const NumberDataPoint& b) {
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_EQ(a.start_time_unix_nano, b.start_time_unix_nano);
  EXPECT_EQ(a.time_unix_nano, b.time_unix_nano);
  ASSERT_EQ(a.value.index(), b.value.index()) << "int vs double";
  if (a.value.index() == 0) {
    EXPECT_EQ(std::get<int64_t>(a.value), std::get<int64_t>(b.value));
  } else {
    ExpectSameDouble(std::get<double>(a.value), std::get<double>(b.value), "value");
  }
}

void ExpectSamePoint(const HistogramDataPoint& a, const HistogramDataPoint& b) {
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_EQ(a.start_time_unix_nano, b.start_time_unix_nano);
  EXPECT_EQ(a.time_unix_nano, b.time_unix_nano);
  EXPECT_EQ(a.count, b.count);
  ExpectSameOptional(a.sum, b.sum, "sum");
  EXPECT_EQ(a.bucket_counts, b.bucket_counts);
  EXPECT_EQ(a.explicit_bounds, b.explicit_bounds);
  ExpectSameOptional(a.min, b.min, "min");
  ExpectSameOptional(a.max, b.max, "max");
}

void ExpectSamePoint(const ExponentialHistogramDataPoint& a,
                     const ExponentialHistogramDataPoint& b) {
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_EQ(a.start_time_unix_nano, b.start_time_unix_nano);
  EXPECT_EQ(a.time_unix_nano, b.time_unix_nano);
  EXPECT_EQ(a.count, b.count);
  ExpectSameOptional(a.sum, b.sum, "sum");
  EXPECT_EQ(a.scale, b.scale);
  EXPECT_EQ(a.zero_count, b.zero_count);
  ExpectSameDouble(a.zero_threshold, b.zero_threshold, "zero_threshold");
  EXPECT_EQ(a.positive.offset, b.positive.offset);
  EXPECT_EQ(a.positive.bucket_counts, b.positive.bucket_counts);
  EXPECT_EQ(a.negative.offset, b.negative.offset);
  EXPECT_EQ(a.negative.bucket_counts, b.negative.bucket_counts);
  ExpectSameOptional(a.min, b.min, "min");
  ExpectSameOptional(a.max, b.max, "max");
}

template <typename Data>
void ExpectSameData(const Data& a, const Data& b) {
  ASSERT_EQ(a.points.size(), b.points.size());
  for (size_t i = 0; i < a.points.size(); ++i) {
    SCOPED_TRACE("point " + std::to_string(i));
    ExpectSamePoint(a.points[i], b.points[i]);
  }
  if constexpr (!std::is_same_v<Data, GaugeData>) {
    EXPECT_EQ(a.temporality, b.temporality);
  }
  if constexpr (std::is_same_v<Data, SumData>) {
    EXPECT_EQ(a.is_monotonic, b.is_monotonic);
  }
}

void ExpectSame(const ResourceMetrics& a, const ResourceMetrics& b) {
  EXPECT_EQ(a.resource, b.resource);
  ASSERT_EQ(a.scope_metrics.size(), b.scope_metrics.size());
  for (size_t s = 0; s < a.scope_metrics.size(); ++s) {
    SCOPED_TRACE("scope " + std::to_string(s));
    const ScopeMetrics& sa = a.scope_metrics[s];
    const ScopeMetrics& sb = b.scope_metrics[s];
    EXPECT_EQ(sa.scope.name, sb.scope.name);
    EXPECT_EQ(sa.scope.version, sb.scope.version);
    EXPECT_EQ(sa.scope.schema_url, sb.scope.schema_url);
    EXPECT_EQ(sa.scope.attributes, sb.scope.attributes);
    ASSERT_EQ(sa.metrics.size(), sb.metrics.size());
    for (size_t m = 0; m < sa.metrics.size(); ++m) {
      SCOPED_TRACE("metric " + sa.metrics[m].name);
      EXPECT_EQ(sa.metrics[m].name, sb.metrics[m].name);
      EXPECT_EQ(sa.metrics[m].description, sb.metrics[m].description);
      EXPECT_EQ(sa.metrics[m].unit, sb.metrics[m].unit);
      ASSERT_EQ(sa.metrics[m].data.index(), sb.metrics[m].data.index());
      std::visit(
          [&](const auto& da) {
            using T = std::decay_t<decltype(da)>;
            ExpectSameData(da, std::get<T>(sb.metrics[m].data));
          },
          sa.metrics[m].data);
    }
  }
}

ResourceMetrics DecodeOk(std::string_view bytes) {
  Result<ResourceMetrics> r = DecodeOtlpProto(bytes);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : ResourceMetrics();
}

// --- golden file (hex text, 32 bytes a line) ---

std::string ToHexLines(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    out.push_back(kHex[static_cast<uint8_t>(bytes[i]) >> 4]);
    out.push_back(kHex[static_cast<uint8_t>(bytes[i]) & 0xF]);
    if (i % 32 == 31 || i + 1 == bytes.size()) out.push_back('\n');
  }
  return out;
}

// Compares the hex lines of `bytes` with the golden file. Set
// CRYPTOLAKE_UPDATE_GOLDEN=1 to rewrite it (then review the diff and check it
// still decodes with the official definitions: ctest -R conformance.otlp_proto).
void ExpectGolden(const std::string& name, const std::string& bytes) {
  export_test::ExpectGolden(name, ToHexLines(bytes));
}

TEST(OtlpProtoTest, MatchesGoldenFile) {
  ExpectGolden("otlp_request.pb.hex", EncodeOtlpProto(MakeFixture()));
}

// Hand-assembled bytes, independent of the writer: the empty request is one
// ResourceMetrics holding one empty Resource.
TEST(OtlpProtoTest, EmptyRequestBytes) {
  EXPECT_EQ(EncodeOtlpProto(ResourceMetrics()), std::string("\x0a\x02\x0a\x00", 4));
  ExpectSame(DecodeOk(std::string("\x0a\x02\x0a\x00", 4)), ResourceMetrics());
  ExpectSame(DecodeOk(""), ResourceMetrics());  // No resource_metrics at all.
}

// One int gauge point, byte by byte: field numbers and wire types as
// opentelemetry-proto defines them.
TEST(OtlpProtoTest, SinglePointBytes) {
  ResourceMetrics rm;
  ScopeMetrics sm;
  sm.scope.name = "s";
  MetricData m;
  m.name = "g";
  NumberDataPoint p;
  p.time_unix_nano = 1;
  p.value = int64_t{-1};
  p.attributes = AttributeSet{{"k", true}};
  m.data = GaugeData{{p}};
  sm.metrics.push_back(m);
  rm.scope_metrics.push_back(sm);
  const std::string expected(
      "\x0a\x2d"                              // resource_metrics (1), 45 bytes
      "\x0a\x00"                              //  resource (1), empty
      "\x12\x29"                              //  scope_metrics (2), 41 bytes
      "\x0a\x03\x0a\x01s"                     //   scope (1) { name (1) "s" }
      "\x12\x22"                              //   metrics (2), 34 bytes
      "\x0a\x01g"                             //    name (1) "g"
      "\x2a\x1d"                              //    gauge (5), 29 bytes
      "\x0a\x1b"                              //     data_points (1), 27 bytes
      "\x19\x01\x00\x00\x00\x00\x00\x00\x00"  //      time_unix_nano (3) fixed64 1
      "\x31\xff\xff\xff\xff\xff\xff\xff\xff"  //      as_int (6) sfixed64 -1
      "\x3a\x07\x0a\x01k\x12\x02\x10\x01",    //      attributes (7) {key "k", bool true}
      47);
  EXPECT_EQ(EncodeOtlpProto(rm), expected);
}

TEST(OtlpProtoTest, RoundTripsEveryField) {
  const ResourceMetrics fixture = MakeFixture();
  const std::string bytes = EncodeOtlpProto(fixture);
  const ResourceMetrics back = DecodeOk(bytes);
  ExpectSame(back, fixture);
  EXPECT_EQ(EncodeOtlpProto(back), bytes);
}

// The element type of an empty array is not on the wire: it comes back as
// an empty string array, whatever it was.
TEST(OtlpProtoTest, EmptyArraysComeBackAsStringArrays) {
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"a", std::vector<int64_t>{}}, {"b", std::vector<bool>{}}});
  const ResourceMetrics back = DecodeOk(EncodeOtlpProto(rm));
  EXPECT_EQ(back.resource.attributes(),
            (AttributeSet{{"a", std::vector<std::string>{}}, {"b", std::vector<std::string>{}}}));
}

TEST(OtlpProtoTest, LargeMessagesRoundTrip) {
  // Lengths of two and three varint bytes at every level, and strings longer
  // than 127 bytes inside one-byte-hinted messages.
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"long", std::string(300, 'v')}});
  ScopeMetrics sm;
  for (size_t n : {1u, 2u, 200u, 20000u}) {
    MetricData m;
    m.name = "m" + std::to_string(n);
    GaugeData gauge;
    for (size_t i = 0; i < n; ++i) {
      NumberDataPoint p;
      p.attributes = AttributeSet{{"i", static_cast<int64_t>(i)}, {"s", std::string(i % 200, 'x')}};
      p.time_unix_nano = i;
      p.value = static_cast<double>(i) / 3;
      gauge.points.push_back(p);
    }
    m.data = gauge;
    sm.metrics.push_back(m);
    MetricData h;
    h.name = "h" + std::to_string(n);
    HistogramData hist;
    for (size_t i = 0; i < n; ++i) {
      HistogramDataPoint p;
      p.bucket_counts.assign(i % 40 + 1, i);
      p.explicit_bounds.assign(i % 40, 1.5);
      p.count = i;
      hist.points.push_back(p);
    }
    h.data = hist;
    sm.metrics.push_back(h);
  }
  rm.scope_metrics.push_back(sm);
  const std::string bytes = EncodeOtlpProto(rm);
  ExpectSame(DecodeOk(bytes), rm);
  EXPECT_EQ(CountDataPoints(rm), 2u * (1 + 2 + 200 + 20000));
}

TEST(OtlpProtoTest, InvalidUtf8IsReplacedOnEncodeAndRejectedOnDecode) {
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"k\xFF", std::string("a\xC3")}});
  ScopeMetrics sm;
  sm.scope.name = "\xED\xA0\x80";  // A surrogate.
  rm.scope_metrics.push_back(sm);
  const ResourceMetrics back = DecodeOk(EncodeOtlpProto(rm));
  EXPECT_EQ(back.resource.attributes(),
            (AttributeSet{{"k\xEF\xBF\xBD", std::string("a\xEF\xBF\xBD")}}));
  EXPECT_EQ(back.scope_metrics.at(0).scope.name, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");

  // Raw bytes from elsewhere: a scope name that is not UTF-8.
  std::string bad;
  ProtoWriter w(&bad);
  auto outer = w.BeginMessage(1);
  auto scope_metrics = w.BeginMessage(2);
  auto scope = w.BeginMessage(1);
  w.BytesField(1, "\xC0\xAF");
  w.EndMessage(scope);
  w.EndMessage(scope_metrics);
  w.EndMessage(outer);
  w.Finish();
  const Status s = DecodeOtlpProto(bad).status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("InstrumentationScope.name is not valid UTF-8"), std::string::npos)
      << s.ToString();
}

// What generated encoders may produce and ours does not: fields out of
// order, unpacked repeated scalars, redundant default values, unknown fields
// of every wire type, a repeated singular message (merged) and a oneof set
// twice (last wins).
TEST(OtlpProtoTest, DecodesAnyValidEncoding) {
  std::string in;
  ProtoWriter w(&in);
  w.VarintField(99, 1);  // Unknown field in the request.
  auto rmk = w.BeginMessage(1);
  w.BytesField(3, "https://schema");  // schema_url before the resource.
  auto sm = w.BeginMessage(2);
  auto metric = w.BeginMessage(2);
  auto hist = w.BeginMessage(9);
  w.Int32Field(2, 1);  // Temporality before the points.
  auto point = w.BeginMessage(1);
  w.DoubleField(12, 8.0);  // max first.
  w.Fixed64Field(6, 1);    // bucket_counts unpacked ...
  w.Fixed64Field(6, 2);
  const uint64_t more[] = {3};
  w.PackedFixed64Field(6, more);  // ... then packed, appended.
  w.DoubleField(7, 0.5);          // explicit_bounds unpacked.
  w.DoubleField(7, 5.0);
  w.Fixed64Field(4, 6);              // count.
  w.Fixed64Field(2, 0);              // start time written as the default 0.
  w.Tag(20, WireType::kStartGroup);  // Unknown group.
  w.VarintField(1, 5);
  w.Tag(20, WireType::kEndGroup);
  w.Tag(21, WireType::kI32);  // Unknown fixed32.
  w.Bytes(std::string("\x01\x02\x03\x04", 4));
  w.VarintField(10, 1);  // flags: not modelled, skipped.
  w.EndMessage(point);
  w.EndMessage(hist);
  w.BytesField(1, "latency");  // Name after the data.
  w.EndMessage(metric);
  auto metric2 = w.BeginMessage(2);
  w.BytesField(1, "oneof");
  {
    auto gauge = w.BeginMessage(5);
    auto p = w.BeginMessage(1);
    w.Fixed64Field(6, 7);
    w.EndMessage(p);
    w.EndMessage(gauge);
    auto sum = w.BeginMessage(7);  // Replaces the gauge.
    auto q = w.BeginMessage(1);
    w.DoubleField(4, 1.0);
    w.Fixed64Field(6, 9);  // as_int after as_double: as_int wins.
    w.EndMessage(q);
    w.EndMessage(sum);
    auto sum2 = w.BeginMessage(7);  // Same member again: merged.
    w.BoolField(3, true);
    w.EndMessage(sum2);
  }
  w.EndMessage(metric2);
  auto exp_metric = w.BeginMessage(2);
  w.BytesField(1, "exp");
  {
    auto eh = w.BeginMessage(10);
    auto p = w.BeginMessage(1);
    auto pos = w.BeginMessage(8);
    w.VarintField(2, 4);  // bucket_counts unpacked varints.
    w.VarintField(2, 5);
    w.SInt32Field(1, -7);
    w.EndMessage(pos);
    w.SInt32Field(6, -3);
    w.EndMessage(p);
    w.EndMessage(eh);
  }
  w.EndMessage(exp_metric);
  w.EndMessage(sm);
  auto res = w.BeginMessage(1);
  auto kv = w.BeginMessage(1);
  w.BytesField(1, "k");
  auto v = w.BeginMessage(2);
  w.BytesField(1, "first");
  w.Int64Field(3, -5);  // Oneof: the later int wins.
  w.EndMessage(v);
  w.EndMessage(kv);
  w.VarintField(2, 3);  // dropped_attributes_count: skipped.
  w.EndMessage(res);
  auto res2 = w.BeginMessage(1);  // The resource again: merged.
  auto kv2 = w.BeginMessage(1);
  w.BytesField(1, "a");
  auto v2 = w.BeginMessage(2);
  w.BoolField(2, true);
  w.EndMessage(v2);
  w.EndMessage(kv2);
  w.EndMessage(res2);
  w.EndMessage(rmk);
  w.Finish();

  const ResourceMetrics rm = DecodeOk(in);
  EXPECT_EQ(rm.resource, Resource(AttributeSet{{"k", int64_t{-5}}, {"a", true}}, "https://schema"));
  ASSERT_EQ(rm.scope_metrics.size(), 1u);
  const auto& metrics = rm.scope_metrics[0].metrics;
  ASSERT_EQ(metrics.size(), 3u);
  EXPECT_EQ(metrics[0].name, "latency");
  const auto& h = std::get<HistogramData>(metrics[0].data);
  EXPECT_EQ(h.temporality, AggregationTemporality::kDelta);
  ASSERT_EQ(h.points.size(), 1u);
  EXPECT_EQ(h.points[0].bucket_counts, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(h.points[0].explicit_bounds, (std::vector<double>{0.5, 5.0}));
  EXPECT_EQ(h.points[0].count, 6u);
  EXPECT_EQ(h.points[0].max, 8.0);
  EXPECT_FALSE(h.points[0].min.has_value());
  EXPECT_FALSE(h.points[0].sum.has_value());

  EXPECT_EQ(metrics[1].name, "oneof");
  const auto& s = std::get<SumData>(metrics[1].data);
  ASSERT_EQ(s.points.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(s.points[0].value), 9);
  EXPECT_TRUE(s.is_monotonic);

  const auto& e = std::get<ExponentialHistogramData>(metrics[2].data);
  ASSERT_EQ(e.points.size(), 1u);
  EXPECT_EQ(e.points[0].scale, -3);
  EXPECT_EQ(e.points[0].positive.offset, -7);
  EXPECT_EQ(e.points[0].positive.bucket_counts, (std::vector<uint64_t>{4, 5}));
}

// Absent implicit fields decode as the proto3 defaults, not as the data
// model's defaults (which are cumulative temporality): a Sum, Histogram or
// ExponentialHistogram without aggregation_temporality is UNSPECIFIED.
TEST(OtlpProtoTest, AbsentTemporalityIsUnspecified) {
  for (const char* data : {"\x3a\x00", "\x4a\x00", "\x52\x00"}) {
    const std::string metric = std::string("\x0a\x01m", 3) + std::string(data, 2);
    std::string request;
    ProtoWriter w(&request);
    auto rm = w.BeginMessage(1);
    w.BytesField(1, "");  // resource {}, as our encoder writes it.
    auto sm = w.BeginMessage(2);
    w.BytesField(1, "");  // scope {}.
    w.BytesField(2, metric);
    w.EndMessage(sm);
    w.EndMessage(rm);
    w.Finish();
    const ResourceMetrics back = DecodeOk(request);
    ASSERT_EQ(back.scope_metrics.size(), 1u);
    ASSERT_EQ(back.scope_metrics[0].metrics.size(), 1u);
    std::visit(
        [](const auto& d) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(d)>, GaugeData>) {
            EXPECT_EQ(d.temporality, AggregationTemporality::kUnspecified);
          } else {
            ADD_FAILURE() << "decoded as a gauge";
          }
        },
        back.scope_metrics[0].metrics[0].data);
    EXPECT_EQ(EncodeOtlpProto(back), request);  // Re-encodes as absent.
  }
}

// Every proper prefix of a valid request cuts the single resource_metrics
// field short, so each must fail cleanly (and never read past the end: the
// asan preset runs this).
TEST(OtlpProtoTest, EveryTruncationIsCorruption) {
  const std::string bytes = EncodeOtlpProto(MakeFixture());
  for (size_t n = 1; n < bytes.size(); ++n) {
    const std::string prefix = bytes.substr(0, n);  // Own allocation: ASan sees over-reads.
    const Status s = DecodeOtlpProto(prefix).status();
    ASSERT_TRUE(s.IsCorruption()) << "prefix " << n << ": " << s.ToString();
  }
}

Status DecodeStatus(const std::string& bytes) { return DecodeOtlpProto(bytes).status(); }

// Wraps `inner` (the bytes of one Metric) in request/resource_metrics/scope_metrics.
std::string RequestWithMetric(const std::string& metric_bytes) {
  std::string out;
  ProtoWriter w(&out);
  auto rm = w.BeginMessage(1);
  auto sm = w.BeginMessage(2);
  w.BytesField(2, metric_bytes);
  w.EndMessage(sm);
  w.EndMessage(rm);
  w.Finish();
  return out;
}

std::string MetricWithGaugePoint(void (*write_point)(ProtoWriter&)) {
  std::string out;
  ProtoWriter w(&out);
  w.BytesField(1, "m");
  auto gauge = w.BeginMessage(5);
  auto p = w.BeginMessage(1);
  write_point(w);
  w.EndMessage(p);
  w.EndMessage(gauge);
  w.Finish();
  return out;
}

TEST(OtlpProtoTest, ErrorsNameWhatWasWrong) {
  {
    // time_unix_nano as a varint instead of fixed64.
    const Status s = DecodeStatus(
        RequestWithMetric(MetricWithGaugePoint([](ProtoWriter& w) { w.VarintField(3, 5); })));
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_EQ(s.message().rfind("ExportMetricsServiceRequest: resource_metrics[0]: "
                                "scope_metrics[0]: metrics[0]: gauge: data_points[0]: at byte ",
                                0),
              0u)
        << s.message();
    EXPECT_NE(s.message().find("time_unix_nano (3) has wire type 0"), std::string::npos)
        << s.message();
  }
  {
    // Packed bucket_counts whose length is not a multiple of 8.
    std::string metric;
    ProtoWriter w(&metric);
    auto h = w.BeginMessage(9);
    auto p = w.BeginMessage(1);
    w.BytesField(6, std::string(12, '\0'));
    w.EndMessage(p);
    w.EndMessage(h);
    w.Finish();
    const Status s = DecodeStatus(RequestWithMetric(metric));
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.message().find("packed bucket_counts is 12 bytes, not a multiple of 8"),
              std::string::npos)
        << s.message();
  }
  {
    // A truncated packed varint list of exponential buckets.
    std::string metric;
    ProtoWriter w(&metric);
    auto h = w.BeginMessage(10);
    auto p = w.BeginMessage(1);
    auto b = w.BeginMessage(9);
    w.BytesField(2, "\x01\x80");
    w.EndMessage(b);
    w.EndMessage(p);
    w.EndMessage(h);
    w.Finish();
    const Status s = DecodeStatus(RequestWithMetric(metric));
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.message().find("negative: bucket_counts: at byte"), std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("truncated varint"), std::string::npos) << s.message();
  }
}

TEST(OtlpProtoTest, RejectsWhatTheDataModelCannotHold) {
  const struct {
    const char* name;
    std::string metric;
    const char* message;
  } cases[] = {
      {"summary", std::string("\x0a\x01m\x5a\x00", 5), "is a summary"},
      {"no data", std::string("\x0a\x01m", 3), "has no gauge, sum, histogram"},
      {"kvlist", MetricWithGaugePoint([](ProtoWriter& w) {
         auto kv = w.BeginMessage(7);
         w.BytesField(1, "k");
         auto v = w.BeginMessage(2);
         w.BytesField(6, "");
         w.EndMessage(v);
         w.EndMessage(kv);
       }),
       "kvlist_value"},
      {"bytes", MetricWithGaugePoint([](ProtoWriter& w) {
         auto kv = w.BeginMessage(7);
         w.BytesField(1, "k");
         auto v = w.BeginMessage(2);
         w.BytesField(7, "x");
         w.EndMessage(v);
         w.EndMessage(kv);
       }),
       "bytes_value"},
      {"no value", MetricWithGaugePoint([](ProtoWriter& w) {
         auto kv = w.BeginMessage(7);
         w.BytesField(1, "k");
         w.EndMessage(kv);
       }),
       "attribute 'k' has no value"},
      {"empty AnyValue", MetricWithGaugePoint([](ProtoWriter& w) {
         auto kv = w.BeginMessage(7);
         w.BytesField(1, "k");
         w.BytesField(2, "");
         w.EndMessage(kv);
       }),
       "AnyValue holds no value"},
      {"mixed array", MetricWithGaugePoint([](ProtoWriter& w) {
         auto kv = w.BeginMessage(7);
         w.BytesField(1, "k");
         auto v = w.BeginMessage(2);
         auto a = w.BeginMessage(5);
         w.BytesField(1, std::string("\x10\x01", 2));  // bool
         w.BytesField(1, std::string("\x18\x01", 2));  // int
         w.EndMessage(a);
         w.EndMessage(v);
         w.EndMessage(kv);
       }),
       "mixes element types"},
      {"nested array", MetricWithGaugePoint([](ProtoWriter& w) {
         auto kv = w.BeginMessage(7);
         w.BytesField(1, "k");
         auto v = w.BeginMessage(2);
         auto a = w.BeginMessage(5);
         w.BytesField(1, std::string("\x2a\x00", 2));  // values { array_value {} }
         w.EndMessage(a);
         w.EndMessage(v);
         w.EndMessage(kv);
       }),
       "nested array_value"},
  };
  for (const auto& c : cases) {
    const Status s = DecodeStatus(RequestWithMetric(c.metric));
    EXPECT_TRUE(s.IsInvalidArgument()) << c.name << ": " << s.ToString();
    EXPECT_NE(s.message().find(c.message), std::string::npos) << c.name << ": " << s.ToString();
  }

  const std::string one = EncodeOtlpProto(ResourceMetrics());
  const Status two = DecodeStatus(one + one);
  EXPECT_TRUE(two.IsInvalidArgument()) << two.ToString();
  EXPECT_NE(two.message().find("more than one resource_metrics"), std::string::npos);
}

TEST(OtlpProtoTest, AppendReusesBuffer) {
  const ResourceMetrics fixture = MakeFixture();
  std::string buffer = "prefix:";
  AppendOtlpProto(fixture, &buffer);
  EXPECT_EQ(buffer, "prefix:" + EncodeOtlpProto(fixture));
  buffer.clear();  // Capacity kept: the writer must not leave stale bytes.
  AppendOtlpProto(ResourceMetrics(), &buffer);
  EXPECT_EQ(buffer, EncodeOtlpProto(ResourceMetrics()));
}

TEST(OtlpProtoTest, CountDataPoints) {
  EXPECT_EQ(CountDataPoints(ResourceMetrics()), 0u);
  // 2 + 2 + 7 + 3 + 2 (+ three empty metrics and an empty scope).
  EXPECT_EQ(CountDataPoints(MakeFixture()), 16u);
}

TEST(OtlpProtoTest, DecodesResponses) {
  {
    const Result<ExportPartialSuccess> r = DecodeExportMetricsServiceResponse("");
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->present());
  }
  {
    // partial_success {} (an empty message): still a full success.
    const Result<ExportPartialSuccess> r =
        DecodeExportMetricsServiceResponse(std::string("\x0a\x00", 2));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->present());
  }
  {
    std::string bytes;
    ProtoWriter w(&bytes);
    w.VarintField(7, 1);  // Unknown.
    auto ps = w.BeginMessage(1);
    w.BytesField(2, "too old\xFF");
    w.Int64Field(1, 42);
    w.EndMessage(ps);
    w.Finish();
    const Result<ExportPartialSuccess> r = DecodeExportMetricsServiceResponse(bytes);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->present());
    EXPECT_EQ(r->rejected_data_points, 42);
    EXPECT_EQ(r->error_message, "too old\xEF\xBF\xBD");
  }
  {
    const Status s = DecodeExportMetricsServiceResponse(std::string("\x0a\x05\x08", 3)).status();
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_EQ(s.message().rfind("ExportMetricsServiceResponse: ", 0), 0u) << s.message();
    const Status t =
        DecodeExportMetricsServiceResponse(std::string("\x0a\x02\x08\x80", 4)).status();
    EXPECT_TRUE(t.IsCorruption()) << t.ToString();
    EXPECT_NE(t.message().find("partial_success: at byte 3: truncated varint"), std::string::npos)
        << t.message();
  }
}

}  // namespace
}  // namespace cryptolake::metrics
