#include "unique_key_tracker.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace cryptolake::lake::internal {
namespace {

TEST(UniqueKeyTrackerTest, AgreesWithASetOnRunsGapsAndStragglers) {
  std::mt19937_64 rng(11);
  UniqueKeyTracker t;
  std::set<int64_t> truth;
  int64_t next = 1000;
  for (int i = 0; i < 20000; ++i) {
    int64_t key;
    switch (rng() % 10) {
      case 0:  // a gap
        next += 1 + static_cast<int64_t>(rng() % 500);
        key = next;
        break;
      case 1:  // a straggler below the max (may be a duplicate)
        key = 900 + static_cast<int64_t>(rng() % static_cast<uint64_t>(next - 899));
        break;
      default:  // the run continues (step 1 or 60000-like steps alike)
        next += 3;
        key = next;
    }
    EXPECT_EQ(t.Contains(key), truth.count(key) == 1) << key;
    if (!truth.count(key)) {
      t.Add(key);
      truth.insert(key);
    }
  }
  for (int64_t k = 800; k < next + 10; ++k) ASSERT_EQ(t.Contains(k), truth.count(k) == 1) << k;
}

TEST(UniqueKeyTrackerTest, AppendJoinsALaterChunk) {
  UniqueKeyTracker a, b;
  for (int64_t k = 0; k < 100; k += 2) a.Add(k);
  for (int64_t k = 200; k < 300; ++k) b.Add(k);
  b.Add(150);  // a straggler of the later chunk, still above a's max
  ASSERT_GT(b.min(), a.max());
  a.Append(b);
  EXPECT_TRUE(a.Contains(98));
  EXPECT_FALSE(a.Contains(99));
  EXPECT_TRUE(a.Contains(150));
  EXPECT_TRUE(a.Contains(299));
  EXPECT_FALSE(a.Contains(300));
  EXPECT_EQ(a.max(), 299);
}

}  // namespace
}  // namespace cryptolake::lake::internal
