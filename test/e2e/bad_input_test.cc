// Bad input served by a real loopback HTTP server (cpp-httplib on 127.0.0.1, ephemeral port):
// corrupted zip, wrong .CHECKSUM, truncated CSV, non-numeric price, OHLC violation, a missing day
// (404) and a server that answers 500 before 200. Each case checks the documented outcome
// (docs/lake-layout.md) and that the lake is unchanged or consistent.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/lake/ledger.h"
#include "cryptolake/storage/object_store.h"
#include "e2e_support.h"

namespace cryptolake::e2e {
namespace {

namespace fs = std::filesystem;
using archive::ArchiveFile;
using archive::Market;
using archive::Period;

// Serves a map of archive paths; a path can be made to fail with 500 a number of times first.
class ArchiveServer {
 public:
  ArchiveServer() {
    server_.Get(R"(/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      std::string path = req.matches[1];
      requests_[path]++;
      if (auto f = failures_.find(path); f != failures_.end() && f->second > 0) {
        f->second--;
        res.status = 500;
        res.set_content("internal error", "text/plain");
        return;
      }
      auto it = files_.find(path);
      if (it == files_.end()) {
        res.status = 404;
        res.set_content("<Error><Code>NoSuchKey</Code></Error>", "application/xml");
        return;
      }
      res.set_content(it->second, "application/octet-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // cpp-httplib 0.11 has no wait_until_ready(): poll until the accept loop runs.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ArchiveServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Put(const std::string& path, std::string bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[path] = std::move(bytes);
  }
  void Remove(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase(path);
  }
  void FailTimes(const std::string& path, int n) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_[path] = n;
  }
  int Requests(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_[path];
  }
  // Publishes `csv` as archive file `f` with a correct .CHECKSUM.
  std::string Publish(const ArchiveFile& f, std::string_view csv) {
    std::string name = f.ZipName();
    std::string zip =
        archive::WriteSingleMemberZip(name.substr(0, name.size() - 4) + ".csv", csv, 6);
    Put(f.ZipPath(), zip);
    Put(f.ChecksumPath(), archive::Sha256Hex(zip) + "  " + name + "\n");
    return zip;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::string> files_;
  std::map<std::string, int> failures_;
  std::map<std::string, int> requests_;
};

ArchiveFile Day(const std::string& date) {
  return ArchiveFile{Market::kSpot, Period::kDaily, "klines", "BTCUSDT", "1h", date};
}

// 24 spot 1h candles in the post-2025 format (no header, µs). `mutate(row, fields)` may edit.
std::string SpotHourly(int64_t day_start_us,
                       const std::function<void(int, std::vector<std::string>&)>& mutate = {}) {
  std::string csv;
  for (int i = 0; i < 24; ++i) {
    int64_t t = day_start_us + int64_t{i} * 3'600'000'000;
    std::vector<std::string> f = {std::to_string(t),
                                  "80000.00000000",
                                  "80100.00000000",
                                  "79900.00000000",
                                  "80050.00000000",
                                  "10.50000000",
                                  std::to_string(t + 3'599'999'999),
                                  "840000.00000000",
                                  "1234",
                                  "5.00000000",
                                  "400000.00000000",
                                  "0"};
    if (mutate) mutate(i, f);
    for (size_t k = 0; k < f.size(); ++k) csv += (k ? "," : "") + f[k];
    csv += "\n";
  }
  return csv;
}

constexpr int64_t kMay7Us = 1778112000LL * 1'000'000;  // 2026-05-07T00:00:00Z
constexpr int64_t kMay8Us = kMay7Us + 86'400'000'000;

class BadInputTest : public testing::Test {
 protected:
  void SetUp() override {
    lake_ = storage::NewLocalObjectStore(tmp_.path() / "lake");
    // A good day already in the lake: every bad case must leave it alone.
    server_.Publish(Day("2026-05-07"), SpotHourly(kMay7Us));
    lake::IngestSummary s = Run("2026-05-07", "2026-05-07");
    ASSERT_TRUE(s.ok()) << s.Format();
    ASSERT_EQ(s.files_ingested, 1);
    before_ = TreeSnapshot(tmp_.path() / "lake");
  }

  lake::IngestSummary Run(const std::string& start, const std::string& end,
                          lake::BadRowPolicy policy = lake::BadRowPolicy::kFail) {
    lake::IngestOptions o;
    o.source = server_.url();
    o.source_options.retries = 3;
    o.source_options.backoff_base = std::chrono::milliseconds(1);
    o.source_options.backoff_max = std::chrono::milliseconds(5);
    o.lake = lake_.get();
    o.query.market = Market::kSpot;
    o.query.data_type = "klines";
    o.query.interval = "1h";
    o.query.symbols = {"BTCUSDT"};
    o.query.start_date = start;
    o.query.end_date = end;
    o.discovery = lake::DiscoveryMode::kDates;
    o.on_bad_rows = policy;
    o.jobs = 2;
    Result<lake::IngestSummary> s = lake::RunIngest(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : lake::IngestSummary{};
  }

  // The lake holds exactly what it held after SetUp (plus, when allowed, bronze copies of
  // verified May 8 files).
  void ExpectLakeUnchanged(bool allow_verified_bronze) {
    auto now = TreeSnapshot(tmp_.path() / "lake");
    for (const auto& [path, meta] : before_) {
      auto it = now.find(path);
      ASSERT_NE(it, now.end()) << path << " disappeared";
      EXPECT_EQ(it->second, meta) << path << " changed";
    }
    for (const auto& [path, meta] : now) {
      if (before_.count(path)) continue;
      EXPECT_TRUE(allow_verified_bronze && path.starts_with("bronze/")) << "new file " << path;
    }
    EXPECT_FALSE(*Ledger().Lookup(Day("2026-05-08").ZipPath()));
  }

  lake::Ledger Ledger() { return lake::Ledger(*lake_); }

  void ExpectOneFailure(const lake::IngestSummary& s, const std::vector<std::string>& needles) {
    ASSERT_EQ(s.files_failed, 1) << s.Format();
    EXPECT_FALSE(s.ok());
    const std::string text = s.Format();
    for (const std::string& n : needles)
      EXPECT_NE(text.find(n), std::string::npos) << n << "\n" << text;
  }

  TempDir tmp_{"bad-input"};
  ArchiveServer server_;
  std::unique_ptr<storage::ObjectStore> lake_;
  std::map<std::string, std::pair<uintmax_t, int64_t>> before_;
};

TEST_F(BadInputTest, WrongChecksumFailsNamingBothDigestsAndWritesNothing) {
  const ArchiveFile f = Day("2026-05-08");
  std::string zip = server_.Publish(f, SpotHourly(kMay8Us));
  const std::string wrong = archive::Sha256Hex("something else");
  server_.Put(f.ChecksumPath(), wrong + "  " + f.ZipName() + "\n");
  lake::IngestSummary s = Run("2026-05-08", "2026-05-08");
  ExpectOneFailure(s, {f.ZipPath(), wrong, archive::Sha256Hex(zip), "checksum mismatch"});
  ExpectLakeUnchanged(false);
}

TEST_F(BadInputTest, CorruptedZipFailsAndWritesNothing) {
  const ArchiveFile f = Day("2026-05-08");
  std::string zip = server_.Publish(f, SpotHourly(kMay8Us));
  // Damage the deflate stream; the .CHECKSUM still names the original file.
  std::string damaged = zip;
  for (size_t i = 60; i < 90 && i < damaged.size(); ++i) damaged[i] ^= 0x5a;
  server_.Put(f.ZipPath(), damaged);
  lake::IngestSummary s = Run("2026-05-08", "2026-05-08");
  ExpectOneFailure(s, {"checksum mismatch", f.ZipPath()});
  ExpectLakeUnchanged(false);

  // Same damage, but the publisher also hashed the damaged file: the checksum passes and the
  // zip reader's CRC-32 check catches it. Bronze keeps the (verified) archive file; no silver.
  server_.Put(f.ChecksumPath(), archive::Sha256Hex(damaged) + "  " + f.ZipName() + "\n");
  s = Run("2026-05-08", "2026-05-08");
  ExpectOneFailure(s, {f.ZipPath(), "Corruption"});
  ExpectLakeUnchanged(true);
}

TEST_F(BadInputTest, TruncatedCsvFailsNamingTheLine) {
  std::string csv = SpotHourly(kMay8Us);
  csv.resize(csv.size() - 40);  // the last row loses its tail (and its line end)
  server_.Publish(Day("2026-05-08"), csv);
  lake::IngestSummary s = Run("2026-05-08", "2026-05-08");
  ExpectOneFailure(s, {"line 24"});
  ExpectLakeUnchanged(true);
}

TEST_F(BadInputTest, NonNumericPriceFailsOrIsQuarantined) {
  server_.Publish(Day("2026-05-08"), SpotHourly(kMay8Us, [](int row, auto& f) {
                    if (row == 3) f[4] = "80O50.00000000";  // letter O in the close price
                  }));
  lake::IngestSummary s = Run("2026-05-08", "2026-05-08");
  ExpectOneFailure(s, {"line 4", "80O50.00000000", "close"});
  ExpectLakeUnchanged(true);

  s = Run("2026-05-08", "2026-05-08", lake::BadRowPolicy::kQuarantine);
  ASSERT_TRUE(s.ok()) << s.Format();
  EXPECT_EQ(s.rows, 23);
  EXPECT_EQ(s.rejected_rows, 1);
  auto entry = *Ledger().Lookup(Day("2026-05-08").ZipPath());
  ASSERT_TRUE(entry.has_value());
  ASSERT_EQ(entry->reject_files.size(), 1u);
  EXPECT_NE(ReadFileBytes(tmp_.path() / "lake" / entry->reject_files[0]).find("80O50"),
            std::string::npos);
}

TEST_F(BadInputTest, OhlcViolationFails) {
  server_.Publish(Day("2026-05-08"), SpotHourly(kMay8Us, [](int row, auto& f) {
                    if (row == 10) f[2] = "79950.00000000";  // high below open and close
                  }));
  lake::IngestSummary s = Run("2026-05-08", "2026-05-08");
  ExpectOneFailure(s, {"line 11", "high"});
  ExpectLakeUnchanged(true);
}

TEST_F(BadInputTest, MissingDayIs404AndTheOtherDaysStillIngest) {
  server_.Publish(Day("2026-05-09"), SpotHourly(kMay8Us + 86'400'000'000));
  lake::IngestSummary s = Run("2026-05-07", "2026-05-09");
  ExpectOneFailure(s, {"missing day", Day("2026-05-08").ZipPath()});
  EXPECT_EQ(s.files_skipped, 1);   // May 7, already in the lake
  EXPECT_EQ(s.files_ingested, 1);  // May 9
  EXPECT_EQ(s.files[1].error.code(), Status::Code::kNotFound);
}

TEST_F(BadInputTest, ServerErrorThenSuccessIsRetried) {
  const ArchiveFile f = Day("2026-05-08");
  server_.Publish(f, SpotHourly(kMay8Us));
  server_.FailTimes(f.ZipPath(), 1);
  server_.FailTimes(f.ChecksumPath(), 2);
  lake::IngestSummary s = Run("2026-05-08", "2026-05-08");
  EXPECT_TRUE(s.ok()) << s.Format();
  EXPECT_EQ(s.files_ingested, 1);
  EXPECT_EQ(s.rows, 24);
  EXPECT_EQ(server_.Requests(f.ZipPath()), 2);
  EXPECT_EQ(server_.Requests(f.ChecksumPath()), 3);
}

TEST_F(BadInputTest, PersistentServerErrorFailsTheFileOnly) {
  const ArchiveFile f = Day("2026-05-08");
  server_.Publish(f, SpotHourly(kMay8Us));
  server_.FailTimes(f.ZipPath(), 100);
  lake::IngestSummary s = Run("2026-05-07", "2026-05-08");
  ExpectOneFailure(s, {f.ZipPath()});
  EXPECT_EQ(s.files_skipped, 1);
  ExpectLakeUnchanged(false);
}

}  // namespace
}  // namespace cryptolake::e2e
