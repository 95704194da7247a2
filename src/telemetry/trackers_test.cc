#include "cryptolake/telemetry/trackers.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cryptolake/telemetry/semantic_conventions.h"
#include "telemetry_test_util.h"

namespace cryptolake::telemetry {
namespace {

// Points of `name` whose attribute `key` equals `value`, summed (counters) or counted
// (histograms).
double SumWhere(const metrics::ResourceMetrics& data, std::string_view name, std::string_view key,
                std::string_view value) {
  const metrics::MetricData* m = FindMetric(data, name);
  if (m == nullptr) return 0;
  double total = 0;
  if (const auto* s = std::get_if<metrics::SumData>(&m->data)) {
    for (const auto& p : s->points) {
      if (AttrString(p.attributes, key) != value) continue;
      total += std::holds_alternative<int64_t>(p.value) ? std::get<int64_t>(p.value)
                                                        : std::get<double>(p.value);
    }
  } else if (const auto* h = std::get_if<metrics::HistogramData>(&m->data)) {
    for (const auto& p : h->points) {
      if (AttrString(p.attributes, key) == value) total += static_cast<double>(p.count);
    }
  }
  return total;
}

class Custom : public std::exception {};

TEST(TrackersTest, PlansNestedScopesRecordEveryInstrument) {
  GlobalSdk sdk;
  std::string id;
  {
    TrackWorkflowExecution wf("archive_collection");
    id = wf.id();
    wf.RecordEvent("discovery_completed");
    {
      TrackDataIngestion ingest("rest");
      EXPECT_EQ(ingest.workflow_id(), id);
      {
        TrackApiInteraction api("binance", "/api/v3/klines");
        api.SetServerAddress("api.binance.com");
        api.SetHttpStatus(200);
        api.RecordUsedWeight(42);
        EXPECT_EQ(api.workflow_id(), id);
      }
      {
        TrackDataProcessing p("transformation", {{attr::kMarket, "spot"}});
        p.SetRecordCount(1000);
      }
      {
        TrackStorageOperation s(storage_op::kPut,
                                {{attr::kStorageBackend, "s3"}, {attr::kLayer, "silver"}});
        s.SetBytes(4096, "write");
      }
      RecordDataBatch(1000, 1 << 20, {{attr::kSymbol, "BTCUSDT"}});
    }
    auto mid = sdk.Collect();
    EXPECT_EQ(SumOf(mid, "cryptolake.workflow.active"), 1);
  }
  EXPECT_TRUE(id.starts_with("archive_collection_"));
  auto data = sdk.Collect();
  EXPECT_EQ(SumOf(data, "cryptolake.workflow.active"), 0);
  EXPECT_EQ(SumOf(data, "cryptolake.operations.active"), 0);
  EXPECT_EQ(SumWhere(data, "cryptolake.workflow.executions", attr::kOutcome, "success"), 1);
  EXPECT_EQ(HistogramCountOf(data, "cryptolake.workflow.duration"), 1u);
  EXPECT_EQ(SumWhere(data, "cryptolake.api.requests", attr::kHttpStatusCode, "200"), 1);
  EXPECT_EQ(SumOf(data, "cryptolake.api.used_weight"), 42);
  // Ingestion and processing both record processing.duration, by stage, in the workflow.
  EXPECT_EQ(SumWhere(data, "cryptolake.data.processing.duration", attr::kStage, "ingestion"), 1);
  EXPECT_EQ(SumWhere(data, "cryptolake.data.processing.duration", attr::kWorkflowName,
                     "archive_collection"),
            2);
  EXPECT_EQ(HistogramCountOf(data, "cryptolake.data.processing.throughput"), 1u);
  EXPECT_EQ(SumWhere(data, "cryptolake.storage.operations", attr::kStorageBackend, "s3"), 1);
  EXPECT_EQ(SumWhere(data, "cryptolake.storage.bytes", attr::kIoDirection, "write"), 4096);
  EXPECT_EQ(HistogramCountOf(data, "cryptolake.storage.object.size"), 1u);
  EXPECT_EQ(SumOf(data, "cryptolake.data.records.ingested"), 1000);
  EXPECT_EQ(SumOf(data, "cryptolake.data.bytes.ingested"), 1 << 20);
  EXPECT_EQ(SumOf(data, "cryptolake.errors"), 0);
  EXPECT_EQ(SumWhere(data, "cryptolake.workflow.events", attr::kEventName, "discovery_completed"),
            1);
}

TEST(TrackersTest, ExceptionsAreRecordedByTypeAndRethrownUnchanged) {
  GlobalSdk sdk;
  const std::runtime_error original("boom: a free-text message");
  try {
    TrackWorkflowExecution wf("wf");
    wf.Run([&] { throw original; });
    FAIL() << "not rethrown";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom: a free-text message");
  }
  // A scope left by an exception without Run(): failed, _OTHER.
  EXPECT_THROW(
      {
        TrackStorageOperation s(storage_op::kGet);
        throw Custom();
      },
      Custom);
  // An exception object passes through Run() as the same object.
  const TrackedError* seen = nullptr;
  try {
    TrackDataProcessing p("convert");
    p.Run([] { throw TrackedError("checksum_mismatch", "zip sha256 differs"); });
  } catch (const TrackedError& e) {
    seen = &e;
    EXPECT_EQ(e.kind(), "checksum_mismatch");
  }
  EXPECT_NE(seen, nullptr);
  auto data = sdk.Collect();
  EXPECT_EQ(SumWhere(data, "cryptolake.workflow.executions", attr::kErrorType, "runtime_error"), 1);
  EXPECT_EQ(SumWhere(data, "cryptolake.errors", attr::kErrorType, "runtime_error"), 1);
  EXPECT_EQ(SumWhere(data, "cryptolake.errors", attr::kErrorType, "_OTHER"), 1);
  EXPECT_EQ(SumWhere(data, "cryptolake.errors", attr::kErrorType, "checksum_mismatch"), 1);
  EXPECT_EQ(SumWhere(data, "cryptolake.storage.operations", attr::kOutcome, "failure"), 1);
  // No message ever becomes an attribute value.
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      std::visit(
          [](const auto& d) {
            for (const auto& p : d.points) {
              for (const auto& kv : p.attributes.entries()) {
                if (const auto* s = std::get_if<std::string>(&kv.value)) {
                  EXPECT_EQ(s->find("boom"), std::string::npos);
                  EXPECT_EQ(s->find("sha256"), std::string::npos);
                }
              }
            }
          },
          m.data);
    }
  }
}

TEST(TrackersTest, ExplicitStatusAndErrorTypes) {
  GlobalSdk sdk;
  {
    TrackApiInteraction api("binance", "/fapi/v1/klines");
    api.SetHttpStatus(429);
    api.SetOutcome("rate_limited");
    api.RecordRateLimitHit("http_429");
    api.SetStatus(Status::Unavailable("429 Too Many Requests"));
    api.SetStatus(Status::Corruption("second failure ignored"));
    EXPECT_EQ(api.error_type(), "unavailable");
  }
  auto data = sdk.Collect();
  EXPECT_EQ(SumWhere(data, "cryptolake.api.requests", attr::kOutcome, "rate_limited"), 1);
  EXPECT_EQ(SumWhere(data, "cryptolake.api.rate_limit.hits", attr::kRateLimitReason, "http_429"),
            1);
  EXPECT_EQ(SumWhere(data, "cryptolake.errors", attr::kOperationKind, "api"), 1);
  EXPECT_EQ(ErrorTypeOf(Status::OK()), "");
  EXPECT_EQ(ErrorTypeOf(std::make_exception_ptr(std::bad_alloc())), "out_of_memory");
  EXPECT_EQ(ErrorTypeOf(std::make_exception_ptr(TrackedError("Has Spaces!", "x"))), "_OTHER");
  EXPECT_EQ(ErrorTypeOf(std::make_exception_ptr(42)), "_OTHER");
}

TEST(TrackersTest, WorkflowIdsAreUniqueAndThreadsDoNotInherit) {
  GlobalSdk sdk;
  TrackWorkflowExecution outer("outer");
  std::string inner_id;
  std::thread t([&] {
    TrackDataProcessing p("convert");
    inner_id = p.workflow_id();
  });
  t.join();
  EXPECT_EQ(inner_id, "");
  std::thread adopted([&] {
    WorkflowContextScope context(&outer);
    TrackDataProcessing p("convert");
    inner_id = p.workflow_id();
  });
  adopted.join();
  EXPECT_EQ(inner_id, outer.id());
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(TrackWorkflowExecution("w").id());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());
}

TEST(TrackersTest, WorkWithoutAnSdk) {
  TrackWorkflowExecution wf("no_sdk");
  TrackDataProcessing p("convert");
  p.SetStatus(Status::IOError("disk"));
  RecordDataBatch(1, 1, {});
  UpdateQueueSize("q", 1);
  EXPECT_TRUE(p.failed());
}

TEST(TrackersTest, ScopesEndingOutOfOrderLeaveNoDanglingLinks) {
  GlobalSdk sdk;
  auto outer = std::make_unique<TrackWorkflowExecution>("outer");
  const std::string id = outer->id();
  auto middle = std::make_unique<TrackDataProcessing>("convert");
  auto inner = std::make_unique<TrackStorageOperation>(storage_op::kPut);
  outer.reset();   // the workflow ends first
  middle.reset();  // then a scope from the middle of the chain
  {
    TrackDataProcessing later("later");  // its parent is `inner`, still open
    EXPECT_EQ(later.workflow_id(), id);
  }
  EXPECT_EQ(inner->workflow_id(), id);
  inner.reset();
  TrackDataProcessing fresh("fresh");
  EXPECT_EQ(fresh.workflow_id(), "");
  auto data = sdk.Collect();
  EXPECT_EQ(SumWhere(data, "cryptolake.data.processing.duration", attr::kWorkflowName, "outer"), 2);
}

TEST(TrackersTest, QueueSizeFollowsUpdates) {
  GlobalSdk sdk;
  UpdateQueueSize("ingest.files", 5);
  UpdateQueueSize("ingest.files", -2);
  EXPECT_EQ(SumWhere(sdk.Collect(), "cryptolake.queue.size", attr::kQueue, "ingest.files"), 3);
}

}  // namespace
}  // namespace cryptolake::telemetry
