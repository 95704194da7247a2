// Base2 exponential bucket histogram.
//
// Index mapping works on the IEEE 754 representation instead of calling
// frexp(): value = 1.f * 2^e, so at scale 0 the upper-inclusive bucket is
// e when f != 0 and e - 1 when the value is an exact power of two. Scales
// below 0 shift that index right (bucket j at scale s-1 holds buckets 2j and
// 2j+1 at scale s). Scales above 0 add ceil(log2(1.f) * 2^scale) - 1 to
// e << scale. Exact powers of two never reach that step. Subnormals are
// rescaled by 2^64 (exact) before decomposition.
//
// Sub-octave index for 1 <= scale <= kMaxTableScale: a table instead of a
// logarithm (log2 costs ~20 ns; the table lookup a few). Within one octave
// the 2^scale bucket boundaries 2^(j/2^scale) are irrational, so a mantissa
// m lies above boundary j exactly when m > floor(boundary_j), with the
// boundary held as a 52-bit mantissa computed once in long double. To find j
// without a search, the mantissa's top scale+1 bits pick one of 2^(scale+1)
// equal-width slices; every bucket is wider than a slice (its width is at
// least ln2 / 2^scale > 1 / 2^(scale+1) of the octave), so a slice holds at
// most one boundary and one comparison settles j. Higher scales use the
// logarithm of the mantissa alone (in (1, 2)), whose rounding error is about
// 2^(scale-52) index units; when the result lies within kNearBoundary of a
// bucket edge, the mantissa is compared with that boundary computed in long
// double, so values next to a boundary land on the right side of it too.
#include "base2_exponential_histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace cryptolake::metrics::internal {
namespace {

constexpr uint64_t kMantissaMask = (uint64_t{1} << 52) - 1;
constexpr int kExponentBias = 1023;

inline uint64_t Bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

inline double FromBits(uint64_t b) {
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

constexpr int32_t kMaxTableScale = 10;

// floor((2^(j/2^s) - 1) * 2^52): boundary j of an octave as a mantissa.
uint64_t BoundaryMantissa(int32_t scale, int64_t j) {
  const long double b = std::exp2l(static_cast<long double>(j) / (int64_t{1} << scale)) - 1.0L;
  return static_cast<uint64_t>(std::floor(std::ldexp(b, 52)));
}

// Lookup tables for one scale s (see the file comment).
struct SubOctaveTable {
  int shift = 0;                      // 52 - (s + 1): mantissa bits below the slice number.
  std::vector<uint16_t> slice_first;  // Per slice: buckets wholly below its start.
  std::vector<uint64_t> boundary;     // floor of boundary j's mantissa, j = 0..2^s.

  explicit SubOctaveTable(int32_t s) : shift(52 - (s + 1)) {
    const int64_t buckets = int64_t{1} << s;
    boundary.resize(static_cast<size_t>(buckets) + 1);
    for (int64_t j = 0; j <= buckets; ++j) boundary[j] = BoundaryMantissa(s, j);
    const int64_t slices = int64_t{1} << (s + 1);
    slice_first.resize(static_cast<size_t>(slices));
    int64_t j = 0;
    for (int64_t k = 0; k < slices; ++k) {
      const uint64_t start = static_cast<uint64_t>(k) << shift;
      while (j + 1 < buckets && boundary[j + 1] < start) ++j;
      slice_first[k] = static_cast<uint16_t>(j);
    }
  }

  // REQUIRES: 0 < mantissa < 2^52.
  int64_t Index(uint64_t mantissa) const {
    int64_t j = slice_first[mantissa >> shift];
    if (j + 1 < static_cast<int64_t>(boundary.size()) - 1 && mantissa > boundary[j + 1]) ++j;
    return j;
  }
};

constexpr double kNearBoundary = 1e-6;  // Index units; log2 errs by < 1e-9 at scale 20.

// REQUIRES: kMaxTableScale < scale <= 20, 0 < mantissa < 2^52.
int64_t SubOctaveIndexByLog(int32_t scale, uint64_t mantissa) {
  const int64_t buckets = int64_t{1} << scale;
  const double significand = FromBits(mantissa | (uint64_t{kExponentBias} << 52));  // (1, 2)
  const double position = std::log2(significand) * static_cast<double>(buckets);
  int64_t j = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(position)) - 1, 0, buckets - 1);
  if (position - static_cast<double>(j) < kNearBoundary) {
    if (j > 0 && mantissa <= BoundaryMantissa(scale, j)) --j;
  } else if (static_cast<double>(j + 1) - position < kNearBoundary) {
    if (j + 1 < buckets && mantissa > BoundaryMantissa(scale, j + 1)) ++j;
  }
  return j;
}

const SubOctaveTable& TableFor(int32_t scale) {
  // Built once, on first use (~4k exp2l calls, ~30 KiB in total).
  static const std::vector<SubOctaveTable> tables = [] {
    std::vector<SubOctaveTable> t;
    for (int32_t s = 1; s <= kMaxTableScale; ++s) t.emplace_back(s);
    return t;
  }();
  return tables[scale - 1];
}

}  // namespace

int32_t Base2ExponentialHistogram::MapToIndex(double value, int32_t scale) {
  uint64_t bits = Bits(value);
  int64_t exponent = static_cast<int64_t>((bits >> 52) & 0x7FF);
  if (exponent == 0) {
    // Subnormal: 2^64 * value is normal and the multiplication is exact.
    bits = Bits(value * 0x1p64);
    exponent = static_cast<int64_t>((bits >> 52) & 0x7FF) - 64;
  }
  exponent -= kExponentBias;
  const uint64_t mantissa = bits & kMantissaMask;
  if (scale <= 0) {
    const int64_t index0 = mantissa == 0 ? exponent - 1 : exponent;
    return static_cast<int32_t>(index0 >> -scale);
  }
  if (mantissa == 0) return static_cast<int32_t>(exponent * (int64_t{1} << scale) - 1);
  const int64_t sub = scale <= kMaxTableScale ? TableFor(scale).Index(mantissa)
                                              : SubOctaveIndexByLog(scale, mantissa);
  return static_cast<int32_t>(exponent * (int64_t{1} << scale) + sub);
}

Base2ExponentialHistogram::Base2ExponentialHistogram(int32_t max_size, int32_t max_scale,
                                                     bool record_min_max)
    : max_size_(std::max(max_size, kMinSize)),
      max_scale_(std::clamp(max_scale, kMinScale, kMaxScale)),
      record_min_max_(record_min_max),
      scale_(max_scale_) {
  // The lookup tables are built here, with the first histogram, rather than
  // by the first Record() that reaches a table scale: that one runs under a
  // series' spin lock on the recording path, which must not allocate.
  if (max_scale_ >= 1) TableFor(std::min(max_scale_, kMaxTableScale));
}

Base2ExponentialHistogram::Range::Range(const Range& other) { *this = other; }

// Copies only the slots in use, and reuses this range's storage when the
// sizes agree: a delta collection copies a series' histogram out from under
// the series' lock on every cycle.
Base2ExponentialHistogram::Range& Base2ExponentialHistogram::Range::operator=(const Range& other) {
  if (this == &other) return *this;
  if (other.empty()) {
    Clear();
    return *this;
  }
  if (!counts_ || size_ != other.size_) {
    size_ = other.size_;
    counts_ = std::make_unique<uint64_t[]>(size_);
  } else {
    Clear();
  }
  base_ = other.base_;
  start_ = other.start_;
  end_ = other.end_;
  for (int32_t i = start_; i <= end_; ++i) counts_[Slot(i)] = other.counts_[other.Slot(i)];
  return *this;
}

void Base2ExponentialHistogram::Range::Reserve(int32_t max_size) {
  if (!counts_) {
    size_ = max_size;
    counts_ = std::make_unique<uint64_t[]>(size_);  // Value-initialised: zeros.
  }
}

void Base2ExponentialHistogram::Range::Add(int32_t index, uint64_t n, int32_t max_size) {
  if (empty()) {
    Reserve(max_size);
    base_ = start_ = end_ = index;
    counts_[0] += n;
    return;
  }
  if (index < start_) {
    start_ = index;
  } else if (index > end_) {
    end_ = index;
  }
  counts_[Slot(index)] += n;
}

// In place, without allocating: Record() runs under a series' spin lock on
// the noexcept recording path, and a delta series downscales again after
// every Reset(). The ring is first rotated so that start_ lives at slot 0;
// then index start_ + j moves to slot ((start_ + j) >> by) - (start_ >> by),
// which is never above j, so walking j upwards reads every slot before any
// write can reach it.
void Base2ExponentialHistogram::Range::Downscale(int32_t by) {
  if (by <= 0 || empty()) return;
  std::rotate(counts_.get(), counts_.get() + Slot(start_), counts_.get() + size_);
  const int32_t new_start = start_ >> by;
  const int32_t new_end = end_ >> by;
  const int32_t n = end_ - start_ + 1;
  for (int32_t j = 0; j < n; ++j) {
    const uint64_t c = counts_[j];
    counts_[j] = 0;
    counts_[((start_ + j) >> by) - new_start] += c;
  }
  base_ = start_ = new_start;
  end_ = new_end;
}

void Base2ExponentialHistogram::Range::Clear() {
  if (!empty()) {
    for (int32_t i = start_; i <= end_; ++i) counts_[Slot(i)] = 0;
  }
  base_ = start_ = 0;
  end_ = -1;
}

void Base2ExponentialHistogram::Range::Fill(ExponentialHistogramBuckets* out) const {
  out->bucket_counts.clear();
  if (empty()) {
    out->offset = 0;
    return;
  }
  out->offset = start_;
  out->bucket_counts.reserve(static_cast<size_t>(int64_t{end_} - start_ + 1));
  for (int32_t i = start_; i <= end_; ++i) out->bucket_counts.push_back(At(i));
}

int32_t Base2ExponentialHistogram::ScaleReductionFor(int64_t low, int64_t high) const {
  int32_t change = 0;
  while (high - low + 1 > max_size_) {
    low >>= 1;
    high >>= 1;
    ++change;
  }
  return change;
}

void Base2ExponentialHistogram::Downscale(int32_t by) {
  if (by <= 0) return;
  positive_.Downscale(by);
  negative_.Downscale(by);
  scale_ -= by;
}

void Base2ExponentialHistogram::RecordNonZero(Range* range, double magnitude) {
  int32_t index = MapToIndex(magnitude, scale_);
  if (!range->empty()) {
    if (index >= range->start() && index <= range->end()) {
      range->Add(index, 1, max_size_);  // Hot path: no resize, no rescale.
      return;
    }
    const int32_t change =
        ScaleReductionFor(std::min(index, range->start()), std::max(index, range->end()));
    if (change > 0) {
      Downscale(change);
      index >>= change;
    }
  }
  range->Add(index, 1, max_size_);
}

void Base2ExponentialHistogram::Record(double value) {
  if (!std::isfinite(value)) return;
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  sum_ += value;
  if (value > 0) {
    RecordNonZero(&positive_, value);
  } else if (value < 0) {
    RecordNonZero(&negative_, -value);
  } else {
    ++zero_count_;
  }
}

void Base2ExponentialHistogram::MergeRange(Range* mine, const Range& theirs, int32_t their_scale) {
  if (theirs.empty()) return;
  const int32_t shift = their_scale - scale_;
  for (int32_t i = theirs.start(); i <= theirs.end(); ++i) {
    const uint64_t n = theirs.At(i);
    if (n != 0) mine->Add(i >> shift, n, max_size_);
  }
}

void Base2ExponentialHistogram::Merge(const Base2ExponentialHistogram& other) {
  if (other.count_ == 0) return;
  // The common scale is the lower of the two, lowered further until each
  // combined range fits into our max_size.
  const int32_t target = std::min(scale_, other.scale_);
  int32_t change = 0;
  auto need = [&](const Range& mine, const Range& theirs) {
    if (theirs.empty()) return;
    const int32_t their_shift = other.scale_ - target;
    int64_t low = theirs.start() >> their_shift;
    int64_t high = theirs.end() >> their_shift;
    if (!mine.empty()) {
      const int32_t my_shift = scale_ - target;
      low = std::min<int64_t>(low, mine.start() >> my_shift);
      high = std::max<int64_t>(high, mine.end() >> my_shift);
    }
    change = std::max(change, ScaleReductionFor(low, high));
  };
  need(positive_, other.positive_);
  need(negative_, other.negative_);
  Downscale(scale_ - (target - change));
  MergeRange(&positive_, other.positive_, other.scale_);
  MergeRange(&negative_, other.negative_, other.scale_);

  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  zero_count_ += other.zero_count_;
  sum_ += other.sum_;
}

void Base2ExponentialHistogram::ReserveBuckets(bool negative) {
  positive_.Reserve(max_size_);
  if (negative) negative_.Reserve(max_size_);
}

void Base2ExponentialHistogram::Reset() {
  positive_.Clear();
  negative_.Clear();
  count_ = 0;
  zero_count_ = 0;
  sum_ = 0.0;
  min_ = max_ = 0.0;
  scale_ = max_scale_;
}

void Base2ExponentialHistogram::FillPoint(ExponentialHistogramDataPoint* point) const {
  point->count = count_;
  point->sum = sum_;
  point->scale = scale_;
  point->zero_count = zero_count_;
  point->zero_threshold = 0.0;
  positive_.Fill(&point->positive);
  negative_.Fill(&point->negative);
  if (record_min_max_ && count_ > 0) {
    point->min = min_;
    point->max = max_;
  } else {
    point->min.reset();
    point->max.reset();
  }
}

}  // namespace cryptolake::metrics::internal
