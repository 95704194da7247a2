#include "cryptolake/metrics/attributes.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "metrics_test_util.h"
#include "packed_attributes_test_util.h"

namespace cryptolake::metrics {
namespace {

using internal::CanonicalAttributes;
using internal::PackedAttributes;

TEST(AttributeValueViewTest, WidensIntegersAndFloats) {
  AttributeValueView i = 3;
  EXPECT_EQ(i.type(), AttributeValueView::Type::kInt64);
  EXPECT_EQ(i.int64_value(), 3);
  AttributeValueView u = uint16_t{7};
  EXPECT_EQ(u.int64_value(), 7);
  AttributeValueView f = 1.5f;
  EXPECT_EQ(f.type(), AttributeValueView::Type::kDouble);
  EXPECT_EQ(f.double_value(), 1.5);
  AttributeValueView b = true;
  EXPECT_EQ(b.type(), AttributeValueView::Type::kBool);
  AttributeValueView s = "x";
  EXPECT_EQ(s.type(), AttributeValueView::Type::kString);
  std::string owned = "y";
  AttributeValueView so = owned;
  EXPECT_EQ(so.string_value(), "y");
}

TEST(AttributeValueViewTest, ToOwnedAndEqualsRoundTripEveryType) {
  const int64_t ints[] = {1, 2};
  const double doubles[] = {0.5};
  const bool bools[] = {true, false};
  const std::string_view strings[] = {"a", "bc"};
  std::vector<AttributeValueView> views = {
      AttributeValueView(true),
      AttributeValueView(int64_t{-4}),
      AttributeValueView(2.5),
      AttributeValueView("str"),
      AttributeValueView(std::span<const int64_t>(ints)),
      AttributeValueView(std::span<const double>(doubles)),
      AttributeValueView(std::span<const bool>(bools)),
      AttributeValueView(std::span<const std::string_view>(strings))};
  for (const auto& v : views) {
    AttributeValue owned = v.ToOwned();
    EXPECT_TRUE(v.Equals(owned));
  }
  EXPECT_FALSE(AttributeValueView(int64_t{1}).Equals(AttributeValue(1.0)));
  EXPECT_FALSE(AttributeValueView("a").Equals(AttributeValue(std::string("b"))));
}

TEST(CanonicalAttributesTest, SortsAndLastDuplicateWins) {
  const AttributeView attrs[] = {{"b", 1}, {"a", "x"}, {"b", 2}, {"c", true}};
  CanonicalAttributes c{Attributes(attrs)};
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].key, "a");
  EXPECT_EQ(c[1].key, "b");
  EXPECT_EQ(c[1].value.int64_value(), 2);
  EXPECT_EQ(c[2].key, "c");
  AttributeSet expected{{"a", std::string("x")}, {"b", int64_t{2}}, {"c", true}};
  EXPECT_EQ(c.ToAttributeSet(), expected);
}

TEST(CanonicalAttributesTest, HashIsOrderIndependent) {
  const AttributeView a[] = {{"exchange", "binance"}, {"symbol", "BTCUSDT"}, {"n", 3}};
  const AttributeView b[] = {{"n", 3}, {"symbol", "BTCUSDT"}, {"exchange", "binance"}};
  const AttributeView c[] = {{"n", 4}, {"symbol", "BTCUSDT"}, {"exchange", "binance"}};
  EXPECT_EQ(CanonicalAttributes(Attributes(a)).Hash(), CanonicalAttributes(Attributes(b)).Hash());
  EXPECT_NE(CanonicalAttributes(Attributes(a)).Hash(), CanonicalAttributes(Attributes(c)).Hash());
}

TEST(CanonicalAttributesTest, HandlesMoreThanInlineCapacity) {
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) {
    char key[8];
    std::snprintf(key, sizeof(key), "k%d", 100 - i);  // Descending input order.
    keys.emplace_back(key);
  }
  std::vector<AttributeView> views;
  for (const auto& k : keys) views.push_back({k, 1});
  CanonicalAttributes c{Attributes(std::span<const AttributeView>(views))};
  ASSERT_EQ(c.size(), 40u);
  for (size_t i = 1; i < c.size(); ++i) EXPECT_LT(c[i - 1].key, c[i].key);
}

TEST(CanonicalAttributesTest, FilterKeepsAllowedOrDropsExcluded) {
  const AttributeView attrs[] = {{"a", 1}, {"b", 2}, {"c", 3}};
  CanonicalAttributes c{Attributes(attrs)};
  std::vector<std::string> allowed = {"a", "c"};
  CanonicalAttributes f;
  f.FilterFrom(c, &allowed, {});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].key, "a");
  EXPECT_EQ(f[1].key, "c");
  CanonicalAttributes g;
  g.FilterFrom(c, nullptr, {"b"});
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[1].key, "c");
}

TEST(PackedAttributesTest, EqualsAndExpandsEveryType) {
  const int64_t ints[] = {1, 2, 3};
  const double doubles[] = {0.25, -1};
  const bool bools[] = {true, false, true};
  const std::string_view strings[] = {"", "bc", "def"};
  const AttributeView attrs[] = {{"s", "text"},
                                 {"i", -9},
                                 {"d", 1.5},
                                 {"b", false},
                                 {"ia", std::span<const int64_t>(ints)},
                                 {"da", std::span<const double>(doubles)},
                                 {"ba", std::span<const bool>(bools)},
                                 {"sa", std::span<const std::string_view>(strings)}};
  CanonicalAttributes c{Attributes(attrs)};
  PackedAttributes packed(c);
  EXPECT_EQ(packed.size(), 8u);
  EXPECT_TRUE(packed.Equals(c));
  AttributeSet set = packed.ToAttributeSet();
  EXPECT_EQ(set, c.ToAttributeSet());
  // From the owned form back again.
  PackedAttributes again(set);
  EXPECT_TRUE(again.Equals(c));

  const AttributeView other[] = {{"s", "text"}, {"i", -8}};
  EXPECT_FALSE(packed.Equals(CanonicalAttributes(Attributes(other))));
  const AttributeView same_keys_other_type[] = {{"s", "text"},
                                                {"i", -9.0},
                                                {"d", 1.5},
                                                {"b", false},
                                                {"ia", std::span<const int64_t>(ints)},
                                                {"da", std::span<const double>(doubles)},
                                                {"ba", std::span<const bool>(bools)},
                                                {"sa", std::span<const std::string_view>(strings)}};
  EXPECT_FALSE(packed.Equals(CanonicalAttributes(Attributes(same_keys_other_type))));
}

TEST(PackedAttributesTest, EmptySet) {
  CanonicalAttributes c{Attributes{}};
  PackedAttributes packed(c);
  EXPECT_EQ(packed.size(), 0u);
  EXPECT_TRUE(packed.Equals(c));
  EXPECT_TRUE(packed.ToAttributeSet().empty());
}

TEST(AttributesRecordingTest, OrderAndDuplicatesMapToOneSeries) {
  testing::Harness h;
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(1, {{"a", "x"}, {"b", 1}});
  counter.Add(2, {{"b", 1}, {"a", "x"}});
  counter.Add(4, {{"b", 7}, {"a", "x"}, {"b", 1}});  // Last b wins.
  auto rm = h.Collect();
  const auto& points = testing::Sum(testing::FindMetric(rm, "c")).points;
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(testing::IntValue(points[0]), 7);
  EXPECT_EQ(points[0].attributes, (AttributeSet{{"a", std::string("x")}, {"b", int64_t{1}}}));
}

// The recording path does not check a list for repeated keys before its
// lookup; a list with a repeated key must still never match a stored series
// of the same size (here: an exact duplicate entry against {a, b}).
TEST(AttributesRecordingTest, RepeatedKeyNeverMatchesALargerSet) {
  testing::Harness h;
  auto counter = h.meter->CreateInt64Counter("c");
  counter.Add(1, {{"a", "x"}, {"b", "y"}});
  counter.Add(10, {{"a", "x"}, {"a", "x"}});  // The set {a=x}.
  counter.Add(100, {{"b", "y"}, {"a", "x"}, {"b", "y"}});
  counter.Add(1000, {{"a", "z"}, {"a", "x"}});  // {a=x} again: last wins.
  auto rm = h.Collect();
  const auto& points = testing::Sum(testing::FindMetric(rm, "c")).points;
  ASSERT_EQ(points.size(), 2u);
  const NumberDataPoint* both =
      testing::FindPoint(points, {{"a", std::string("x")}, {"b", std::string("y")}});
  const NumberDataPoint* only_a = testing::FindPoint(points, {{"a", std::string("x")}});
  ASSERT_NE(both, nullptr);
  ASSERT_NE(only_a, nullptr);
  EXPECT_EQ(testing::IntValue(*both), 101);
  EXPECT_EQ(testing::IntValue(*only_a), 1010);
}

// Same through a histogram and a double counter (other stream types), and
// with a view that filters keys (the filtered copy keeps the repeat).
TEST(AttributesRecordingTest, RepeatedKeysAcrossStreamKindsAndFilters) {
  View keep_a;
  keep_a.selector.name = "h";
  keep_a.stream.attribute_keys = std::vector<std::string>{"a"};
  testing::Harness h(TemporalityPreference::kCumulative, {keep_a});
  auto histogram = h.meter->CreateDoubleHistogram("h");
  auto counter = h.meter->CreateDoubleCounter("d");
  histogram.Record(1.0, {{"a", "x"}, {"a", "y"}, {"b", "z"}});
  histogram.Record(2.0, {{"a", "y"}});
  counter.Add(0.5, {{"k", int64_t{1}}, {"k", int64_t{2}}});
  counter.Add(0.25, {{"k", int64_t{2}}});
  auto rm = h.Collect();
  const auto& hp = std::get<HistogramData>(testing::FindMetric(rm, "h")->data).points;
  ASSERT_EQ(hp.size(), 1u);
  EXPECT_EQ(hp[0].attributes, (AttributeSet{{"a", std::string("y")}}));
  EXPECT_EQ(hp[0].count, 2u);
  const auto& dp = testing::Sum(testing::FindMetric(rm, "d")).points;
  ASSERT_EQ(dp.size(), 1u);
  EXPECT_EQ(dp[0].attributes, (AttributeSet{{"k", int64_t{2}}}));
}

}  // namespace
}  // namespace cryptolake::metrics
