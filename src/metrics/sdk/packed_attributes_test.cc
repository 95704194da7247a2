// Tests of the recording-path attribute encoding (packed_attributes.h): the
// fixed-width "short" form of keys and strings of every length up to 16 bytes
// and the byte form beyond, order-independent hashing and set equality.
#include "packed_attributes_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace cryptolake::metrics::internal {
namespace {

std::string Text(size_t n, char first) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(first + i % 23));
  return s;
}

TEST(PackedAttributesEncodingTest, RoundTripsEveryKeyAndValueLength) {
  for (size_t key_length = 0; key_length <= 20; ++key_length) {
    for (size_t value_length = 0; value_length <= 20; ++value_length) {
      const std::string key = Text(key_length, 'a');
      const std::string value = Text(value_length, 'A');
      const AttributeView attrs[] = {{key, value}, {"zz", int64_t{1}}};
      CanonicalAttributes c{Attributes(attrs)};
      PackedAttributes packed(c);
      ASSERT_TRUE(packed.Equals(c)) << key_length << "/" << value_length;
      const AttributeSet expected{{key, value}, {"zz", int64_t{1}}};
      EXPECT_EQ(packed.ToAttributeSet(), expected) << key_length << "/" << value_length;

      // One byte changed anywhere in the value (or the key) is another set.
      for (size_t i = 0; i < value_length; ++i) {
        std::string changed = value;
        changed[i] = '#';
        const AttributeView other[] = {{key, changed}, {"zz", int64_t{1}}};
        EXPECT_FALSE(packed.Equals(CanonicalAttributes(Attributes(other))))
            << key_length << "/" << value_length << " byte " << i;
      }
      for (size_t i = 0; i < key_length; ++i) {
        std::string changed = key;
        changed[i] = '#';
        const AttributeView other[] = {{changed, value}, {"zz", int64_t{1}}};
        EXPECT_FALSE(packed.Equals(CanonicalAttributes(Attributes(other))))
            << key_length << "/" << value_length << " key byte " << i;
      }
      // A prefix is another value.
      if (value_length > 0) {
        const std::string shorter = value.substr(0, value_length - 1);
        const AttributeView other[] = {{key, shorter}, {"zz", int64_t{1}}};
        EXPECT_FALSE(packed.Equals(CanonicalAttributes(Attributes(other))));
      }
    }
  }
}

TEST(PackedAttributesEncodingTest, EqualityAndHashIgnoreOrder) {
  const AttributeView a[] = {
      {"exchange", "binance"}, {"data_type", "klines"}, {"symbol", "BTCUSDT"}};
  const AttributeView b[] = {
      {"symbol", "BTCUSDT"}, {"exchange", "binance"}, {"data_type", "klines"}};
  const AttributeView c[] = {
      {"symbol", "ETHUSDT"}, {"exchange", "binance"}, {"data_type", "klines"}};
  CanonicalAttributes ca{Attributes(a)};
  CanonicalAttributes cb{Attributes(b)};
  CanonicalAttributes cc{Attributes(c)};
  EXPECT_FALSE(ca.sorted());  // No duplicates: kept in call order, not sorted.
  EXPECT_EQ(ca.Hash(), cb.Hash());
  EXPECT_NE(ca.Hash(), cc.Hash());
  PackedAttributes packed(ca);
  EXPECT_TRUE(packed.Equals(cb));
  EXPECT_FALSE(packed.Equals(cc));
  // Export is sorted by key whatever the stored order.
  const AttributeSet set = packed.ToAttributeSet();
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.entries()[0].key, "data_type");
  EXPECT_EQ(set.entries()[1].key, "exchange");
  EXPECT_EQ(set.entries()[2].key, "symbol");
}

TEST(PackedAttributesEncodingTest, DuplicatesTakeTheSortingPathWithSameHash) {
  const AttributeView dup[] = {{"b", 7}, {"a", "x"}, {"b", 1}};
  const AttributeView plain[] = {{"a", "x"}, {"b", 1}};
  CanonicalAttributes cd{Attributes(dup)};
  CanonicalAttributes cp{Attributes(plain)};
  EXPECT_TRUE(cd.sorted());
  ASSERT_EQ(cd.size(), 2u);
  EXPECT_EQ(cd.Hash(), cp.Hash());
  EXPECT_TRUE(PackedAttributes(cd).Equals(cp));
  EXPECT_TRUE(PackedAttributes(cp).Equals(cd));
}

// The recording path's unchecked form keeps a repeated key; equality with a
// stored set of the same size must still fail (whatever the hashes say), and
// the form reports itself so the stream can canonicalise it on a miss.
TEST(PackedAttributesEncodingTest, UncheckedListWithRepeatedKeyMatchesNothing) {
  const AttributeView stored[] = {{"a", "x"}, {"b", "y"}};
  const AttributeView repeated[] = {{"a", "x"}, {"a", "x"}};
  const AttributeView repeated_other_order[] = {{"b", "y"}, {"b", "y"}};
  PackedAttributes packed{CanonicalAttributes(Attributes(stored))};
  CanonicalAttributes unchecked(Attributes(repeated), CanonicalAttributes::UncheckedKeys{});
  EXPECT_EQ(unchecked.size(), 2u);
  EXPECT_FALSE(unchecked.keys_checked());
  EXPECT_TRUE(unchecked.HasDuplicateKeys());
  EXPECT_FALSE(packed.Equals(unchecked));
  EXPECT_FALSE(packed.Equals(
      CanonicalAttributes(Attributes(repeated_other_order), CanonicalAttributes::UncheckedKeys{})));
  CanonicalAttributes plain(Attributes(stored), CanonicalAttributes::UncheckedKeys{});
  EXPECT_FALSE(plain.HasDuplicateKeys());
  EXPECT_TRUE(packed.Equals(plain));
  // The checked form collapses the repeat.
  EXPECT_EQ(CanonicalAttributes(Attributes(repeated)).size(), 1u);
}

// The duplicate-key check only compares keys whose lengths collide (one bit per
// length, 31+ sharing a bit): distinct keys of equal length must stay distinct,
// equal keys of any length must collapse with the last value winning.
TEST(PackedAttributesEncodingTest, DuplicateDetectionByKeyLength) {
  {  // Same length, different keys: no duplicates, caller order kept.
    const AttributeView attrs[] = {{"abc", 1}, {"abd", 2}, {"abe", 3}};
    CanonicalAttributes c{Attributes(attrs)};
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(PackedAttributes(c).ToAttributeSet(),
              (AttributeSet{{"abc", int64_t{1}}, {"abd", int64_t{2}}, {"abe", int64_t{3}}}));
  }
  {  // Same length, same key: last wins.
    const AttributeView attrs[] = {{"abc", 1}, {"xyz", "v"}, {"abc", 9}};
    CanonicalAttributes c{Attributes(attrs)};
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(PackedAttributes(c).ToAttributeSet(),
              (AttributeSet{{"abc", int64_t{9}}, {"xyz", "v"}}));
  }
  const std::string long_a(40, 'k');
  std::string long_b(45, 'k');
  long_b.back() = 'z';
  {  // Keys of 31+ bytes share one length bit but differ.
    const AttributeView attrs[] = {{long_a, 1}, {long_b, 2}};
    CanonicalAttributes c{Attributes(attrs)};
    EXPECT_EQ(c.size(), 2u);
  }
  {  // Duplicate long keys collapse, last wins, and equal a reordered plain list.
    const AttributeView dup[] = {{long_a, 1}, {"s", "x"}, {long_a, 5}};
    const AttributeView plain[] = {{"s", "x"}, {long_a, 5}};
    CanonicalAttributes cd{Attributes(dup)};
    CanonicalAttributes cp{Attributes(plain)};
    ASSERT_EQ(cd.size(), 2u);
    EXPECT_EQ(cd.Hash(), cp.Hash());
    EXPECT_TRUE(PackedAttributes(cp).Equals(cd));
    EXPECT_TRUE(PackedAttributes(cd).Equals(cp));
  }
  {  // A short list never equals a stored list holding a long attribute.
    const AttributeView stored[] = {{long_a, "v"}, {"s", "x"}};
    const AttributeView probe[] = {{"s", "x"}};
    PackedAttributes packed{CanonicalAttributes(Attributes(stored))};
    EXPECT_FALSE(packed.Equals(CanonicalAttributes(Attributes(probe))));
  }
}

TEST(PackedAttributesEncodingTest, LongKeysAndValuesAndMixedForms) {
  const std::string long_key = Text(40, 'k');
  const std::string long_value = Text(100, 'v');
  const std::string long_key2 = long_key + "2";
  const AttributeView attrs[] = {
      {long_key, 5}, {"short", long_value}, {long_key2, long_value}, {"s", "x"}};
  CanonicalAttributes c{Attributes(attrs)};
  PackedAttributes packed(c);
  EXPECT_TRUE(packed.Equals(c));
  const AttributeSet expected{{long_key, int64_t{5}},
                              {"short", long_value},
                              {long_key2, long_value},
                              {"s", std::string("x")}};
  EXPECT_EQ(packed.ToAttributeSet(), expected);
  // Same key, value in the other form (short vs long string): not equal.
  const AttributeView other[] = {
      {long_key, 5}, {"short", "tiny"}, {long_key2, long_value}, {"s", "x"}};
  EXPECT_FALSE(packed.Equals(CanonicalAttributes(Attributes(other))));
  // Long value differing in its last byte.
  std::string changed = long_value;
  changed.back() = '#';
  const AttributeView other2[] = {
      {long_key, 5}, {"short", changed}, {long_key2, long_value}, {"s", "x"}};
  EXPECT_FALSE(packed.Equals(CanonicalAttributes(Attributes(other2))));
  // Duplicate long keys: last wins.
  const AttributeView dup[] = {{long_key, 1}, {"s", "x"}, {long_key, 5}};
  const AttributeView dedup[] = {{"s", "x"}, {long_key, 5}};
  EXPECT_TRUE(PackedAttributes(CanonicalAttributes(Attributes(dup)))
                  .Equals(CanonicalAttributes(Attributes(dedup))));
}

TEST(PackedAttributesEncodingTest, ScalarsAreComparedBitwiseAndByType) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const AttributeView a[] = {{"d", nan}, {"z", 0.0}, {"b", true}, {"i", int64_t{-1}}};
  CanonicalAttributes ca{Attributes(a)};
  PackedAttributes packed(ca);
  EXPECT_TRUE(packed.Equals(ca));  // NaN matches itself.
  const AttributeView neg_zero[] = {{"d", nan}, {"z", -0.0}, {"b", true}, {"i", int64_t{-1}}};
  EXPECT_FALSE(packed.Equals(CanonicalAttributes(Attributes(neg_zero))));
  const AttributeView bool_false[] = {{"d", nan}, {"z", 0.0}, {"b", false}, {"i", int64_t{-1}}};
  EXPECT_FALSE(packed.Equals(CanonicalAttributes(Attributes(bool_false))));
  // int64 1 vs bool true vs double with the same bits: different types.
  const AttributeView i1[] = {{"x", int64_t{1}}};
  const AttributeView b1[] = {{"x", true}};
  EXPECT_FALSE(PackedAttributes(CanonicalAttributes(Attributes(i1)))
                   .Equals(CanonicalAttributes(Attributes(b1))));
  const AttributeSet set = packed.ToAttributeSet();
  ASSERT_NE(set.Find("d"), nullptr);
  EXPECT_TRUE(std::isnan(std::get<double>(*set.Find("d"))));
  EXPECT_EQ(std::get<int64_t>(*set.Find("i")), -1);
  EXPECT_EQ(std::get<bool>(*set.Find("b")), true);
}

}  // namespace
}  // namespace cryptolake::metrics::internal
