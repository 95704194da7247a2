#include "cryptolake/metrics/export/otlp_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "export_test_util.h"

namespace cryptolake::metrics {
namespace {

using export_test::ExpectGolden;
using nlohmann::json;

constexpr uint64_t kStart = 1700000000000000000ULL;
constexpr uint64_t kTime = 1700000060123456789ULL;

// One request covering every point kind, every attribute value type, absent
// and present optional fields, and strings that need escaping.
ResourceMetrics MakeFixture() {
  ResourceMetrics rm;
  rm.resource = Resource(
      AttributeSet{
          {"service.name", std::string("cryptolake-ingest")},
          {"telemetry.sdk.language", std::string("cpp")},
          {"host.cores", int64_t{2}},
          {"quote\"back\\slash", std::string("tab\tnl\ncr\rbell\x07 del\x7f")},
          {"unicode", std::string("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x9A\x80")},
      },
      "https://opentelemetry.io/schemas/1.26.0");

  ScopeMetrics sm;
  sm.scope.name = "cryptolake.ingest";
  sm.scope.version = "0.1.0";
  sm.scope.schema_url = "https://opentelemetry.io/schemas/1.26.0";
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
    p.value = int64_t{9007199254740993};  // 2^53 + 1: not exact as a double.
    sum.points.push_back(p);
    m.data = sum;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;
    m.name = "queue.depth";
    m.unit = "1";
    SumData sum;
    sum.temporality = AggregationTemporality::kDelta;
    sum.is_monotonic = false;
    NumberDataPoint p;
    p.attributes = AttributeSet{{"strings", std::vector<std::string>{"a", "b\"c"}},
                                {"bools", std::vector<bool>{true, false}},
                                {"ints", std::vector<int64_t>{1, -2, INT64_MAX}},
                                {"doubles", std::vector<double>{0.5, -1e300}},
                                {"empty", std::vector<int64_t>{}}};
    p.start_time_unix_nano = kStart;
    p.time_unix_nano = kTime;
    p.value = -2.5;
    sum.points.push_back(p);
    m.data = sum;
    sm.metrics.push_back(m);
  }
  {
    MetricData m;
    m.name = "price.last";
    m.description = "Last trade price";
    m.unit = "USD";
    GaugeData gauge;
    NumberDataPoint a;
    a.time_unix_nano = kTime;
    a.value = 67123.45;
    NumberDataPoint b;
    b.attributes = AttributeSet{{"kind", std::string("nan")}};
    b.time_unix_nano = kTime;
    b.value = std::numeric_limits<double>::quiet_NaN();
    NumberDataPoint c;
    c.attributes = AttributeSet{{"kind", std::string("+inf")}};
    c.time_unix_nano = kTime;
    c.value = std::numeric_limits<double>::infinity();
    NumberDataPoint d;
    d.attributes = AttributeSet{{"kind", std::string("-inf")}};
    d.time_unix_nano = kTime;
    d.value = -std::numeric_limits<double>::infinity();
    NumberDataPoint e;
    e.attributes = AttributeSet{{"kind", std::string("int")}};
    e.time_unix_nano = kTime;
    e.value = int64_t{INT64_MIN};
    gauge.points = {a, b, c, d, e};
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
    HistogramDataPoint bare;  // No sum/min/max, no buckets.
    bare.start_time_unix_nano = kStart;
    bare.time_unix_nano = kTime;
    bare.count = 0;
    bare.bucket_counts = {0};
    hist.points = {full, bare};
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
    p.positive.offset = -3;
    p.positive.bucket_counts = {1, 0, 2};
    p.negative.offset = 5;
    p.negative.bucket_counts = {3};
    p.min = -40.0;
    p.max = 1.5;
    ExponentialHistogramDataPoint empty;
    empty.attributes = AttributeSet{{"side", std::string("sell")}};
    empty.start_time_unix_nano = kStart;
    empty.time_unix_nano = kTime;
    empty.scale = 20;
    eh.points = {p, empty};
    m.data = eh;
    sm.metrics.push_back(m);
  }
  rm.scope_metrics.push_back(sm);
  ScopeMetrics second;
  second.scope.name = "";  // An empty scope is legal.
  rm.scope_metrics.push_back(second);
  return rm;
}

TEST(OtlpJsonTest, MatchesGoldenFile) {
  ExpectGolden("export_metrics_service_request.json", EncodeOtlpJson(MakeFixture()) + "\n");
}

TEST(OtlpJsonTest, EmptyResourceMetricsGolden) {
  ExpectGolden("empty_request.json", EncodeOtlpJson(ResourceMetrics()) + "\n");
}

TEST(OtlpJsonTest, ParsesAsJsonWithOtlpShape) {
  const std::string text = EncodeOtlpJson(MakeFixture());
  EXPECT_EQ(text.find('\n'), std::string::npos);
  const json doc = json::parse(text);  // Throws (fails the test) on invalid JSON or UTF-8.
  ASSERT_TRUE(doc.is_object());
  ASSERT_EQ(doc.size(), 1u);
  const json& rm = doc.at("resourceMetrics").at(0);
  EXPECT_EQ(rm.at("schemaUrl"), "https://opentelemetry.io/schemas/1.26.0");

  // Resource attributes: canonical (sorted) order, typed AnyValues.
  const json& rattrs = rm.at("resource").at("attributes");
  ASSERT_EQ(rattrs.size(), 5u);
  EXPECT_EQ(rattrs[0].at("key"), "host.cores");
  EXPECT_EQ(rattrs[0].at("value").at("intValue"), "2");
  EXPECT_EQ(rattrs[1].at("key"), "quote\"back\\slash");
  EXPECT_EQ(rattrs[1].at("value").at("stringValue"), "tab\tnl\ncr\rbell\x07 del\x7f");
  EXPECT_EQ(rattrs[4].at("key"), "unicode");
  EXPECT_EQ(rattrs[4].at("value").at("stringValue"), "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x9A\x80");

  const json& sm = rm.at("scopeMetrics").at(0);
  EXPECT_EQ(sm.at("scope").at("name"), "cryptolake.ingest");
  EXPECT_EQ(sm.at("scope").at("version"), "0.1.0");
  EXPECT_EQ(sm.at("scope").at("attributes").at(0).at("value").at("stringValue"), "archive");
  EXPECT_EQ(sm.at("schemaUrl"), "https://opentelemetry.io/schemas/1.26.0");
  const json& metrics = sm.at("metrics");
  ASSERT_EQ(metrics.size(), 5u);

  // Monotonic cumulative int sum; 64-bit ints are strings.
  const json& records = metrics[0];
  EXPECT_EQ(records.at("name"), "ingest.records");
  EXPECT_EQ(records.at("description"), "Records ingested");
  EXPECT_EQ(records.at("unit"), "{record}");
  const json& sum = records.at("sum");
  EXPECT_EQ(sum.at("aggregationTemporality"), 2);
  EXPECT_EQ(sum.at("isMonotonic"), true);
  const json& p0 = sum.at("dataPoints").at(0);
  EXPECT_EQ(p0.at("asInt"), "9007199254740993");
  EXPECT_EQ(p0.at("startTimeUnixNano"), "1700000000000000000");
  EXPECT_EQ(p0.at("timeUnixNano"), "1700000060123456789");
  const json& pattrs = p0.at("attributes");
  ASSERT_EQ(pattrs.size(), 5u);
  EXPECT_EQ(pattrs[0].at("key"), "compressed");
  EXPECT_EQ(pattrs[0].at("value").at("boolValue"), true);
  EXPECT_EQ(pattrs[2].at("key"), "ratio");
  EXPECT_EQ(pattrs[2].at("value").at("doubleValue"), 0.25);
  EXPECT_EQ(pattrs[3].at("value").at("intValue"), "-3");

  // Delta non-monotonic double sum with array attributes.
  const json& depth = metrics[1].at("sum");
  EXPECT_EQ(depth.at("aggregationTemporality"), 1);
  EXPECT_EQ(depth.at("isMonotonic"), false);
  const json& dp = depth.at("dataPoints").at(0);
  EXPECT_EQ(dp.at("asDouble"), -2.5);
  EXPECT_FALSE(dp.contains("asInt"));
  json arrays;
  for (const json& kv : dp.at("attributes"))
    arrays[kv.at("key").get<std::string>()] = kv.at("value");
  EXPECT_EQ(arrays["bools"],
            json::parse(R"({"arrayValue":{"values":[{"boolValue":true},{"boolValue":false}]}})"));
  EXPECT_EQ(
      arrays["doubles"],
      json::parse(R"({"arrayValue":{"values":[{"doubleValue":0.5},{"doubleValue":-1e300}]}})"));
  EXPECT_EQ(
      arrays["ints"],
      json::parse(
          R"({"arrayValue":{"values":[{"intValue":"1"},{"intValue":"-2"},{"intValue":"9223372036854775807"}]}})"));
  EXPECT_EQ(
      arrays["strings"],
      json::parse(R"({"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b\"c"}]}})"));
  EXPECT_EQ(arrays["empty"], json::parse(R"({"arrayValue":{"values":[]}})"));

  // Gauge: no start time, non-finite doubles as proto3 JSON strings.
  const json& gauge = metrics[2].at("gauge");
  EXPECT_FALSE(gauge.contains("aggregationTemporality"));
  const json& gp = gauge.at("dataPoints");
  ASSERT_EQ(gp.size(), 5u);
  EXPECT_FALSE(gp[0].contains("startTimeUnixNano"));
  EXPECT_EQ(gp[0].at("asDouble"), 67123.45);
  EXPECT_EQ(gp[1].at("asDouble"), "NaN");
  EXPECT_EQ(gp[2].at("asDouble"), "Infinity");
  EXPECT_EQ(gp[3].at("asDouble"), "-Infinity");
  EXPECT_EQ(gp[4].at("asInt"), "-9223372036854775808");

  // Explicit histogram, with and without optional fields.
  const json& hist = metrics[3].at("histogram");
  EXPECT_EQ(hist.at("aggregationTemporality"), 1);
  const json& full = hist.at("dataPoints").at(0);
  EXPECT_EQ(full.at("count"), "6");
  EXPECT_EQ(full.at("sum"), 12.75);
  EXPECT_EQ(full.at("bucketCounts"), json::parse(R"(["1","2","3","0"])"));
  EXPECT_EQ(full.at("explicitBounds"), json::parse("[0.1,1,10]"));
  EXPECT_EQ(full.at("min"), 0.05);
  EXPECT_EQ(full.at("max"), 9.5);
  const json& bare = hist.at("dataPoints").at(1);
  EXPECT_FALSE(bare.contains("sum"));
  EXPECT_FALSE(bare.contains("min"));
  EXPECT_FALSE(bare.contains("max"));
  EXPECT_FALSE(bare.contains("attributes"));
  EXPECT_EQ(bare.at("count"), "0");

  // Exponential histogram: scale/offset are int32 numbers, counts strings.
  const json& eh = metrics[4].at("exponentialHistogram");
  EXPECT_EQ(eh.at("aggregationTemporality"), 2);
  const json& ep = eh.at("dataPoints").at(0);
  EXPECT_EQ(ep.at("count"), "7");
  EXPECT_EQ(ep.at("sum"), 3.5);
  EXPECT_EQ(ep.at("scale"), -2);
  EXPECT_EQ(ep.at("zeroCount"), "1");
  EXPECT_EQ(ep.at("zeroThreshold"), 0);
  EXPECT_EQ(ep.at("positive"), json::parse(R"({"offset":-3,"bucketCounts":["1","0","2"]})"));
  EXPECT_EQ(ep.at("negative"), json::parse(R"({"offset":5,"bucketCounts":["3"]})"));
  EXPECT_EQ(ep.at("min"), -40.0);
  EXPECT_EQ(ep.at("max"), 1.5);
  const json& ee = eh.at("dataPoints").at(1);
  EXPECT_EQ(ee.at("scale"), 20);
  EXPECT_FALSE(ee.contains("sum"));
  EXPECT_EQ(ee.at("positive").at("bucketCounts"), json::array());

  // Second, empty scope.
  const json& empty_scope = rm.at("scopeMetrics").at(1);
  EXPECT_EQ(empty_scope.at("scope").at("name"), "");
  EXPECT_EQ(empty_scope.at("metrics"), json::array());
}

TEST(OtlpJsonTest, DoublesRoundTrip) {
  for (double v : {0.1, 1.0 / 3.0, 1e-310, 5e-324, 1.7976931348623157e308, -0.0, 123456789.0}) {
    ResourceMetrics rm;
    rm.resource = Resource(AttributeSet{{"d", v}});
    const json doc = json::parse(EncodeOtlpJson(rm));
    const double back =
        doc["resourceMetrics"][0]["resource"]["attributes"][0]["value"]["doubleValue"];
    EXPECT_EQ(back, v);
    EXPECT_EQ(std::signbit(back), std::signbit(v));
  }
}

TEST(OtlpJsonTest, EscapesEveryControlCharacter) {
  std::string all;
  for (int c = 0; c < 0x20; ++c) all.push_back(static_cast<char>(c));
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"k", all}});
  const std::string text = EncodeOtlpJson(rm);
  for (char c : text) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
  EXPECT_NE(text.find("\\u0000\\u0001"), std::string::npos);
  EXPECT_NE(text.find("\\b\\t\\n\\u000b\\f\\r"), std::string::npos);
  const json doc = json::parse(text);
  EXPECT_EQ(doc["resourceMetrics"][0]["resource"]["attributes"][0]["value"]["stringValue"], all);
}

TEST(OtlpJsonTest, InvalidUtf8BecomesReplacementCharacter) {
  const struct {
    std::string in;
    std::string out;
  } cases[] = {
      {"a\xFF"
       "b",
       "a\xEF\xBF\xBD"
       "b"},
      {"\xC3", "\xEF\xBF\xBD"},                                                  // Truncated.
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},                                  // Overlong.
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},                  // Surrogate.
      {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // Above U+10FFFF.
      {"ok \xE2\x82\xAC", "ok \xE2\x82\xAC"},
  };
  for (const auto& c : cases) {
    const std::string& expected = c.out;
    ResourceMetrics rm;
    rm.resource = Resource(AttributeSet{{"k", c.in}});
    const json doc = json::parse(EncodeOtlpJson(rm));
    EXPECT_EQ(doc["resourceMetrics"][0]["resource"]["attributes"][0]["value"]["stringValue"],
              expected);
  }
}

TEST(OtlpJsonTest, AppendReusesBuffer) {
  std::string buffer = "prefix:";
  AppendOtlpJson(ResourceMetrics(), &buffer);
  EXPECT_EQ(buffer, "prefix:" + EncodeOtlpJson(ResourceMetrics()));
}

}  // namespace
}  // namespace cryptolake::metrics
