#include "cryptolake/telemetry/instrument_catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "cryptolake/telemetry/semantic_conventions.h"

namespace cryptolake::telemetry {
namespace {

using metrics::InstrumentKind;

bool IsHistogram(InstrumentKind k) { return k == InstrumentKind::kHistogram; }

TEST(InstrumentCatalogTest, EveryInstrumentFollowsTheNamingRules) {
  std::set<std::string> names;
  for (const InstrumentSpec& s : InstrumentCatalog()) {
    SCOPED_TRACE(std::string(s.name));
    EXPECT_TRUE(names.insert(std::string(s.name)).second) << "duplicate name";
    // Dot-separated lower-case namespaces; no _total (backends add suffixes).
    EXPECT_TRUE(s.name.starts_with("cryptolake.") || s.name.starts_with("process."));
    for (char c : s.name) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '.' || c == '_') << c;
    }
    EXPECT_EQ(s.name.find("_total"), std::string_view::npos);
    EXPECT_FALSE(s.unit.empty());
    // Durations in seconds, never ms.
    if (s.name.ends_with(".duration")) {
      EXPECT_EQ(s.unit, "s");
    }
    EXPECT_NE(s.unit, "ms");
    // Count units are annotations ({record}) or UCUM; never bare words.
    if (s.unit != "s" && s.unit != "By") {
      EXPECT_EQ(s.unit.front(), '{');
    }
    EXPECT_GT(s.description.size(), 10u);
    EXPECT_TRUE(s.description.front() >= 'A' && s.description.front() <= 'Z');
    if (IsHistogram(s.kind)) {
      ASSERT_GE(s.bucket_boundaries.size(), 5u);
      EXPECT_TRUE(std::is_sorted(s.bucket_boundaries.begin(), s.bucket_boundaries.end(),
                                 [](double a, double b) { return a <= b; }));
    } else {
      EXPECT_TRUE(s.bucket_boundaries.empty());
      EXPECT_FALSE(s.high_volume) << "only histograms are sampled";
    }
    std::set<std::string_view> keys(s.attribute_keys.begin(), s.attribute_keys.end());
    EXPECT_EQ(keys.size(), s.attribute_keys.size()) << "duplicate attribute key";
    EXPECT_LE(keys.size(), 8u);
  }
}

TEST(InstrumentCatalogTest, IsInIdOrderAndCoversThePlansSet) {
  auto catalog = InstrumentCatalog();
  ASSERT_EQ(catalog.size(), kInstrumentCount);
  for (size_t i = 0; i < catalog.size(); ++i) EXPECT_EQ(static_cast<size_t>(catalog[i].id), i);
  // The plan's instrument kinds: counters, histograms, up-down counters, gauges and observable
  // gauges all appear.
  std::set<InstrumentKind> kinds;
  for (const InstrumentSpec& s : catalog) kinds.insert(s.kind);
  for (InstrumentKind k :
       {InstrumentKind::kCounter, InstrumentKind::kHistogram, InstrumentKind::kUpDownCounter,
        InstrumentKind::kGauge, InstrumentKind::kObservableGauge}) {
    EXPECT_EQ(kinds.count(k), 1u);
  }
  EXPECT_EQ(SpecOf(InstrumentId::kApiRequestDuration).name, "cryptolake.api.request.duration");
  EXPECT_EQ(SpecOf(InstrumentId::kProcessMemoryUsage).unit, "By");
}

TEST(InstrumentCatalogTest, ApiDurationCarriesTheHttpSemanticConventions) {
  const InstrumentSpec& s = SpecOf(InstrumentId::kApiRequestDuration);
  std::set<std::string_view> keys(s.attribute_keys.begin(), s.attribute_keys.end());
  for (std::string_view k : {attr::kHttpMethod, attr::kHttpStatusCode, attr::kServerAddress,
                             attr::kUrlTemplate, attr::kErrorType}) {
    EXPECT_EQ(keys.count(k), 1u) << k;
  }
}

}  // namespace
}  // namespace cryptolake::telemetry
