// Contract tests run against every ObjectStore implementation, plus the
// fault-injecting wrapper's guarantees (a failed or crashed Put leaves the
// previous object intact and no visible temp file).
#include "cryptolake/storage/object_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "cryptolake/storage/fault_injecting_object_store.h"
#include "s3_test_server.h"

namespace cryptolake::storage {
namespace {

namespace fs = std::filesystem;

fs::path MakeTempDir() {
  std::string tmpl = (fs::temp_directory_path() / "cl-store-XXXXXX").string();
  char* made = ::mkdtemp(tmpl.data());
  EXPECT_NE(made, nullptr);
  return fs::path(tmpl);
}

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<ObjectStore>(const fs::path&)> make;
};

class ObjectStoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    store_ = GetParam().make(dir_);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreContractTest, PutGetRoundTripsBinaryData) {
  std::string data("a\0b\xff\n", 5);
  ASSERT_TRUE(store_->Put("bronze/data/x.zip", data).ok());
  auto got = store_->Get("bronze/data/x.zip");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data);
  ASSERT_TRUE(store_->Put("empty", "").ok());
  EXPECT_EQ(store_->Get("empty").value(), "");
}

TEST_P(ObjectStoreContractTest, PutReplacesPreviousObject) {
  ASSERT_TRUE(store_->Put("a/b", "first version").ok());
  ASSERT_TRUE(store_->Put("a/b", "2nd").ok());
  EXPECT_EQ(store_->Get("a/b").value(), "2nd");
  auto list = store_->List("a/");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0], (ObjectInfo{"a/b", 3}));
}

TEST_P(ObjectStoreContractTest, GetOfMissingKeyIsNotFoundNamingTheKey) {
  auto got = store_->Get("no/such/key");
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsNotFound()) << got.status().ToString();
  EXPECT_NE(got.status().message().find("no/such/key"), std::string::npos);
  EXPECT_TRUE(store_->GetRange("no/such/key", 0, 1).status().IsNotFound());
}

TEST_P(ObjectStoreContractTest, GetRangeClampsAndRejectsOffsetsPastTheEnd) {
  ASSERT_TRUE(store_->Put("k", "0123456789").ok());
  EXPECT_EQ(store_->GetRange("k", 2, 3).value(), "234");
  EXPECT_EQ(store_->GetRange("k", 8, 100).value(), "89");
  EXPECT_EQ(store_->GetRange("k", 10, 5).value(), "");
  EXPECT_EQ(store_->GetRange("k", 0, 0).value(), "");
  EXPECT_TRUE(store_->GetRange("k", 11, 1).status().IsInvalidArgument());
}

TEST_P(ObjectStoreContractTest, ListIsSortedAndUsesPlainStringPrefixes) {
  for (const char* key : {"silver/b/2", "bronze/z", "silver/a/1", "silver/ab", "silverx", "s"}) {
    ASSERT_TRUE(store_->Put(key, key).ok());
  }
  auto all = store_->List("");
  ASSERT_TRUE(all.ok());
  std::vector<std::string> keys;
  for (const auto& info : *all) keys.push_back(info.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"bronze/z", "s", "silver/a/1", "silver/ab",
                                            "silver/b/2", "silverx"}));
  auto some = store_->List("silver/a");
  ASSERT_TRUE(some.ok());
  keys.clear();
  for (const auto& info : *some) keys.push_back(info.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"silver/a/1", "silver/ab"}));
  EXPECT_EQ((*some)[0].size, 10u);
  EXPECT_TRUE(store_->List("nothing/here/").value().empty());
}

TEST_P(ObjectStoreContractTest, DeleteIsIdempotentAndExistsFollows) {
  ASSERT_TRUE(store_->Put("d/e", "x").ok());
  EXPECT_TRUE(store_->Exists("d/e").value());
  ASSERT_TRUE(store_->Delete("d/e").ok());
  EXPECT_FALSE(store_->Exists("d/e").value());
  EXPECT_TRUE(store_->Delete("d/e").ok());
  EXPECT_TRUE(store_->Delete("never/there").ok());
  EXPECT_FALSE(store_->Exists("d").value());  // A "directory" is not an object.
  EXPECT_TRUE(store_->List("d/").value().empty());
}

TEST_P(ObjectStoreContractTest, RejectsInvalidKeys) {
  for (const char* key :
       {"", "/abs", "trail/", "a//b", "a/../b", "./a", ".cltmp-x/y", "a/.cltmp-z"}) {
    EXPECT_TRUE(store_->Put(key, "x").IsInvalidArgument()) << key;
    EXPECT_TRUE(store_->Get(key).status().IsInvalidArgument()) << key;
  }
}

TEST_P(ObjectStoreContractTest, ConcurrentPutsAndReadsNeverSeePartialObjects) {
  // Two writers replace one key with full-length uniform objects while a
  // reader checks that every read is one complete version.
  const std::string a(64 * 1024, 'a');
  const std::string b(64 * 1024, 'b');
  ASSERT_TRUE(store_->Put("hot/key", a).ok());
  std::vector<std::thread> threads;
  for (const std::string* data : {&a, &b}) {
    threads.emplace_back([&, data] {
      for (int i = 0; i < 20; ++i) EXPECT_TRUE(store_->Put("hot/key", *data).ok());
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 40; ++i) {
      auto got = store_->Get("hot/key");
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(*got == a || *got == b) << "partial or mixed object of size " << got->size();
      auto list = store_->List("hot/");
      ASSERT_TRUE(list.ok());
      ASSERT_EQ(list->size(), 1u);  // Temp files never show.
    }
  });
  for (auto& t : threads) t.join();
}

TEST_P(ObjectStoreContractTest, WriterPublishesOnlyOnPublish) {
  ASSERT_TRUE(store_->Put("b/obj", "old").ok());
  auto writer = store_->NewWriter("b/obj");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Append("new ").ok());
  ASSERT_TRUE((*writer)->Append("bytes").ok());
  EXPECT_EQ((*writer)->bytes_appended(), 9u);
  EXPECT_EQ(store_->Get("b/obj").value(), "old");
  auto fresh = store_->NewWriter("b/fresh");
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE((*fresh)->Append("x").ok());
  EXPECT_FALSE(store_->Exists("b/fresh").value());
  ASSERT_EQ(store_->List("b/")->size(), 1u);  // no in-flight write is listed
  ASSERT_TRUE((*writer)->Publish().ok());
  EXPECT_EQ(store_->Get("b/obj").value(), "new bytes");
  // Dropped without Publish(): nothing stored, nothing listed.
  fresh->reset();
  EXPECT_FALSE(store_->Exists("b/fresh").value());
  auto list = store_->List("");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, "b/obj");
  EXPECT_TRUE(store_->NewWriter("../escape").status().IsInvalidArgument());
}

INSTANTIATE_TEST_SUITE_P(
    Stores, ObjectStoreContractTest,
    ::testing::Values(
        StoreFactory{"Local",
                     [](const fs::path& dir) { return NewLocalObjectStore(dir / "lake"); }},
        StoreFactory{"Memory", [](const fs::path&) { return NewMemoryObjectStore(); }},
        StoreFactory{"FaultInjectingPassThrough",
                     [](const fs::path& dir) -> std::unique_ptr<ObjectStore> {
                       return std::make_unique<FaultInjectingObjectStore>(
                           NewLocalObjectStore(dir / "lake"));
                     }},
        // The S3 store on a loopback S3 server (s3_test_server.h), one prefix
        // per test; 4-byte parts so writers take the multipart path.
        StoreFactory{"S3Loopback",
                     [](const fs::path& dir) -> std::unique_ptr<ObjectStore> {
                       static S3TestServer* server = new S3TestServer("contract-bucket");
                       S3StoreOptions o = LoopbackStoreOptions(*server, "contract-bucket",
                                                               "t/" + dir.filename().string());
                       o.multipart_threshold = 4;
                       o.part_size = 4;
                       auto store = NewS3ObjectStore(o);
                       EXPECT_TRUE(store.ok()) << store.status().ToString();
                       return store.ok() ? std::move(store).value() : nullptr;
                     }}),
    [](const ::testing::TestParamInfo<StoreFactory>& info) { return info.param.name; });

TEST(LocalObjectStoreTest, DescribesItsAbsoluteRootAndWritesPlainFiles) {
  fs::path dir = MakeTempDir();
  auto store = NewLocalObjectStore(dir / "lake");
  EXPECT_EQ(store->Describe(), "file://" + (dir / "lake").string());
  ASSERT_TRUE(store->Put("bronze/x/y.zip", "zipbytes").ok());
  EXPECT_TRUE(fs::is_regular_file(dir / "lake/bronze/x/y.zip"));
  EXPECT_EQ(fs::file_size(dir / "lake/bronze/x/y.zip"), 8u);
  fs::remove_all(dir);
}

TEST(LocalObjectStoreTest, WriterLeavesNoTempFileWhetherPublishedOrDropped) {
  fs::path dir = MakeTempDir();
  auto store = NewLocalObjectStore(dir / "lake");
  auto published = store->NewWriter("d/kept");
  auto dropped = store->NewWriter("d/dropped");
  ASSERT_TRUE(published.ok() && dropped.ok());
  ASSERT_TRUE((*published)->Append("kept bytes").ok());
  ASSERT_TRUE((*dropped)->Append("dropped bytes").ok());
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "lake/.cltmp-runs")) {
    files += e.is_regular_file() && e.path().extension() != ".lock";
  }
  EXPECT_EQ(files, 2u);  // the two temp files, in the store's run directory
  EXPECT_FALSE(fs::exists(dir / "lake/d/kept"));
  ASSERT_TRUE((*published)->Publish().ok());
  EXPECT_TRUE((*published)->Publish().IsFailedPrecondition());
  dropped->reset();
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir / "lake/d")) {
    names.push_back(e.path().filename().string());
  }
  ASSERT_EQ(names, std::vector<std::string>{"kept"});
  EXPECT_EQ(fs::file_size(dir / "lake/d/kept"), 10u);
  fs::remove_all(dir);
}

TEST(FaultInjectingObjectStoreTest, WriterFaultsAtPublishLikePut) {
  auto base = NewMemoryObjectStore();
  FaultInjectingObjectStore faulty(base.get());
  faulty.FailNth(FaultInjectingObjectStore::Op::kPut, 1);
  auto writer = faulty.NewWriter("k");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("v").ok());
  EXPECT_FALSE((*writer)->Publish().ok());
  EXPECT_FALSE(base->Exists("k").value());
}

class FaultInjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    local_ = NewLocalObjectStore(dir_ / "lake");
    faulty_ = std::make_unique<FaultInjectingObjectStore>(local_.get());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Every file under the key's directory, temp files included.
  std::vector<std::string> FilesIn(const fs::path& sub) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_ / "lake" / sub)) {
      names.push_back(e.path().filename().string());
    }
    return names;
  }
  fs::path dir_;
  std::unique_ptr<ObjectStore> local_;
  std::unique_ptr<FaultInjectingObjectStore> faulty_;
};

TEST_F(FaultInjectionTest, FailedNthPutLeavesPreviousObjectAndNoTempFile) {
  ASSERT_TRUE(faulty_->Put("p/obj", "old").ok());
  faulty_->FailNth(FaultInjectingObjectStore::Op::kPut, 2);
  EXPECT_TRUE(faulty_->Put("p/other", "1").ok());
  Status st = faulty_->Put("p/obj", "new");
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_NE(st.message().find("p/obj"), std::string::npos);
  EXPECT_EQ(faulty_->Get("p/obj").value(), "old");
  EXPECT_TRUE(faulty_->Put("p/obj", "newer").ok());  // One-shot: the next Put works.
  EXPECT_EQ(faulty_->Get("p/obj").value(), "newer");
  EXPECT_EQ(FilesIn("p").size(), 2u);
  EXPECT_EQ(faulty_->CallCount(FaultInjectingObjectStore::Op::kPut), 4);
  EXPECT_EQ(faulty_->InjectedFaultCount(), 1);
}

TEST_F(FaultInjectionTest, CrashedPutLeavesOnlyAnInvisibleTempFile) {
  ASSERT_TRUE(faulty_->Put("c/obj", "old").ok());
  faulty_->CrashNthPut(1);
  Status st = faulty_->Put("c/obj", "new content");
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_EQ(faulty_->Get("c/obj").value(), "old");
  // The crash really left a temp file on disk, in the store's run directory, not beside
  // the object...
  EXPECT_EQ(FilesIn("c").size(), 1u);
  int temps = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "lake" / ".cltmp-runs")) {
    temps += e.is_regular_file() && e.path().extension() != ".lock";
  }
  EXPECT_EQ(temps, 1);
  // ...which no listing shows, through the wrapper or directly.
  auto list = local_->List("");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0], (ObjectInfo{"c/obj", 3}));
  EXPECT_EQ(faulty_->List("c/").value().size(), 1u);
  // A crashed first Put of a new key leaves the key absent.
  faulty_->CrashPutsMatching("c/new*");
  EXPECT_FALSE(faulty_->Put("c/new-key", "x").ok());
  EXPECT_FALSE(faulty_->Exists("c/new-key").value());
}

TEST_F(FaultInjectionTest, GlobFaultsFailEveryMatchingCallUntilCleared) {
  ASSERT_TRUE(faulty_->Put("silver/a.parquet", "x").ok());
  faulty_->FailMatching(FaultInjectingObjectStore::Op::kGet, "silver/*.parquet");
  faulty_->FailMatching(FaultInjectingObjectStore::Op::kDelete, "*");
  EXPECT_TRUE(faulty_->Get("silver/a.parquet").status().IsIOError());
  EXPECT_TRUE(faulty_->Get("silver/a.parquet").status().IsIOError());
  EXPECT_TRUE(faulty_->Delete("silver/a.parquet").IsIOError());
  EXPECT_TRUE(faulty_->Exists("silver/a.parquet").value());
  faulty_->ClearFaults();
  EXPECT_EQ(faulty_->Get("silver/a.parquet").value(), "x");
  EXPECT_TRUE(faulty_->Delete("silver/a.parquet").ok());
  EXPECT_FALSE(faulty_->Exists("silver/a.parquet").value());
}

TEST_F(FaultInjectionTest, GlobFaultsCanCarryAChosenStatus) {
  faulty_->FailMatching(FaultInjectingObjectStore::Op::kPut, "silver/*",
                        Status::NotFound("NoSuchUpload"));
  Status st = faulty_->Put("silver/b.parquet", "x");
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find("silver/b.parquet"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("NoSuchUpload"), std::string::npos) << st.ToString();
  EXPECT_FALSE(local_->Exists("silver/b.parquet").value());  // never reached the store
  EXPECT_TRUE(faulty_->Put("bronze/b.zip", "x").ok());
  EXPECT_TRUE(faulty_->Get("bronze/b.zip").ok());
}

TEST_F(FaultInjectionTest, MemoryStoreCrashLeavesPreviousObject) {
  FaultInjectingObjectStore faulty(NewMemoryObjectStore());
  ASSERT_TRUE(faulty.Put("m", "old").ok());
  faulty.CrashNthPut(1);
  EXPECT_FALSE(faulty.Put("m", "new").ok());
  EXPECT_EQ(faulty.Get("m").value(), "old");
  EXPECT_EQ(faulty.List("").value().size(), 1u);
}

}  // namespace

// A killed process's temp files are removed by the next run; a live store's are not, even
// while it is in the middle of a write.
TEST(LocalObjectStoreTest, RemoveAbandonedWritesRemovesOnlyDeadRuns) {
  fs::path dir = MakeTempDir();
  fs::path runs = dir / "lake/.cltmp-runs";
  fs::create_directories(runs / "4242-dead");
  { std::ofstream(runs / "4242-dead/17-x.parquet") << "half a file"; }
  { std::ofstream(runs / "4242-dead.lock") << ""; }  // no process holds its lock
  fs::create_directories(runs / "4343-nolock");      // lost its lock file: dead too
  auto live = NewLocalObjectStore(dir / "lake");
  auto writer = live->NewWriter("s/obj.parquet");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Append("in flight").ok());

  auto other = NewLocalObjectStore(dir / "lake");  // the next run
  ASSERT_TRUE(other->RemoveAbandonedWrites().ok());
  EXPECT_FALSE(fs::exists(runs / "4242-dead"));
  EXPECT_FALSE(fs::exists(runs / "4242-dead.lock"));
  EXPECT_FALSE(fs::exists(runs / "4343-nolock"));
  // The live writer is untouched and still publishes.
  ASSERT_TRUE((*writer)->Publish().ok());
  EXPECT_EQ(*live->Get("s/obj.parquet"), "in flight");
  writer->reset();
  live.reset();  // a store that ends cleanly leaves no run directory
  size_t left = 0;
  for (const auto& e : fs::directory_iterator(runs)) left += !e.path().empty();
  EXPECT_EQ(left, 0u);
  fs::remove_all(dir);
}

TEST(OpenObjectStoreTest, PathsAndFileUrlsAreLocalOtherSchemesAreErrors) {
  const fs::path dir = fs::temp_directory_path() / ("cl_open_store_" + std::to_string(::getpid()));
  Result<std::unique_ptr<ObjectStore>> local = OpenObjectStore(dir.string());
  ASSERT_TRUE(local.ok());
  ASSERT_TRUE((*local)->Put("a/b.txt", "x").ok());
  Result<std::unique_ptr<ObjectStore>> by_url = OpenObjectStore("file://" + dir.string());
  ASSERT_TRUE(by_url.ok());
  Result<std::string> read = (*by_url)->Get("a/b.txt");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "x");
  fs::remove_all(dir);

  // Never a local directory named "s3:" or "gs:" in the working directory.
  // (s3:// with a valid bucket is the S3 store: s3_object_store_test.cc.)
  for (const char* url : {"s3://b/p", "s3://", "gs://bucket", "file://relative/path", ""}) {
    Result<std::unique_ptr<ObjectStore>> store = OpenObjectStore(url);
    EXPECT_FALSE(store.ok()) << url;
    EXPECT_TRUE(store.status().IsInvalidArgument()) << url;
  }
  EXPECT_FALSE(fs::exists("s3:"));
  EXPECT_NE(OpenObjectStore("s3://b/p").status().message().find("s3://"), std::string::npos);
}

}  // namespace cryptolake::storage
