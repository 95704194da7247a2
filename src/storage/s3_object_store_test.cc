// The S3 store against the loopback S3 server of s3_test_server.h (which
// checks every request's SigV4 signature): what the ObjectStore contract
// suite (object_store_test.cc, "S3Loopback") does not cover -- key encoding,
// pagination, multipart uploads and their clean-up, retries and permanent
// errors, bulk deletes, abandoned writes, secrets, OpenS3ObjectStore.
#include "cryptolake/storage/s3_object_store.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "instrumented_object_store.h"
#include "s3_http.h"
#include "s3_test_server.h"

namespace cryptolake::storage {
namespace {

constexpr const char* kBucket = "lake-bucket";

class S3ObjectStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<S3ObjectStore> Open(const S3StoreOptions& o) {
    auto store = NewS3ObjectStore(o);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  S3StoreOptions Options(std::string prefix = "lake") {
    return LoopbackStoreOptions(server_, kBucket, std::move(prefix));
  }
  int Count(std::string_view method, std::string_view query_part) {
    int n = 0;
    for (const auto& r : server_.requests()) {
      if (r.method == method && r.query.find(query_part) != std::string::npos) ++n;
    }
    return n;
  }
  // Objects the server holds under ".cltmp-runs/" (leases and markers).
  std::vector<std::string> Bookkeeping() {
    std::vector<std::string> out;
    for (const auto& [key, data] : server_.objects()) {
      if (key.find(".cltmp-runs/") != std::string::npos) out.push_back(key);
    }
    return out;
  }
  void TearDown() override {
    if (!bad_signatures_expected_) {
      EXPECT_EQ(server_.signature_failures(), 0);
    }
  }

  S3TestServer server_{kBucket};
  bool bad_signatures_expected_ = false;
};

TEST_F(S3ObjectStoreTest, KeysWithPartitionCharactersRoundTrip) {
  auto store = Open(Options());
  const std::vector<std::string> keys = {
      "silver/klines/market=spot/date=2020-01-01/BTCUSDT-1m-2020-01-01.parquet",
      "odd/a b+c~d!e'(f)*g,h;i:j@k$l&m.txt", "odd/ünïcödé/日本.bin"};
  for (const std::string& key : keys) {
    ASSERT_TRUE(store->Put(key, "v:" + key).ok()) << key;
  }
  for (const std::string& key : keys) {
    EXPECT_EQ(store->Get(key).value(), "v:" + key);
    EXPECT_TRUE(store->Exists(key).value());
  }
  EXPECT_EQ(server_.objects().count("lake/" + keys[0]), 1u);
  auto list = store->List("silver/klines/market=spot/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, keys[0]);
  EXPECT_EQ(store->Describe(), "s3://lake-bucket/lake");
}

TEST_F(S3ObjectStoreTest, VirtualHostedAddressingPutsTheBucketInTheHost) {
  S3StoreOptions o = Options();
  o.aws.addressing_style = S3AddressingStyle::kVirtual;
  o.aws.endpoint_url =
      "http://localhost:" + std::to_string(server_.port());  // *.localhost is loopback.
  o.multipart_threshold = 4;
  o.part_size = 4;
  auto store = Open(o);
  ASSERT_TRUE(store->Put("v/market=um/k", "virtual").ok());
  EXPECT_EQ(store->Get("v/market=um/k").value(), "virtual");
  auto writer = store->NewWriter("v/multi");
  ASSERT_TRUE((*writer)->Append("0123456789").ok());
  ASSERT_TRUE((*writer)->Publish().ok());
  ASSERT_EQ(store->List("v/")->size(), 2u);
  EXPECT_EQ(server_.objects().count("lake/v/market=um/k"), 1u);
  EXPECT_GT(server_.virtual_hosted_requests(), 5);
}

TEST_F(S3ObjectStoreTest, ListFollowsContinuationTokensInByteOrderWithoutBookkeeping) {
  server_.set_page_size(2);
  auto store = Open(Options());
  std::vector<std::string> keys = {"d/b", "d/a", "d/\xc3\xa9", "d/B", "d/a/x", "d/_"};
  for (const auto& key : keys) ASSERT_TRUE(store->Put(key, key).ok());
  // A crashed write leaves an upload, its marker and the run's lease.
  ASSERT_TRUE(store->TEST_PutWithoutPublish("d/c", "partial").ok());
  ASSERT_FALSE(Bookkeeping().empty());
  ASSERT_TRUE(Open(Options(""))->Put("lake2/d/x", "other prefix").ok());
  auto list = store->List("");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> got;
  for (const auto& info : *list) got.push_back(info.key);
  EXPECT_EQ(got, keys);
  EXPECT_GE(Count("GET", "continuation-token"), 3);
  EXPECT_EQ(store->List("d/a")->size(), 2u);
  EXPECT_EQ(store->List("d/a/")->size(), 1u);
}

TEST_F(S3ObjectStoreTest, LargeWriterIsAMultipartUploadCompletedInOrder) {
  S3StoreOptions o = Options();
  o.multipart_threshold = 10;
  o.part_size = 8;
  o.max_parallel_parts = 3;
  auto store = Open(o);
  std::string expected;
  {
    auto writer = store->NewWriter("big/object");
    ASSERT_TRUE(writer.ok());
    for (int i = 0; i < 20; ++i) {
      std::string chunk = "chunk" + std::to_string(i) + ";";
      expected += chunk;
      ASSERT_TRUE((*writer)->Append(chunk).ok());
    }
    EXPECT_FALSE(store->Exists("big/object").value());
    EXPECT_EQ(server_.open_uploads().size(), 1u);
    EXPECT_FALSE(Bookkeeping().empty());  // Lease and marker.
    ASSERT_TRUE((*writer)->Publish().ok());
  }
  EXPECT_EQ(store->Get("big/object").value(), expected);
  const int parts = static_cast<int>((expected.size() + 7) / 8);
  EXPECT_EQ(Count("PUT", "partNumber="), parts);
  EXPECT_EQ(Count("POST", "uploadId="), 1);
  EXPECT_TRUE(server_.open_uploads().empty());
  // Only the lease remains while the store lives; nothing after.
  EXPECT_EQ(Bookkeeping(),
            std::vector<std::string>{"lake/.cltmp-runs/" + store->run_id() + ".lease"});
  store.reset();
  EXPECT_TRUE(Bookkeeping().empty());
}

TEST_F(S3ObjectStoreTest, CompletionWhoseAnswerWasLostIsRecognizedOnRetry) {
  S3StoreOptions o = Options();
  o.multipart_threshold = 4;
  o.part_size = 4;
  auto store = Open(o);
  auto writer = store->NewWriter("lost/answer");
  ASSERT_TRUE((*writer)->Append("0123456789").ok());
  server_.InjectFaults(S3TestServer::Fault::kDropAfterServing, 1, "POST");
  Status st = (*writer)->Publish();
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Count("POST", "uploadId="), 2);  // Completed, answer lost, asked again: 404.
  EXPECT_EQ(store->Get("lost/answer").value(), "0123456789");
  EXPECT_TRUE(server_.open_uploads().empty());
}

TEST_F(S3ObjectStoreTest, SmallWriterIsOnePut) {
  auto store = Open(Options());
  auto writer = store->NewWriter("small");
  ASSERT_TRUE((*writer)->Append("tiny").ok());
  ASSERT_TRUE((*writer)->Publish().ok());
  EXPECT_EQ(store->Get("small").value(), "tiny");
  EXPECT_EQ(Count("POST", "uploads"), 0);
  EXPECT_TRUE(Bookkeeping().empty());
}

TEST_F(S3ObjectStoreTest, DroppedOrFailedWritersAbortTheirUploads) {
  S3StoreOptions o = Options();
  o.multipart_threshold = 4;
  o.part_size = 4;
  o.max_attempts = 2;
  auto store = Open(o);
  {
    auto writer = store->NewWriter("dropped");
    ASSERT_TRUE((*writer)->Append("0123456789").ok());
    EXPECT_EQ(server_.open_uploads().size(), 1u);
  }
  EXPECT_TRUE(server_.open_uploads().empty());
  EXPECT_EQ(Count("DELETE", "uploadId="), 1);
  EXPECT_FALSE(store->Exists("dropped").value());

  auto writer = store->NewWriter("failed");
  ASSERT_TRUE((*writer)->Append("0123").ok());
  server_.InjectFaults(S3TestServer::Fault::kInternalError500, 2, "PUT");  // Both attempts.
  Status st = (*writer)->Append("45678");
  if (st.ok()) st = (*writer)->Publish();
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(server_.open_uploads().empty()) << "an orphan upload is left after a failed part";
  EXPECT_FALSE((*writer)->Publish().ok());
  EXPECT_FALSE(store->Exists("failed").value());
  writer->reset();
  store.reset();
  EXPECT_TRUE(Bookkeeping().empty());
}

TEST_F(S3ObjectStoreTest, RetriesThrottlingServerErrorsDropsAndStalls) {
  S3StoreOptions o = Options();
  o.max_attempts = 4;
  o.request_timeout = std::chrono::milliseconds(1500);
  auto store = Open(o);
  server_.InjectFaults(S3TestServer::Fault::kSlowDown503, 2, "PUT");
  server_.InjectFaults(S3TestServer::Fault::kInternalError500, 1, "PUT");
  ASSERT_TRUE(store->Put("k", "value").ok());
  EXPECT_EQ(Count("PUT", ""), 4);
  server_.InjectFaults(S3TestServer::Fault::kDropConnection, 1, "GET");
  server_.InjectFaults(S3TestServer::Fault::kStall, 1, "GET", std::chrono::milliseconds(4000));
  EXPECT_EQ(store->Get("k").value(), "value");

  server_.InjectFaults(S3TestServer::Fault::kSlowDown503, 4, "GET");
  Status st = store->Get("k").status();
  EXPECT_TRUE(st.IsUnavailable()) << st.ToString();
  EXPECT_NE(st.message().find("SlowDown"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("4 attempts"), std::string::npos) << st.ToString();
}

TEST_F(S3ObjectStoreTest, PermanentErrorsFailAtOnceAndNeverShowSecrets) {
  S3StoreOptions o = Options();
  o.aws.credentials.secret_access_key = "WRONGsecretKEYthatMustNeverBeShown0000000";
  auto store = Open(o);
  server_.ClearRequests();
  Status st = store->Put("k", "v");
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_NE(st.message().find("403 SignatureDoesNotMatch"), std::string::npos) << st.ToString();
  EXPECT_EQ(server_.requests().size(), 1u);  // Not retried.
  std::vector<std::string> messages = {st.message(), store->Get("k").status().message(),
                                       store->List("").status().message(), store->Describe()};
  for (const std::string& m : messages) {
    EXPECT_EQ(m.find(o.aws.credentials.secret_access_key), std::string::npos) << m;
    EXPECT_EQ(m.find("Signature="), std::string::npos) << m;
    EXPECT_EQ(m.find("AWS4-HMAC"), std::string::npos) << m;
  }
  EXPECT_GT(server_.signature_failures(), 0);  // The server did check.
  bad_signatures_expected_ = true;
}

TEST_F(S3ObjectStoreTest, GetRangeResolves416WithHead) {
  auto store = Open(Options());
  ASSERT_TRUE(store->Put("r", "0123456789").ok());
  EXPECT_EQ(store->GetRange("r", 8, 100).value(), "89");
  EXPECT_EQ(store->GetRange("r", 10, 5).value(), "");
  EXPECT_TRUE(store->GetRange("r", 11, 5).status().IsInvalidArgument());
  EXPECT_EQ(store->GetRange("r", 3, 0).value(), "");
  EXPECT_TRUE(store->GetRange("r", 12, 0).status().IsInvalidArgument());
  EXPECT_TRUE(store->GetRange("missing", 0, 1).status().IsNotFound());
  EXPECT_EQ(store->GetRange("r", 1, UINT64_MAX).value(), "123456789");
}

TEST_F(S3ObjectStoreTest, DeleteObjectsRemovesInBatchesWithContentMd5) {
  auto store = Open(Options());
  std::vector<std::string> keys;
  for (int i = 0; i < 1005; ++i) keys.push_back("many/k" + std::to_string(i) + "&<x>");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->Put(keys[static_cast<size_t>(i)], "x").ok());
  ASSERT_TRUE(store->Put("many/keep", "x").ok());
  server_.ClearRequests();
  ASSERT_TRUE(store->DeleteObjects(keys).ok());
  EXPECT_EQ(Count("POST", "delete"), 2);
  auto list = store->List("many/");
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, "many/keep");
  EXPECT_TRUE(store->DeleteObjects({"../bad"}).IsInvalidArgument());
}

TEST_F(S3ObjectStoreTest, RemoveAbandonedWritesAbortsDeadRunsOnly) {
  S3StoreOptions o = Options();
  o.lease_refresh = std::chrono::hours(1);  // The "dead" run stops refreshing.
  auto other = Open(o);
  ASSERT_TRUE(other->TEST_PutWithoutPublish("a/crashed", "part").ok());
  // An upload created without a marker (killed between the two requests).
  auto client = S3Client::Create({.bucket = kBucket, .aws = o.aws});
  ASSERT_TRUE(client.ok());
  auto created =
      (*client)->Send({.method = "POST", .key = "lake/a/orphan", .query = {{"uploads", ""}}});
  ASSERT_TRUE(created.ok() && created->status == 200);
  // A live writer of the cleaning store itself.
  S3StoreOptions mine = Options();
  mine.multipart_threshold = 2;
  mine.part_size = 2;
  auto cleaner = Open(mine);
  auto writer = cleaner->NewWriter("a/mine");
  ASSERT_TRUE((*writer)->Append("mine!").ok());
  ASSERT_EQ(server_.open_uploads().size(), 3u);

  // Fresh lease, young uploads: nothing is touched.
  ASSERT_TRUE(cleaner->RemoveAbandonedWrites().ok());
  EXPECT_EQ(server_.open_uploads().size(), 3u);

  // Two minutes later (server clock): the other run's lease is stale.
  server_.set_clock_offset(std::chrono::seconds(120));
  Status st = cleaner->RemoveAbandonedWrites();
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto open = server_.open_uploads();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open.begin()->first, "lake/a/mine");
  for (const std::string& key : Bookkeeping()) {
    EXPECT_EQ(key.find(other->run_id()), std::string::npos) << key;
  }
  ASSERT_TRUE((*writer)->Publish().ok());
  EXPECT_EQ(cleaner->Get("a/mine").value(), "mine!");
}

// Sum of the int64 points of `name` whose attributes include all of `want`.
int64_t SumWhere(const metrics::ResourceMetrics& data, const std::string& name,
                 const std::map<std::string, std::string>& want) {
  int64_t total = 0;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name != name) continue;
      for (const auto& p : std::get<metrics::SumData>(m.data).points) {
        bool match = true;
        for (const auto& [key, value] : want) {
          const metrics::AttributeValue* v = p.attributes.Find(key);
          match = match && v != nullptr && *v == metrics::AttributeValue(value);
        }
        if (match) total += std::get<int64_t>(p.value);
      }
    }
  }
  return total;
}

TEST_F(S3ObjectStoreTest, RecordsRequestsAndObjectOperationsThroughTheGlobalProvider) {
  auto raw = Open(Options());  // Before the provider, as the CLI does.
  auto store = NewInstrumentedObjectStore(std::move(raw), "s3");
  auto reader = std::make_shared<metrics::ManualReader>();
  metrics::SdkMeterProviderOptions options;
  options.readers = {reader};
  metrics::SetMeterProvider(std::make_shared<metrics::SdkMeterProvider>(std::move(options)));
  ASSERT_TRUE(store->Put("silver/a", "12345").ok());
  EXPECT_EQ(store->Get("silver/a").value(), "12345");
  EXPECT_TRUE(store->Get("m/missing").status().IsNotFound());
  server_.InjectFaults(S3TestServer::Fault::kSlowDown503, 3, "PUT");
  EXPECT_FALSE(store->Put("m/b", "x").ok());
  metrics::ResourceMetrics data;
  ASSERT_TRUE(reader->Collect(&data).ok());
  metrics::SetMeterProvider(nullptr);
  // The S3 store: one request count per S3 call (its retries inside).
  const std::string req = "cryptolake.storage.requests";
  EXPECT_EQ(SumWhere(data, req, {{"storage.operation", "put"}, {"outcome", "success"}}), 1);
  EXPECT_EQ(SumWhere(data, req, {{"storage.operation", "put"}, {"outcome", "failure"}}), 1);
  EXPECT_EQ(SumWhere(data, req, {{"storage.operation", "get"}, {"outcome", "success"}}), 2);
  // The decorator: object-level operations, bytes and bytes stored per layer.
  const std::string ops = "cryptolake.storage.operations";
  EXPECT_EQ(
      SumWhere(data, ops,
               {{"storage.operation", "put"}, {"storage.backend", "s3"}, {"outcome", "success"}}),
      1);
  EXPECT_EQ(SumWhere(data, ops, {{"storage.operation", "put"}, {"error.type", "unavailable"}}), 1);
  EXPECT_EQ(SumWhere(data, ops, {{"storage.operation", "get"}, {"outcome", "success"}}), 2);
  EXPECT_EQ(SumWhere(data, "cryptolake.storage.bytes", {{"io.direction", "write"}}), 5);
  EXPECT_EQ(SumWhere(data, "cryptolake.storage.bytes", {{"io.direction", "read"}}), 5);
  EXPECT_EQ(SumWhere(data, "cryptolake.lakehouse.stored.bytes", {{"lakehouse.layer", "silver"}}),
            5);
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name != req) continue;
      for (const auto& p : std::get<metrics::SumData>(m.data).points) {
        for (const auto& kv : p.attributes.entries()) {
          EXPECT_TRUE(kv.key == "storage.operation" || kv.key == "outcome") << kv.key;
        }
      }
    }
  }
}

TEST_F(S3ObjectStoreTest, RemoveAbandonedWritesWithoutListMultipartUploadsStillCleansDeadRuns) {
  server_.set_list_uploads_supported(false);
  S3StoreOptions o = Options();
  o.abandoned_after = std::chrono::seconds(0);
  {
    auto dead = Open(Options());
    ASSERT_TRUE(dead->TEST_PutWithoutPublish("x/crashed", "part").ok());
  }  // Its lease is gone; its marker and upload stay.
  ASSERT_EQ(server_.open_uploads().size(), 1u);
  auto cleaner = Open(o);
  Status st = cleaner->RemoveAbandonedWrites();
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(server_.open_uploads().empty());
  EXPECT_TRUE(Bookkeeping().empty());
  EXPECT_EQ(Count("GET", "uploads"), 1);  // Asked once: 501 is not retried.
}

TEST(OpenS3ObjectStoreTest, ConfiguresFromTheEnvironmentAndNamesMissingCredentials) {
  S3TestServer server(kBucket);
  std::map<std::string, std::string> env = {
      {"AWS_ACCESS_KEY_ID", S3TestServer::kAccessKey},
      {"AWS_SECRET_ACCESS_KEY", S3TestServer::kSecretKey},
      {"AWS_REGION", "ap-south-2"},
      {"AWS_ENDPOINT_URL_S3", server.endpoint()},
      {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"},
      {"AWS_CONFIG_FILE", "/nonexistent/config"}};
  auto lookup = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto store = OpenS3ObjectStore("s3://lake-bucket/some/prefix/", lookup);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->Describe(), "s3://lake-bucket/some/prefix");
  ASSERT_TRUE((*store)->Put("x", "y").ok());
  EXPECT_EQ(server.objects().count("some/prefix/x"), 1u);
  EXPECT_EQ(server.signature_failures(), 0);

  env.erase("AWS_ACCESS_KEY_ID");
  env.erase("AWS_SECRET_ACCESS_KEY");
  Status st = OpenS3ObjectStore("s3://lake-bucket", lookup).status();
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find("AWS_ACCESS_KEY_ID"), std::string::npos) << st.ToString();

  for (const char* url : {"s3://", "s3://UPPER/x", "s3://ok-bucket/a//b", "s3://ok-bucket/../x"}) {
    EXPECT_TRUE(OpenS3ObjectStore(url, lookup).status().IsInvalidArgument()) << url;
  }
}

}  // namespace
}  // namespace cryptolake::storage
