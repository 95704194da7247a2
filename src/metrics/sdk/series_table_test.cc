// Tests of the lock-free series table (series_table.h): lookups with tagged
// slots, colliding hashes, erasure with tombstones and growth.
#include "series_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "packed_attributes_test_util.h"

namespace cryptolake::metrics::internal {
namespace {

struct TestSeries {
  uint64_t hash = 0;
  PackedAttributes packed;
  PackedAttributesView attributes() const { return packed.view(); }
};

// A series for {"id": id} whose stored hash is `hash` (not the set's own
// hash: tests choose collisions).
std::unique_ptr<TestSeries> Make(int64_t id, uint64_t hash) {
  const AttributeView attrs[] = {{"id", id}};
  auto s = std::make_unique<TestSeries>();
  s->hash = hash;
  s->packed = PackedAttributes(CanonicalAttributes(Attributes(attrs)));
  return s;
}

TestSeries* Find(const SeriesTable<TestSeries>& table, int64_t id, uint64_t hash) {
  const AttributeView attrs[] = {{"id", id}};
  CanonicalAttributes canonical{Attributes(attrs)};
  return table.Find(hash, canonical);
}

TEST(SeriesTableTest, FindsEverySeriesThroughCollisionsErasureAndGrowth) {
  SeriesTable<TestSeries> table;
  std::vector<std::unique_ptr<TestSeries>> all;
  // Three kinds of hash: all share their low bits (one probe chain); pairs
  // share the whole hash (same tag, told apart by their attributes); the
  // rest differ only in the top bits (the tag).
  for (int64_t id = 0; id < 600; ++id) {
    const uint64_t top = static_cast<uint64_t>(id / 2) << 48;
    all.push_back(Make(id, top | 0x5A5A));
    table.Insert(all.back().get());
  }
  EXPECT_TRUE(table.tagged());
  EXPECT_EQ(table.size(), 600u);
  for (int64_t id = 0; id < 600; ++id) {
    const uint64_t hash = (static_cast<uint64_t>(id / 2) << 48) | 0x5A5A;
    ASSERT_EQ(Find(table, id, hash), all[id].get()) << id;
  }
  EXPECT_EQ(Find(table, 600, (uint64_t{300} << 48) | 0x5A5A), nullptr);
  EXPECT_EQ(Find(table, 0, 0x5A5A | (uint64_t{7} << 48)), nullptr);  // Right set, wrong hash.

  for (int64_t id = 0; id < 600; id += 3) table.Erase(all[id].get());
  size_t seen = 0;
  table.ForEach([&](TestSeries*) { ++seen; });
  EXPECT_EQ(seen, 400u);
  for (int64_t id = 0; id < 600; ++id) {
    const uint64_t hash = (static_cast<uint64_t>(id / 2) << 48) | 0x5A5A;
    EXPECT_EQ(Find(table, id, hash), id % 3 == 0 ? nullptr : all[id].get()) << id;
  }
  // Re-inserting reuses tombstones or rebuilds; everything is found again.
  for (int64_t id = 0; id < 600; id += 3) table.Insert(all[id].get());
  for (int64_t id = 0; id < 600; ++id) {
    const uint64_t hash = (static_cast<uint64_t>(id / 2) << 48) | 0x5A5A;
    EXPECT_EQ(Find(table, id, hash), all[id].get()) << id;
  }
  EXPECT_EQ(table.size(), 600u);
}

}  // namespace
}  // namespace cryptolake::metrics::internal
