// Aggregation: how a stream turns measurements into exported points.
//
//  - kDefault: by instrument kind — Counter, UpDownCounter and their
//    observable forms: Sum; Gauge and ObservableGauge: LastValue; Histogram:
//    ExplicitBucketHistogram with the instrument's advisory boundaries, else
//    the default boundaries (or Base2ExponentialHistogram when the reader's
//    exporter asks for it).
//  - kDrop: the stream is not created; measurements are ignored.
//  - kSum: monotonic for Counter/ObservableCounter/Histogram, else not.
//  - kLastValue: the last value recorded in the interval.
//  - kExplicitBucketHistogram: `boundaries` (upper-inclusive, strictly
//    increasing), count, sum (only for Counter/Histogram instruments, which
//    cannot record negatives), min/max when `record_min_max`.
//  - kBase2ExponentialHistogram: `max_size` buckets per range, starting at
//    `max_scale` and scaling down so every value fits.
//
// Non-finite values: every aggregation ignores NaN and +-Inf measurements
// (histograms as the spec says; sums and last values so that one bad
// measurement cannot poison a series forever).
//
// Thread-safety: values.
#ifndef CRYPTOLAKE_METRICS_SDK_AGGREGATION_H_
#define CRYPTOLAKE_METRICS_SDK_AGGREGATION_H_

#include <cstdint>
#include <vector>

namespace cryptolake::metrics {

enum class AggregationKind {
  kDefault,
  kDrop,
  kSum,
  kLastValue,
  kExplicitBucketHistogram,
  kBase2ExponentialHistogram,
};

// The specification's default explicit bucket boundaries.
const std::vector<double>& DefaultHistogramBoundaries();

struct Aggregation {
  AggregationKind kind = AggregationKind::kDefault;
  // kExplicitBucketHistogram only; empty with use_default_boundaries means
  // "the default/advisory boundaries".
  std::vector<double> boundaries;
  bool use_default_boundaries = true;
  // Histograms only.
  bool record_min_max = true;
  // kBase2ExponentialHistogram only.
  int32_t max_size = 160;
  int32_t max_scale = 20;

  static Aggregation Default() { return {}; }
  static Aggregation Drop() { return WithKind(AggregationKind::kDrop); }
  static Aggregation Sum() { return WithKind(AggregationKind::kSum); }
  static Aggregation LastValue() { return WithKind(AggregationKind::kLastValue); }
  // `boundaries` strictly increasing (may be empty: one bucket).
  static Aggregation ExplicitBucketHistogram(std::vector<double> boundaries,
                                             bool record_min_max = true) {
    Aggregation a = WithKind(AggregationKind::kExplicitBucketHistogram);
    a.boundaries = std::move(boundaries);
    a.use_default_boundaries = false;
    a.record_min_max = record_min_max;
    return a;
  }
  // The default (or advisory) boundaries.
  static Aggregation DefaultExplicitBucketHistogram(bool record_min_max = true) {
    Aggregation a = WithKind(AggregationKind::kExplicitBucketHistogram);
    a.record_min_max = record_min_max;
    return a;
  }
  // REQUIRES: max_size >= 2, -10 <= max_scale <= 20.
  static Aggregation Base2ExponentialHistogram(int32_t max_size = 160, int32_t max_scale = 20,
                                               bool record_min_max = true) {
    Aggregation a = WithKind(AggregationKind::kBase2ExponentialHistogram);
    a.max_size = max_size;
    a.max_scale = max_scale;
    a.record_min_max = record_min_max;
    return a;
  }

 private:
  static Aggregation WithKind(AggregationKind kind) {
    Aggregation a;
    a.kind = kind;
    return a;
  }
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_SDK_AGGREGATION_H_
