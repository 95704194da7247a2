// Base2ExponentialHistogram: the state of one series of the Base2 Exponential
// Bucket Histogram aggregation (OpenTelemetry metrics SDK spec, data model
// "ExponentialHistogram").
//
// Values map to buckets whose boundaries are powers of base = 2^(2^-scale);
// bucket i holds values in (base^i, base^(i+1)] (upper-inclusive). Zero goes
// to a separate zero count (zero threshold 0), negative values to a mirrored
// negative range. The scale starts at max_scale and is lowered only as far as
// needed for every observed index of each range to fit into max_size
// buckets; lowering the scale by one merges adjacent bucket pairs.
// NaN and +-Inf are ignored (not counted, not summed).
//
// Thread-safety: NOT thread-safe. The SDK guards each series with its own
// lock; concurrent const calls are fine.
#ifndef CRYPTOLAKE_SRC_METRICS_BASE2_EXPONENTIAL_HISTOGRAM_H_
#define CRYPTOLAKE_SRC_METRICS_BASE2_EXPONENTIAL_HISTOGRAM_H_

#include <cstdint>
#include <memory>

#include "cryptolake/metrics/sdk/metric_data.h"

namespace cryptolake::metrics::internal {

class Base2ExponentialHistogram {
 public:
  // The spec's limits for scale.
  static constexpr int32_t kMinScale = -10;
  static constexpr int32_t kMaxScale = 20;
  // At kMinScale every finite double maps to one of 3 indexes (-2..0), so
  // any max_size >= kMinSize can hold all values.
  static constexpr int32_t kMinSize = 4;

  // REQUIRES: max_size >= kMinSize and kMinScale <= max_scale <= kMaxScale
  // (out-of-range values are clamped).
  explicit Base2ExponentialHistogram(int32_t max_size = 160, int32_t max_scale = 20,
                                     bool record_min_max = true);

  Base2ExponentialHistogram(const Base2ExponentialHistogram&) = default;
  Base2ExponentialHistogram& operator=(const Base2ExponentialHistogram&) = default;
  Base2ExponentialHistogram(Base2ExponentialHistogram&&) noexcept = default;
  Base2ExponentialHistogram& operator=(Base2ExponentialHistogram&&) noexcept = default;

  // Adds one measurement. NaN and +-Inf are ignored; +0 and -0 count as zero.
  void Record(double value);

  // Adds every measurement of `other` (which may have another scale or max
  // size). The result has the lowest scale at which both fit into this
  // histogram's max_size.
  void Merge(const Base2ExponentialHistogram& other);

  // Forgets all measurements; the scale returns to max_scale. Keeps the
  // bucket storage so that a delta series does not reallocate every cycle.
  void Reset();
  // Allocates the positive range's buckets now, and the negative range's too
  // when `negative`, so that Record() never allocates afterwards (Reset()
  // keeps the storage). Without it a range allocates on its first value.
  void ReserveBuckets(bool negative);

  bool empty() const { return count_ == 0; }
  uint64_t count() const { return count_; }
  int32_t scale() const { return scale_; }
  uint64_t zero_count() const { return zero_count_; }
  double sum() const { return sum_; }
  int32_t max_size() const { return max_size_; }
  int32_t max_scale() const { return max_scale_; }

  // Writes count, sum, scale, zero_count, zero_threshold (0), positive,
  // negative and, when recorded and count > 0, min and max. Leaves
  // attributes and timestamps untouched.
  void FillPoint(ExponentialHistogramDataPoint* point) const;

  // The bucket index of |value| at `scale` (value > 0 and finite). Exposed
  // for tests and for the conformance suite.
  static int32_t MapToIndex(double value, int32_t scale);

 private:
  // One range (positive or negative) of buckets in a circular array of
  // max_size counters. Indexes [start_, end_] are in use; index base_ lives
  // at slot 0. base_ always lies within [start_, end_], so every index in use
  // is within max_size - 1 of it and a slot is found with one wrap check.
  class Range {
   public:
    Range() = default;
    Range(const Range& other);
    Range& operator=(const Range& other);
    Range(Range&&) noexcept = default;
    Range& operator=(Range&&) noexcept = default;

    bool empty() const { return end_ < start_; }
    int32_t start() const { return start_; }
    int32_t end() const { return end_; }
    uint64_t At(int32_t index) const { return counts_[Slot(index)]; }

    // REQUIRES: the range [min(start, index), max(end, index)] fits.
    void Add(int32_t index, uint64_t n, int32_t max_size);
    void Reserve(int32_t max_size);
    // Maps index i to i >> by, merging counts.
    void Downscale(int32_t by);
    void Clear();
    void Fill(ExponentialHistogramBuckets* out) const;

   private:
    size_t Slot(int32_t index) const {
      int64_t d = static_cast<int64_t>(index) - base_;
      if (d < 0) d += size_;
      return static_cast<size_t>(d);
    }

    std::unique_ptr<uint64_t[]> counts_;  // size_ slots, allocated on first Add.
    int32_t size_ = 0;
    int32_t base_ = 0;
    int32_t start_ = 0;
    int32_t end_ = -1;
  };

  // How many halvings of the scale make [low, high] fit into max_size_.
  int32_t ScaleReductionFor(int64_t low, int64_t high) const;
  void Downscale(int32_t by);
  void RecordNonZero(Range* range, double magnitude);
  void MergeRange(Range* mine, const Range& theirs, int32_t their_scale);

  int32_t max_size_;
  int32_t max_scale_;
  bool record_min_max_;
  int32_t scale_;
  uint64_t count_ = 0;
  uint64_t zero_count_ = 0;
  double sum_ = 0.0;
  double min_ = 0.0;
  double max_ = 0.0;
  Range positive_;
  Range negative_;
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_BASE2_EXPONENTIAL_HISTOGRAM_H_
