#include "cryptolake/metrics/sdk/metric_exporter.h"

#include <gtest/gtest.h>

#include <iterator>

namespace cryptolake::metrics {
namespace {

constexpr auto D = AggregationTemporality::kDelta;
constexpr auto C = AggregationTemporality::kCumulative;

struct Row {
  InstrumentKind kind;
  AggregationTemporality cumulative, delta, lowmemory;
};

// The table from the OTLP exporter spec
// (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE).
constexpr Row kTable[] = {
    {InstrumentKind::kCounter, C, D, D},
    {InstrumentKind::kObservableCounter, C, D, C},
    {InstrumentKind::kUpDownCounter, C, C, C},
    {InstrumentKind::kObservableUpDownCounter, C, C, C},
    {InstrumentKind::kHistogram, C, D, D},
    {InstrumentKind::kGauge, C, C, C},
    {InstrumentKind::kObservableGauge, C, C, C},
};
static_assert(std::size(kTable) == kInstrumentKindCount, "a row for every InstrumentKind");

TEST(TemporalityForTest, MatchesSpecTable) {
  for (const Row& row : kTable) {
    SCOPED_TRACE(static_cast<int>(row.kind));
    EXPECT_EQ(TemporalityFor(TemporalityPreference::kCumulative, row.kind), row.cumulative);
    EXPECT_EQ(TemporalityFor(TemporalityPreference::kDelta, row.kind), row.delta);
    EXPECT_EQ(TemporalityFor(TemporalityPreference::kLowMemory, row.kind), row.lowmemory);
  }
}

TEST(ParseTemporalityPreferenceTest, AcceptsSpecValuesCaseInsensitively) {
  EXPECT_EQ(*ParseTemporalityPreference("cumulative"), TemporalityPreference::kCumulative);
  EXPECT_EQ(*ParseTemporalityPreference("Delta"), TemporalityPreference::kDelta);
  EXPECT_EQ(*ParseTemporalityPreference("LOWMEMORY"), TemporalityPreference::kLowMemory);
  EXPECT_EQ(*ParseTemporalityPreference(" delta "), TemporalityPreference::kDelta);
}

TEST(ParseTemporalityPreferenceTest, RejectsOthers) {
  for (const char* bad : {"", "low_memory", "deltas", "cumul", "2"}) {
    auto r = ParseTemporalityPreference(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find(bad), std::string::npos);
  }
}

// The base class's default is cumulative for every kind.
class DefaultExporter : public MetricExporter {
 public:
  Status Export(const ResourceMetrics&) override { return Status::OK(); }
  Status ForceFlush(std::chrono::milliseconds) override { return Status::OK(); }
  Status Shutdown(std::chrono::milliseconds) override { return Status::OK(); }
};

TEST(MetricExporterTest, DefaultTemporalityIsCumulative) {
  DefaultExporter e;
  for (const Row& row : kTable) EXPECT_EQ(e.TemporalityFor(row.kind), C);
  EXPECT_EQ(e.HistogramAggregation(), DefaultHistogramAggregation::kExplicitBucket);
}

}  // namespace
}  // namespace cryptolake::metrics
