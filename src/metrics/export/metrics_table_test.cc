#include "cryptolake/metrics/export/metrics_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cryptolake/metrics/export/console_metric_exporter.h"

namespace cryptolake::metrics {
namespace {

// An explicit-bucket point of `values` (bucket i holds (bounds[i-1], bounds[i]]).
HistogramDataPoint Explicit(const std::vector<double>& bounds, const std::vector<double>& values,
                            bool min_max = true) {
  HistogramDataPoint p;
  p.explicit_bounds = bounds;
  p.bucket_counts.assign(bounds.size() + 1, 0);
  double sum = 0;
  for (double v : values) {
    size_t i = 0;
    while (i < bounds.size() && v > bounds[i]) ++i;
    ++p.bucket_counts[i];
    sum += v;
    if (min_max) {
      p.min = p.min ? std::min(*p.min, v) : v;
      p.max = p.max ? std::max(*p.max, v) : v;
    }
  }
  p.count = values.size();
  p.sum = sum;
  return p;
}

// An exponential point of `values` at `scale`: index i holds (b^i, b^(i+1)],
// b = 2^(2^-scale); zeros go to the zero bucket.
ExponentialHistogramDataPoint Exponential(int32_t scale, const std::vector<double>& values) {
  ExponentialHistogramDataPoint p;
  p.scale = scale;
  std::vector<std::pair<int32_t, bool>> indexes;
  int32_t lo[2] = {std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::max()};
  int32_t hi[2] = {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::min()};
  double sum = 0;
  for (double v : values) {
    p.min = p.min ? std::min(*p.min, v) : v;
    p.max = p.max ? std::max(*p.max, v) : v;
    sum += v;
    if (v == 0) {
      ++p.zero_count;
      continue;
    }
    // The smallest i with |v| <= b^(i+1); exact for the powers of two used here.
    const auto index =
        static_cast<int32_t>(std::ceil(std::log2(std::fabs(v)) * std::ldexp(1.0, scale))) - 1;
    const bool negative = v < 0;
    indexes.emplace_back(index, negative);
    lo[negative] = std::min(lo[negative], index);
    hi[negative] = std::max(hi[negative], index);
  }
  for (int sign = 0; sign < 2; ++sign) {
    ExponentialHistogramBuckets& b = sign == 1 ? p.negative : p.positive;
    if (hi[sign] < lo[sign]) continue;
    b.offset = lo[sign];
    b.bucket_counts.assign(static_cast<size_t>(hi[sign] - lo[sign] + 1), 0);
  }
  for (const auto& [index, negative] : indexes) {
    ExponentialHistogramBuckets& b = negative ? p.negative : p.positive;
    ++b.bucket_counts[static_cast<size_t>(index - b.offset)];
  }
  p.count = values.size();
  p.sum = sum;
  return p;
}

std::vector<double> Range(int from, int to) {
  std::vector<double> v;
  for (int i = from; i <= to; ++i) v.push_back(i);
  return v;
}

TEST(MetricsTableQuantileTest, ExplicitUniformIsInterpolatedWithinTheBucket) {
  // 1..100 in buckets of ten: the estimates are exact at bucket edges.
  const auto p = Explicit({10, 20, 30, 40, 50, 60, 70, 80, 90}, Range(1, 100));
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.5), 50.0);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.99), 99.0);  // Last bucket (90, max=100].
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.25), 25.0);
  // First bucket (-inf, 10] starts at min = 1: rank 5 of its 10 -> 1 + 9/2.
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.05), 5.5);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 1.0), 100.0);
}

TEST(MetricsTableQuantileTest, ExplicitSkewedDistribution) {
  // 90 values of 1 and 10 values of 1000 (default boundaries): p50 inside
  // (0, 5] clamped to [min, max] = [1, 1000]; p99 inside (750, 1000].
  std::vector<double> values(90, 1.0);
  values.insert(values.end(), 10, 1000.0);
  const auto p = Explicit({0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500}, values);
  // Bucket (0, 5] -> [1, 5], rank 50 of 90: 1 + 4 * 50/90.
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.5), 1.0 + 4.0 * 50.0 / 90.0);
  // Bucket (750, 1000]: rank 99 is 9 of its 10 -> 750 + 250 * 0.9.
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.99), 975.0);
}

TEST(MetricsTableQuantileTest, ExplicitOpenBucketsWithoutMinMax) {
  const auto above = Explicit({10, 20}, {25, 30, 35}, /*min_max=*/false);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(above, 0.5), 20.0);  // (20, +inf): its finite bound.
  const auto below = Explicit({10, 20}, {-5, -3}, /*min_max=*/false);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(below, 0.5), 10.0);  // (-inf, 10].
  // No boundaries at all: only min and max bound the single bucket.
  EXPECT_EQ(EstimateQuantile(Explicit({}, {1, 2, 3}, false), 0.5), std::nullopt);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(Explicit({}, Range(0, 100)), 0.5), 50.0);
}

TEST(MetricsTableQuantileTest, ExplicitSingleValueAndEdgeCases) {
  const auto p = Explicit({0, 5, 10}, {7, 7, 7});
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.5), 7.0);  // (5, 10] clamped to [7, 7].
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.99), 7.0);
  EXPECT_EQ(EstimateQuantile(Explicit({0, 5}, {}), 0.5), std::nullopt);  // Empty.
  EXPECT_EQ(EstimateQuantile(p, -0.1), std::nullopt);
  EXPECT_EQ(EstimateQuantile(p, 1.5), std::nullopt);
  EXPECT_EQ(EstimateQuantile(p, std::nan("")), std::nullopt);
}

TEST(MetricsTableQuantileTest, ExponentialPicksTheBucketMidpoint) {
  // 1..1000 at scale 0: bucket i = (2^i, 2^(i+1)]. Rank 500 falls in
  // (256, 512] (cumulative 512 there); rank 990 in (512, 1024], whose upper
  // boundary is clamped to max = 1000.
  const auto p = Exponential(0, Range(1, 1000));
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.5), 384.0);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.99), 756.0);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 1.0), 1000.0);
}

TEST(MetricsTableQuantileTest, ExponentialNegativeZeroAndPositive) {
  // -4, -4, 0, 3: negative buckets come first (most negative first), then
  // the zero bucket, then the positive ones.
  const auto p = Exponential(0, {-4, -4, 0, 3});
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.5), -3.0);  // [-4, -2): midpoint.
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.7), 0.0);   // Rank 2.8: the zero bucket.
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.99), 2.5);  // (2, 4] clamped to max 3.
}

TEST(MetricsTableQuantileTest, ExponentialFinerScale) {
  // Scale 2: bucket i = (2^(i/4), 2^((i+1)/4)]. 16 is the upper boundary of
  // bucket 15, 8 of bucket 11.
  const auto p = Exponential(2, {8, 16, 16, 16});
  const double b11 = std::exp2(11.0 / 4);
  const double b15 = std::exp2(15.0 / 4);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.25), (std::max(b11, 8.0) + 8.0) / 2);  // Clamped: 8.
  EXPECT_DOUBLE_EQ(*EstimateQuantile(p, 0.5), (b15 + 16.0) / 2);
  EXPECT_EQ(EstimateQuantile(ExponentialHistogramDataPoint{}, 0.5), std::nullopt);
}

// ---------------------------------------------------------------------------
// The table.

std::string GoldenPath(const std::string& name) {
  return std::string(CRYPTOLAKE_SOURCE_DIR) + "/src/metrics/export/testdata/" + name;
}

// Compares with the golden file byte for byte; CRYPTOLAKE_UPDATE_GOLDEN=1
// rewrites it (then review the diff).
void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = GoldenPath(name);
  if (const char* update = std::getenv("CRYPTOLAKE_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(path, std::ios::binary) << actual;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream expected;
  expected << in.rdbuf();
  ASSERT_FALSE(expected.str().empty()) << "missing golden file " << path;
  EXPECT_EQ(actual, expected.str()) << "golden file " << path;
}

NumberDataPoint Number(AttributeSet attributes, std::variant<int64_t, double> value) {
  NumberDataPoint p;
  p.attributes = std::move(attributes);
  p.value = value;
  return p;
}

MetricData Metric(std::string name, std::string unit,
                  std::variant<GaugeData, SumData, HistogramData, ExponentialHistogramData> data) {
  MetricData m;
  m.name = std::move(name);
  m.unit = std::move(unit);
  m.data = std::move(data);
  return m;
}

ResourceMetrics Fixture() {
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"service.name", std::string("table-test")}});
  ScopeMetrics a;
  a.scope.name = "scope.a";
  SumData ints;
  ints.is_monotonic = true;
  ints.points = {
      Number({{"exchange", std::string("binance")}, {"symbol", std::string("BTCUSDT")}},
             int64_t{1234567}),
      Number({}, int64_t{-42}),
      Number({{"max", true}}, std::numeric_limits<int64_t>::max()),
      Number({{"min", true}}, std::numeric_limits<int64_t>::min()),
  };
  a.metrics.push_back(Metric("zeta.rows", "{row}", ints));
  SumData doubles;
  doubles.points = {Number({{"dir", std::string("in")}}, 1234.56789),
                    Number({{"dir", std::string("out")}}, 0.000123456789)};
  a.metrics.push_back(Metric("delta.bytes", "By", doubles));
  GaugeData gauge;
  gauge.points = {
      Number({{"note", std::string("line1\nline2\ttab")}, {"room", std::string("kitchen, north")}},
             21.5),
      Number({{"empty", std::string("")},
              {"quote", std::string("say \"hi\"")},
              {"sym", std::string("\xe2\x82\xbf" "TC=1")}},
             1e300),
      Number({{"ids", std::vector<int64_t>{1, 2, 30000}},
              {"ratio", 0.5},
              {"tags", std::vector<std::string>{"a", "b c"}}},
             -0.0),
  };
  a.metrics.push_back(Metric("alpha.temperature", "Cel", gauge));
  HistogramData hist;
  hist.temporality = AggregationTemporality::kDelta;
  hist.points = {Explicit({0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000}, Range(1, 200)),
                 Explicit({0, 5, 10}, {})};
  hist.points[0].attributes = AttributeSet{{"route", std::string("/api/v3/klines")}};
  hist.points[1].sum.reset();
  hist.points[1].attributes = AttributeSet{{"route", std::string("/idle")}};
  a.metrics.push_back(Metric("beta.latency", "ms", hist));
  ExponentialHistogramData exp;
  exp.points = {Exponential(0, Range(1, 1000)), Exponential(0, {-4, -4, 0, 3})};
  exp.points[1].attributes = AttributeSet{{"signed", true}};
  a.metrics.push_back(Metric("gamma.size", "By", exp));
  rm.scope_metrics.push_back(a);

  ScopeMetrics empty;  // A scope with an empty metric list: no rows.
  empty.scope.name = "scope.empty";
  rm.scope_metrics.push_back(empty);

  ScopeMetrics b;  // The same name in another scope: after scope.a's rows.
  b.scope.name = "scope.b";
  SumData more;
  more.points = {Number({{"exchange", std::string("okx")}}, int64_t{7})};
  b.metrics.push_back(Metric("zeta.rows", "{row}", more));
  b.metrics.push_back(Metric("no.points", "", GaugeData{}));  // No rows either.
  rm.scope_metrics.push_back(b);
  return rm;
}

TEST(MetricsTableTest, MatchesGoldenFile) {
  ExpectGolden("metrics_table.golden", FormatMetricsTable(Fixture()));
}

TEST(MetricsTableTest, RowsAreSortedByMetricAndColumnsAligned) {
  const std::string table = FormatMetricsTable(Fixture());
  std::vector<std::string> lines;
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u + 4 + 2 + 3 + 2 + 2 + 1);  // Header, rule, 14 points.
  EXPECT_EQ(lines[0].rfind("metric", 0), 0u);
  std::vector<std::string> names;
  for (size_t i = 2; i < lines.size(); ++i) names.push_back(lines[i].substr(0, lines[i].find(' ')));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  // Every row's value column starts where the header's does (ASCII rows).
  const size_t value_column = lines[0].find("value");
  for (size_t i = 2; i < lines.size(); ++i) {
    if (lines[i].find("\xe2") != std::string::npos) continue;  // Multi-byte row.
    EXPECT_EQ(lines[i][value_column - 1], ' ') << lines[i];
    EXPECT_NE(lines[i][value_column], ' ') << lines[i];
  }
}

TEST(MetricsTableTest, NumbersAreReadable) {
  ResourceMetrics rm;
  ScopeMetrics sm;
  GaugeData g;
  g.points = {Number({}, int64_t{999}), Number({}, int64_t{1000}), Number({}, int64_t{-1234567}),
              Number({}, 2.0), Number({}, 1.0 / 3), Number({}, 123456789.0)};
  sm.metrics.push_back(Metric("n", "", g));
  rm.scope_metrics.push_back(sm);
  const std::string table = FormatMetricsTable(rm);
  for (const char* want : {"  999\n", "  1,000\n", "  -1,234,567\n", "  2\n", "  0.333333\n",
                           "  1.23457e+08\n"}) {
    EXPECT_NE(table.find(want), std::string::npos) << want << "\n" << table;
  }
}

TEST(MetricsTableTest, EmptyDataSaysSo) {
  EXPECT_EQ(FormatMetricsTable(ResourceMetrics()), "(no metrics were recorded)\n");
  ResourceMetrics only_empty;
  only_empty.scope_metrics.resize(2);
  only_empty.scope_metrics[1].metrics.push_back(Metric("x", "", SumData{}));
  EXPECT_EQ(FormatMetricsTable(only_empty), "(no metrics were recorded)\n");
}

TEST(MetricsTableTest, ConsoleExporterWritesTheTableWhenAsked) {
  std::ostringstream out;
  ConsoleMetricExporter exporter(&out, {.format = ConsoleMetricFormat::kTable});
  ASSERT_TRUE(exporter.Export(Fixture()).ok());
  ASSERT_TRUE(exporter.Export(ResourceMetrics()).ok());
  EXPECT_EQ(out.str(), FormatMetricsTable(Fixture()) + "\n(no metrics were recorded)\n\n");
  std::ostringstream json;
  ConsoleMetricExporter default_format(&json);
  ASSERT_TRUE(default_format.Export(Fixture()).ok());
  EXPECT_EQ(json.str().front(), '{');  // OTLP/JSON stays the default.
}

}  // namespace
}  // namespace cryptolake::metrics
