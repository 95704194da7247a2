#include "base2_exponential_histogram.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <new>
#include <random>
#include <vector>

#include "metrics_test_util.h"

// Counts heap allocations of this test binary, to check that recording into
// a histogram whose storage exists never allocates (it runs under a spin
// lock on the noexcept recording path).
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// GCC pairs the replaced operator new with std::free below and warns; the
// pairing is what a replacement allocator is.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace cryptolake::metrics::internal {
namespace {

using H = Base2ExponentialHistogram;

ExponentialHistogramDataPoint Fill(const H& h) {
  ExponentialHistogramDataPoint p;
  h.FillPoint(&p);
  return p;
}

uint64_t Total(const ExponentialHistogramBuckets& b) {
  uint64_t n = 0;
  for (uint64_t c : b.bucket_counts) n += c;
  return n;
}

TEST(Base2MapToIndexTest, ScaleZeroKnownValues) {
  // Bucket i holds (2^i, 2^(i+1)].
  EXPECT_EQ(H::MapToIndex(1.0, 0), -1);
  EXPECT_EQ(H::MapToIndex(1.5, 0), 0);
  EXPECT_EQ(H::MapToIndex(2.0, 0), 0);
  EXPECT_EQ(H::MapToIndex(3.0, 0), 1);
  EXPECT_EQ(H::MapToIndex(4.0, 0), 1);
  EXPECT_EQ(H::MapToIndex(4.000000000000001, 0), 2);
  EXPECT_EQ(H::MapToIndex(0.5, 0), -2);
  EXPECT_EQ(H::MapToIndex(0.75, 0), -1);
}

TEST(Base2MapToIndexTest, PositiveScaleKnownValues) {
  // Scale 1: base sqrt(2); bucket i holds (sqrt2^i, sqrt2^(i+1)].
  EXPECT_EQ(H::MapToIndex(1.0, 1), -1);
  EXPECT_EQ(H::MapToIndex(1.4, 1), 0);
  EXPECT_EQ(H::MapToIndex(1.5, 1), 1);
  EXPECT_EQ(H::MapToIndex(2.0, 1), 1);
  EXPECT_EQ(H::MapToIndex(2.5, 1), 2);
  EXPECT_EQ(H::MapToIndex(3.0, 1), 3);  // 2*sqrt2 = 2.83 < 3 <= 4.
  // Scale 2: base 2^(1/4) = 1.1892; 1.2 is just above it.
  EXPECT_EQ(H::MapToIndex(1.18, 2), 0);
  EXPECT_EQ(H::MapToIndex(1.2, 2), 1);
  // Scale 3: base 2^(1/8); 10 = 2^3.3219 -> 8*3.3219 = 26.58 -> bucket 26.
  EXPECT_EQ(H::MapToIndex(10.0, 3), 26);
}

TEST(Base2MapToIndexTest, NegativeScaleKnownValues) {
  // Scale -1: base 4.
  EXPECT_EQ(H::MapToIndex(1.0, -1), -1);
  EXPECT_EQ(H::MapToIndex(2.0, -1), 0);
  EXPECT_EQ(H::MapToIndex(4.0, -1), 0);
  EXPECT_EQ(H::MapToIndex(5.0, -1), 1);
  EXPECT_EQ(H::MapToIndex(16.0, -1), 1);
  EXPECT_EQ(H::MapToIndex(17.0, -1), 2);
  EXPECT_EQ(H::MapToIndex(0.25, -1), -2);
  EXPECT_EQ(H::MapToIndex(0.2, -1), -2);
  // Scale -10: base 2^1024; everything finite lands in -2..0.
  EXPECT_EQ(H::MapToIndex(DBL_MAX, -10), 0);
  EXPECT_EQ(H::MapToIndex(1.0, -10), -1);
  EXPECT_EQ(H::MapToIndex(std::numeric_limits<double>::denorm_min(), -10), -2);
}

TEST(Base2MapToIndexTest, PowersOfTwoAreExactAtEveryScale) {
  for (int32_t scale = -10; scale <= 20; ++scale) {
    for (int k = -1074; k <= 1023; ++k) {
      const double v = std::ldexp(1.0, k);
      // 2^k is the inclusive upper bound of bucket k*2^scale - 1.
      const int64_t expected =
          scale >= 0 ? int64_t{k} * (int64_t{1} << scale) - 1
                     : static_cast<int64_t>(std::floor((k - 1.0) / std::ldexp(1.0, -scale)));
      ASSERT_EQ(H::MapToIndex(v, scale), expected) << "k=" << k << " scale=" << scale;
    }
  }
}

TEST(Base2MapToIndexTest, ExtremeValues) {
  const double denorm_min = std::numeric_limits<double>::denorm_min();
  EXPECT_EQ(H::MapToIndex(DBL_MAX, 0), 1023);
  EXPECT_EQ(H::MapToIndex(DBL_MAX, 20), 1024 * (1 << 20) - 1);
  EXPECT_EQ(H::MapToIndex(DBL_MIN, 0), -1023);
  EXPECT_EQ(H::MapToIndex(denorm_min, 0), -1075);
  EXPECT_EQ(H::MapToIndex(denorm_min, 20), -1074 * (1 << 20) - 1);
  // 3 * 2^-1074 = 1.5 * 2^-1073 is in (2^-1073, 2^-1072].
  EXPECT_EQ(H::MapToIndex(3 * denorm_min, 0), -1073);
  // Largest subnormal is just below DBL_MIN = 2^-1022.
  EXPECT_EQ(H::MapToIndex(DBL_MIN - denorm_min, 0), -1023);
}

// Checks index i against the definition base^i < v <= base^(i+1) using
// long double logarithms, for values not within rounding noise of a bound.
TEST(Base2MapToIndexTest, AgreesWithDefinitionOnRandomValues) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-1070.0, 1020.0);
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    const double v = std::exp2(exponent(rng));
    for (int32_t scale : {-10, -3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 16, 20}) {
      const long double position =
          std::log2l(static_cast<long double>(v)) * std::ldexp(1.0L, scale);
      const long double frac = position - std::floor(position);
      if (frac < 1e-6L || frac > 1 - 1e-6L) continue;  // Too close to a bound to judge.
      const int64_t expected = static_cast<int64_t>(std::ceil(position)) - 1;
      ASSERT_EQ(H::MapToIndex(v, scale), expected) << v << " scale " << scale;
      ++checked;
    }
  }
  EXPECT_GT(checked, 300000);
}

// The doubles on either side of bucket boundaries inside an octave: every
// boundary up to scale 12, about 2000 per scale above (table-driven scales
// are 1..10, logarithm with boundary correction above).
TEST(Base2MapToIndexTest, NeighboursOfBoundaries) {
  for (int32_t scale = 1; scale <= 20; ++scale) {
    const int64_t buckets = int64_t{1} << scale;
    const int64_t step = std::max<int64_t>(1, buckets / 2000) | 1;
    for (int64_t j = 1; j < buckets; j += step) {
      const long double boundary = std::exp2l(static_cast<long double>(j) / buckets);
      double below = static_cast<double>(boundary);
      if (static_cast<long double>(below) > boundary) below = std::nextafter(below, 0.0);
      const double above = std::nextafter(below, 2.0);
      for (int e : {-1074 + 52, -3, 0, 7, 1000}) {  // Several octaves, incl. near-subnormal.
        const int64_t base = int64_t{e} * buckets;
        ASSERT_EQ(H::MapToIndex(std::ldexp(below, e), scale), base + j - 1)
            << "scale " << scale << " j " << j << " e " << e;
        ASSERT_EQ(H::MapToIndex(std::ldexp(above, e), scale), base + j)
            << "scale " << scale << " j " << j << " e " << e;
      }
    }
  }
}

TEST(Base2MapToIndexTest, OctaveEdges) {
  // Just above a power of two starts bucket e*2^s; just below it ends the
  // previous octave's last bucket.
  for (int32_t scale = 1; scale <= 20; ++scale) {
    const int64_t buckets = int64_t{1} << scale;
    EXPECT_EQ(H::MapToIndex(std::nextafter(1.0, 2.0), scale), 0) << scale;
    EXPECT_EQ(H::MapToIndex(std::nextafter(1.0, 0.0), scale), -1) << scale;
    EXPECT_EQ(H::MapToIndex(std::nextafter(2.0, 0.0), scale), buckets - 1) << scale;
    EXPECT_EQ(H::MapToIndex(DBL_MAX, scale), 1024 * buckets - 1) << scale;
  }
}

TEST(Base2HistogramTest, NewHistogramIsEmptyAtMaxScale) {
  H h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.scale(), 20);
  auto p = Fill(h);
  EXPECT_EQ(p.count, 0u);
  EXPECT_EQ(p.scale, 20);
  EXPECT_FALSE(p.min.has_value());
  EXPECT_FALSE(p.max.has_value());
  EXPECT_TRUE(p.positive.bucket_counts.empty());
  EXPECT_TRUE(p.negative.bucket_counts.empty());
}

TEST(Base2HistogramTest, IgnoresNanAndInfinities) {
  H h;
  h.Record(std::numeric_limits<double>::quiet_NaN());
  h.Record(std::numeric_limits<double>::infinity());
  h.Record(-std::numeric_limits<double>::infinity());
  EXPECT_TRUE(h.empty());
  h.Record(1.0);
  h.Record(std::numeric_limits<double>::quiet_NaN());
  auto p = Fill(h);
  EXPECT_EQ(p.count, 1u);
  EXPECT_EQ(*p.sum, 1.0);
  EXPECT_EQ(*p.min, 1.0);
  EXPECT_EQ(*p.max, 1.0);
}

TEST(Base2HistogramTest, ZerosGoToZeroCount) {
  H h;
  h.Record(0.0);
  h.Record(-0.0);
  auto p = Fill(h);
  EXPECT_EQ(p.count, 2u);
  EXPECT_EQ(p.zero_count, 2u);
  EXPECT_EQ(p.zero_threshold, 0.0);
  EXPECT_EQ(*p.sum, 0.0);
  EXPECT_EQ(p.scale, 20);  // Zeros never force a rescale.
  EXPECT_TRUE(p.positive.bucket_counts.empty());
  EXPECT_TRUE(p.negative.bucket_counts.empty());
}

TEST(Base2HistogramTest, SingleValueStaysAtMaxScale) {
  H h;
  h.Record(1.0);
  auto p = Fill(h);
  EXPECT_EQ(p.scale, 20);
  EXPECT_EQ(p.positive.offset, -1);
  EXPECT_EQ(p.positive.bucket_counts, std::vector<uint64_t>{1});
}

TEST(Base2HistogramTest, OneTwoFourDownscalesToSix) {
  // At scale s: 1 -> -1, 2 -> 2^s - 1, 4 -> 2^(s+1) - 1; the span 2^(s+1) + 1
  // fits 160 buckets first at s = 6 (129 buckets).
  H h;
  h.Record(1.0);
  h.Record(2.0);
  h.Record(4.0);
  auto p = Fill(h);
  EXPECT_EQ(p.scale, 6);
  EXPECT_EQ(p.positive.offset, -1);
  ASSERT_EQ(p.positive.bucket_counts.size(), 129u);
  EXPECT_EQ(p.positive.bucket_counts[0], 1u);
  EXPECT_EQ(p.positive.bucket_counts[64], 1u);
  EXPECT_EQ(p.positive.bucket_counts[128], 1u);
  EXPECT_EQ(Total(p.positive), 3u);
  EXPECT_EQ(*p.min, 1.0);
  EXPECT_EQ(*p.max, 4.0);
  EXPECT_EQ(*p.sum, 7.0);
}

TEST(Base2HistogramTest, ScaleIsLoweredJustEnough) {
  // Values 1 and 2^k: the highest scale s with k*2^s + 1 <= 160 buckets.
  for (int k = 1; k <= 1000; k += 37) {
    H h;
    h.Record(1.0);
    h.Record(std::ldexp(1.0, k));
    // The indexes fit at the chosen scale and would not at the next one up.
    auto span = [&](int32_t s) {
      return int64_t{H::MapToIndex(std::ldexp(1.0, k), s)} - H::MapToIndex(1.0, s) + 1;
    };
    ASSERT_LE(span(h.scale()), 160) << k;
    if (h.scale() < 20) {
      ASSERT_GT(span(h.scale() + 1), 160) << k;
    }
  }
}

TEST(Base2HistogramTest, ExtremeRangeReachesScaleMinusFour) {
  // DBL_MIN (2^-1022) and DBL_MAX span indexes -1023..1023 at scale 0; 160
  // buckets hold them first at scale -4 (-64..63).
  H h;
  h.Record(DBL_MIN);
  h.Record(DBL_MAX);
  auto p = Fill(h);
  EXPECT_EQ(p.scale, -4);
  EXPECT_EQ(p.positive.offset, -64);
  ASSERT_EQ(p.positive.bucket_counts.size(), 128u);
  EXPECT_EQ(p.positive.bucket_counts.front(), 1u);
  EXPECT_EQ(p.positive.bucket_counts.back(), 1u);
}

TEST(Base2HistogramTest, SubnormalsAndHugeValues) {
  const double denorm_min = std::numeric_limits<double>::denorm_min();
  H h;
  h.Record(denorm_min);
  h.Record(DBL_MAX);
  h.Record(-denorm_min);
  h.Record(-DBL_MAX);
  auto p = Fill(h);
  EXPECT_EQ(p.count, 4u);
  // idx0 -1075..1023 fits 160 at scale -4 too: -68..63 = 132 buckets.
  EXPECT_EQ(p.scale, -4);
  EXPECT_EQ(Total(p.positive), 2u);
  EXPECT_EQ(Total(p.negative), 2u);
  EXPECT_EQ(p.positive.offset, H::MapToIndex(denorm_min, -4));
  EXPECT_EQ(p.negative.offset, H::MapToIndex(denorm_min, -4));
  EXPECT_EQ(*p.min, -DBL_MAX);
  EXPECT_EQ(*p.max, DBL_MAX);
  EXPECT_EQ(*p.sum, 0.0);
}

TEST(Base2HistogramTest, NegativeValuesMirrorPositive) {
  H h;
  h.Record(-1.0);
  h.Record(-4.0);
  h.Record(3.0);
  auto p = Fill(h);
  // Negative magnitudes 1 and 4 need span 2^(s+1)+1 <= 160 -> scale 6.
  EXPECT_EQ(p.scale, 6);
  EXPECT_EQ(p.negative.offset, -1);
  ASSERT_EQ(p.negative.bucket_counts.size(), 129u);
  EXPECT_EQ(p.negative.bucket_counts[0], 1u);
  EXPECT_EQ(p.negative.bucket_counts[128], 1u);
  EXPECT_EQ(p.positive.offset, H::MapToIndex(3.0, 6));
  EXPECT_EQ(p.positive.bucket_counts, std::vector<uint64_t>{1});
  EXPECT_EQ(*p.min, -4.0);
  EXPECT_EQ(*p.max, 3.0);
  EXPECT_EQ(*p.sum, -2.0);
}

TEST(Base2HistogramTest, SmallMaxSizeAndMaxScale) {
  H h(/*max_size=*/4, /*max_scale=*/0, /*record_min_max=*/false);
  for (double v : {1.0, 2.0, 4.0, 8.0, 16.0}) h.Record(v);
  auto p = Fill(h);
  // Scale 0 indexes -1..3 (5 buckets) do not fit in 4; scale -1: -1..1.
  EXPECT_EQ(p.scale, -1);
  EXPECT_EQ(p.positive.offset, -1);
  EXPECT_EQ(p.positive.bucket_counts, (std::vector<uint64_t>{1, 2, 2}));
  EXPECT_FALSE(p.min.has_value());
  EXPECT_FALSE(p.max.has_value());
}

TEST(Base2HistogramTest, ManyValuesKeepEveryCountAndFit) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> dist(0.0, 3.0);
  H h;
  uint64_t n = 0;
  for (int i = 0; i < 100000; ++i) {
    const double v = dist(rng) * ((i % 3 == 0) ? -1 : 1);
    h.Record(v);
    ++n;
  }
  auto p = Fill(h);
  EXPECT_EQ(p.count, n);
  EXPECT_EQ(Total(p.positive) + Total(p.negative) + p.zero_count, n);
  EXPECT_LE(p.positive.bucket_counts.size(), 160u);
  EXPECT_LE(p.negative.bucket_counts.size(), 160u);
  EXPECT_GT(p.positive.bucket_counts.front(), 0u);
  EXPECT_GT(p.positive.bucket_counts.back(), 0u);
}

// Walks ascending then descending, so the circular array wraps both ways.
TEST(Base2HistogramTest, GrowsDownwardAndUpward) {
  H h(160, 0);
  for (int k = 0; k < 100; ++k) h.Record(std::ldexp(1.0, k));
  for (int k = -1; k > -60; --k) h.Record(std::ldexp(1.0, k));
  auto p = Fill(h);
  EXPECT_EQ(p.scale, 0);
  EXPECT_EQ(p.positive.offset, -60);
  ASSERT_EQ(p.positive.bucket_counts.size(), 159u);
  for (uint64_t c : p.positive.bucket_counts) EXPECT_EQ(c, 1u);
}

// Regression: Downscale() used to build the merged counts in a temporary
// std::vector, so a recording that lowered the scale allocated (and could
// throw from noexcept code). A delta series returns to max_scale after every
// Reset(), so this happened on every collection cycle.
TEST(Base2HistogramTest, DownscaleAfterResetDoesNotAllocate) {
  // Process-wide lookup tables are built on first use (once per process, not
  // per series); touch every scale first so only the series' own work counts.
  {
    H warm_up;
    for (int k = -40; k <= 40; ++k) {
      warm_up.Record(std::ldexp(1.5, k));
      warm_up.Record(-std::ldexp(1.5, -k));
    }
  }
  H h;
  h.Record(1.0);
  h.Record(-1.0);  // Both ranges now own their storage.
  h.Reset();
  const uint64_t before = g_allocations.load();
  for (int k = -40; k <= 40; ++k) {
    h.Record(std::ldexp(1.5, k));
    h.Record(-std::ldexp(1.5, -k));
  }
  const uint64_t after = g_allocations.load();
  EXPECT_EQ(after, before);
  EXPECT_LT(h.scale(), 20);
  EXPECT_EQ(h.count(), 162u);
}

// Every bucket after many wrap-around downscales holds exactly the values
// whose index at the final scale is that bucket.
TEST(Base2HistogramTest, DownscaleKeepsEveryValueInItsBucket) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(-30.0, 30.0);
  for (int32_t max_size : {4, 7, 20, 160}) {
    H h(max_size, 20);
    std::vector<double> values;
    for (int i = 0; i < 2000; ++i) {
      // Alternate far above and far below to make the ring wrap both ways.
      const double e = (i % 2 == 0 ? 1 : -1) * exponent(rng) * (i % 7 == 0 ? 1.0 : 0.1);
      values.push_back(std::exp2(e));
      h.Record(values.back());
    }
    auto p = Fill(h);
    std::map<int32_t, uint64_t> expected;
    for (double v : values) ++expected[H::MapToIndex(v, p.scale)];
    ASSERT_LE(p.positive.bucket_counts.size(), static_cast<size_t>(max_size));
    std::map<int32_t, uint64_t> actual;
    for (size_t i = 0; i < p.positive.bucket_counts.size(); ++i) {
      if (p.positive.bucket_counts[i] != 0) {
        actual[p.positive.offset + static_cast<int32_t>(i)] = p.positive.bucket_counts[i];
      }
    }
    EXPECT_EQ(actual, expected) << "max_size " << max_size;
  }
}

TEST(Base2HistogramTest, ResetReturnsToMaxScale) {
  H h;
  h.Record(1.0);
  h.Record(1e10);
  ASSERT_LT(h.scale(), 20);
  h.Reset();
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.scale(), 20);
  auto p = Fill(h);
  EXPECT_TRUE(p.positive.bucket_counts.empty());
  EXPECT_EQ(p.zero_count, 0u);
  h.Record(5.0);
  p = Fill(h);
  EXPECT_EQ(p.scale, 20);
  EXPECT_EQ(p.positive.offset, H::MapToIndex(5.0, 20));
  EXPECT_EQ(p.positive.bucket_counts, std::vector<uint64_t>{1});
  EXPECT_EQ(*p.min, 5.0);
}

void ExpectSamePoint(const ExponentialHistogramDataPoint& a,
                     const ExponentialHistogramDataPoint& b) {
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.sum, b.sum);
  EXPECT_EQ(a.scale, b.scale);
  EXPECT_EQ(a.zero_count, b.zero_count);
  EXPECT_EQ(a.positive.offset, b.positive.offset);
  EXPECT_EQ(a.positive.bucket_counts, b.positive.bucket_counts);
  EXPECT_EQ(a.negative.offset, b.negative.offset);
  EXPECT_EQ(a.negative.bucket_counts, b.negative.bucket_counts);
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.max, b.max);
}

TEST(Base2HistogramTest, MergeEqualsRecordingEverythingInOne) {
  const std::vector<std::vector<double>> first_sets = {
      {}, {1.0}, {0.0, 3.0}, {1.0, 2.0, 4.0}, {-8.0, 0.125, 1024.0}, {1e-300, 1e300}};
  const std::vector<std::vector<double>> second_sets = {{},           {5.0}, {1.0, 1.5},
                                                        {-1.0, -1e6}, {0.0}, {7.0, 1e100, 3e-5}};
  for (const auto& a : first_sets) {
    for (const auto& b : second_sets) {
      H ha, hb, all;
      for (double v : a) {
        ha.Record(v);
        all.Record(v);
      }
      for (double v : b) {
        hb.Record(v);
        all.Record(v);
      }
      H merged = ha;
      merged.Merge(hb);
      ExpectSamePoint(Fill(merged), Fill(all));
    }
  }
}

TEST(Base2HistogramTest, MergeIntoEmptyAndFromEmpty) {
  H h;
  h.Record(2.0);
  H empty;
  H copy = h;
  copy.Merge(empty);
  ExpectSamePoint(Fill(copy), Fill(h));
  empty.Merge(h);
  ExpectSamePoint(Fill(empty), Fill(h));
}

TEST(Base2HistogramTest, MergeDifferentMaxSizeDownscalesToFit) {
  H small(4, 20);
  H large(160, 20);
  for (double v : {1.0, 2.0, 4.0, 8.0}) large.Record(v);
  ASSERT_GT(large.scale(), 0);
  small.Merge(large);
  auto p = Fill(small);
  EXPECT_LE(p.positive.bucket_counts.size(), 4u);
  EXPECT_EQ(Total(p.positive), 4u);
  EXPECT_EQ(p.count, 4u);
  // The same values recorded straight into a max_size 4 histogram.
  H direct(4, 20);
  for (double v : {1.0, 2.0, 4.0, 8.0}) direct.Record(v);
  ExpectSamePoint(p, Fill(direct));
}

TEST(Base2HistogramTest, CopyIsDeep) {
  H h;
  h.Record(1.0);
  H copy = h;
  h.Record(1.0);
  EXPECT_EQ(Fill(copy).positive.bucket_counts, std::vector<uint64_t>{1});
  EXPECT_EQ(Fill(h).positive.bucket_counts, std::vector<uint64_t>{2});
}

}  // namespace
}  // namespace cryptolake::metrics::internal

namespace cryptolake::metrics::internal {
namespace {

// Copy-assignment reuses storage; the target's old buckets must not leak in.
TEST(Base2HistogramCopyTest, AssignOverUsedHistogram) {
  H source;
  for (double v : {3.0, 5.0, -7.0, 0.0}) source.Record(v);
  H target;
  for (double v : {1e-5, 1e5, -2.0, -1e9}) target.Record(v);
  target = source;
  ExpectSamePoint(Fill(target), Fill(source));
  // Both stay independent and keep working after the copy.
  target.Record(3.0);
  source.Record(1e300);
  EXPECT_EQ(Fill(target).count, 5u);
  H expected;
  for (double v : {3.0, 5.0, -7.0, 0.0, 3.0}) expected.Record(v);
  ExpectSamePoint(Fill(target), Fill(expected));
}

TEST(Base2HistogramCopyTest, AssignEmptyThenReuse) {
  H target;
  for (double v : {1.0, 2.0, 4.0}) target.Record(v);
  target = H();
  EXPECT_TRUE(target.empty());
  EXPECT_EQ(target.scale(), 20);
  target.Record(6.0);
  H expected;
  expected.Record(6.0);
  ExpectSamePoint(Fill(target), Fill(expected));
}

TEST(Base2HistogramCopyTest, DrainPatternCopyThenReset) {
  // What a delta collection does each cycle: copy out, reset, record more.
  H cell;
  H out;
  for (int cycle = 0; cycle < 5; ++cycle) {
    H expected;
    for (int i = 1; i <= 50; ++i) {
      const double v = (cycle + 1) * i * 0.37 * ((i % 4 == 0) ? -1 : 1);
      cell.Record(v);
      expected.Record(v);
    }
    out = cell;
    cell.Reset();
    ExpectSamePoint(Fill(out), Fill(expected));
    EXPECT_TRUE(cell.empty());
  }
}

// Through the SDK: an instrument that can record negative values (a gauge
// here) gets both bucket ranges with its series, so no later value of either
// sign, nor the downscaling it causes, allocates on the recording path.
TEST(Base2HistogramSdkTest, RecordingIntoAnExistingSeriesNeverAllocates) {
  View view;
  view.selector.name = "g";
  view.stream.aggregation.kind = AggregationKind::kBase2ExponentialHistogram;
  testing::Harness harness(TemporalityPreference::kDelta, {view});
  auto gauge = harness.meter->CreateDoubleGauge("g");
  gauge.Record(2.0, {{"k", "v"}});  // The series is created (and allocated) here.
  const uint64_t before = g_allocations.load();
  for (int k = -40; k <= 40; ++k) {
    gauge.Record(-std::ldexp(1.5, k), {{"k", "v"}});
    gauge.Record(std::ldexp(1.5, -k), {{"k", "v"}});
  }
  const uint64_t after = g_allocations.load();
  EXPECT_EQ(after, before);

  ResourceMetrics rm = harness.Collect();
  const auto& points =
      std::get<ExponentialHistogramData>(testing::FindMetric(rm, "g")->data).points;
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].count, 163u);
  EXPECT_EQ(Total(points[0].negative), 81u);
  EXPECT_EQ(Total(points[0].positive), 82u);
}

}  // namespace
}  // namespace cryptolake::metrics::internal
