// `cryptolake gaps` and `cryptolake fill` end to end, on real archive fixture days served by the
// loopback Binance REST server (test/peers/binance_rest_server.mjs, which follows Binance's
// documented responses, pagination limits and weight accounting), with DuckDB comparing what
// fill wrote against what the archive ingest wrote for the same day.
//
// For each fixture type (spot / USD-M / COIN-M klines, COIN-M aggTrades, USD-M funding):
//   1. ingest the real archive day, keep its silver object, then delete the day from the lake;
//   2. `fill` fetches it from the server: DuckDB finds the same rows as the archive's object
//      (every column but `source`, which says "rest"); the server saw no weight violation;
//   3. a second `fill` sends no request at all, and `gaps` exits 0;
//   4. ingesting the archive day again replaces the REST rows (archive wins) with the archive's
//      byte-identical object, and the fill record is gone.
// Row-level gaps (bars cut out of a kline day, ids cut out of an aggTrades day) are filled
// exactly, and bad responses (malformed JSON, a permanent error) fail the file with a clear
// error and leave the lake as it was.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "cryptolake/testing/binance_server.h"
#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/partition.h"
#include "e2e_support.h"

namespace cryptolake::e2e {
namespace {

namespace fs = std::filesystem;
using archive::Market;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// One fixture day, ingested into a fresh lake from a local mirror.
class FillFixture {
 public:
  FillFixture(const FixtureSet& set, const Fixture& f) : tmp_("fill"), f_(f) {
    mirror_ = tmp_.path() / "mirror";
    lake_ = tmp_.path() / "lake";
    const std::string zip = ReadFileBytes(set.dir / f.path);
    auto member = archive::ExtractSingleMember(zip);
    EXPECT_TRUE(member.ok()) << member.status().ToString();
    full_csv_ = member.ok() ? member->data : "";
    PublishCsv(full_csv_);
    csv_path_ = tmp_.path() / "served.csv";
    WriteFileBytes(csv_path_, full_csv_);
    auto pk = lake::PartitionKeyOf(f.file);
    silver_key_ = lake::SilverObjectKey(*pk, f.file);
  }

  // Replaces the mirror's copy of the day with `csv` (and a matching .CHECKSUM).
  void PublishCsv(const std::string& csv) {
    const std::string name = f_.file.ZipName();
    const std::string zip =
        archive::WriteSingleMemberZip(name.substr(0, name.size() - 4) + ".csv", csv, 6);
    WriteFileBytes(mirror_ / f_.path, zip);
    WriteFileBytes(mirror_ / (f_.path + ".CHECKSUM"), archive::Sha256Hex(zip) + "  " + name + "\n");
  }

  std::string QueryFlags() const {
    const archive::ArchiveFile& a = f_.file;
    std::string flags = " --lake " + lake_.string() + " --market " +
                        std::string(archive::MarketName(a.market)) + " --data-type " + a.data_type +
                        " --symbols " + a.symbol;
    if (!a.interval.empty()) flags += " --interval " + a.interval;
    if (a.period == archive::Period::kMonthly) {
      flags += " --period monthly --start " + a.date + "-01 --end " + a.date + "-01";
    } else {
      flags += " --start " + a.date + " --end " + a.date;
    }
    return flags;
  }

  CommandResult Cli(const std::string& command, const std::string& server_url = "") const {
    std::string env;
    if (!server_url.empty()) {
      env = "CRYPTOLAKE_BINANCE_SPOT_URL=" + server_url +
            " CRYPTOLAKE_BINANCE_UM_URL=" + server_url +
            " CRYPTOLAKE_BINANCE_CM_URL=" + server_url + " ";
    }
    return RunCommand(env + CRYPTOLAKE_CLI + std::string(" ") + command + " 2>&1");
  }

  CommandResult Ingest() const {
    return Cli("ingest --quiet --source " + mirror_.string() + QueryFlags());
  }

  // The server's data flag for this fixture.
  std::vector<std::string> ServerArgs() const {
    const archive::ArchiveFile& a = f_.file;
    const std::string m(archive::MarketName(a.market));
    if (a.data_type == "klines") {
      return {"--klines", m + ":" + a.symbol + ":" + a.interval + ":" + csv_path_.string()};
    }
    if (a.data_type == "aggTrades")
      return {"--aggtrades", m + ":" + a.symbol + ":" + csv_path_.string()};
    return {"--funding", m + ":" + a.symbol + ":" + csv_path_.string()};
  }

  fs::path SilverPath() const { return lake_ / silver_key_; }
  fs::path LedgerPath() const { return lake_ / "_ledger" / (f_.path + ".json"); }
  fs::path FillRecordPath() const { return lake_ / "_fills" / (f_.path + ".json"); }
  const fs::path& tmp() const { return tmp_.path(); }
  const std::string& full_csv() const { return full_csv_; }

 private:
  TempDir tmp_;
  Fixture f_;
  fs::path mirror_, lake_, csv_path_;
  std::string full_csv_;
  std::string silver_key_;
};

nlohmann::json Sql(const std::string& sql) {
  CommandResult r =
      RunCommand(FindNode() + " " + (SourceDir() / "test/e2e/peers/duckdb_sql.cjs").string() +
                 " \"" + sql + "\" 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return nlohmann::json::parse(r.output, nullptr, false);
}

// Rows in `a` and not in `b` plus rows in `b` and not in `a`, every column but source.
int64_t Difference(const fs::path& a, const fs::path& b) {
  const std::string ra = "read_parquet(" + Quote(a.string()) + ", hive_partitioning = false)";
  const std::string rb = "read_parquet(" + Quote(b.string()) + ", hive_partitioning = false)";
  nlohmann::json j = Sql("SELECT (SELECT count(*) FROM (SELECT * EXCLUDE (source) FROM " + ra +
                         " EXCEPT ALL SELECT * EXCLUDE (source) FROM " + rb +
                         ")) + (SELECT count(*) FROM (SELECT * EXCLUDE (source) FROM " + rb +
                         " EXCEPT ALL SELECT * EXCLUDE (source) FROM " + ra + ")) AS d");
  return j.is_array() && !j.empty() ? j[0]["d"].get<int64_t>() : -1;
}

int64_t RowsWithSource(const fs::path& p, const std::string& source) {
  nlohmann::json j = Sql("SELECT count(*) AS n FROM read_parquet(" + Quote(p.string()) +
                         ") WHERE source = " + Quote(source));
  return j.is_array() && !j.empty() ? j[0]["n"].get<int64_t>() : -1;
}

class FillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixtures_ = ResolveFixtures();
    if (!fixtures_.skip_reason.empty()) GTEST_SKIP() << fixtures_.skip_reason;
    if (FindNode().empty()) GTEST_SKIP() << "node is not installed (loopback server, DuckDB)";
  }
  const Fixture* Find(Market market, const std::string& type) const {
    for (const Fixture& f : fixtures_.zips) {
      if (f.file.market == market && f.file.data_type == type &&
          (type != "klines" || f.file.interval == "1m")) {
        return &f;
      }
    }
    return nullptr;
  }
  std::unique_ptr<testing::BinanceServer> Serve(const FillFixture& day) {
    std::string error;
    bool skip = false;
    std::vector<std::string> args = day.ServerArgs();
    auto server = testing::BinanceServer::Start(args, &error, &skip);
    EXPECT_TRUE(server != nullptr) << error;
    return server;
  }
  FixtureSet fixtures_;
};

TEST_F(FillTest, AMissingDayFilledFromRestEqualsTheArchiveDay) {
  const std::pair<Market, const char*> kinds[] = {{Market::kSpot, "klines"},
                                                  {Market::kUsdM, "klines"},
                                                  {Market::kCoinM, "klines"},
                                                  {Market::kCoinM, "aggTrades"},
                                                  {Market::kUsdM, "fundingRate"}};
  for (const auto& [market, type] : kinds) {
    const Fixture* f = Find(market, type);
    if (f == nullptr) {
      ADD_FAILURE() << "fixtures.tsv has no " << archive::MarketName(market) << " " << type;
      continue;
    }
    SCOPED_TRACE(f->path);
    FillFixture day(fixtures_, *f);
    ASSERT_EQ(day.Ingest().exit_code, 0);
    const fs::path archive_copy = day.tmp() / "archive.parquet";
    fs::copy_file(day.SilverPath(), archive_copy);
    fs::remove(day.SilverPath());
    fs::remove(day.LedgerPath());

    CommandResult gaps = day.Cli("gaps" + day.QueryFlags());
    EXPECT_EQ(gaps.exit_code, 1) << gaps.output;
    EXPECT_NE(gaps.output.find("missing_day"), std::string::npos) << gaps.output;

    auto server = Serve(day);
    ASSERT_TRUE(server);
    CommandResult fill = day.Cli("fill" + day.QueryFlags(), server->url());
    ASSERT_EQ(fill.exit_code, 0) << fill.output;
    ASSERT_TRUE(fs::exists(day.SilverPath())) << fill.output;
    EXPECT_EQ(Difference(day.SilverPath(), archive_copy), 0);
    EXPECT_EQ(RowsWithSource(day.SilverPath(), "rest"), f->rows);
    nlohmann::json stats = server->Stats();
    EXPECT_EQ(stats["violations"].get<int64_t>(), 0) << stats.dump();
    const int64_t requests = stats["requests"].get<int64_t>();
    EXPECT_GT(requests, 0);
    EXPECT_TRUE(fs::exists(day.FillRecordPath()));

    // Nothing left to fill: no request at all; gaps agrees.
    CommandResult again = day.Cli("fill" + day.QueryFlags(), server->url());
    EXPECT_EQ(again.exit_code, 0) << again.output;
    EXPECT_EQ(server->Stats()["requests"].get<int64_t>(), requests);
    EXPECT_EQ(day.Cli("gaps" + day.QueryFlags()).exit_code, 0);

    // The archive wins: re-ingesting the day restores the archive's own object.
    ASSERT_EQ(day.Ingest().exit_code, 0);
    EXPECT_EQ(ReadFileBytes(day.SilverPath()), ReadFileBytes(archive_copy));
    EXPECT_FALSE(fs::exists(day.FillRecordPath()));
  }
}

// Cuts data lines out of a CSV (by 0-based data-line index, header not counted).
std::string WithoutLines(const std::string& csv, const std::set<int>& drop, int* dropped) {
  std::string out;
  size_t pos = 0;
  int index = -1;
  *dropped = 0;
  while (pos < csv.size()) {
    size_t nl = csv.find('\n', pos);
    const std::string line =
        csv.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos + 1);
    pos = nl == std::string::npos ? csv.size() : nl + 1;
    const bool header = index < 0 && !line.empty() && (line[0] < '0' || line[0] > '9');
    if (!header) ++index;
    if (!header && drop.count(index) != 0) {
      ++*dropped;
      continue;
    }
    out += line;
  }
  return out;
}

TEST_F(FillTest, MissingBarsAndIdGapsAreFilledExactly) {
  for (const auto& [market, type] :
       {std::pair<Market, const char*>{Market::kUsdM, "klines"}, {Market::kCoinM, "aggTrades"}}) {
    const Fixture* f = Find(market, type);
    ASSERT_NE(f, nullptr);
    SCOPED_TRACE(f->path);
    FillFixture day(fixtures_, *f);
    // The full day's silver, for comparison.
    ASSERT_EQ(day.Ingest().exit_code, 0);
    const fs::path full = day.tmp() / "full.parquet";
    fs::copy_file(day.SilverPath(), full);
    // A holed version of the day: a run in the middle, a run at the end, one single row.
    std::set<int> drop = {7};
    for (int i = 100; i < 110; ++i) drop.insert(i);
    for (int64_t i = f->rows - 5; i < f->rows; ++i) drop.insert(static_cast<int>(i));
    int dropped = 0;
    day.PublishCsv(WithoutLines(day.full_csv(), drop, &dropped));
    ASSERT_EQ(dropped, 16);
    ASSERT_EQ(day.Ingest().exit_code, 0);  // a republished file: replaced by the holed day

    CommandResult gaps = day.Cli("gaps --json" + day.QueryFlags());
    EXPECT_EQ(gaps.exit_code, 1) << gaps.output;
    auto report = nlohmann::json::parse(gaps.output, nullptr, false);
    ASSERT_TRUE(report.is_object()) << gaps.output;
    // aggTrades: the ids cut from the end of the day are invisible within the day (nothing
    // follows them), so two id gaps; klines see all three runs.
    EXPECT_EQ(report["open_gaps"].get<int>(), type == std::string("klines") ? 3 : 2) << gaps.output;

    auto server = Serve(day);
    ASSERT_TRUE(server);
    CommandResult fill = day.Cli("fill" + day.QueryFlags(), server->url());
    ASSERT_EQ(fill.exit_code, 0) << fill.output;
    if (type == std::string("klines")) {
      EXPECT_EQ(Difference(day.SilverPath(), full), 0);
      EXPECT_EQ(RowsWithSource(day.SilverPath(), "rest"), 16);
    } else {
      EXPECT_EQ(Difference(day.SilverPath(), full), 5);  // the unseen tail stays missing
      EXPECT_EQ(RowsWithSource(day.SilverPath(), "rest"), 11);
    }
    EXPECT_EQ(server->Stats()["violations"].get<int64_t>(), 0);
    EXPECT_EQ(day.Cli("gaps" + day.QueryFlags()).exit_code, 0);
  }
}

TEST_F(FillTest, BadResponsesFailTheFileAndLeaveTheLakeAsItWas) {
  const Fixture* f = Find(Market::kSpot, "klines");
  ASSERT_NE(f, nullptr);
  FillFixture day(fixtures_, *f);
  ASSERT_EQ(day.Ingest().exit_code, 0);
  fs::remove(day.SilverPath());
  fs::remove(day.LedgerPath());
  const auto before = TreeSnapshot(day.tmp() / "lake");
  auto server = Serve(day);
  ASSERT_TRUE(server);

  for (const char* fault : {"malformed", "truncated", "badprice"}) {
    SCOPED_TRACE(fault);
    ASSERT_TRUE(server->Faults(nlohmann::json::array({{{"type", fault}, {"count", 50}}})));
    CommandResult fill = day.Cli("fill" + day.QueryFlags(), server->url());
    EXPECT_EQ(fill.exit_code, 1) << fill.output;
    EXPECT_NE(fill.output.find("FAILED"), std::string::npos) << fill.output;
    EXPECT_NE(fill.output.find("/api/v3/klines"), std::string::npos) << fill.output;
    EXPECT_EQ(TreeSnapshot(day.tmp() / "lake"), before) << "nothing may be written";
    // Clear what is left of the queue: a good fill below must see a healthy server.
    ASSERT_TRUE(server->Faults(nlohmann::json::array()));
    server.reset();
    server = Serve(day);
    ASSERT_TRUE(server);
  }

  // 429 with Retry-After, then a 5xx: retried, and the day arrives.
  ASSERT_TRUE(server->Faults(nlohmann::json::array(
      {{{"type", "429"}, {"count", 1}, {"retryAfter", 1}}, {{"type", "503"}, {"count", 1}}})));
  CommandResult fill = day.Cli("fill" + day.QueryFlags(), server->url());
  EXPECT_EQ(fill.exit_code, 0) << fill.output;
  EXPECT_EQ(RowsWithSource(day.SilverPath(), "rest"), f->rows);
}

}  // namespace
}  // namespace cryptolake::e2e
