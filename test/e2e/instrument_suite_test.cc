// The crypto instrument suite's acceptance run: an archive ingest and a REST gap fill, against the
// loopback Binance server (test/peers/binance_rest_server.mjs) and an S3 lake on s3rver
// (test/peers/s3rver_launcher.mjs), yield at least one data point for every instrument of the
// catalog (telemetry::InstrumentCatalog(), the one definition; no list is repeated here).
//
// The run: a USD-M 1m kline day whose archive copy lacks 5 bars and has one bad row
// (quarantined), ingested into s3://lake/suite; the server holds the whole day and answers the
// fill's first request with a 429 (a rate-limit hit and an API error), then the missing bars.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <variant>

#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/gap_filler.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/rest/binance_rest_client.h"
#include "cryptolake/storage/object_store.h"
#include "cryptolake/telemetry/instrument_catalog.h"
#include "cryptolake/testing/binance_server.h"
#include "cryptolake/testing/node_peer.h"
#include "e2e_support.h"

namespace cryptolake::e2e {
namespace {

namespace fs = std::filesystem;
using archive::ArchiveFile;
using archive::Market;

constexpr int64_t kDayStartMs = 1709251200000;  // 2024-03-01T00:00:00Z

// The day's 1440 bars as archive CSV rows; `skip` bars left out, `bad` bar with a non-numeric
// high (a row the converter rejects).
std::string KlineRows(bool header, int skip_from, int skip_count, int bad) {
  std::string csv;
  if (header) {
    csv =
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
        "taker_buy_quote_volume,ignore\n";
  }
  for (int i = 0; i < 1440; ++i) {
    if (i >= skip_from && i < skip_from + skip_count) continue;
    const int64_t t = kDayStartMs + int64_t{i} * 60000;
    csv += std::to_string(t) + ",100.0," + (i == bad ? std::string("abc") : "101.5") +
           ",99.5,100.2,12.5," + std::to_string(t + 59999) + ",1250.0,42,6.0,600.0,0\n";
  }
  return csv;
}

TEST(InstrumentSuiteTest, IngestAndFillYieldADataPointForEveryInstrument) {
  TempDir tmp("suite");
  // The REST server holds the whole day.
  const fs::path served = tmp.path() / "served.csv";
  WriteFileBytes(served, KlineRows(false, 0, 0, -1));
  std::string error;
  bool skip = false;
  auto binance = testing::BinanceServer::Start({"--klines", "um:BTCUSDT:1m:" + served.string()},
                                               &error, &skip);
  if (skip) GTEST_SKIP() << error;
  ASSERT_NE(binance, nullptr) << error;
  const fs::path s3dir = tmp.path() / "s3rver";
  fs::create_directories(s3dir);
  auto s3 = testing::NodePeer::Start("s3rver_launcher.mjs",
                                     {"--dir", s3dir.string(), "--bucket", "lake"}, &error, &skip);
  if (skip) GTEST_SKIP() << error;
  ASSERT_NE(s3, nullptr) << error;
  setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
  setenv("AWS_REGION", "us-east-1", 1);
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(s3->port());
  setenv("AWS_ENDPOINT_URL", endpoint.c_str(), 1);

  // The archive mirror: the day without bars 100..104 and with bar 700 bad.
  const ArchiveFile day{Market::kUsdM, archive::Period::kDaily, "klines", "BTCUSDT", "1m",
                        "2024-03-01"};
  const fs::path mirror = tmp.path() / "mirror";
  const std::string zip =
      archive::WriteSingleMemberZip("BTCUSDT-1m-2024-03-01.csv", KlineRows(true, 100, 5, 700), 6);
  WriteFileBytes(mirror / day.ZipPath(), zip);
  WriteFileBytes(mirror / day.ChecksumPath(),
                 archive::Sha256Hex(zip) + "  " + day.ZipName() + "\n");

  auto reader = std::make_shared<metrics::ManualReader>();
  metrics::SdkMeterProviderOptions provider_options;
  provider_options.readers = {reader};
  metrics::SetMeterProvider(
      std::make_shared<metrics::SdkMeterProvider>(std::move(provider_options)));

  auto lake = storage::OpenObjectStore("s3://lake/suite");
  ASSERT_TRUE(lake.ok()) << lake.status().ToString();
  archive::DiscoveryQuery query;
  query.market = Market::kUsdM;
  query.data_type = "klines";
  query.interval = "1m";
  query.symbols = {"BTCUSDT"};
  query.start_date = "2024-03-01";
  query.end_date = "2024-03-01";
  lake::IngestOptions ingest;
  ingest.source = mirror.string();
  ingest.lake = lake->get();
  ingest.query = query;
  ingest.on_bad_rows = lake::BadRowPolicy::kQuarantine;
  auto ingested = lake::RunIngest(ingest);
  ASSERT_TRUE(ingested.ok()) << ingested.status().ToString();
  ASSERT_TRUE(ingested->ok()) << ingested->Format();
  EXPECT_EQ(ingested->rejected_rows, 1);

  ASSERT_TRUE(
      binance->Faults(nlohmann::json::array({{{"type", "429"}, {"count", 1}, {"retryAfter", 1}}})));
  rest::RestClientOptions rest_options;
  rest_options.endpoints = {binance->url(), binance->url(), binance->url()};
  rest_options.initial_backoff = std::chrono::milliseconds(20);
  rest::BinanceRestClient client(rest_options);
  lake::FillOptions fill;
  fill.gaps.lake = lake->get();
  fill.gaps.query = query;
  fill.client = &client;
  auto filled = lake::RunFill(fill);
  ASSERT_TRUE(filled.ok()) << filled.status().ToString();
  EXPECT_EQ(filled->rows_added, 6);  // 5 missing bars + the quarantined one

  metrics::ResourceMetrics data;
  ASSERT_TRUE(reader->Collect(&data).ok());
  metrics::SetMeterProvider(nullptr);
  lake->reset();

  for (const telemetry::InstrumentSpec& spec : telemetry::InstrumentCatalog()) {
    size_t points = 0;
    for (const auto& scope : data.scope_metrics) {
      for (const auto& m : scope.metrics) {
        if (m.name != spec.name) continue;
        EXPECT_EQ(m.unit, spec.unit) << spec.name;
        points += std::visit([](const auto& d) { return d.points.size(); }, m.data);
      }
    }
    EXPECT_GT(points, 0u) << spec.name << " has no data point";
  }
}

}  // namespace
}  // namespace cryptolake::e2e
