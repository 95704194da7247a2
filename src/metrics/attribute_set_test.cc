#include "cryptolake/metrics/attribute_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace cryptolake::metrics {
namespace {

TEST(AttributeSetTest, SortsByKey) {
  AttributeSet set{{"symbol", std::string("BTCUSDT")},
                   {"exchange", std::string("binance")},
                   {"interval", int64_t{60}}};
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.entries()[0].key, "exchange");
  EXPECT_EQ(set.entries()[1].key, "interval");
  EXPECT_EQ(set.entries()[2].key, "symbol");
}

TEST(AttributeSetTest, DuplicateKeysLastWins) {
  AttributeSet set{{"a", int64_t{1}}, {"b", true}, {"a", int64_t{2}}, {"a", std::string("x")}};
  ASSERT_EQ(set.size(), 2u);
  const AttributeValue* a = set.Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(*a, AttributeValue(std::string("x")));
  EXPECT_EQ(*set.Find("b"), AttributeValue(true));
}

TEST(AttributeSetTest, FindMissingAndEmpty) {
  AttributeSet empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.Find("a"), nullptr);
  AttributeSet set{{"b", 1.5}};
  EXPECT_EQ(set.Find("a"), nullptr);
  EXPECT_EQ(set.Find("c"), nullptr);
  EXPECT_EQ(set.Find(""), nullptr);
  ASSERT_NE(set.Find("b"), nullptr);
  EXPECT_EQ(std::get<double>(*set.Find("b")), 1.5);
}

TEST(AttributeSetTest, OrderIndependentEqualityAndHash) {
  std::vector<KeyValue> entries = {
      {"s", std::string("v")},
      {"b", false},
      {"i", int64_t{-7}},
      {"d", 2.25},
      {"sa", std::vector<std::string>{"x", "y"}},
      {"ba", std::vector<bool>{true, false}},
      {"ia", std::vector<int64_t>{1, 2, 3}},
      {"da", std::vector<double>{0.5}},
  };
  const AttributeSet reference(entries);
  std::mt19937 rng(42);
  for (int i = 0; i < 50; ++i) {
    std::shuffle(entries.begin(), entries.end(), rng);
    AttributeSet shuffled(entries);
    EXPECT_EQ(shuffled, reference);
    EXPECT_EQ(shuffled.Hash(), reference.Hash());
  }
}

TEST(AttributeSetTest, HashDistinguishesValuesTypesAndKeys) {
  std::set<uint64_t> hashes;
  const std::vector<AttributeSet> sets = {
      AttributeSet{},
      AttributeSet{{"a", int64_t{1}}},
      AttributeSet{{"a", int64_t{2}}},
      AttributeSet{{"a", 1.0}},
      AttributeSet{{"a", true}},
      AttributeSet{{"a", std::string("1")}},
      AttributeSet{{"b", int64_t{1}}},
      AttributeSet{{"a", std::vector<int64_t>{1}}},
      AttributeSet{{"a", std::vector<int64_t>{1, 1}}},
      AttributeSet{{"a", std::string("ab")}, {"b", std::string("c")}},
      AttributeSet{{"a", std::string("a")}, {"b", std::string("bc")}},
      AttributeSet{{"ab", std::string("")}},
      AttributeSet{{"a", std::string("b")}},
  };
  for (const AttributeSet& s : sets) hashes.insert(s.Hash());
  EXPECT_EQ(hashes.size(), sets.size());
}

TEST(AttributeSetTest, PositiveAndNegativeZeroAreEqualAndHashEqual) {
  AttributeSet pos{{"z", 0.0}};
  AttributeSet neg{{"z", -0.0}};
  EXPECT_EQ(pos, neg);
  EXPECT_EQ(pos.Hash(), neg.Hash());
}

TEST(AttributeSetTest, ManySymbolsHashWithoutCollisions) {
  std::set<uint64_t> hashes;
  for (int i = 0; i < 10000; ++i) {
    AttributeSet s{{"exchange", std::string("binance")},
                   {"symbol", "SYM" + std::to_string(i)},
                   {"data_type", std::string("klines")}};
    hashes.insert(s.Hash());
  }
  EXPECT_EQ(hashes.size(), 10000u);
}

}  // namespace
}  // namespace cryptolake::metrics
