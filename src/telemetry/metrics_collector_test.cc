#include "cryptolake/telemetry/metrics_collector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/workflow_metrics.h"
#include "legacy_json.h"
#include "telemetry_test_util.h"

namespace cryptolake::telemetry {
namespace {

// A settable clock shared by the collector's wall and monotonic hooks.
struct FakeClock {
  double wall = 1700000000.0;
  double mono = 50.0;
  MetricsCollectorOptions Options(bool otel) {
    MetricsCollectorOptions o;
    o.enable_otel = otel;
    o.wall_clock = [this] { return wall; };
    o.monotonic_clock = [this] { return mono; };
    return o;
  }
};

// Every point of `name` (sum or histogram) whose attributes include all of `want`: summed values
// for sums, counts for histograms.
double PointsWhere(const metrics::ResourceMetrics& data, std::string_view name,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> want) {
  const metrics::MetricData* m = FindMetric(data, name);
  if (m == nullptr) return 0;
  auto matches = [&](const metrics::AttributeSet& set) {
    for (const auto& [k, v] : want) {
      if (set.Find(k) == nullptr || AttrString(set, k) != v) return false;
    }
    return true;
  };
  double total = 0;
  if (const auto* s = std::get_if<metrics::SumData>(&m->data)) {
    for (const auto& p : s->points) {
      if (!matches(p.attributes)) continue;
      total += std::holds_alternative<int64_t>(p.value) ? std::get<int64_t>(p.value)
                                                        : std::get<double>(p.value);
    }
  } else if (const auto* h = std::get_if<metrics::HistogramData>(&m->data)) {
    for (const auto& p : h->points) {
      if (matches(p.attributes)) total += static_cast<double>(p.count);
    }
  }
  return total;
}

// True when any point of any metric carries `value` as an attribute value.
bool AnyAttributeValueIs(const metrics::ResourceMetrics& data, std::string_view value) {
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      bool found = false;
      std::visit(
          [&](const auto& d) {
            for (const auto& p : d.points) {
              for (const auto& kv : p.attributes.entries()) {
                if (const auto* s = std::get_if<std::string>(&kv.value);
                    s != nullptr && *s == value) {
                  found = true;
                }
              }
            }
          },
          m.data);
      if (found) return true;
    }
  }
  return false;
}

std::string Json(double v) {
  std::string out;
  legacy_json::AppendDouble(&out, v);
  return out;
}

// --- Legacy semantics (section 1.2) ------------------------------------------------------

TEST(MetricsCollectorLegacyTest, StartsEmpty) {
  MetricsCollector collector(MetricsCollectorOptions{.enable_otel = false});
  CollectorMetrics m = collector.get_metrics();
  EXPECT_FALSE(m.metrics.workflow_name.has_value());
  EXPECT_FALSE(m.metrics.start_time.has_value());
  EXPECT_FALSE(m.metrics.end_time.has_value());
  EXPECT_TRUE(m.events.empty());
  EXPECT_TRUE(m.errors.empty());
  EXPECT_EQ(collector.get_metrics_json(),
            R"({"metrics": {}, "events": [], "errors": [], "otel_enabled": false})");
}

TEST(MetricsCollectorLegacyTest, StartOverwritesNameAndStartButKeepsEverythingElse) {
  FakeClock clock;
  MetricsCollector collector(clock.Options(false));
  clock.wall = 100.25;
  collector.start_workflow("first");
  clock.wall = 101.5;
  collector.record_event("e1");
  collector.record_error("boom");
  clock.wall = 102.75;
  collector.end_workflow();
  clock.wall = 200.125;
  collector.start_workflow("second");

  CollectorMetrics m = collector.get_metrics();
  EXPECT_EQ(m.metrics.workflow_name, "second");
  EXPECT_EQ(m.metrics.start_time, 200.125);
  EXPECT_EQ(m.metrics.end_time, 102.75);  // not cleared
  ASSERT_EQ(m.events.size(), 1u);
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_EQ(
      collector.get_metrics_json(),
      R"({"metrics": {"workflow_name": "second", "start_time": 200.125, "end_time": 102.75}, )"
      R"("events": [{"event": "e1", "timestamp": 101.5}], )"
      R"("errors": [{"error": "boom", "timestamp": 101.5}], "otel_enabled": false})");
}

TEST(MetricsCollectorLegacyTest, EndWithoutStartSetsOnlyEndTimeAndOverwrites) {
  FakeClock clock;
  MetricsCollector collector(clock.Options(false));
  clock.wall = 5.0;
  collector.end_workflow();
  CollectorMetrics m = collector.get_metrics();
  EXPECT_FALSE(m.metrics.workflow_name.has_value());
  EXPECT_FALSE(m.metrics.start_time.has_value());
  EXPECT_EQ(m.metrics.end_time, 5.0);
  clock.wall = 5.5;
  collector.end_workflow("never_started");  // same legacy effect; nothing else happens
  EXPECT_EQ(collector.get_metrics().metrics.end_time, 5.5);
  // A dict keeps insertion order: end_time stays first after a later start.
  clock.wall = 6.25;
  collector.start_workflow("w");
  EXPECT_EQ(collector.get_metrics_json(),
            R"({"metrics": {"end_time": 5.5, "workflow_name": "w", "start_time": 6.25}, )"
            R"("events": [], "errors": [], "otel_enabled": false})");
}

TEST(MetricsCollectorLegacyTest, RecordEventAppendsEventAndTimestampOnly) {
  FakeClock clock;
  MetricsCollector collector(clock.Options(false));
  clock.wall = 1733492461.123456;
  collector.record_event("data_processed");
  CollectorMetrics m = collector.get_metrics();
  ASSERT_EQ(m.events.size(), 1u);
  EXPECT_EQ(m.events[0].event, "data_processed");
  EXPECT_EQ(m.events[0].timestamp, 1733492461.123456);
  EXPECT_TRUE(m.events[0].attributes.empty());
  EXPECT_EQ(collector.get_metrics_json(),
            R"({"metrics": {}, "events": [{"event": "data_processed", )"
            R"("timestamp": 1733492461.123456}], "errors": [], "otel_enabled": false})");
}

TEST(MetricsCollectorLegacyTest, GetMetricsIsASnapshotAndLaterCallsSeeNewRecordings) {
  MetricsCollector collector(MetricsCollectorOptions{.enable_otel = false});
  CollectorMetrics before = collector.get_metrics();
  collector.record_event("a");
  collector.record_error("b");
  collector.start_workflow("w");
  EXPECT_TRUE(before.events.empty());  // unlike Python's live lists
  CollectorMetrics after = collector.get_metrics();
  ASSERT_EQ(after.events.size(), 1u);
  ASSERT_EQ(after.errors.size(), 1u);
  EXPECT_EQ(after.errors[0].error, "b");
  EXPECT_EQ(after.metrics.workflow_name, "w");
  before.events.push_back({"injected", 1.0, {}});
  EXPECT_EQ(collector.get_metrics().events.size(), 1u);
}

TEST(MetricsCollectorLegacyTest, TimestampsAreRealEpochSecondsWithSubSecondPrecision) {
  MetricsCollector collector(MetricsCollectorOptions{.enable_otel = false});
  const double before =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  collector.start_workflow("w");
  collector.record_event("e");
  const double after =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  CollectorMetrics m = collector.get_metrics();
  EXPECT_GE(*m.metrics.start_time, before);
  EXPECT_LE(*m.metrics.start_time, after);
  EXPECT_GE(m.events[0].timestamp, *m.metrics.start_time);
  EXPECT_NE(Json(*m.metrics.start_time).find('.'), std::string::npos);
}

// --- The superset (section 1.4) -----------------------------------------------------------

TEST(MetricsCollectorSupersetTest, EventsAndErrorsCarryAttributesInOrder) {
  FakeClock clock;
  MetricsCollector collector(clock.Options(false));
  clock.wall = 7.5;
  collector.record_event(
      "e",
      {{"n", 3}, {"ok", true}, {"x", "y"}, {"event", "hijack"}, {"timestamp", 1.0}, {"r", 0.5}});
  collector.record_error("failed \"hard\"", {{"error_type", "timeout"}, {"error", "hijack"}});
  CollectorMetrics m = collector.get_metrics();
  EXPECT_EQ(m.events[0].event, "e");
  EXPECT_EQ(m.events[0].timestamp, 7.5);
  EXPECT_EQ(m.events[0].attributes.size(), 4u);  // the record's own keys are not overridden
  EXPECT_EQ(collector.get_metrics_json(),
            R"({"metrics": {}, "events": [{"event": "e", "timestamp": 7.5, "n": 3, "ok": true, )"
            R"("x": "y", "r": 0.5}], "errors": [{"error": "failed \"hard\"", "timestamp": 7.5, )"
            R"("error_type": "timeout"}], "otel_enabled": false})");
}

TEST(MetricsCollectorSupersetTest, WorkflowIdIsNameAndEpochMillisecondsUniquePerCollector) {
  FakeClock clock;
  MetricsCollector collector(clock.Options(false));
  clock.wall = 1700000000.1239;
  EXPECT_EQ(collector.start_workflow("wf"), "wf_1700000000123");
  EXPECT_EQ(collector.start_workflow("wf"), "wf_1700000000123_2");
  EXPECT_EQ(collector.start_workflow("other"), "other_1700000000123");
  EXPECT_EQ(collector.start_workflow("wf"), "wf_1700000000123_3");
  clock.wall = 1700000000.5;
  EXPECT_EQ(collector.start_workflow("wf"), "wf_1700000000500");
}

TEST(MetricsCollectorSupersetTest, RealClockIdsDiffer) {
  MetricsCollector collector;
  std::string a = collector.start_workflow("x");
  std::string b = collector.start_workflow("x");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("x_", 0), 0u);
}

TEST(MetricsCollectorSupersetTest, LegacyErrorTypeIsBounded) {
  EXPECT_EQ(LegacyErrorType("timeout"), "timeout");
  EXPECT_EQ(LegacyErrorType("_OTHER"), "_OTHER");
  EXPECT_EQ(LegacyErrorType("workflow_execution"), "workflow_execution");
  EXPECT_EQ(LegacyErrorType("general"), "general");
  EXPECT_EQ(LegacyErrorType(""), "_OTHER");
  EXPECT_EQ(LegacyErrorType("Connection refused"), "_OTHER");
  EXPECT_EQ(LegacyErrorType("ValueError"), "_OTHER");
  EXPECT_EQ(LegacyErrorType(std::string(33, 'a')), "_OTHER");
  EXPECT_EQ(LegacyErrorType(std::string(32, 'a')), std::string(32, 'a'));
}

// --- OpenTelemetry ------------------------------------------------------------------------

TEST(MetricsCollectorOtelTest, PlansLegacySnippetWorksAsWritten) {
  GlobalSdk sdk;
  MetricsCollector collector;  // Now powered by OpenTelemetry
  std::string workflow_id = collector.start_workflow("legacy_workflow");
  collector.record_event("data_processed");
  collector.end_workflow(workflow_id);

  EXPECT_TRUE(collector.otel_enabled());
  metrics::ResourceMetrics data = sdk.Collect();
  const std::pair<std::string_view, std::string_view> wf = {attr::kWorkflowName, "legacy_workflow"};
  EXPECT_EQ(PointsWhere(data, "cryptolake.workflow.executions", {wf, {attr::kOutcome, "success"}}),
            1);
  EXPECT_EQ(PointsWhere(data, "cryptolake.workflow.duration", {wf, {attr::kOutcome, "success"}}),
            1);
  EXPECT_EQ(
      PointsWhere(data, "cryptolake.workflow.events", {wf, {attr::kEventName, "data_processed"}}),
      1);
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.active"), 0);
  CollectorMetrics m = collector.get_metrics();
  EXPECT_TRUE(m.otel_enabled);
  EXPECT_TRUE(m.otel_metrics_active);
  EXPECT_TRUE(m.metrics.end_time.has_value());
  const std::string json = collector.get_metrics_json();
  EXPECT_NE(json.find(R"("errors": [], "otel_enabled": true, "otel_metrics_active": true})"),
            std::string::npos)
      << json;
}

TEST(MetricsCollectorOtelTest, StartEventErrorEndRecordTheCatalogInstruments) {
  GlobalSdk sdk;
  FakeClock clock;
  MetricsCollector collector(clock.Options(true));
  clock.mono = 10.0;
  std::string id = collector.start_workflow("ingest");
  {
    metrics::ResourceMetrics data = sdk.Collect();
    EXPECT_EQ(PointsWhere(data, "cryptolake.workflow.active", {{attr::kWorkflowName, "ingest"}}),
              1);
  }
  collector.record_event("file_done");
  collector.record_error("Connection refused by 10.0.0.1", {{"error_type", "unavailable"}});
  collector.record_error("second", {{"error_type", "timeout"}});
  clock.mono = 12.5;
  collector.end_workflow(id);

  metrics::ResourceMetrics data = sdk.Collect();
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.active"), 0);
  EXPECT_EQ(PointsWhere(data, "cryptolake.workflow.executions",
                        {{attr::kWorkflowName, "ingest"},
                         {attr::kOutcome, "failure"},
                         {attr::kErrorType, "unavailable"}}),
            1);
  const metrics::MetricData* duration = FindMetric(data, "cryptolake.workflow.duration");
  ASSERT_NE(duration, nullptr);
  const auto& h = std::get<metrics::HistogramData>(duration->data);
  ASSERT_EQ(h.points.size(), 1u);
  EXPECT_DOUBLE_EQ(h.points[0].sum.value_or(0), 2.5);  // seconds, not milliseconds
  EXPECT_EQ(AttrString(h.points[0].attributes, attr::kOutcome), "failure");
  EXPECT_EQ(PointsWhere(data, "cryptolake.workflow.events",
                        {{attr::kWorkflowName, "ingest"}, {attr::kEventName, "file_done"}}),
            1);
  EXPECT_EQ(PointsWhere(data, "cryptolake.errors",
                        {{attr::kErrorType, "unavailable"},
                         {attr::kOperationKind, "workflow"},
                         {attr::kWorkflowName, "ingest"}}),
            1);
  EXPECT_EQ(PointsWhere(data, "cryptolake.errors", {{attr::kErrorType, "timeout"}}), 1);
  EXPECT_FALSE(AnyAttributeValueIs(data, "Connection refused by 10.0.0.1"));
  EXPECT_FALSE(AnyAttributeValueIs(data, "second"));
}

TEST(MetricsCollectorOtelTest, ErrorsBeforeTheStartDoNotFailTheWorkflow) {
  GlobalSdk sdk;
  MetricsCollector collector;
  collector.record_error("earlier");
  std::string id = collector.start_workflow("w");
  collector.end_workflow(id);
  metrics::ResourceMetrics data = sdk.Collect();
  EXPECT_EQ(PointsWhere(data, "cryptolake.workflow.executions", {{attr::kOutcome, "success"}}), 1);
  EXPECT_EQ(PointsWhere(data, "cryptolake.workflow.executions", {{attr::kOutcome, "failure"}}), 0);
  // An error with no error_type and no workflow yet: _OTHER, no workflow.name.
  const metrics::MetricData* errors = FindMetric(data, "cryptolake.errors");
  ASSERT_NE(errors, nullptr);
  const auto& sum = std::get<metrics::SumData>(errors->data);
  ASSERT_EQ(sum.points.size(), 1u);
  EXPECT_EQ(AttrString(sum.points[0].attributes, attr::kErrorType), "_OTHER");
  EXPECT_EQ(sum.points[0].attributes.Find(attr::kWorkflowName), nullptr);
}

TEST(MetricsCollectorOtelTest, EndAcceptsTheNameOrTheId) {
  GlobalSdk sdk;
  FakeClock clock;
  MetricsCollector collector(clock.Options(true));
  clock.mono = 0;
  std::string first = collector.start_workflow("job");
  clock.wall += 0.002;
  clock.mono = 1;
  std::string second = collector.start_workflow("job");
  ASSERT_NE(first, second);
  clock.mono = 4;
  collector.end_workflow("job");  // the latest of that name: `second`, 3 s
  clock.mono = 10;
  collector.end_workflow("job");  // then `first`, 10 s
  collector.end_workflow("job");  // nothing left: legacy end_time only
  collector.end_workflow(first);  // already ended
  metrics::ResourceMetrics data = sdk.Collect();
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.executions"), 2);
  const auto& h =
      std::get<metrics::HistogramData>(FindMetric(data, "cryptolake.workflow.duration")->data);
  ASSERT_EQ(h.points.size(), 1u);
  EXPECT_EQ(h.points[0].count, 2u);
  EXPECT_DOUBLE_EQ(h.points[0].sum.value_or(0), 13.0);
  EXPECT_DOUBLE_EQ(h.points[0].min.value_or(0), 3.0);

  std::string third = collector.start_workflow("job");
  collector.start_workflow("job");
  collector.end_workflow(third);  // by id: ends that one, not the latest
  EXPECT_EQ(SumOf(sdk.Collect(), "cryptolake.workflow.active"), 1);
}

TEST(MetricsCollectorOtelTest, LegacyEndWorkflowRecordsNoExecution) {
  GlobalSdk sdk;
  metrics::ResourceMetrics data;
  {
    MetricsCollector collector;
    collector.start_workflow("w");
    collector.end_workflow();
    data = sdk.Collect();
    EXPECT_EQ(SumOf(data, "cryptolake.workflow.executions"), 0);
    EXPECT_EQ(SumOf(data, "cryptolake.workflow.active"), 1);
  }
  // The destructor releases workflows still running.
  data = sdk.Collect();
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.active"), 0);
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.executions"), 0);
}

TEST(MetricsCollectorOtelTest, EventsAndErrorsUseTheCurrentOrGivenWorkflowName) {
  GlobalSdk sdk;
  MetricsCollector collector;
  collector.record_event("before");
  collector.start_workflow("a");
  collector.record_event("during");
  collector.record_event("elsewhere", {{"workflow_name", "b"}});
  collector.record_error("x", {{"workflow_name", "b"}, {"error_type", "io_error"}});
  metrics::ResourceMetrics data = sdk.Collect();
  const auto& events =
      std::get<metrics::SumData>(FindMetric(data, "cryptolake.workflow.events")->data);
  EXPECT_EQ(events.points.size(), 3u);
  EXPECT_EQ(PointsWhere(data, "cryptolake.workflow.events",
                        {{attr::kWorkflowName, "a"}, {attr::kEventName, "during"}}),
            1);
  EXPECT_EQ(PointsWhere(data, "cryptolake.workflow.events",
                        {{attr::kWorkflowName, "b"}, {attr::kEventName, "elsewhere"}}),
            1);
  EXPECT_EQ(PointsWhere(data, "cryptolake.errors",
                        {{attr::kWorkflowName, "b"}, {attr::kErrorType, "io_error"}}),
            1);
}

TEST(MetricsCollectorOtelTest, IngestedEventsRecordADataBatch) {
  GlobalSdk sdk;
  MetricsCollector collector;
  collector.record_event("klines_ingested", {{"records_count", 100},
                                             {"data_size_bytes", 2048},
                                             {"market", "spot"},
                                             {"symbol", "ETHUSDT"}});
  collector.record_event("Batch INGESTED");                          // defaults: 1 record, 0 bytes
  collector.record_event("data_processed", {{"records_count", 7}});  // not an ingestion
  metrics::ResourceMetrics data = sdk.Collect();
  EXPECT_EQ(SumOf(data, "cryptolake.data.records.ingested"), 101);
  EXPECT_EQ(SumOf(data, "cryptolake.data.bytes.ingested"), 2048);
  EXPECT_EQ(PointsWhere(data, "cryptolake.data.records.ingested",
                        {{attr::kMarket, "spot"}, {attr::kSymbol, "ETHUSDT"}}),
            100);
  EXPECT_EQ(collector.get_metrics().events.size(), 3u);
}

TEST(MetricsCollectorOtelTest, ConcurrentUseLosesNothing) {
  GlobalSdk sdk;
  MetricsCollector collector;
  constexpr int kThreads = 4;
  constexpr int kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&collector, t] {
      const std::string name = "w" + std::to_string(t);
      for (int i = 0; i < kEach; ++i) {
        std::string id = collector.start_workflow(name);
        collector.record_event("e");
        if (i % 5 == 0) collector.record_error("err", {{"error_type", "internal"}});
        collector.end_workflow(id);
        (void)collector.get_metrics_json().size();
      }
    });
  }
  for (auto& th : threads) th.join();
  CollectorMetrics m = collector.get_metrics();
  EXPECT_EQ(m.events.size(), size_t{kThreads * kEach});
  EXPECT_EQ(m.errors.size(), size_t{kThreads * kEach / 5});
  metrics::ResourceMetrics data = sdk.Collect();
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.executions"), kThreads * kEach);
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.active"), 0);
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.events"), kThreads * kEach);
}

// --- Fallback (section 2.11) --------------------------------------------------------------

TEST(MetricsCollectorFallbackTest, NoOpProviderMeansLegacyOnly) {
  MetricsCollector collector;  // no SDK installed: the no-op provider
  EXPECT_FALSE(collector.otel_enabled());
  collector.start_workflow("w");
  collector.record_event("e");
  CollectorMetrics m = collector.get_metrics();
  EXPECT_FALSE(m.otel_enabled);
  EXPECT_FALSE(m.otel_metrics_active);
  EXPECT_EQ(m.events.size(), 1u);
  EXPECT_NE(collector.get_metrics_json().find(R"("otel_enabled": false})"), std::string::npos);
  // The decision is taken at construction: a provider installed later is not used.
  GlobalSdk sdk;
  collector.record_event("after");
  EXPECT_EQ(FindMetric(sdk.Collect(), "cryptolake.workflow.events"), nullptr);
}

TEST(MetricsCollectorFallbackTest, DisabledOtelRecordsNothing) {
  GlobalSdk sdk;
  MetricsCollector collector(MetricsCollectorOptions{.enable_otel = false});
  std::string id = collector.start_workflow("w");
  collector.record_event("x_ingested");
  collector.record_error("e");
  collector.end_workflow(id);
  EXPECT_FALSE(collector.otel_enabled());
  EXPECT_FALSE(collector.get_metrics().otel_enabled);
  metrics::ResourceMetrics data = sdk.Collect();
  for (const char* name :
       {"cryptolake.workflow.active", "cryptolake.workflow.executions",
        "cryptolake.workflow.events", "cryptolake.errors", "cryptolake.data.records.ingested"}) {
    EXPECT_EQ(PointCountOf(data, name), 0u) << name;
  }
}

class ThrowingProvider : public metrics::MeterProvider {
 public:
  std::shared_ptr<metrics::Meter> GetMeter(std::string_view, std::string_view, std::string_view,
                                           const metrics::AttributeSet&) override {
    throw std::runtime_error("SDK cannot start");
  }
};

TEST(MetricsCollectorFallbackTest, ProviderThatThrowsMeansLegacyOnlySilently) {
  metrics::SetMeterProvider(std::make_shared<ThrowingProvider>());
  {
    MetricsCollector collector;
    EXPECT_FALSE(collector.otel_enabled());
    std::string id = collector.start_workflow("w");
    collector.record_event("batch_ingested");
    collector.record_error("e");
    collector.end_workflow(id);
    CollectorMetrics m = collector.get_metrics();
    EXPECT_EQ(m.events.size(), 1u);
    EXPECT_EQ(m.errors.size(), 1u);
    EXPECT_TRUE(m.metrics.end_time.has_value());
    EXPECT_FALSE(m.otel_enabled);
  }
  metrics::SetMeterProvider(nullptr);
}

// --- JSON ---------------------------------------------------------------------------------

TEST(LegacyJsonTest, DoublesAreWrittenLikePythonRepr) {
  EXPECT_EQ(Json(1733492461.0), "1733492461.0");
  EXPECT_EQ(Json(1733492461.123456), "1733492461.123456");
  EXPECT_EQ(Json(0.1), "0.1");
  EXPECT_EQ(Json(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(Json(0.0001), "0.0001");
  EXPECT_EQ(Json(1e-05), "1e-05");
  EXPECT_EQ(Json(1.5e-07), "1.5e-07");
  EXPECT_EQ(Json(1e15), "1000000000000000.0");
  EXPECT_EQ(Json(1e16), "1e+16");
  EXPECT_EQ(Json(2.5e300), "2.5e+300");
  EXPECT_EQ(Json(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(Json(5e-324), "5e-324");
  EXPECT_EQ(Json(0.0), "0.0");
  EXPECT_EQ(Json(-0.0), "-0.0");
  EXPECT_EQ(Json(-123.456), "-123.456");
  EXPECT_EQ(Json(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(Json(-std::numeric_limits<double>::infinity()), "null");
}

TEST(LegacyJsonTest, StringsAreEscapedLikeJsonDumpsEnsureAscii) {
  std::string out;
  legacy_json::AppendString(&out, "a\"b\\c\n\t\x01\x7f \xc3\xa9 \xf0\x9f\x98\x80 /");
  EXPECT_EQ(out, R"("a\"b\\c\n\t\u0001\u007f \u00e9 \ud83d\ude00 /")");
  out.clear();
  legacy_json::AppendString(&out, "\r\b\f");
  EXPECT_EQ(out, R"("\r\b\f")");
  out.clear();
  // Invalid UTF-8 (a lone continuation byte, a truncated sequence, an encoded surrogate).
  legacy_json::AppendString(&out, std::string_view("x\x80y\xe2\x82\xed\xa0\x80", 8));
  EXPECT_EQ(out, R"("x\ufffdy\ufffd\ufffd\ufffd\ufffd\ufffd")");
}

TEST(LegacyFieldsTest, KeepsInsertionOrderAndReplacesInPlace) {
  static_assert(std::is_same_v<std::variant_alternative_t<0, LegacyValue>, std::string>);
  LegacyFields f{{"a", "text"}, {"b", 1}, {"c", 2.5}, {"d", false}, {"a", "again"}};
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(*f.FindString("a"), "again");
  EXPECT_EQ(std::get<int64_t>(*f.Find("b")), 1);
  EXPECT_EQ(std::get<double>(*f.Find("c")), 2.5);
  EXPECT_EQ(std::get<bool>(*f.Find("d")), false);
  EXPECT_EQ(f.FindString("b"), nullptr);
  EXPECT_EQ(f.Find("missing"), nullptr);
  std::string json;
  legacy_json::AppendObject(&json, f);
  EXPECT_EQ(json, R"({"a": "again", "b": 1, "c": 2.5, "d": false})");
  // Dict equality ignores order but not types.
  EXPECT_EQ(f, (LegacyFields{{"d", false}, {"c", 2.5}, {"b", 1}, {"a", "again"}}));
  EXPECT_NE(f, (LegacyFields{{"d", false}, {"c", 2.5}, {"b", 1.0}, {"a", "again"}}));
  EXPECT_NE(f, (LegacyFields{{"a", "again"}}));
}

// --- WorkflowMetrics (section 1.1) --------------------------------------------------------

TEST(WorkflowMetricsTest, FieldsInDataclassOrderEqualityAndJson) {
  WorkflowMetrics a{"IngestWorkflow",
                    "completed",
                    10.0,
                    12.5,
                    WorkflowDuration(10.0, 12.5),
                    {{"files", 3}},
                    R"({"metrics": {}})",
                    {{"id", "run-1"}, {"dry", true}}};
  EXPECT_EQ(a.duration, 2.5);
  WorkflowMetrics b = a;
  b.config_snapshot = {{"dry", true}, {"id", "run-1"}};  // dict order does not matter
  EXPECT_EQ(a, b);
  b.execution_state = "failed";
  EXPECT_NE(a, b);
  EXPECT_EQ(a.ToJson(),
            R"({"workflow_name": "IngestWorkflow", "execution_state": "completed", )"
            R"("start_time": 10.0, "end_time": 12.5, "duration": 2.5, "results": {"files": 3}, )"
            R"("metrics_data": {"metrics": {}}, "config_snapshot": {"id": "run-1", "dry": true}})");
}

TEST(WorkflowMetricsTest, DurationIsAbsentWhenEitherTimeIsMissing) {
  EXPECT_FALSE(WorkflowDuration(std::nullopt, 3.0).has_value());
  EXPECT_FALSE(WorkflowDuration(3.0, std::nullopt).has_value());
  WorkflowMetrics m{"W", "initialized", std::nullopt, std::nullopt, std::nullopt, {}, "", {}};
  EXPECT_EQ(m.ToJson(),
            R"({"workflow_name": "W", "execution_state": "initialized", "start_time": null, )"
            R"("end_time": null, "duration": null, "results": {}, "metrics_data": {}, )"
            R"("config_snapshot": {}})");
}

TEST(WorkflowMetricsTest, FailedVariantAndCollectorOutputAsMetricsData) {
  WorkflowMetrics f = FailedWorkflowMetrics("W", "disk \"full\"", 99.0, {{"id", "x"}});
  EXPECT_EQ(f.execution_state, "failed");
  EXPECT_EQ(f.start_time, 99.0);
  EXPECT_EQ(f.end_time, 99.0);
  EXPECT_EQ(f.duration, 0.0);
  EXPECT_TRUE(f.results.empty());
  EXPECT_EQ(f.metrics_data, R"({"error": "disk \"full\""})");

  FakeClock clock;
  MetricsCollector collector(clock.Options(false));
  clock.wall = 1.0;
  collector.start_workflow("W");
  clock.wall = 3.0;
  collector.end_workflow();
  CollectorMetrics cm = collector.get_metrics();
  WorkflowMetrics ok{"W",
                     "completed",
                     cm.metrics.start_time,
                     cm.metrics.end_time,
                     WorkflowDuration(cm.metrics.start_time, cm.metrics.end_time),
                     {},
                     collector.get_metrics_json(),
                     {}};
  EXPECT_EQ(ok.duration, 2.0);
  EXPECT_NE(ok.ToJson().find(R"("metrics_data": {"metrics": {"workflow_name": "W", )"),
            std::string::npos);
}

}  // namespace
}  // namespace cryptolake::telemetry
