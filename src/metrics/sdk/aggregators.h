// Aggregators: the per-series recording cells and the per-reader
// accumulations of each aggregation, plus how they become export points.
//
// Each aggregator class (SumAggregator, LastValueAggregator,
// ExplicitHistogramAggregator, ExponentialHistogramAggregator) provides:
//   Cell   - the hot state one series records into from many threads;
//   Acc    - a plain accumulation, owned by one reader's view of a series;
//   Record(cell, value)   noexcept, thread-safe;
//   Drain(cell, acc)      moves the cell's content since the last drain into
//                         a cleared acc; false when nothing was recorded;
//   Merge(into, from)     combines two accumulations (time order: from later);
//   HasData / Clear / AppendPoint / NewMetricData.
// Values handed to Record are finite (instruments drop NaN and +-Inf).
//
// Thread-safety: Record may race with Record and Drain on the same cell; all
// other methods are called by the stream under its mutex.
#ifndef CRYPTOLAKE_SRC_METRICS_AGGREGATORS_H_
#define CRYPTOLAKE_SRC_METRICS_AGGREGATORS_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "base2_exponential_histogram.h"
#include "cryptolake/metrics/instruments.h"
#include "cryptolake/metrics/sdk/aggregation.h"
#include "cryptolake/metrics/sdk/metric_data.h"

namespace cryptolake::metrics::internal {

// Nanoseconds since the Unix epoch.
uint64_t NowUnixNanos();

// A tiny test-and-test-and-set lock for one series' histogram state.
class SpinLock {
 public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

// Where a point goes and when it starts.
struct PointContext {
  AttributeSet attributes;
  uint64_t start_ns = 0;
  uint64_t time_ns = 0;
};

// ----------------------------------------------------------------------------
template <typename T>
struct DoubleSumCell {
  std::atomic<T> value{0};
  std::atomic<bool> updated{false};
  void Add(T v) noexcept {
    value.fetch_add(v, std::memory_order_relaxed);
    // Unconditional: the line is already exclusive after the add, and a
    // plain store does not wait for the locked add as a load would.
    updated.store(true, std::memory_order_release);
  }
};

template <typename T>
class SumAggregator {
 public:
  using Value = T;
  using Cell = std::conditional_t<std::is_same_v<T, int64_t>, Int64SumCell, DoubleSumCell<T>>;
  struct Acc {
    T value = 0;
    bool has = false;
  };

  explicit SumAggregator(bool monotonic) : monotonic_(monotonic) {}

  Acc NewAcc() const { return {}; }
  void Record(Cell& cell, T v) const noexcept { cell.Add(v); }
  bool Drain(Cell& cell, Acc& out) const noexcept {
    bool updated = cell.updated.exchange(false, std::memory_order_acquire);
    T v = cell.value.exchange(0, std::memory_order_relaxed);
    out.value = v;
    out.has = updated || v != 0;
    return out.has;
  }
  void Merge(Acc& into, const Acc& from) const {
    into.value += from.value;
    into.has = into.has || from.has;
  }
  bool HasData(const Acc& acc) const { return acc.has; }
  void Clear(Acc& acc) const { acc = Acc{}; }

  MetricData NewMetricData(AggregationTemporality temporality) const {
    MetricData md;
    SumData sum;
    sum.temporality = temporality;
    sum.is_monotonic = monotonic_;
    md.data = std::move(sum);
    return md;
  }
  void AppendPoint(const Acc& acc, PointContext ctx, MetricData* md) const {
    NumberDataPoint p;
    p.attributes = std::move(ctx.attributes);
    p.start_time_unix_nano = ctx.start_ns;
    p.time_unix_nano = ctx.time_ns;
    p.value = acc.value;
    std::get<SumData>(md->data).points.push_back(std::move(p));
  }

 private:
  bool monotonic_;
};

// ----------------------------------------------------------------------------
template <typename T>
class LastValueAggregator {
 public:
  using Value = T;
  struct Cell {
    std::atomic<T> value{0};
    std::atomic<bool> updated{false};
  };
  struct Acc {
    T value = 0;
    bool has = false;
  };

  Acc NewAcc() const { return {}; }
  void Record(Cell& cell, T v) const noexcept {
    cell.value.store(v, std::memory_order_relaxed);
    cell.updated.store(true, std::memory_order_release);
  }
  bool Drain(Cell& cell, Acc& out) const noexcept {
    if (!cell.updated.exchange(false, std::memory_order_acquire)) {
      out = Acc{};
      return false;
    }
    out.value = cell.value.load(std::memory_order_relaxed);
    out.has = true;
    return true;
  }
  void Merge(Acc& into, const Acc& from) const {
    if (from.has) into = from;
  }
  bool HasData(const Acc& acc) const { return acc.has; }
  void Clear(Acc& acc) const { acc = Acc{}; }

  MetricData NewMetricData(AggregationTemporality) const {
    MetricData md;
    md.data = GaugeData{};
    return md;
  }
  void AppendPoint(const Acc& acc, PointContext ctx, MetricData* md) const {
    NumberDataPoint p;
    p.attributes = std::move(ctx.attributes);
    p.start_time_unix_nano = 0;
    p.time_unix_nano = ctx.time_ns;
    p.value = acc.value;
    std::get<GaugeData>(md->data).points.push_back(std::move(p));
  }
};

// ----------------------------------------------------------------------------
// Explicit bucket histogram. Bucket i counts values in (bounds[i-1], bounds[i]].
class ExplicitHistogramAggregator {
 public:
  using Value = double;
  struct Cell {
    SpinLock lock;
    uint64_t count = 0;
    double sum = 0;
    double min = 0;
    double max = 0;
    std::unique_ptr<uint64_t[]> counts;
  };
  struct Acc {
    uint64_t count = 0;
    double sum = 0;
    double min = 0;
    double max = 0;
    std::vector<uint64_t> counts;
  };

  ExplicitHistogramAggregator(std::vector<double> bounds, bool record_min_max, bool record_sum)
      : bounds_(std::move(bounds)), record_min_max_(record_min_max), record_sum_(record_sum) {}

  void InitCell(Cell& cell) const { cell.counts.reset(new uint64_t[bounds_.size() + 1]()); }
  Acc NewAcc() const {
    Acc a;
    a.counts.assign(bounds_.size() + 1, 0);
    return a;
  }
  size_t BucketIndex(double v) const noexcept {
    // A linear scan beats binary search on short bound lists.
    if (bounds_.size() <= 16) {
      size_t i = 0;
      while (i < bounds_.size() && v > bounds_[i]) ++i;
      return i;
    }
    return static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                               bounds_.begin());
  }
  void Record(Cell& cell, double v) const noexcept {
    size_t index = BucketIndex(v);  // Before taking the lock.
    cell.lock.lock();
    if (cell.count == 0) {
      cell.min = v;
      cell.max = v;
    } else {
      cell.min = std::min(cell.min, v);
      cell.max = std::max(cell.max, v);
    }
    ++cell.count;
    cell.sum += v;
    ++cell.counts[index];
    cell.lock.unlock();
  }
  bool Drain(Cell& cell, Acc& out) const noexcept {
    cell.lock.lock();
    if (cell.count == 0) {
      cell.lock.unlock();
      return false;
    }
    out.count = cell.count;
    out.sum = cell.sum;
    out.min = cell.min;
    out.max = cell.max;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      out.counts[i] = cell.counts[i];
      cell.counts[i] = 0;
    }
    cell.count = 0;
    cell.sum = 0;
    cell.lock.unlock();
    return true;
  }
  void Merge(Acc& into, const Acc& from) const {
    if (from.count == 0) return;
    if (into.count == 0) {
      into.min = from.min;
      into.max = from.max;
    } else {
      into.min = std::min(into.min, from.min);
      into.max = std::max(into.max, from.max);
    }
    into.count += from.count;
    into.sum += from.sum;
    for (size_t i = 0; i < into.counts.size(); ++i) into.counts[i] += from.counts[i];
  }
  bool HasData(const Acc& acc) const { return acc.count > 0; }
  void Clear(Acc& acc) const {
    acc.count = 0;
    acc.sum = 0;
    std::fill(acc.counts.begin(), acc.counts.end(), 0);
  }
  MetricData NewMetricData(AggregationTemporality temporality) const {
    MetricData md;
    HistogramData h;
    h.temporality = temporality;
    md.data = std::move(h);
    return md;
  }
  void AppendPoint(const Acc& acc, PointContext ctx, MetricData* md) const {
    HistogramDataPoint p;
    p.attributes = std::move(ctx.attributes);
    p.start_time_unix_nano = ctx.start_ns;
    p.time_unix_nano = ctx.time_ns;
    p.count = acc.count;
    if (record_sum_) p.sum = acc.sum;
    p.bucket_counts = acc.counts;
    p.explicit_bounds = bounds_;
    if (record_min_max_ && acc.count > 0) {
      p.min = acc.min;
      p.max = acc.max;
    }
    std::get<HistogramData>(md->data).points.push_back(std::move(p));
  }

 private:
  std::vector<double> bounds_;
  bool record_min_max_;
  bool record_sum_;
};

// ----------------------------------------------------------------------------
class ExponentialHistogramAggregator {
 public:
  using Value = double;
  struct Cell {
    SpinLock lock;
    Base2ExponentialHistogram histogram;
  };
  using Acc = Base2ExponentialHistogram;

  ExponentialHistogramAggregator(int32_t max_size, int32_t max_scale, bool record_min_max,
                                 bool record_sum)
      : max_size_(max_size),
        max_scale_(max_scale),
        record_min_max_(record_min_max),
        record_sum_(record_sum) {}

  // The cell's buckets are allocated with the series, so that recording
  // never allocates: the negative range too when the instrument can record
  // negative values (sums are recorded only for those that cannot).
  void InitCell(Cell& cell) const {
    cell.histogram = NewAcc();
    cell.histogram.ReserveBuckets(/*negative=*/!record_sum_);
  }
  Acc NewAcc() const { return Base2ExponentialHistogram(max_size_, max_scale_, record_min_max_); }
  void Record(Cell& cell, double v) const noexcept {
    cell.lock.lock();
    cell.histogram.Record(v);
    cell.lock.unlock();
  }
  bool Drain(Cell& cell, Acc& out) const {
    cell.lock.lock();
    if (cell.histogram.empty()) {
      cell.lock.unlock();
      return false;
    }
    out = cell.histogram;  // Copy; keeps the cell's bucket storage for reuse.
    cell.histogram.Reset();
    cell.lock.unlock();
    return true;
  }
  void Merge(Acc& into, const Acc& from) const {
    if (!from.empty()) into.Merge(from);
  }
  bool HasData(const Acc& acc) const { return !acc.empty(); }
  void Clear(Acc& acc) const { acc.Reset(); }
  MetricData NewMetricData(AggregationTemporality temporality) const {
    MetricData md;
    ExponentialHistogramData h;
    h.temporality = temporality;
    md.data = std::move(h);
    return md;
  }
  void AppendPoint(const Acc& acc, PointContext ctx, MetricData* md) const {
    ExponentialHistogramDataPoint p;
    acc.FillPoint(&p);
    p.attributes = std::move(ctx.attributes);
    p.start_time_unix_nano = ctx.start_ns;
    p.time_unix_nano = ctx.time_ns;
    if (!record_sum_) p.sum.reset();
    std::get<ExponentialHistogramData>(md->data).points.push_back(std::move(p));
  }

 private:
  int32_t max_size_;
  int32_t max_scale_;
  bool record_min_max_;
  bool record_sum_;
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_AGGREGATORS_H_
