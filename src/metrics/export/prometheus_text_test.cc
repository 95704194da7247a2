#include "cryptolake/metrics/export/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cryptolake/metrics/sdk/diagnostics.h"
#include "export_test_util.h"
#include "prometheus_names.h"

namespace cryptolake::metrics {
namespace {

using export_test::ExpectGolden;
using export_test::ReadFile;

constexpr uint64_t kStart = 1700000000000000000ULL;
constexpr uint64_t kTime = 1700000060000000000ULL;

// Captures diagnostics for the lifetime of the object.
class DiagnosticCapture {
 public:
  DiagnosticCapture() {
    previous_ = SetDiagnosticHandler([this](const Diagnostic& d) {
      events.emplace_back(d.event);
      messages.emplace_back(d.message);
    });
  }
  ~DiagnosticCapture() { SetDiagnosticHandler(previous_); }

  std::vector<std::string> events;
  std::vector<std::string> messages;

 private:
  DiagnosticHandler previous_;
};

NumberDataPoint Point(AttributeSet attributes, std::variant<int64_t, double> value,
                      uint64_t start = kStart) {
  NumberDataPoint p;
  p.attributes = std::move(attributes);
  p.start_time_unix_nano = start;
  p.time_unix_nano = kTime;
  p.value = value;
  return p;
}

MetricData Sum(std::string name, std::string unit, bool monotonic,
               std::vector<NumberDataPoint> points, std::string description = "A sum.",
               AggregationTemporality temporality = AggregationTemporality::kCumulative) {
  MetricData m;
  m.name = std::move(name);
  m.unit = std::move(unit);
  m.description = std::move(description);
  SumData sum;
  sum.is_monotonic = monotonic;
  sum.temporality = temporality;
  sum.points = std::move(points);
  m.data = std::move(sum);
  return m;
}

MetricData Gauge(std::string name, std::string unit, std::vector<NumberDataPoint> points,
                 std::string description = "A gauge.") {
  MetricData m;
  m.name = std::move(name);
  m.unit = std::move(unit);
  m.description = std::move(description);
  for (auto& p : points) p.start_time_unix_nano = 0;
  m.data = GaugeData{std::move(points)};
  return m;
}

HistogramDataPoint HistogramPoint(AttributeSet attributes, std::vector<double> bounds,
                                  std::vector<uint64_t> counts, std::optional<double> sum) {
  HistogramDataPoint p;
  p.attributes = std::move(attributes);
  p.start_time_unix_nano = kStart;
  p.time_unix_nano = kTime;
  p.explicit_bounds = std::move(bounds);
  p.bucket_counts = std::move(counts);
  for (uint64_t c : p.bucket_counts) p.count += c;
  p.sum = sum;
  return p;
}

MetricData Histogram(std::string name, std::string unit, std::vector<HistogramDataPoint> points,
                     AggregationTemporality temporality = AggregationTemporality::kCumulative) {
  MetricData m;
  m.name = std::move(name);
  m.unit = std::move(unit);
  m.description = "A histogram.";
  HistogramData h;
  h.temporality = temporality;
  h.points = std::move(points);
  m.data = std::move(h);
  return m;
}

ResourceMetrics OneScope(std::vector<MetricData> metrics, std::string scope = "test.scope",
                         std::string version = "1.2.3") {
  ResourceMetrics rm;
  ScopeMetrics sm;
  sm.scope.name = std::move(scope);
  sm.scope.version = std::move(version);
  sm.metrics = std::move(metrics);
  rm.scope_metrics.push_back(std::move(sm));
  return rm;
}

PrometheusTextOptions Bare() {
  PrometheusTextOptions o;
  o.without_scope_info = true;
  o.without_target_info = true;
  return o;
}

// The translated name of a single-metric export (the name on its TYPE line).
std::string TypeLineName(const MetricData& metric, PrometheusTextOptions options = Bare()) {
  const std::string text = EncodePrometheusText(OneScope({metric}), options);
  const size_t at = text.find("# TYPE ");
  if (at == std::string::npos) return "<no TYPE line in: " + text + ">";
  const size_t end = text.find(' ', at + 7);
  return text.substr(at + 7, end - at - 7);
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

MetricData Counter(std::string name, std::string unit = "") {
  return Sum(std::move(name), std::move(unit), true, {Point({}, int64_t{1})});
}
MetricData UpDown(std::string name, std::string unit = "") {
  return Sum(std::move(name), std::move(unit), false, {Point({}, int64_t{1})});
}
MetricData OneGauge(std::string name, std::string unit = "") {
  return Gauge(std::move(name), std::move(unit), {Point({}, 1.5)});
}

// ---- names ----

TEST(PrometheusNameTest, InvalidCharactersBecomeOneUnderscore) {
  EXPECT_EQ(TypeLineName(OneGauge("http.server.active_requests")), "http_server_active_requests");
  EXPECT_EQ(TypeLineName(OneGauge("a..b--c")), "a_b_c");
  EXPECT_EQ(TypeLineName(OneGauge("a__b")), "a_b");  // Existing runs collapse too (spec).
  EXPECT_EQ(TypeLineName(OneGauge("rate:per/node")), "rate:per_node");  // ':' is legal.
  EXPECT_EQ(TypeLineName(OneGauge("caf\xC3\xA9.hits")), "caf_hits");
}

TEST(PrometheusNameTest, LeadingDigitGetsUnderscorePrefix) {
  EXPECT_EQ(TypeLineName(OneGauge("5xx.errors")), "_5xx_errors");
}

TEST(PrometheusNameTest, UnitWords) {
  EXPECT_EQ(PrometheusUnit("s", false), "seconds");
  EXPECT_EQ(PrometheusUnit("ms", false), "milliseconds");
  EXPECT_EQ(PrometheusUnit("us", false), "microseconds");
  EXPECT_EQ(PrometheusUnit("ns", false), "nanoseconds");
  EXPECT_EQ(PrometheusUnit("By", false), "bytes");
  EXPECT_EQ(PrometheusUnit("KiBy", false), "kibibytes");
  EXPECT_EQ(PrometheusUnit("MiBy", false), "mebibytes");
  EXPECT_EQ(PrometheusUnit("GiBy", false), "gibibytes");
  EXPECT_EQ(PrometheusUnit("Cel", false), "celsius");
  EXPECT_EQ(PrometheusUnit("By/s", false), "bytes_per_second");
  EXPECT_EQ(PrometheusUnit("m/s", false), "meters_per_second");
  EXPECT_EQ(PrometheusUnit("{request}/s", false), "per_second");
  EXPECT_EQ(PrometheusUnit("1/s", false), "per_second");
  EXPECT_EQ(PrometheusUnit("{packet}", false), "");
  EXPECT_EQ(PrometheusUnit("1", true), "ratio");
  EXPECT_EQ(PrometheusUnit("1", false), "");
  EXPECT_EQ(PrometheusUnit("packets", false), "packets");  // Unknown: kept, sanitised.
  EXPECT_EQ(PrometheusUnit("", false), "");
}

TEST(PrometheusNameTest, UnitSuffixBeforeTypeSuffix) {
  EXPECT_EQ(TypeLineName(Counter("rpc.duration", "ms")), "rpc_duration_milliseconds_total");
  EXPECT_EQ(TypeLineName(Counter("net.io", "By")), "net_io_bytes_total");
  EXPECT_EQ(TypeLineName(OneGauge("net.rate", "By/s")), "net_rate_bytes_per_second");
  EXPECT_EQ(TypeLineName(OneGauge("memory.usage", "KiBy")), "memory_usage_kibibytes");
  EXPECT_EQ(TypeLineName(Histogram("http.server.duration", "s", {})),
            "http_server_duration_seconds");
}

TEST(PrometheusNameTest, RatioOnlyForGauges) {
  EXPECT_EQ(TypeLineName(OneGauge("cpu.utilization", "1")), "cpu_utilization_ratio");
  EXPECT_EQ(TypeLineName(UpDown("cpu.share", "1")), "cpu_share_ratio");  // Exposed as a gauge.
  EXPECT_EQ(TypeLineName(Counter("things", "1")), "things_total");
}

TEST(PrometheusNameTest, UnitNotAppendedTwice) {
  EXPECT_EQ(TypeLineName(OneGauge("request_duration_seconds", "s")), "request_duration_seconds");
  EXPECT_EQ(TypeLineName(Counter("io_bytes_total", "By")), "io_bytes_total");
  EXPECT_EQ(TypeLineName(Counter("io.bytes", "By")), "io_bytes_total");
  EXPECT_EQ(TypeLineName(OneGauge("seconds", "s")), "seconds");
}

// Pitfall: a counter already named *_total must not become *_total_total.
TEST(PrometheusNameTest, NoTotalTotal) {
  EXPECT_EQ(TypeLineName(Counter("http.requests_total")), "http_requests_total");
  EXPECT_EQ(TypeLineName(Counter("http.requests.total")), "http_requests_total");
  EXPECT_EQ(TypeLineName(Counter("retries")), "retries_total");
  // With a unit, the unit goes before the one _total.
  EXPECT_EQ(TypeLineName(Counter("cpu.time_total", "s")), "cpu_time_seconds_total");
  const std::string om = EncodePrometheusText(OneScope({Counter("http.requests_total")}), Bare(),
                                              {PrometheusFormat::kOpenMetrics100});
  EXPECT_EQ(Count(om, "_total_total"), 0u) << om;
  EXPECT_NE(om.find("http_requests_total 1\n"), std::string::npos) << om;
}

// Pitfall: "{packet}"-style annotations must not leak into names (no braces, no "packet").
TEST(PrometheusNameTest, CurlyBraceUnitNeverLeaksIntoName) {
  EXPECT_EQ(TypeLineName(Counter("network.packets", "{packet}")), "network_packets_total");
  EXPECT_EQ(TypeLineName(UpDown("queue.items", "{item}")), "queue_items");
  EXPECT_EQ(TypeLineName(OneGauge("req.rate", "{request}/s")), "req_rate_per_second");
  EXPECT_EQ(TypeLineName(Counter("odd", "{unclosed")), "odd_total");
  const std::string text = EncodePrometheusText(OneScope({Counter("network.packets", "{packet}")}),
                                                Bare(), {PrometheusFormat::kOpenMetrics100});
  EXPECT_EQ(text.find('{'), std::string::npos) << text;
  EXPECT_EQ(text.find("# UNIT"), std::string::npos) << text;
}

TEST(PrometheusNameTest, OptionsWithoutUnitsAndTypeSuffix) {
  PrometheusTextOptions o = Bare();
  o.without_units = true;
  EXPECT_EQ(TypeLineName(Counter("rpc.duration", "ms"), o), "rpc_duration_total");
  o.without_units = false;
  o.without_type_suffix = true;
  EXPECT_EQ(TypeLineName(Counter("rpc.duration", "ms"), o), "rpc_duration_milliseconds");
  // A user's own _total stays; none is added.
  EXPECT_EQ(TypeLineName(Counter("http.requests_total"), o), "http_requests_total");
}

TEST(PrometheusNameTest, TranslationStrategies) {
  PrometheusTextOptions o = Bare();
  o.translation_strategy = PrometheusTranslationStrategy::kUnderscoreEscapingWithoutSuffixes;
  EXPECT_EQ(TypeLineName(Counter("rpc.duration", "ms"), o), "rpc_duration");
  // Names kept, suffixes added; on text 0.0.4 the underscores escaping still applies.
  o.translation_strategy = PrometheusTranslationStrategy::kNoUTF8EscapingWithSuffixes;
  EXPECT_EQ(TypeLineName(Counter("rpc.duration", "ms"), o), "rpc_duration_milliseconds_total");
  const PrometheusExposition utf8{PrometheusFormat::kText100, PrometheusEscaping::kAllowUtf8};
  std::string text = EncodePrometheusText(OneScope({Counter("rpc.duration", "ms")}), o, utf8);
  EXPECT_NE(text.find("# TYPE \"rpc.duration_milliseconds_total\" counter\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("{\"rpc.duration_milliseconds_total\"} 1\n"), std::string::npos) << text;
  o.translation_strategy = PrometheusTranslationStrategy::kNoTranslation;
  text = EncodePrometheusText(OneScope({Counter("rpc.duration", "ms")}), o, utf8);
  EXPECT_NE(text.find("{\"rpc.duration\"} 1\n"), std::string::npos) << text;
}

// ---- types and samples ----

TEST(PrometheusTextTest, CounterGaugeAndUpDownCounter) {
  const std::string text = EncodePrometheusText(
      OneScope({Counter("c"), UpDown("u"), OneGauge("g")}), Bare());
  EXPECT_EQ(text,
            "# HELP c_total A sum.\n# TYPE c_total counter\nc_total 1\n"
            "# HELP u A sum.\n# TYPE u gauge\nu 1\n"
            "# HELP g A gauge.\n# TYPE g gauge\ng 1.5\n");
}

TEST(PrometheusTextTest, HistogramBucketsAreCumulativeWithInf) {
  const std::string text = EncodePrometheusText(
      OneScope({Histogram("lat", "s",
                          {HistogramPoint({{"path", std::string("/a")}}, {0.1, 1, 10},
                                          {2, 3, 0, 1}, 12.5)})}),
      Bare());
  EXPECT_EQ(text,
            "# HELP lat_seconds A histogram.\n# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{path=\"/a\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{path=\"/a\",le=\"1\"} 5\n"
            "lat_seconds_bucket{path=\"/a\",le=\"10\"} 5\n"
            "lat_seconds_bucket{path=\"/a\",le=\"+Inf\"} 6\n"
            "lat_seconds_count{path=\"/a\"} 6\n"
            "lat_seconds_sum{path=\"/a\"} 12.5\n");
}

TEST(PrometheusTextTest, HistogramWithoutSumOmitsSumLine) {
  const std::string text = EncodePrometheusText(
      OneScope({Histogram("h", "", {HistogramPoint({}, {1}, {1, 1}, std::nullopt)})}), Bare());
  EXPECT_EQ(Count(text, "h_sum"), 0u) << text;
  EXPECT_NE(text.find("h_count 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_bucket{le=\"+Inf\"} 2\n"), std::string::npos) << text;
}

TEST(PrometheusTextTest, NumberFormatting) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::string text = EncodePrometheusText(
      OneScope({Gauge("g", "",
                      {Point({{"k", std::string("a")}}, inf), Point({{"k", std::string("b")}}, -inf),
                       Point({{"k", std::string("c")}}, std::nan("")),
                       Point({{"k", std::string("d")}}, int64_t{9007199254740993}),
                       Point({{"k", std::string("e")}}, int64_t{-9223372036854775807 - 1}),
                       Point({{"k", std::string("f")}}, 0.1), Point({{"k", std::string("g")}}, 1e300)})}),
      Bare());
  EXPECT_NE(text.find("g{k=\"a\"} +Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"b\"} -Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"c\"} NaN\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"d\"} 9007199254740993\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"e\"} -9223372036854775808\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"f\"} 0.1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{k=\"g\"} 1e+300\n"), std::string::npos) << text;
}

TEST(PrometheusTextTest, LabelValuesEscaped) {
  const std::string text = EncodePrometheusText(
      OneScope({OneGauge("g")}), PrometheusTextOptions{});  // Scope labels on.
  EXPECT_NE(text.find("g{otel_scope_name=\"test.scope\",otel_scope_version=\"1.2.3\"} 1.5\n"),
            std::string::npos)
      << text;
  const std::string escaped = EncodePrometheusText(
      OneScope({Gauge("g", "", {Point({{"v", std::string("a\\b\"c\nd")}}, int64_t{1})},
                      "help with \\ and\nnewline and \"quotes\"")}),
      Bare());
  EXPECT_NE(escaped.find("g{v=\"a\\\\b\\\"c\\nd\"} 1\n"), std::string::npos) << escaped;
  EXPECT_NE(escaped.find("# HELP g help with \\\\ and\\nnewline and \"quotes\"\n"),
            std::string::npos)
      << escaped;
  const std::string om = EncodePrometheusText(
      OneScope({Gauge("g", "", {Point({}, int64_t{1})}, "say \"hi\"")}), Bare(),
      {PrometheusFormat::kOpenMetrics100});
  EXPECT_NE(om.find("# HELP g say \\\"hi\\\"\n"), std::string::npos) << om;
}

// Prometheus rejects a scrape with invalid UTF-8 in a label value: such bytes become U+FFFD,
// valid multi-byte characters pass through.
TEST(PrometheusTextTest, InvalidUtf8InLabelValuesAndHelpReplaced) {
  const std::string text = EncodePrometheusText(
      OneScope({Gauge("g", "", {Point({{"v", std::string("ok\xC3\xA9 bad\xFF\xC3")}}, int64_t{1})},
                      "help \xE2\x82\xAC \x80")}),
      Bare());
  EXPECT_NE(text.find("g{v=\"ok\xC3\xA9 bad\xEF\xBF\xBD\xEF\xBF\xBD\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# HELP g help \xE2\x82\xAC \xEF\xBF\xBD\n"), std::string::npos) << text;
}

TEST(PrometheusTextTest, NonStringAttributeValues) {
  const std::string text = EncodePrometheusText(
      OneScope({Gauge("g", "",
                      {Point({{"b", true},
                              {"i", int64_t{-3}},
                              {"d", 0.25},
                              {"s", std::vector<std::string>{"x", "y\"z"}},
                              {"n", std::vector<int64_t>{1, 2}}},
                             int64_t{1})})}),
      Bare());
  EXPECT_NE(text.find("g{b=\"true\",d=\"0.25\",i=\"-3\",n=\"[1,2]\",s=\"[\\\"x\\\",\\\"y\\\\\\\"z\\\"]\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(PrometheusTextTest, AttributeKeysSanitisedAndCollisionsMergedWithSemicolon) {
  const std::string text = EncodePrometheusText(
      OneScope({Gauge("g", "",
                      {Point({{"http.method", std::string("GET")},
                              {"http_method", std::string("POST")},
                              {"http-method", std::string("PUT")},
                              {"9lives", std::string("cat")}},
                             int64_t{1})})}),
      Bare());
  // Original keys in lexicographic order: "http-method" < "http.method" < "http_method".
  EXPECT_NE(text.find("g{_9lives=\"cat\",http_method=\"PUT;GET;POST\"} 1\n"), std::string::npos)
      << text;
}

// Runs of '_' collapse in keys too, so no attribute becomes a reserved "__" label.
TEST(PrometheusTextTest, NoReservedDoubleUnderscoreLabels) {
  const std::string text = EncodePrometheusText(
      OneScope({Gauge("g", "", {Point({{"__name__", std::string("x")}, {"a__b", std::string("y")}}, int64_t{1})})}),
      Bare());
  EXPECT_NE(text.find("g{_name_=\"x\",a_b=\"y\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(Count(text, "__"), 0u) << text;
}

TEST(PrometheusTextTest, AttributesCollidingWithExporterLabelsAreDropped) {
  const std::string text = EncodePrometheusText(
      OneScope({Histogram("h", "",
                          {HistogramPoint({{"le", std::string("x")},
                                           {"otel.scope.name", std::string("spoof")}},
                                          {}, {1}, 1.0)})}),
      PrometheusTextOptions{.without_target_info = true});
  EXPECT_EQ(Count(text, "spoof"), 0u) << text;
  EXPECT_EQ(Count(text, "le=\"x\""), 0u) << text;
  EXPECT_NE(text.find("h_bucket{otel_scope_name=\"test.scope\",otel_scope_version=\"1.2.3\",le=\"+Inf\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(PrometheusTextTest, ScopeVersionOmittedWhenEmptyAndScopeInfoOptional) {
  std::string text = EncodePrometheusText(OneScope({OneGauge("g")}, "s", ""),
                                          PrometheusTextOptions{.without_target_info = true});
  EXPECT_NE(text.find("g{otel_scope_name=\"s\"} 1.5\n"), std::string::npos) << text;
  text = EncodePrometheusText(OneScope({OneGauge("g")}, "s", "1"), Bare());
  EXPECT_EQ(Count(text, "otel_scope"), 0u) << text;
}

TEST(PrometheusTextTest, TargetInfoFromResource) {
  ResourceMetrics rm = OneScope({OneGauge("g")});
  rm.resource = Resource(AttributeSet{{"service.name", std::string("svc")},
                                      {"service.instance.id", std::string("abc")},
                                      {"host.cores", int64_t{2}}});
  std::string text = EncodePrometheusText(rm, PrometheusTextOptions{.without_scope_info = true});
  EXPECT_EQ(text.rfind(
                "# HELP target_info Target metadata\n# TYPE target_info gauge\n"
                "target_info{host_cores=\"2\",service_instance_id=\"abc\",service_name=\"svc\"} 1\n",
                0),
            0u)
      << text;
  // Exactly one target_info; none with the option or with an empty resource.
  EXPECT_EQ(Count(text, "target_info{"), 1u);
  text = EncodePrometheusText(rm, Bare());
  EXPECT_EQ(Count(text, "target_info"), 0u) << text;
  rm.resource = Resource();
  text = EncodePrometheusText(rm, PrometheusTextOptions{});
  EXPECT_EQ(Count(text, "target_info"), 0u) << text;
}

// Pitfall: the same metric from two scopes must give one family (one HELP, one TYPE).
TEST(PrometheusTextTest, DuplicateFamiliesAcrossScopesMergedIntoOne) {
  ResourceMetrics rm = OneScope({Counter("jobs")}, "scope.a", "1");
  ScopeMetrics second;
  second.scope.name = "scope.b";
  second.metrics.push_back(Sum("jobs", "", true, {Point({}, int64_t{7})}, "Another text."));
  rm.scope_metrics.push_back(second);
  DiagnosticCapture diagnostics;
  const std::string text = EncodePrometheusText(rm, PrometheusTextOptions{});
  EXPECT_EQ(text,
            "# HELP jobs_total A sum.\n# TYPE jobs_total counter\n"
            "jobs_total{otel_scope_name=\"scope.a\",otel_scope_version=\"1\"} 1\n"
            "jobs_total{otel_scope_name=\"scope.b\"} 7\n");
  // Differing descriptions: the first is kept, with a warning, and no point is lost.
  ASSERT_EQ(diagnostics.events.size(), 1u);
  EXPECT_EQ(diagnostics.events[0], "PrometheusHelpConflict");
}

TEST(PrometheusTextTest, NoRepeatedHelpOrTypeInRichExport) {
  ResourceMetrics rm = OneScope({Counter("a"), OneGauge("b"), Counter("a"), OneGauge("b")});
  const std::string text = EncodePrometheusText(rm, Bare());
  EXPECT_EQ(Count(text, "# TYPE a_total"), 1u) << text;
  EXPECT_EQ(Count(text, "# HELP a_total"), 1u) << text;
  EXPECT_EQ(Count(text, "# TYPE b "), 1u) << text;
}

// Pitfall: a later metric whose family name exists with another TYPE is dropped, and the user
// hears about it once, not once per scrape.
TEST(PrometheusTextTest, ConflictingTypeDropsLaterMetricWithOneWarning) {
  ResourceMetrics rm = OneScope({UpDown("queue.size"), Histogram("queue.size", "", {HistogramPoint({}, {1}, {1, 0}, 0.5)}),
                                 Gauge("queue_size", "", {Point({}, int64_t{42})}, "A sum.")});
  DiagnosticCapture diagnostics;
  PrometheusTextEncoder encoder(Bare());
  for (int scrape = 0; scrape < 3; ++scrape) {
    std::string text;
    EXPECT_EQ(encoder.Append(rm, {}, &text), 1u);
    EXPECT_EQ(Count(text, "# TYPE queue_size "), 1u) << text;
    EXPECT_EQ(Count(text, "histogram"), 0u) << text;
    EXPECT_EQ(Count(text, "queue_size_bucket"), 0u) << text;
    EXPECT_NE(text.find("queue_size 1\nqueue_size 42\n"), std::string::npos) << text;
  }
  ASSERT_EQ(diagnostics.events.size(), 1u);
  EXPECT_EQ(diagnostics.events[0], "PrometheusTypeConflict");
  EXPECT_NE(diagnostics.messages[0].find("queue_size"), std::string::npos);
}

TEST(PrometheusTextTest, ExponentialHistogramDroppedWithWarning) {
  MetricData exp;
  exp.name = "exp";
  ExponentialHistogramData data;
  data.points.emplace_back();
  exp.data = data;
  DiagnosticCapture diagnostics;
  PrometheusTextEncoder encoder(Bare());
  std::string text;
  EXPECT_EQ(encoder.Append(OneScope({exp, OneGauge("g")}), {}, &text), 1u);
  EXPECT_EQ(Count(text, "exp"), 0u) << text;
  EXPECT_NE(text.find("g 1.5\n"), std::string::npos);
  ASSERT_EQ(diagnostics.events.size(), 1u);
  EXPECT_EQ(diagnostics.events[0], "PrometheusMetricDropped");
}

TEST(PrometheusTextTest, DeltaSumsAndHistogramsAccumulateAcrossScrapes) {
  PrometheusTextEncoder encoder(Bare());
  auto delta_sum = [](int64_t v, uint64_t start) {
    return Sum("reqs", "", true, {Point({{"k", std::string("v")}}, v, start)}, "A sum.",
               AggregationTemporality::kDelta);
  };
  auto delta_hist = [](std::vector<uint64_t> counts, double sum) {
    return Histogram("lat", "", {HistogramPoint({}, {1}, std::move(counts), sum)},
                     AggregationTemporality::kDelta);
  };
  const PrometheusExposition om{PrometheusFormat::kOpenMetrics100};
  std::string first;
  encoder.Append(OneScope({delta_sum(3, kStart), delta_hist({1, 0}, 0.5)}), om, &first);
  EXPECT_NE(first.find("reqs_total{k=\"v\"} 3\nreqs_created{k=\"v\"} 1700000000\n"),
            std::string::npos)
      << first;
  std::string second;
  encoder.Append(OneScope({delta_sum(4, kTime), delta_hist({0, 2}, 9)}), om, &second);
  // Running totals, and the start time stays the first delta's.
  EXPECT_NE(second.find("reqs_total{k=\"v\"} 7\nreqs_created{k=\"v\"} 1700000000\n"),
            std::string::npos)
      << second;
  EXPECT_NE(second.find("lat_bucket{le=\"1.0\"} 1\nlat_bucket{le=\"+Inf\"} 3\nlat_count 3\nlat_sum 9.5\n"),
            std::string::npos)
      << second;
}

TEST(PrometheusTextTest, DeltaNonMonotonicSumDropped) {
  DiagnosticCapture diagnostics;
  const std::string text = EncodePrometheusText(
      OneScope({Sum("d", "", false, {Point({}, int64_t{1})}, "x", AggregationTemporality::kDelta)}),
      Bare());
  EXPECT_EQ(text, "");
  ASSERT_EQ(diagnostics.events.size(), 1u);
}

// ---- OpenMetrics ----

TEST(PrometheusOpenMetricsTest, CounterFamilyCreatedUnitAndEof) {
  ResourceMetrics rm = OneScope(
      {Sum("rpc.duration", "s", true, {Point({{"m", std::string("get")}}, 1.5)}, "Time spent."),
       Histogram("lat", "ms", {HistogramPoint({}, {5, 10}, {1, 0, 0}, 2)})});
  rm.resource = Resource(AttributeSet{{"service.name", std::string("svc")}});
  const std::string text = EncodePrometheusText(rm, PrometheusTextOptions{.without_scope_info = true},
                                                {PrometheusFormat::kOpenMetrics100});
  EXPECT_EQ(text,
            "# HELP target Target metadata\n# TYPE target info\n"
            "target_info{service_name=\"svc\"} 1\n"
            "# HELP rpc_duration_seconds Time spent.\n# TYPE rpc_duration_seconds counter\n"
            "# UNIT rpc_duration_seconds seconds\n"
            "rpc_duration_seconds_total{m=\"get\"} 1.5\n"
            "rpc_duration_seconds_created{m=\"get\"} 1700000000\n"
            "# HELP lat_milliseconds A histogram.\n# TYPE lat_milliseconds histogram\n"
            "# UNIT lat_milliseconds milliseconds\n"
            "lat_milliseconds_bucket{le=\"5.0\"} 1\n"
            "lat_milliseconds_bucket{le=\"10.0\"} 1\n"
            "lat_milliseconds_bucket{le=\"+Inf\"} 1\n"
            "lat_milliseconds_count 1\n"
            "lat_milliseconds_sum 2\n"
            "lat_milliseconds_created 1700000000\n"
            "# EOF\n");
}

TEST(PrometheusOpenMetricsTest, EmptyExportIsJustEof) {
  EXPECT_EQ(EncodePrometheusText(ResourceMetrics(), {}, {PrometheusFormat::kOpenMetrics100}),
            "# EOF\n");
  EXPECT_EQ(EncodePrometheusText(ResourceMetrics(), {}, {}), "");
}

// ---- escaping schemes ----

TEST(PrometheusEscapingTest, Schemes) {
  using prometheus::EscapeName;
  EXPECT_EQ(EscapeName("my.metric", PrometheusEscaping::kUnderscores, true), "my_metric");
  EXPECT_EQ(EscapeName("1a", PrometheusEscaping::kUnderscores, true), "_1a");
  EXPECT_EQ(EscapeName("caf\xC3\xA9", PrometheusEscaping::kUnderscores, true), "caf_");
  EXPECT_EQ(EscapeName("my.metric", PrometheusEscaping::kAllowUtf8, true), "my.metric");
  EXPECT_EQ(EscapeName("my.metric_x", PrometheusEscaping::kDots, true), "my_dot_metric__x");
  EXPECT_EQ(EscapeName("my_metric", PrometheusEscaping::kValues, true), "my_metric");
  EXPECT_EQ(EscapeName("my.metric_x", PrometheusEscaping::kValues, true), "U__my_2e_metric__x");
  EXPECT_EQ(EscapeName("caf\xC3\xA9", PrometheusEscaping::kValues, true), "U__caf_e9_");
  EXPECT_EQ(EscapeName("a:b", PrometheusEscaping::kUnderscores, false), "a_b");  // Labels: no ':'.
}

TEST(PrometheusEscapingTest, AllowUtf8QuotesNamesAndLabels) {
  PrometheusTextOptions o = Bare();
  o.translation_strategy = PrometheusTranslationStrategy::kNoTranslation;
  const std::string text = EncodePrometheusText(
      OneScope({Gauge("my.metric", "", {Point({{"my.label", std::string("x")}, {"ok", std::string("y")}}, int64_t{1})},
                      "Dotted.")}),
      o, {PrometheusFormat::kText100, PrometheusEscaping::kAllowUtf8});
  EXPECT_EQ(text,
            "# HELP \"my.metric\" Dotted.\n# TYPE \"my.metric\" gauge\n"
            "{\"my.metric\",\"my.label\"=\"x\",ok=\"y\"} 1\n");
  // The same request on text 0.0.4 is escaped with underscores whatever the escaping asked.
  const std::string legacy = EncodePrometheusText(
      OneScope({Gauge("my.metric", "", {Point({{"my.label", std::string("x")}}, int64_t{1})})}), o,
      {PrometheusFormat::kText004, PrometheusEscaping::kAllowUtf8});
  EXPECT_NE(legacy.find("my_metric{my_label=\"x\"} 1\n"), std::string::npos) << legacy;
}

// ---- content negotiation ----

TEST(PrometheusNegotiationTest, DefaultsToText004) {
  for (const char* accept : {"", "*/*", "text/plain", "text/plain;version=0.0.4",
                             "application/json", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"}) {
    const PrometheusExposition e = NegotiatePrometheusExposition(accept);
    EXPECT_EQ(e.format, PrometheusFormat::kText004) << accept;
    EXPECT_EQ(e.escaping, PrometheusEscaping::kUnderscores) << accept;
    EXPECT_EQ(e.content_type, "text/plain; version=0.0.4; charset=utf-8") << accept;
  }
}

TEST(PrometheusNegotiationTest, Prometheus2AcceptHeaderGetsOpenMetrics) {
  const PrometheusExposition e = NegotiatePrometheusExposition(
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
  EXPECT_EQ(e.format, PrometheusFormat::kOpenMetrics100);
  EXPECT_EQ(e.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(PrometheusNegotiationTest, Prometheus3EscapingParameter) {
  PrometheusExposition e = NegotiatePrometheusExposition(
      "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
      "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
  EXPECT_EQ(e.format, PrometheusFormat::kOpenMetrics100);
  EXPECT_EQ(e.escaping, PrometheusEscaping::kAllowUtf8);
  EXPECT_EQ(e.content_type,
            "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8");
  e = NegotiatePrometheusExposition("text/plain;version=1.0.0;escaping=dots");
  EXPECT_EQ(e.format, PrometheusFormat::kText100);
  EXPECT_EQ(e.escaping, PrometheusEscaping::kDots);
  EXPECT_EQ(e.content_type, "text/plain; version=1.0.0; charset=utf-8; escaping=dots");
  e = NegotiatePrometheusExposition("text/plain;version=1.0.0;escaping=bogus");
  EXPECT_EQ(e.escaping, PrometheusEscaping::kUnderscores);
  e = NegotiatePrometheusExposition("text/plain;version=0.0.4;escaping=allow-utf-8");
  EXPECT_EQ(e.escaping, PrometheusEscaping::kUnderscores);  // 0.0.4 cannot quote names.
}

TEST(PrometheusNegotiationTest, QualityDecidesAndZeroExcludes) {
  EXPECT_EQ(NegotiatePrometheusExposition("text/plain;q=0.9, application/openmetrics-text;q=0.3").format,
            PrometheusFormat::kText004);
  EXPECT_EQ(NegotiatePrometheusExposition("application/openmetrics-text;q=0").format,
            PrometheusFormat::kText004);
  EXPECT_EQ(NegotiatePrometheusExposition("Application/OpenMetrics-Text; Version=1.0.0").format,
            PrometheusFormat::kOpenMetrics100);
  EXPECT_EQ(NegotiatePrometheusExposition("application/openmetrics-text;version=0.0.1").format,
            PrometheusFormat::kText004);
}

// ---- golden files and promtool ----

// A rich export: every point kind, units, a merged family from two scopes, escaping, a dropped
// exponential histogram, and a resource.
ResourceMetrics RichExport() {
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"service.name", std::string("cryptolake-ingest")},
                                      {"service.instance.id", std::string("host-1:4242")},
                                      {"telemetry.sdk.language", std::string("cpp")},
                                      {"host.cores", int64_t{2}}});
  ScopeMetrics ingest;
  ingest.scope.name = "cryptolake.ingest";
  ingest.scope.version = "0.1.0";
  ingest.metrics.push_back(Sum("ingest.records", "{record}", true,
                               {Point({{"exchange", std::string("binance")},
                                       {"symbol", std::string("BTCUSDT")}},
                                      int64_t{9007199254740993}),
                                Point({{"exchange", std::string("binance")},
                                       {"symbol", std::string("ETHUSDT")}},
                                      int64_t{12})},
                               "Records ingested."));
  ingest.metrics.push_back(Sum("http.client.requests_total", "", true,
                               {Point({{"http.response.status_code", int64_t{200}}}, int64_t{5})},
                               "HTTP requests sent."));
  ingest.metrics.push_back(Sum("network.io", "By", true,
                               {Point({{"direction", std::string("receive")}}, 1.5e9)},
                               "Bytes moved."));
  ingest.metrics.push_back(Sum("ingest.queue.depth", "{file}", false,
                               {Point({{"stage", std::string("convert")}}, int64_t{-2})},
                               "Files waiting."));
  ingest.metrics.push_back(Gauge("process.cpu.utilization", "1",
                                 {Point({{"state", std::string("user")}}, 0.25)},
                                 "CPU use, \"per core\"\\ratio."));
  ingest.metrics.push_back(Gauge("download.rate", "By/s",
                                 {Point({{"url.path", std::string("/data/\"spot\"\n")}},
                                        std::numeric_limits<double>::infinity())},
                                 "Download rate."));
  ingest.metrics.push_back(Histogram(
      "ingest.duration", "s",
      {HistogramPoint({{"data_type", std::string("aggTrades")}}, {0.005, 0.01, 0.1, 1, 10},
                      {1, 4, 10, 3, 1, 0}, 4.75),
       HistogramPoint({{"data_type", std::string("klines")}}, {0.005, 0.01, 0.1, 1, 10},
                      {0, 0, 0, 0, 0, 2}, 31)}));
  MetricData exp;
  exp.name = "ingest.size";
  exp.data = ExponentialHistogramData{};
  ingest.metrics.push_back(exp);
  rm.scope_metrics.push_back(ingest);

  ScopeMetrics archive;
  archive.scope.name = "cryptolake.archive";
  archive.metrics.push_back(Sum("ingest.records", "{record}", true,
                                {Point({{"exchange", std::string("binance")},
                                        {"symbol", std::string("BTCUSDT")}},
                                       int64_t{3})},
                                "Records ingested."));
  rm.scope_metrics.push_back(archive);
  return rm;
}

TEST(PrometheusGoldenTest, Text004) {
  DiagnosticCapture quiet;
  ExpectGolden("prometheus_text_0.0.4.txt", EncodePrometheusText(RichExport()));
}

TEST(PrometheusGoldenTest, OpenMetrics100) {
  DiagnosticCapture quiet;
  ExpectGolden("prometheus_openmetrics_1.0.0.txt",
               EncodePrometheusText(RichExport(), {}, {PrometheusFormat::kOpenMetrics100}));
}

// promtool (Debian package prometheus) parses and lints the text 0.0.4 output: exit 0 and no
// output when clean.
TEST(PrometheusPromtoolTest, EncoderOutputPassesPromtoolCheckMetrics) {
  const char* promtool = "/usr/bin/promtool";
  if (!std::filesystem::exists(promtool)) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus): not checked";
  }
  DiagnosticCapture quiet;
  const std::string dir = testing::TempDir();
  const std::string in = dir + "/prometheus_promtool_in.txt";
  const std::string report = dir + "/prometheus_promtool_out.txt";
  std::ofstream(in, std::ios::binary) << EncodePrometheusText(RichExport());
  const std::string command =
      std::string(promtool) + " check metrics < " + in + " > " + report + " 2>&1";
  const int rc = std::system(command.c_str());
  EXPECT_EQ(rc, 0) << ReadFile(report);
  EXPECT_EQ(ReadFile(report), "");
}

// Random names, units, attribute keys and values (dots, dashes, digits, quotes, newlines,
// UTF-8, colliding spellings) over three scopes with every point kind: the output must parse
// (promtool exit 0 = clean or 3 = lint findings, never 1 = parse error), and every family has
// one TYPE line with all its samples right after it.
TEST(PrometheusPromtoolTest, RandomExportsParseAndKeepFamiliesTogether) {
  const char* promtool = "/usr/bin/promtool";
  if (!std::filesystem::exists(promtool)) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus): not checked";
  }
  DiagnosticCapture quiet;
  std::mt19937 rng(20261206);
  const std::vector<std::string> pieces = {"a", "b", ".", "-", "_", "1", "req", "total", "caf\xC3\xA9",
                                           "x:y", "/", " ", "seconds"};
  const std::vector<std::string> units = {"", "s", "ms", "By", "By/s", "{packet}", "1", "%",
                                          "{req}/s", "KiBy", "weird unit"};
  const std::vector<std::string> values = {"v", "a\"b", "back\\slash", "new\nline", "\xE2\x82\xAC", ""};
  auto pick = [&rng](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  auto name = [&] {
    std::string n;
    const int len = std::uniform_int_distribution<int>(1, 4)(rng);
    for (int i = 0; i < len; ++i) n += pick(pieces);
    return n;
  };
  for (int round = 0; round < 5; ++round) {
    ResourceMetrics rm;
    rm.resource = Resource(AttributeSet{{name(), pick(values)}, {"service.name", std::string("s")}});
    for (int s = 0; s < 3; ++s) {
      ScopeMetrics sm;
      sm.scope.name = "scope" + std::to_string(s);
      for (int m = 0; m < 40; ++m) {
        std::vector<NumberDataPoint> points;
        std::vector<HistogramDataPoint> histogram_points;
        for (int p = 0; p < 3; ++p) {
          AttributeSet attributes{{name(), pick(values)}, {name(), int64_t{p}}};
          points.push_back(Point(attributes, p % 2 ? std::variant<int64_t, double>(int64_t{p})
                                                   : std::variant<int64_t, double>(0.5 * p)));
          histogram_points.push_back(HistogramPoint(attributes, {0.5, 1}, {1, 2, 3}, 4.5));
        }
        switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
          case 0:
            sm.metrics.push_back(Sum(name(), pick(units), true, points, "Help " + name()));
            break;
          case 1:
            sm.metrics.push_back(Sum(name(), pick(units), false, points, "Help " + name()));
            break;
          case 2:
            sm.metrics.push_back(Gauge(name(), pick(units), points, "Help " + name()));
            break;
          default:
            sm.metrics.push_back(Histogram(name(), pick(units), histogram_points));
        }
      }
      rm.scope_metrics.push_back(std::move(sm));
    }
    const std::string text = EncodePrometheusText(rm);
    // Families: one TYPE each, samples follow their TYPE line.
    std::set<std::string> typed;
    std::string family;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("# TYPE ", 0) == 0) {
        family = line.substr(7, line.find(' ', 7) - 7);
        EXPECT_TRUE(typed.insert(family).second) << "second TYPE for " << family;
        continue;
      }
      if (line.rfind("#", 0) == 0) continue;
      const std::string sample = line.substr(0, line.find_first_of("{ "));
      EXPECT_EQ(sample.rfind(family, 0), 0u) << sample << " outside family " << family;
    }
    const std::string dir = testing::TempDir();
    const std::string in = dir + "/prometheus_random_in.txt";
    const std::string report = dir + "/prometheus_random_out.txt";
    std::ofstream(in, std::ios::binary) << text;
    const int rc = std::system((std::string(promtool) + " check metrics < " + in + " > " + report +
                                " 2>&1").c_str());
    ASSERT_TRUE(WIFEXITED(rc));
    EXPECT_NE(WEXITSTATUS(rc), 1) << ReadFile(report) << "\n" << text;
    EXPECT_EQ(ReadFile(report).find("error while linting"), std::string::npos) << ReadFile(report);
  }
}

}  // namespace
}  // namespace cryptolake::metrics
