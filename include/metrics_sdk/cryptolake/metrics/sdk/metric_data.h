// The export data model: what a reader's collection produces and what every
// exporter (in-memory, console OTLP/JSON, OTLP protobuf, Prometheus) encodes.
//
// It mirrors the OTLP metrics data model one to one:
//   ResourceMetrics -> ScopeMetrics -> Metric -> {Gauge|Sum|Histogram|
//   ExponentialHistogram} -> data points.
// Exporters see only these types, never SDK aggregators.
//
// All timestamps are nanoseconds since the Unix epoch.
//
// Thread-safety: plain values.
#ifndef CRYPTOLAKE_METRICS_SDK_METRIC_DATA_H_
#define CRYPTOLAKE_METRICS_SDK_METRIC_DATA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cryptolake/metrics/attribute_set.h"
#include "cryptolake/metrics/sdk/resource.h"

namespace cryptolake::metrics {

// Values match OTLP's AggregationTemporality enum.
enum class AggregationTemporality : int {
  kUnspecified = 0,
  kDelta = 1,
  kCumulative = 2,
};

// A Sum or Gauge point. Holds int64 or double, as the instrument was declared.
struct NumberDataPoint {
  AttributeSet attributes;
  uint64_t start_time_unix_nano = 0;  // 0 for gauges.
  uint64_t time_unix_nano = 0;
  std::variant<int64_t, double> value = int64_t{0};
};

struct HistogramDataPoint {
  AttributeSet attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  std::optional<double> sum;  // Absent when sum is not meaningful (negatives on a gauge).
  std::vector<uint64_t> bucket_counts;  // explicit_bounds.size() + 1 entries.
  std::vector<double> explicit_bounds;  // Upper-inclusive bounds, strictly increasing.
  std::optional<double> min;  // Absent when count == 0 or min/max recording is off.
  std::optional<double> max;
};

struct ExponentialHistogramBuckets {
  int32_t offset = 0;                  // Index of bucket_counts[0].
  std::vector<uint64_t> bucket_counts;  // Contiguous; may be empty.
};

struct ExponentialHistogramDataPoint {
  AttributeSet attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  std::optional<double> sum;
  int32_t scale = 0;
  uint64_t zero_count = 0;
  double zero_threshold = 0.0;
  ExponentialHistogramBuckets positive;
  ExponentialHistogramBuckets negative;
  std::optional<double> min;
  std::optional<double> max;
};

struct GaugeData {
  std::vector<NumberDataPoint> points;
};

struct SumData {
  std::vector<NumberDataPoint> points;
  AggregationTemporality temporality = AggregationTemporality::kCumulative;
  bool is_monotonic = false;
};

struct HistogramData {
  std::vector<HistogramDataPoint> points;
  AggregationTemporality temporality = AggregationTemporality::kCumulative;
};

struct ExponentialHistogramData {
  std::vector<ExponentialHistogramDataPoint> points;
  AggregationTemporality temporality = AggregationTemporality::kCumulative;
};

struct MetricData {
  std::string name;
  std::string description;
  std::string unit;
  std::variant<GaugeData, SumData, HistogramData, ExponentialHistogramData> data;
};

struct InstrumentationScope {
  std::string name;
  std::string version;
  std::string schema_url;
  AttributeSet attributes;
};

struct ScopeMetrics {
  InstrumentationScope scope;
  std::vector<MetricData> metrics;
};

struct ResourceMetrics {
  Resource resource;
  std::vector<ScopeMetrics> scope_metrics;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_SDK_METRIC_DATA_H_
