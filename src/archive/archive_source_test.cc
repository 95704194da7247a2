// ArchiveSource tests against real peers: the local fixture mirror, and
// cpp-httplib loopback servers on 127.0.0.1 (failure injection for
// downloads, and a ListObjects v1 server written from the S3 documentation
// for ordering, delimiter and pagination semantics; s3rver is tested in
// s3rver_listing_test.cc but deviates from S3 on exactly those points, see
// ../shared/reference/test-peers.md).
#include "cryptolake/archive/archive_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "archive_test_util.h"
#include "cryptolake/archive/archive_file.h"
#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/discovery.h"
#include "cryptolake/archive/zip_reader.h"

namespace cryptolake::archive {
namespace {

namespace fs = std::filesystem;

SourceOptions FastRetries(int retries = 3) {
  SourceOptions o;
  o.retries = retries;
  o.backoff_base = std::chrono::milliseconds(1);
  o.backoff_max = std::chrono::milliseconds(5);
  o.connect_timeout = std::chrono::milliseconds(5000);
  return o;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A bucket that follows the S3 ListObjects v1 documentation: keys in UTF-8
// byte order, results strictly after `marker`, CommonPrefixes rolled up at
// the delimiter and counted against max-keys, NextMarker only when a
// delimiter was given (unless omit_next_marker, to exercise the fallback),
// plus plain GETs of the objects.
class S3DocBucket {
 public:
  explicit S3DocBucket(std::map<std::string, std::string> objects, bool omit_next_marker = false)
      : objects_(std::move(objects)), omit_next_marker_(omit_next_marker) {
    auto& svr = server_.server();
    svr.Get("/", [this](const httplib::Request& req, httplib::Response& res) { List(req, res); });
    svr.Get(R"(/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      auto it = objects_.find(req.matches[1].str());
      if (it == objects_.end()) {
        res.status = 404;
        return;
      }
      res.set_content(it->second, "application/octet-stream");
    });
    server_.Start();
  }
  std::string url() const { return server_.url(); }
  int list_requests() const { return list_requests_.load(); }

 private:
  void List(const httplib::Request& req, httplib::Response& res) {
    ++list_requests_;
    std::string prefix = req.get_param_value("prefix");
    std::string delimiter = req.get_param_value("delimiter");
    std::string marker = req.get_param_value("marker");
    size_t max_keys =
        req.has_param("max-keys") ? std::stoul(req.get_param_value("max-keys")) : 1000;
    struct Entry {
      std::string name;
      bool is_prefix;
    };
    std::vector<Entry> entries;
    for (auto it = objects_.upper_bound(marker); it != objects_.end(); ++it) {
      const std::string& key = it->first;
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      if (!delimiter.empty()) {
        size_t idx = key.find(delimiter, prefix.size());
        if (idx != std::string::npos) {
          std::string cp = key.substr(0, idx + delimiter.size());
          if (cp <= marker) continue;  // The group the marker points into was already returned.
          if (!entries.empty() && entries.back().is_prefix && entries.back().name == cp) continue;
          entries.push_back({cp, true});
          continue;
        }
      }
      entries.push_back({key, false});
    }
    bool truncated = entries.size() > max_keys;
    if (truncated) entries.resize(max_keys);
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Name>bucket</Name><Prefix>" +
        XmlEscape(prefix) + "</Prefix><Marker>" + XmlEscape(marker) + "</Marker><MaxKeys>" +
        std::to_string(max_keys) + "</MaxKeys>";
    if (!delimiter.empty()) xml += "<Delimiter>" + XmlEscape(delimiter) + "</Delimiter>";
    xml += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
    if (truncated && !delimiter.empty() && !omit_next_marker_ && !entries.empty()) {
      xml += "<NextMarker>" + XmlEscape(entries.back().name) + "</NextMarker>";
    }
    // S3 returns Contents before CommonPrefixes, each in key order.
    for (const Entry& e : entries) {
      if (e.is_prefix) continue;
      xml += "<Contents><Key>" + XmlEscape(e.name) +
             "</Key><LastModified>2026-01-02T03:04:05.000Z"
             "</LastModified><ETag>&quot;x&quot;</ETag><Size>" +
             std::to_string(objects_.at(e.name).size()) + "</Size></Contents>";
    }
    for (const Entry& e : entries) {
      if (e.is_prefix)
        xml += "<CommonPrefixes><Prefix>" + XmlEscape(e.name) + "</Prefix></CommonPrefixes>";
    }
    xml += "</ListBucketResult>";
    res.set_content(xml, "application/xml");
  }

  const std::map<std::string, std::string> objects_;
  const bool omit_next_marker_;
  std::atomic<int> list_requests_{0};
  testing::LoopbackServer server_;
};

// A small archive: two spot kline symbols over three days, a CM aggTrades
// folder, one zip without its CHECKSUM, and keys that need escaping.
std::map<std::string, std::string> SyntheticArchive() {
  std::map<std::string, std::string> objects;
  auto add = [&](const ArchiveFile& f, bool with_checksum) {
    std::string csv = "1,2,3\n" + f.date + "\n";
    std::string zip =
        WriteSingleMemberZip(f.ZipName().substr(0, f.ZipName().size() - 4) + ".csv", csv, 6);
    if (with_checksum) objects[f.ChecksumPath()] = Sha256Hex(zip) + "  " + f.ZipName() + "\n";
    objects[f.ZipPath()] = std::move(zip);
  };
  for (const char* symbol : {"BTCUSDT", "ETHUSDT"}) {
    for (const char* date : {"2024-02-28", "2024-02-29", "2024-03-01"}) {
      add({Market::kSpot, Period::kDaily, "klines", symbol, "1m", date}, true);
    }
  }
  add({Market::kSpot, Period::kDaily, "klines", "ETHUSDT", "1m", "2024-03-02"}, false);
  add({Market::kCoinM, Period::kDaily, "aggTrades", "BTCUSD_PERP", "", "2024-03-01"}, true);
  objects["data/spot/daily/klines/odd/a&b c.txt"] = "odd";
  return objects;
}

std::vector<std::string> KeysWithPrefix(const std::map<std::string, std::string>& objects,
                                        std::string_view prefix) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : objects) {
    if (key.compare(0, prefix.size(), prefix) == 0) keys.push_back(key);
  }
  return keys;
}

// ---------------------------------------------------------------- local --

TEST(LocalArchiveSourceTest, FetchesAndListsTheFixtureMirror) {
  CL_REQUIRE_FIXTURES(root);
  for (std::string spec : {root.string(), "file://" + root.string(), root.string() + "/"}) {
    auto source = OpenArchiveSource(spec);
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    EXPECT_EQ((*source)->Describe(), "file://" + root.string());
  }
  auto source = std::move(OpenArchiveSource(root.string())).value();
  for (const auto& fx : testing::Fixtures()) {
    auto bytes = source->Fetch(fx.zip_path);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto sidecar = source->Fetch(std::string(fx.zip_path) + ".CHECKSUM");
    ASSERT_TRUE(sidecar.ok());
    EXPECT_TRUE(VerifyChecksum(fs::path(fx.zip_path).filename().string(), *bytes, *sidecar).ok());
  }
  auto keys = source->ListKeys("data/futures/");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 8u);  // 4 futures fixtures, each with its CHECKSUM.
  EXPECT_TRUE(std::is_sorted(keys->begin(), keys->end()));
  EXPECT_EQ(source->ListPrefixes("data/futures/").value(),
            (std::vector<std::string>{"data/futures/cm/", "data/futures/um/"}));
  EXPECT_EQ(source->ListPrefixes("data/futures/um/").value(),
            (std::vector<std::string>{"data/futures/um/daily/", "data/futures/um/monthly/"}));
  EXPECT_EQ(source->ListPrefixes("data/futures/u").value(),
            (std::vector<std::string>{"data/futures/um/"}));
  EXPECT_TRUE(source->ListKeys("data/nothing/").value().empty());
  auto missing = source->Fetch("data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2019-01-01.zip");
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("BTCUSDT-1m-2019-01-01.zip"), std::string::npos);
  EXPECT_TRUE(source->Fetch("../secret").status().IsInvalidArgument());
}

TEST(LocalArchiveSourceTest, OpenRejectsMissingDirsAndUnknownSchemes) {
  EXPECT_TRUE(OpenArchiveSource("/no/such/dir/anywhere").status().IsNotFound());
  EXPECT_TRUE(OpenArchiveSource("ftp://example.com").status().IsInvalidArgument());
}

// ----------------------------------------------------------------- HTTP --

class HttpFailureServer {
 public:
  HttpFailureServer() {
    auto& svr = server_.server();
    svr.Get(R"(/ok/(.+))", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("body of " + req.matches[1].str(), "text/plain");
    });
    svr.Get(R"(/flaky500/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (Bump(req.path) <= 2) {
        res.status = 500;
        res.set_content("try later", "text/plain");
        return;
      }
      res.set_content("recovered " + req.matches[1].str(), "text/plain");
    });
    svr.Get(R"(/always500/.+)", [this](const httplib::Request& req, httplib::Response& res) {
      Bump(req.path);
      res.status = 503;
    });
    svr.Get(R"(/always400/.+)", [this](const httplib::Request& req, httplib::Response& res) {
      Bump(req.path);
      res.status = 403;
    });
    svr.Get(R"(/ratelimited/.+)", [this](const httplib::Request& req, httplib::Response& res) {
      if (Bump(req.path) == 1) {
        res.status = 429;
        res.set_header("Retry-After", "0");
        return;
      }
      res.set_content("after 429", "text/plain");
    });
    // Declares the full length, sends half, then drops the connection.
    svr.Get(R"(/truncate/.+)", [this](const httplib::Request& req, httplib::Response& res) {
      Bump(req.path);
      Truncate(res);
    });
    svr.Get(R"(/flakytruncate/.+)", [this](const httplib::Request& req, httplib::Response& res) {
      if (Bump(req.path) == 1) {
        Truncate(res);
        return;
      }
      res.set_content(kFullBody, "application/octet-stream");
    });
    server_.Start();
  }
  std::string url() const { return server_.url(); }
  int Attempts(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_[path];
  }
  static inline const std::string kFullBody = std::string(256 * 1024, 'z');

 private:
  int Bump(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return ++attempts_[path];
  }
  static void Truncate(httplib::Response& res) {
    res.set_content_provider(kFullBody.size(), "application/octet-stream",
                             [](size_t offset, size_t length, httplib::DataSink& sink) {
                               if (offset >= kFullBody.size() / 2) return false;  // Drop.
                               size_t n = std::min(length, kFullBody.size() / 2 - offset);
                               sink.write(kFullBody.data() + offset, n);
                               return true;
                             });
  }
  std::mutex mu_;
  std::map<std::string, int> attempts_;
  testing::LoopbackServer server_;
};

TEST(HttpArchiveSourceTest, FetchReturnsTheBody) {
  HttpFailureServer server;
  auto source = std::move(OpenArchiveSource(server.url() + "/", FastRetries())).value();
  EXPECT_EQ(source->Describe(), server.url());
  auto body = source->Fetch("ok/data/x.zip");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "body of data/x.zip");
}

TEST(HttpArchiveSourceTest, RetriesServerErrorsUntilSuccess) {
  HttpFailureServer server;
  auto source = std::move(OpenArchiveSource(server.url(), FastRetries())).value();
  auto body = source->Fetch("flaky500/a.zip");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "recovered a.zip");
  EXPECT_EQ(server.Attempts("/flaky500/a.zip"), 3);
}

TEST(HttpArchiveSourceTest, GivesUpOnPersistentServerErrorsAsUnavailable) {
  HttpFailureServer server;
  auto source = std::move(OpenArchiveSource(server.url(), FastRetries(2))).value();
  auto body = source->Fetch("always500/a.zip");
  ASSERT_TRUE(body.status().IsUnavailable()) << body.status().ToString();
  EXPECT_NE(body.status().message().find(server.url() + "/always500/a.zip"), std::string::npos);
  EXPECT_NE(body.status().message().find("503"), std::string::npos);
  EXPECT_EQ(server.Attempts("/always500/a.zip"), 3);
}

TEST(HttpArchiveSourceTest, NotFoundNamesTheUrlAndIsNotRetried) {
  HttpFailureServer server;
  auto source = std::move(OpenArchiveSource(server.url(), FastRetries())).value();
  auto body = source->Fetch("data/spot/daily/klines/X/1m/X-1m-2020-01-01.zip");
  ASSERT_TRUE(body.status().IsNotFound()) << body.status().ToString();
  EXPECT_NE(body.status().message().find(server.url() +
                                         "/data/spot/daily/klines/X/1m/X-1m-2020-01-01.zip"),
            std::string::npos);
  auto forbidden = source->Fetch("always400/x");
  EXPECT_TRUE(forbidden.status().IsIOError()) << forbidden.status().ToString();
  EXPECT_EQ(server.Attempts("/always400/x"), 1);
}

TEST(HttpArchiveSourceTest, CredentialsInTheUrlNeverReachMessages) {
  HttpFailureServer server;
  // http://127.0.0.1:port -> http://reader:s3cr3t@127.0.0.1:port
  std::string url = server.url();
  url.insert(url.find("://") + 3, "reader:s3cr3t@");
  auto source = std::move(OpenArchiveSource(url, FastRetries(1))).value();
  EXPECT_EQ(source->Describe().find("s3cr3t"), std::string::npos) << source->Describe();
  EXPECT_NE(source->Describe().find("***@127.0.0.1"), std::string::npos) << source->Describe();
  auto body = source->Fetch("ok/x.zip");  // The credentials are still used for requests.
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  for (const char* path : {"data/missing.zip", "always500/a.zip", "always400/b.zip"}) {
    auto failed = source->Fetch(path);
    ASSERT_FALSE(failed.ok()) << path;
    EXPECT_EQ(failed.status().ToString().find("s3cr3t"), std::string::npos)
        << failed.status().ToString();
    EXPECT_NE(failed.status().ToString().find(path), std::string::npos)
        << failed.status().ToString();
  }
}

TEST(HttpArchiveSourceTest, HonoursRetryAfterOn429) {
  HttpFailureServer server;
  auto source = std::move(OpenArchiveSource(server.url(), FastRetries())).value();
  auto body = source->Fetch("ratelimited/x");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "after 429");
  EXPECT_EQ(server.Attempts("/ratelimited/x"), 2);
}

TEST(HttpArchiveSourceTest, TruncatedTransferIsAnErrorNeverAPartialBody) {
  HttpFailureServer server;
  auto source = std::move(OpenArchiveSource(server.url(), FastRetries(1))).value();
  auto body = source->Fetch("truncate/x");
  ASSERT_FALSE(body.ok()) << "got " << body->size() << " bytes";
  EXPECT_TRUE(body.status().IsIOError()) << body.status().ToString();
  EXPECT_EQ(server.Attempts("/truncate/x"), 2);
  // A transfer that breaks once is retried and returns the complete body.
  auto retried = source->Fetch("flakytruncate/y");
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(*retried, HttpFailureServer::kFullBody);
  EXPECT_EQ(server.Attempts("/flakytruncate/y"), 2);
}

// A sink that records what it received and how often it was rewound.
class RecordingSink final : public RewindableSink {
 public:
  Status Rewind() override {
    ++rewinds;
    bytes.clear();
    return Status::OK();
  }
  Status Append(std::string_view data) override {
    bytes.append(data);
    return Status::OK();
  }
  std::string bytes;
  int rewinds = 0;
};

TEST(HttpArchiveSourceTest, FetchToStreamsTheBodyAndRewindsOnRetries) {
  HttpFailureServer server;
  auto source = std::move(OpenArchiveSource(server.url(), FastRetries(3))).value();
  RecordingSink sink;
  // A transfer that breaks half-way is retried; the sink starts over and ends whole.
  ASSERT_TRUE(source->FetchTo("flakytruncate/z", &sink).ok());
  EXPECT_EQ(sink.bytes, HttpFailureServer::kFullBody);
  EXPECT_EQ(sink.rewinds, 2);
  // Error bodies (500 pages) never reach the sink.
  RecordingSink sink2;
  ASSERT_TRUE(source->FetchTo("flaky500/b.zip", &sink2).ok());
  EXPECT_EQ(sink2.bytes, "recovered b.zip");
  RecordingSink sink3;
  Status missing = source->FetchTo("data/missing.zip", &sink3);
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
  EXPECT_TRUE(sink3.bytes.empty());
}

TEST(LocalArchiveSourceTest, FetchToStreamsTheFile) {
  fs::path dir = fs::path(::testing::TempDir()) / "fetchto-mirror";
  fs::create_directories(dir / "data");
  std::string content(3 << 20, 'q');  // several read blocks
  { std::ofstream(dir / "data/f.zip", std::ios::binary) << content; }
  auto source = std::move(OpenArchiveSource(dir.string())).value();
  RecordingSink sink;
  ASSERT_TRUE(source->FetchTo("data/f.zip", &sink).ok());
  EXPECT_TRUE(sink.bytes == content);
  EXPECT_TRUE(source->FetchTo("data/none.zip", &sink).IsNotFound());
  fs::remove_all(dir);
}

TEST(HttpArchiveSourceTest, ConnectionRefusedIsUnavailable) {
  int port;
  {
    testing::LoopbackServer closed;
    port = closed.Start();
  }  // Stopped: nothing listens on the port any more.
  auto source =
      std::move(OpenArchiveSource("http://127.0.0.1:" + std::to_string(port), FastRetries(1)))
          .value();
  auto body = source->Fetch("x");
  EXPECT_TRUE(body.status().IsUnavailable()) << body.status().ToString();
}

TEST(HttpArchiveSourceTest, ConcurrentFetchesFromManyThreads) {
  auto objects = SyntheticArchive();
  S3DocBucket bucket(objects);
  auto source = std::move(OpenArchiveSource(bucket.url(), FastRetries())).value();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (const auto& [key, value] : objects) {
        auto body = source->Fetch(key);
        if (body.ok() && *body == value) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4 * static_cast<int>(objects.size()));
}

// --------------------------------------------- S3 listing (S3 doc rules) --

TEST(S3DocListingTest, ListKeysFollowsEveryPageInByteOrder) {
  auto objects = SyntheticArchive();
  for (int max_keys : {1, 2, 3, 1000}) {
    S3DocBucket bucket(objects);
    SourceOptions options = FastRetries();
    options.list_max_keys = max_keys;
    auto source = std::move(OpenArchiveSource(bucket.url(), options)).value();
    auto keys = source->ListKeys("data/");
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    EXPECT_EQ(*keys, KeysWithPrefix(objects, "data/")) << "max-keys " << max_keys;
    int pages = static_cast<int>((objects.size() + max_keys - 1) / max_keys);
    // A last page that is exactly full is followed by one empty page.
    EXPECT_GE(bucket.list_requests(), pages);
    EXPECT_LE(bucket.list_requests(), pages + 1);
    EXPECT_EQ(source->ListKeys("data/spot/daily/klines/ETHUSDT/1m/ETHUSDT-1m-2024-03").value(),
              KeysWithPrefix(objects, "data/spot/daily/klines/ETHUSDT/1m/ETHUSDT-1m-2024-03"));
  }
}

TEST(S3DocListingTest, ListPrefixesRollsUpAtTheDelimiterAcrossPages) {
  auto objects = SyntheticArchive();
  for (bool omit_next_marker : {false, true}) {
    for (int max_keys : {1, 2, 1000}) {
      S3DocBucket bucket(objects, omit_next_marker);
      SourceOptions options = FastRetries();
      options.list_max_keys = max_keys;
      auto source = std::move(OpenArchiveSource(bucket.url(), options)).value();
      SCOPED_TRACE(::testing::Message()
                   << "max-keys " << max_keys << " omit NextMarker " << omit_next_marker);
      // Two levels above any object: S3 still rolls the keys up.
      EXPECT_EQ(source->ListPrefixes("data/").value(),
                (std::vector<std::string>{"data/futures/", "data/spot/"}));
      EXPECT_EQ(source->ListPrefixes("data/spot/daily/klines/").value(),
                (std::vector<std::string>{"data/spot/daily/klines/BTCUSDT/",
                                          "data/spot/daily/klines/ETHUSDT/",
                                          "data/spot/daily/klines/odd/"}));
      EXPECT_EQ(source->ListPrefixes("data/spot/daily/klines/E").value(),
                (std::vector<std::string>{"data/spot/daily/klines/ETHUSDT/"}));
      EXPECT_TRUE(source->ListPrefixes("data/spot/daily/klines/BTCUSDT/1m/").value().empty());
    }
  }
}

TEST(S3DocListingTest, ListingUrlOverrideAndEscapedKeys) {
  auto objects = SyntheticArchive();
  S3DocBucket bucket(objects);
  SourceOptions options = FastRetries();
  options.listing_url = bucket.url() + "/";
  options.list_max_keys = 1;
  // Downloads go to an address where nothing listens; listing goes to the bucket.
  auto source = std::move(OpenArchiveSource("http://127.0.0.1:9", options)).value();
  auto keys = source->ListKeys("data/spot/daily/klines/odd/");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(*keys, std::vector<std::string>{"data/spot/daily/klines/odd/a&b c.txt"});
}

TEST(S3DocListingTest, ListingErrorsPropagate) {
  HttpFailureServer server;
  SourceOptions options = FastRetries(1);
  options.listing_url = server.url() + "/always500/list";
  auto source = std::move(OpenArchiveSource(server.url(), options)).value();
  EXPECT_TRUE(source->ListKeys("data/").status().IsUnavailable());
  options.listing_url = server.url() + "/ok/not-xml";
  source = std::move(OpenArchiveSource(server.url(), options)).value();
  EXPECT_TRUE(source->ListKeys("data/").status().IsCorruption());
}

// ------------------------------------------------------------ discovery --

DiscoveryQuery Query(Market market, Period period, std::string type, std::string interval,
                     std::vector<std::string> symbols, std::string start, std::string end) {
  DiscoveryQuery q;
  q.market = market;
  q.period = period;
  q.data_type = std::move(type);
  q.interval = std::move(interval);
  q.symbols = std::move(symbols);
  q.all_symbols = q.symbols.empty();
  q.start_date = std::move(start);
  q.end_date = std::move(end);
  return q;
}

std::vector<std::string> ZipPaths(const std::vector<ArchiveFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.ZipPath());
  return out;
}

TEST(DiscoveryTest, FindsEveryFixtureInTheLocalMirror) {
  CL_REQUIRE_FIXTURES(root);
  auto source = std::move(OpenArchiveSource(root.string())).value();
  for (const auto& fx : testing::Fixtures()) {
    ArchiveFile f = ArchiveFile::Parse(fx.zip_path).value();
    std::string start = f.period == Period::kDaily ? f.date : f.date + "-10";
    for (bool all : {false, true}) {
      DiscoveryQuery q =
          Query(f.market, f.period, f.data_type, f.interval,
                all ? std::vector<std::string>{} : std::vector{f.symbol}, start, start);
      std::vector<std::string> no_checksum;
      auto files = DiscoverFiles(*source, q, &no_checksum);
      ASSERT_TRUE(files.ok()) << files.status().ToString();
      EXPECT_EQ(ZipPaths(*files), std::vector<std::string>{fx.zip_path});
      EXPECT_TRUE(no_checksum.empty());
    }
  }
  // A range without files finds nothing; a symbol that does not exist too.
  auto none = DiscoverFiles(*source, Query(Market::kSpot, Period::kDaily, "klines", "1m",
                                           {"BTCUSDT"}, "2021-01-01", "2021-12-31"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto nosym = DiscoverFiles(*source, Query(Market::kSpot, Period::kDaily, "klines", "1m",
                                            {"NOPEUSDT"}, "2020-01-01", "2020-01-01"));
  ASSERT_TRUE(nosym.ok());
  EXPECT_TRUE(nosym->empty());
}

TEST(DiscoveryTest, FiltersByDateRangeAndReportsZipsWithoutChecksum) {
  auto objects = SyntheticArchive();
  S3DocBucket bucket(objects);
  SourceOptions options = FastRetries();
  options.list_max_keys = 2;
  auto source = std::move(OpenArchiveSource(bucket.url(), options)).value();
  std::vector<std::string> no_checksum;
  auto files = DiscoverFiles(
      *source, Query(Market::kSpot, Period::kDaily, "klines", "1m", {}, "2024-02-29", "2024-03-31"),
      &no_checksum);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(ZipPaths(*files), (std::vector<std::string>{
                                  "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-02-29.zip",
                                  "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03-01.zip",
                                  "data/spot/daily/klines/ETHUSDT/1m/ETHUSDT-1m-2024-02-29.zip",
                                  "data/spot/daily/klines/ETHUSDT/1m/ETHUSDT-1m-2024-03-01.zip",
                              }));
  EXPECT_EQ(no_checksum, std::vector<std::string>{
                             "data/spot/daily/klines/ETHUSDT/1m/ETHUSDT-1m-2024-03-02.zip"});
  // Every discovered file downloads and verifies.
  for (const ArchiveFile& f : *files) {
    auto zip = source->Fetch(f.ZipPath());
    auto sum = source->Fetch(f.ChecksumPath());
    ASSERT_TRUE(zip.ok() && sum.ok());
    EXPECT_TRUE(VerifyChecksum(f.ZipName(), *zip, *sum).ok());
  }
  auto agg = DiscoverFiles(*source, Query(Market::kCoinM, Period::kDaily, "aggTrades", "",
                                          {"BTCUSD_PERP"}, "2024-01-01", "2024-12-31"));
  ASSERT_TRUE(agg.ok());
  EXPECT_EQ(ZipPaths(*agg), std::vector<std::string>{"data/futures/cm/daily/aggTrades/BTCUSD_PERP/"
                                                     "BTCUSD_PERP-aggTrades-2024-03-01.zip"});
}

TEST(DiscoveryTest, ValidatesQueries) {
  auto q =
      Query(Market::kSpot, Period::kDaily, "klines", "1m", {"BTCUSDT"}, "2024-01-01", "2024-01-31");
  EXPECT_TRUE(ValidateDiscoveryQuery(q).ok());
  // Which types need an interval is the lake's data-type table's call
  // (DataTypeSchema::CheckInterval); here an interval only has to be a name.
  auto bad = q;
  bad.interval = "1/m";
  EXPECT_TRUE(ValidateDiscoveryQuery(bad).IsInvalidArgument());
  bad = q;
  bad.start_date = "2024-02-01";
  EXPECT_TRUE(ValidateDiscoveryQuery(bad).IsInvalidArgument());
  bad = q;
  bad.end_date = "2024-1-31";
  EXPECT_TRUE(ValidateDiscoveryQuery(bad).IsInvalidArgument());
  bad = q;
  bad.symbols = {"btcusdt"};
  EXPECT_TRUE(ValidateDiscoveryQuery(bad).IsInvalidArgument());
  bad = q;
  bad.symbols.clear();
  EXPECT_TRUE(ValidateDiscoveryQuery(bad).IsInvalidArgument());
}

TEST(DiscoveryTest, CandidateFilesCoverEveryDayOrOverlappingMonth) {
  auto daily = CandidateFiles(Query(Market::kUsdM, Period::kDaily, "aggTrades", "",
                                    {"ETHUSDT", "BTCUSDT"}, "2024-02-28", "2024-03-01"));
  ASSERT_TRUE(daily.ok()) << daily.status().ToString();
  ASSERT_EQ(daily->size(), 6u);
  EXPECT_EQ((*daily)[0].ZipPath(),
            "data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-02-28.zip");
  EXPECT_EQ((*daily)[1].date, "2024-02-29");
  EXPECT_EQ((*daily)[2].date, "2024-03-01");
  EXPECT_EQ((*daily)[3].symbol, "ETHUSDT");
  auto monthly = CandidateFiles(Query(Market::kUsdM, Period::kMonthly, "fundingRate", "",
                                      {"BTCUSDT"}, "2023-11-30", "2024-02-01"));
  ASSERT_TRUE(monthly.ok());
  std::vector<std::string> months;
  for (const auto& f : *monthly) months.push_back(f.date);
  EXPECT_EQ(months, (std::vector<std::string>{"2023-11", "2023-12", "2024-01", "2024-02"}));
  EXPECT_FALSE(CandidateFiles(Query(Market::kSpot, Period::kDaily, "trades", "", {}, "2024-01-01",
                                    "2024-01-02"))
                   .ok());
}

}  // namespace
}  // namespace cryptolake::archive
