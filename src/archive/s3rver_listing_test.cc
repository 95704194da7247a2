// S3 listing against a real S3-compatible server: npm s3rver (from
// test/peers/node_modules), started by test/peers/s3rver_launcher.mjs on
// 127.0.0.1:<ephemeral> with a temp data dir and loaded with the fixtures.
//
// s3rver deviates from S3 in two ways (../shared/reference/test-peers.md):
// its keys are not in byte order ("x.zip.CHECKSUM" comes before "x.zip") and
// delimiter listings only roll up folders that directly hold objects. So
// marker pagination is tested on a bucket holding only the .zip keys (none
// is a prefix of another, so s3rver's order agrees with S3's), and
// CommonPrefixes only one level above objects. S3's own ordering and
// delimiter rules are tested against archive_source_test.cc's loopback
// server written from the S3 documentation.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "archive_test_util.h"
#include "cryptolake/archive/archive_file.h"
#include "cryptolake/archive/archive_source.h"
#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/discovery.h"
#include "cryptolake/storage/s3_xml.h"
#include "cryptolake/testing/node_peer.h"

namespace cryptolake::archive {
namespace {

namespace fs = std::filesystem;

// The s3rver launcher (test/peers/s3rver_launcher.mjs) and its data dir; the launcher is stopped
// by the NodePeer closing its stdin, the data dir removed after it.
class S3rverProcess {
 public:
  // Empty skip_reason and port > 0 on success.
  static std::unique_ptr<S3rverProcess> Start(const fs::path& fixtures, std::string* skip_reason) {
    fs::path peers = fs::path(CRYPTOLAKE_SOURCE_DIR) / "test" / "peers";
    if (!fs::is_directory(peers / "node_modules" / "s3rver")) {
      *skip_reason = "npm s3rver is not installed in test/peers/node_modules";
      return nullptr;
    }
    auto proc = std::make_unique<S3rverProcess>();
    std::string tmpl = (fs::temp_directory_path() / "cl-s3rver-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      *skip_reason = "mkdtemp failed";
      return nullptr;
    }
    proc->data_dir_ = tmpl;
    std::string error;
    bool skip = false;
    proc->peer_ = cryptolake::testing::NodePeer::Start(
        "s3rver_launcher.mjs",
        {"--dir", proc->data_dir_.string(), "--bucket", "full:" + fixtures.string(), "--bucket",
         "zips:" + fixtures.string() + ":.zip"},
        &error, &skip);
    if (proc->peer_ == nullptr) {
      if (skip) {
        *skip_reason = error;
      } else {
        ADD_FAILURE() << "s3rver launcher: " << error;
      }
      return nullptr;
    }
    return proc;
  }

  ~S3rverProcess() {
    peer_.reset();  // the launcher exits on EOF and is reaped
    std::error_code ec;
    if (!data_dir_.empty()) fs::remove_all(data_dir_, ec);
  }

  int port() const { return peer_->port(); }
  std::string BucketUrl(const std::string& bucket) const {
    return "http://127.0.0.1:" + std::to_string(peer_->port()) + "/" + bucket;
  }

 private:
  std::unique_ptr<cryptolake::testing::NodePeer> peer_;
  fs::path data_dir_;
};

class S3rverListingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto root = testing::FixtureRoot();
    if (!root) {
      skip_reason_ = "real-archive fixtures not found (../shared/fixtures/binance-archive)";
      return;
    }
    fixtures_ = *root;
    server_ = S3rverProcess::Start(fixtures_, &skip_reason_).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_NE(server_, nullptr) << "s3rver failed to start";
  }

  std::unique_ptr<ArchiveSource> Source(const std::string& bucket, int max_keys = 0) {
    SourceOptions options;
    options.retries = 1;
    options.backoff_base = std::chrono::milliseconds(1);
    options.list_max_keys = max_keys;
    return std::move(OpenArchiveSource(server_->BucketUrl(bucket), options)).value();
  }

  std::vector<std::string> LocalKeys(std::string_view prefix, std::string_view suffix = "") {
    auto local = std::move(OpenArchiveSource(fixtures_.string())).value();
    std::vector<std::string> out;
    std::vector<std::string> keys = local->ListKeys(prefix).value();
    for (auto& key : keys) {
      if (key.size() >= suffix.size() &&
          key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out.push_back(key);
      }
    }
    return out;
  }

  static inline S3rverProcess* server_ = nullptr;
  static inline std::string skip_reason_;
  static inline fs::path fixtures_;
};

TEST_F(S3rverListingTest, ListsEveryFixtureKeyWithPrefix) {
  auto source = Source("full");
  auto keys = source->ListKeys("data/");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(*keys, LocalKeys("data/"));
  EXPECT_EQ(keys->size(), 2 * testing::Fixtures().size());
  EXPECT_EQ(source->ListKeys("data/futures/um/").value(), LocalKeys("data/futures/um/"));
  EXPECT_TRUE(source->ListKeys("data/option/").value().empty());
}

TEST_F(S3rverListingTest, PaginatesWithMaxKeysAndMarker) {
  const auto expected = LocalKeys("data/", ".zip");
  ASSERT_EQ(expected.size(), testing::Fixtures().size());
  for (int max_keys : {1, 2, 4, 1000}) {
    auto keys = Source("zips", max_keys)->ListKeys("data/");
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    EXPECT_EQ(*keys, expected) << "max-keys " << max_keys;
  }
}

TEST_F(S3rverListingTest, RawPageIsTruncatedAndRootPrefixIsNotACommonPrefix) {
  httplib::Client client("127.0.0.1", server_->port());
  auto res = client.Get("/zips?" + storage::BuildListObjectsQuery("data/futures/", "", "", 1));
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  ASSERT_EQ(res->status, 200) << res->body;
  auto page = storage::ParseListBucketResult(res->body);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->prefix, "data/futures/");
  EXPECT_TRUE(page->is_truncated);
  ASSERT_EQ(page->contents.size(), 1u);
  EXPECT_TRUE(page->common_prefixes.empty());
  EXPECT_EQ(page->NextPageMarker(), page->contents[0].key);
  EXPECT_GT(page->contents[0].size, 0u);
  EXPECT_FALSE(page->contents[0].last_modified.empty());
}

TEST_F(S3rverListingTest, CommonPrefixesOneLevelAboveObjects) {
  auto source = Source("full", 1);
  EXPECT_EQ(source->ListPrefixes("data/spot/daily/klines/BTCUSDT/").value(),
            (std::vector<std::string>{"data/spot/daily/klines/BTCUSDT/1h/",
                                      "data/spot/daily/klines/BTCUSDT/1m/"}));
  EXPECT_EQ(source->ListPrefixes("data/futures/cm/daily/aggTrades/").value(),
            std::vector<std::string>{"data/futures/cm/daily/aggTrades/BTCUSD_PERP/"});
}

TEST_F(S3rverListingTest, DiscoversFetchesAndVerifiesEveryFixture) {
  auto source = Source("full");
  for (const auto& fx : testing::Fixtures()) {
    ArchiveFile f = ArchiveFile::Parse(fx.zip_path).value();
    DiscoveryQuery q;
    q.market = f.market;
    q.period = f.period;
    q.data_type = f.data_type;
    q.interval = f.interval;
    q.symbols = {f.symbol};
    q.start_date = f.period == Period::kDaily ? f.date : f.date + "-01";
    q.end_date = q.start_date;
    auto files = DiscoverFiles(*source, q);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    ASSERT_EQ(files->size(), 1u) << fx.zip_path;
    EXPECT_EQ((*files)[0], f);
    auto zip = source->Fetch(f.ZipPath());
    auto sum = source->Fetch(f.ChecksumPath());
    ASSERT_TRUE(zip.ok() && sum.ok());
    EXPECT_EQ(*zip, testing::ReadFileBytes(fixtures_ / fx.zip_path));
    EXPECT_TRUE(VerifyChecksum(f.ZipName(), *zip, *sum).ok());
  }
  auto missing = source->Fetch("data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2019-01-01.zip");
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
}

}  // namespace
}  // namespace cryptolake::archive
