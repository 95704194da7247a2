// BinanceRestClient against the loopback Binance server (test/peers/binance_rest_server.mjs),
// which serves archive-format CSV files written here: every row of a range must come back once,
// byte for byte as the archive's CSV line, across page boundaries; the weight budget must hold
// with several threads; 429/418 must pause every thread; retryable failures are retried and
// permanent ones reported; and the output must convert with the lake's CSV declarations.
#include "cryptolake/rest/binance_rest_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "cryptolake/lake/silver_converter.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/testing/binance_server.h"

namespace cryptolake::rest {
namespace {

namespace fs = std::filesystem;
using archive::Market;
using nlohmann::json;
using testing::BinanceServer;
using testing::HttpCall;

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kSpotDay0Ms = 1'735'603'200'000;    // 2024-12-31 (ms in the archive)
constexpr int64_t kSpotDay1Ms = 1'735'689'600'000;    // 2025-01-01 (µs in the archive)
constexpr int64_t kUmDayMs = 1'681'516'800'000;       // 2023-04-15
constexpr int64_t kCmStartMs = 1'640'995'200'000;     // 2022-01-01
constexpr int64_t kSpotTradesMs = 1'738'368'000'000;  // 2025-02-01
constexpr int64_t kFundingMs = 1'704'067'200'000;     // 2024-01-01
constexpr int64_t kSpotTradeId0 = 5'000'000;

// One source file: its rows (key, CSV line with '\n').
struct Source {
  std::vector<std::pair<int64_t, std::string>> rows;
  // The lines whose key is in [from, to), concatenated.
  std::string Expected(int64_t from, int64_t to) const {
    std::string out;
    for (auto& [k, line] : rows) {
      if (k >= from && k < to) out += line;
    }
    return out;
  }
  void Write(const fs::path& path) const {
    std::ofstream f(path, std::ios::binary);
    for (auto& [k, line] : rows) f << line;
  }
};

std::string Fixed(int64_t units, int decimals) {
  std::string digits = std::to_string(units);
  if (static_cast<int>(digits.size()) <= decimals) {
    digits.insert(0, decimals + 1 - digits.size(), '0');
  }
  return digits.substr(0, digits.size() - decimals) + "." + digits.substr(digits.size() - decimals);
}

// A kline line; key = open time in µs. `micros` decides the file's unit.
void AddKline(Source* s, int64_t open_ms, int64_t interval_ms, int i, bool micros, int decimals) {
  int64_t scale = micros ? 1000 : 1;
  int64_t base = (100 + i % 7) * 100 + i % 100;  // cents
  auto px = [&](int64_t cents) {
    std::string p = Fixed(cents, 2);
    return decimals > 2 ? p + std::string(decimals - 2, '0') : p;
  };
  std::string line = std::to_string(open_ms * scale) + "," + px(base) + "," + px(base + 200) + "," +
                     px(base - 100) + "," + px(base + 100) + "," + Fixed(1250 + i % 300, 2) + "," +
                     std::to_string((open_ms + interval_ms) * scale - 1) + "," +
                     Fixed(125075 + i, 2) + "," + std::to_string(i % 50 + 1) + "," +
                     Fixed(625 + i % 100, 2) + "," + Fixed(62537 + i, 3) + ",0\n";
  s->rows.emplace_back(open_ms * 1000, std::move(line));
}

struct Data {
  fs::path dir;
  Source spot_klines, um_klines, cm_klines, spot_trades, um_trades, um_funding, cm_funding;
  std::vector<std::string> args;
};

Data* MakeData() {
  auto* d = new Data;
  d->dir = fs::temp_directory_path() / ("cl-rest-test-" + std::to_string(::getpid()));
  fs::create_directories(d->dir);
  // Spot 1m: 2024-12-31 in ms, 2025-01-01 in µs, in one file (as two archive days would be).
  for (int i = 0; i < 2880; ++i) {
    int64_t open = kSpotDay0Ms + i * kMinuteMs;
    AddKline(&d->spot_klines, open, kMinuteMs, i, open >= kSpotDay1Ms, 8);
  }
  // USD-M 1m, two days; COIN-M 1h, 260 days (two 200-day windows).
  for (int i = 0; i < 2880; ++i)
    AddKline(&d->um_klines, kUmDayMs + i * kMinuteMs, kMinuteMs, i, false, 2);
  for (int i = 0; i < 260 * 24; ++i)
    AddKline(&d->cm_klines, kCmStartMs + i * kHourMs, kHourMs, i, false, 1);
  // Spot aggTrades (µs): 1200 in hour 0, nothing in hours 1-2, 1800 in hours 3-4.
  for (int i = 0; i < 3000; ++i) {
    int64_t t_us = i < 1200 ? kSpotTradesMs * 1000 + i * 3'000'000LL + (i * 7919) % 1000
                            : (kSpotTradesMs + 3 * kHourMs) * 1000 + (i - 1200) * 4'000'000LL +
                                  (i * 104729) % 1000;
    int64_t id = kSpotTradeId0 + i;
    std::string line = std::to_string(id) + "," + Fixed(10125 + i % 40, 2) + "000000," +
                       Fixed(100 + i % 900, 8) + "," + std::to_string(9'000'000 + 3 * i) + "," +
                       std::to_string(9'000'000 + 3 * i + 2) + "," + std::to_string(t_us) + "," +
                       (i % 3 == 0 ? "True" : "False") + ",True\n";
    d->spot_trades.rows.emplace_back(id, std::move(line));
  }
  // USD-M aggTrades (ms): 2500 over about two hours.
  for (int i = 0; i < 2500; ++i) {
    int64_t t = kUmDayMs + i * 2900 + i % 7;
    int64_t id = 700 + i;
    std::string line = std::to_string(id) + "," + Fixed(301234 + i % 90, 1) + "," +
                       Fixed(1 + i % 250, 3) + "," + std::to_string(1000 + 2 * i) + "," +
                       std::to_string(1000 + 2 * i + 1) + "," + std::to_string(t) + "," +
                       (i % 4 == 0 ? "true" : "false") + "\n";
    d->um_trades.rows.emplace_back(id, std::move(line));
  }
  // USD-M funding: 180 rows every 8 h, then 60 every 4 h (with Binance's few-ms jitter); the
  // interval column is what the client derives (distance to the previous row; the first row's
  // distance to the next).
  int64_t t = kFundingMs;
  for (int k = 0; k < 240; ++k) {
    if (k > 0) t += k <= 180 ? 8 * kHourMs : 4 * kHourMs;
    int64_t calc = t + k % 5;
    std::string rate = k % 11 == 0 ? "-0.000" + std::to_string(10 + k % 80)
                                   : "0.000" + std::to_string(100 + k % 50);
    d->um_funding.rows.emplace_back(
        calc * 1000, std::to_string(calc) + "," + (k <= 180 ? "8" : "4") + "," + rate + "\n");
  }
  d->cm_funding.rows.emplace_back(kFundingMs * 1000,
                                  std::to_string(kFundingMs) + ",8,0.00010000\n");

  auto file = [&](const Source& s, const char* name) {
    fs::path p = d->dir / name;
    s.Write(p);
    return p.string();
  };
  d->args = {"--klines",    "spot:BTCUSDT:1m:" + file(d->spot_klines, "spot_klines.csv"),
             "--klines",    "um:BTCUSDT:1m:" + file(d->um_klines, "um_klines.csv"),
             "--klines",    "cm:BTCUSD_PERP:1h:" + file(d->cm_klines, "cm_klines.csv"),
             "--aggtrades", "spot:BTCUSDT:" + file(d->spot_trades, "spot_trades.csv"),
             "--aggtrades", "um:BTCUSDT:" + file(d->um_trades, "um_trades.csv"),
             "--funding",   "um:BTCUSDT:" + file(d->um_funding, "um_funding.csv"),
             "--funding",   "cm:BTCUSD_PERP:" + file(d->cm_funding, "cm_funding.csv")};
  return d;
}

class BinanceRestClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { data_ = MakeData(); }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(data_->dir, ec);
    delete data_;
    data_ = nullptr;
  }

  // Starts a server with every data file plus `extra` arguments; skips when node is missing.
  void StartServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = data_->args;
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    bool skip = false;
    server_ = BinanceServer::Start(args, &error, &skip);
    if (skip) GTEST_SKIP() << error;
    ASSERT_NE(server_, nullptr) << error;
  }

  RestClientOptions Options() const {
    RestClientOptions o;
    o.endpoints = {server_->url(), server_->url(), server_->url()};
    o.initial_backoff = std::chrono::milliseconds(20);
    o.request_timeout = std::chrono::milliseconds(10'000);
    return o;
  }

  static int64_t Us(int64_t ms) { return ms * 1000; }

  static Data* data_;
  std::unique_ptr<BinanceServer> server_;
};

Data* BinanceRestClientTest::data_ = nullptr;

#define START_SERVER(...)   \
  StartServer(__VA_ARGS__); \
  if (IsSkipped() || HasFatalFailure()) return

TEST_F(BinanceRestClientTest, SpotKlinesAcrossPagesAndTheMicrosecondSwitch) {
  START_SERVER();
  BinanceRestClient client(Options());
  int64_t from = Us(kSpotDay0Ms + 7 * kMinuteMs) + 1;  // first bar: 00:08
  int64_t to = Us(kSpotDay1Ms + 23 * kHourMs);
  auto r = client.FetchKlines(Market::kSpot, "BTCUSDT", "1m", from, to);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // 2024 rows in ms, 2025 rows in µs, exactly as the archive files hold them.
  EXPECT_EQ(r->csv, data_->spot_klines.Expected(from, to));
  EXPECT_EQ(r->rows, 1440 - 8 + 23 * 60);
  EXPECT_EQ(r->requests, 3);  // 1000 + 1000 + 812
  EXPECT_EQ(r->weight, 6);
  EXPECT_EQ(client.requests_sent(), 3);
  // Forced units.
  auto ms = client.FetchKlines(Market::kSpot, "BTCUSDT", "1m", Us(kSpotDay1Ms),
                               Us(kSpotDay1Ms + 2 * kMinuteMs), CsvTimeUnit::kMilliseconds);
  ASSERT_TRUE(ms.ok()) << ms.status().ToString();
  EXPECT_EQ(ms->csv.substr(0, ms->csv.find(',')), std::to_string(kSpotDay1Ms));
}

TEST_F(BinanceRestClientTest, UsdMKlinesPartialRange) {
  START_SERVER();
  BinanceRestClient client(Options());
  int64_t from = Us(kUmDayMs + 10 * kMinuteMs + 30'000);
  int64_t to = Us(kUmDayMs + kDayMs + 5 * kHourMs);
  auto r = client.FetchKlines(Market::kUsdM, "BTCUSDT", "1m", from, to);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->csv, data_->um_klines.Expected(from, to));
  EXPECT_EQ(r->rows, 1440 - 11 + 300);
  EXPECT_EQ(r->requests, 2);  // 1500 + 229
  EXPECT_EQ(r->weight, 20);   // limit 1500: weight 10 each
}

TEST_F(BinanceRestClientTest, CoinMKlinesBackwardPaginationIn200DayWindows) {
  START_SERVER();
  BinanceRestClient client(Options());
  int64_t from = Us(kCmStartMs);
  int64_t to = Us(kCmStartMs + 260 * kDayMs);
  auto r = client.FetchKlines(Market::kCoinM, "BTCUSD_PERP", "1h", from, to);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->csv, data_->cm_klines.Expected(from, to));
  EXPECT_EQ(r->rows, 260 * 24);
  // Window 1 (200 days = 4800 bars): 1500, 1500, 1500, 300 walking back; window 2: 1440.
  EXPECT_EQ(r->requests, 5);
  json stats = server_->Stats();
  ASSERT_TRUE(stats.is_object());
  for (auto& e : stats["log"]) {
    EXPECT_EQ(e["status"], 200) << e["query"];
  }
  // A range inside one window, ending mid-window.
  int64_t from2 = Us(kCmStartMs + 10 * kDayMs + 30 * kMinuteMs);
  int64_t to2 = Us(kCmStartMs + 90 * kDayMs);
  auto r2 = client.FetchKlines(Market::kCoinM, "BTCUSD_PERP", "1h", from2, to2);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->csv, data_->cm_klines.Expected(from2, to2));
}

TEST_F(BinanceRestClientTest, SpotAggTradesByTimeStepOverEmptyHoursAndFollowIds) {
  START_SERVER();
  BinanceRestClient client(Options());
  auto key_range = [&](int64_t from_us, int64_t to_us) {
    std::string out;
    for (auto& [id, line] : data_->spot_trades.rows) {
      int64_t t = std::stoll(line.substr(
          line.find(
              ',', line.find(',', line.find(',', line.find(',', line.find(',') + 1) + 1) + 1) + 1) +
          1));
      if (t >= from_us && t < to_us) out += line;
    }
    return out;
  };
  int64_t from = Us(kSpotTradesMs + 30 * kMinuteMs);
  int64_t to = Us(kSpotTradesMs + 4 * kHourMs + 17 * kMinuteMs);
  auto r = client.FetchAggTradesByTime(Market::kSpot, "BTCUSDT", from, to);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->csv, key_range(from, to));
  EXPECT_GT(r->rows, 1000);
  // Starting in the empty hours: empty one-hour windows first.
  int64_t from2 = Us(kSpotTradesMs + kHourMs + 10 * kMinuteMs);
  int64_t to2 = Us(kSpotTradesMs + 5 * kHourMs);
  auto r2 = client.FetchAggTradesByTime(Market::kSpot, "BTCUSDT", from2, to2);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->csv, key_range(from2, to2));
  EXPECT_EQ(r2->rows, 1800);
  json stats = server_->Stats();
  ASSERT_TRUE(stats.is_object());
  for (auto& e : stats["log"]) EXPECT_EQ(e["status"], 200) << e["query"];
}

TEST_F(BinanceRestClientTest, AggTradesById) {
  START_SERVER();
  BinanceRestClient client(Options());
  auto r = client.FetchAggTradesById(Market::kSpot, "BTCUSDT", kSpotTradeId0 + 1100,
                                     kSpotTradeId0 + 2500);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->csv, data_->spot_trades.Expected(kSpotTradeId0 + 1100, kSpotTradeId0 + 2501));
  EXPECT_EQ(r->rows, 1401);
  EXPECT_EQ(r->requests, 2);
  EXPECT_EQ(r->weight, 8);
  // USD-M, up to and past the last trade.
  auto um = client.FetchAggTradesById(Market::kUsdM, "BTCUSDT", 650, 5000);
  ASSERT_TRUE(um.ok()) << um.status().ToString();
  EXPECT_EQ(um->csv, data_->um_trades.Expected(0, 1'000'000));
  EXPECT_EQ(um->rows, 2500);
  // By time on USD-M (ms).
  int64_t from = Us(kUmDayMs + 1234);
  int64_t to = Us(kUmDayMs + 2 * kHourMs);
  auto bt = client.FetchAggTradesByTime(Market::kUsdM, "BTCUSDT", from, to);
  ASSERT_TRUE(bt.ok()) << bt.status().ToString();
  std::string expected;
  for (int i = 0; i < 2500; ++i) {
    int64_t t = kUmDayMs + i * 2900 + i % 7;
    if (Us(t) >= from && Us(t) < to) expected += data_->um_trades.rows[i].second;
  }
  EXPECT_EQ(bt->csv, expected);
}

TEST_F(BinanceRestClientTest, FundingRateDerivesTheInterval) {
  START_SERVER();
  BinanceRestClient client(Options());
  int64_t from = Us(kFundingMs + 5 * kDayMs);
  int64_t to = Us(kFundingMs + 65 * kDayMs);
  auto r = client.FetchFundingRate(Market::kUsdM, "BTCUSDT", from, to);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->csv, data_->um_funding.Expected(from, to));  // includes the 8 h -> 4 h switch
  // From the very first row (no earlier row: the distance to the next one).
  auto all = client.FetchFundingRate(Market::kUsdM, "BTCUSDT", Us(kFundingMs),
                                     Us(kFundingMs + 100 * kDayMs));
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->csv, data_->um_funding.Expected(0, INT64_MAX));
  EXPECT_EQ(all->rows, 240);
  // A lone row: Binance's default 8 h.
  auto lone = client.FetchFundingRate(Market::kCoinM, "BTCUSD_PERP", Us(kFundingMs - kDayMs),
                                      Us(kFundingMs + kDayMs));
  ASSERT_TRUE(lone.ok()) << lone.status().ToString();
  EXPECT_EQ(lone->csv, std::to_string(kFundingMs) + ",8,0.00010000\n");
}

TEST_F(BinanceRestClientTest, OutputConvertsWithTheArchiveDeclarations) {
  START_SERVER();
  BinanceRestClient client(Options());
  struct Case {
    archive::ArchiveFile file;
    Result<FetchResult> fetched;
  };
  auto day = [](Market m, std::string type, std::string symbol, std::string interval,
                std::string date) {
    return archive::ArchiveFile{m,
                                archive::Period::kDaily,
                                std::move(type),
                                std::move(symbol),
                                std::move(interval),
                                std::move(date)};
  };
  std::vector<Case> cases;
  cases.push_back({day(Market::kSpot, "klines", "BTCUSDT", "1m", "2025-01-01"),
                   client.FetchKlines(Market::kSpot, "BTCUSDT", "1m", Us(kSpotDay1Ms),
                                      Us(kSpotDay1Ms + kDayMs))});
  cases.push_back({day(Market::kSpot, "klines", "BTCUSDT", "1m", "2024-12-31"),
                   client.FetchKlines(Market::kSpot, "BTCUSDT", "1m", Us(kSpotDay0Ms),
                                      Us(kSpotDay0Ms + kDayMs))});
  cases.push_back(
      {day(Market::kUsdM, "klines", "BTCUSDT", "1m", "2023-04-15"),
       client.FetchKlines(Market::kUsdM, "BTCUSDT", "1m", Us(kUmDayMs), Us(kUmDayMs + kDayMs))});
  cases.push_back({day(Market::kCoinM, "klines", "BTCUSD_PERP", "1h", "2022-01-02"),
                   client.FetchKlines(Market::kCoinM, "BTCUSD_PERP", "1h", Us(kCmStartMs + kDayMs),
                                      Us(kCmStartMs + 2 * kDayMs))});
  cases.push_back({day(Market::kSpot, "aggTrades", "BTCUSDT", "", "2025-02-01"),
                   client.FetchAggTradesByTime(Market::kSpot, "BTCUSDT", Us(kSpotTradesMs),
                                               Us(kSpotTradesMs + kDayMs))});
  cases.push_back(
      {day(Market::kUsdM, "aggTrades", "BTCUSDT", "", "2023-04-15"),
       client.FetchAggTradesByTime(Market::kUsdM, "BTCUSDT", Us(kUmDayMs), Us(kUmDayMs + kDayMs))});
  archive::ArchiveFile funding{
      Market::kUsdM, archive::Period::kMonthly, "fundingRate", "BTCUSDT", "", "2024-01"};
  cases.push_back({funding, client.FetchFundingRate(Market::kUsdM, "BTCUSDT", Us(kFundingMs),
                                                    Us(kFundingMs + 31 * kDayMs))});
  for (auto& c : cases) {
    SCOPED_TRACE(c.file.ZipName());
    ASSERT_TRUE(c.fetched.ok()) << c.fetched.status().ToString();
    ASSERT_GT(c.fetched->rows, 0);
    auto conv = lake::ConvertCsvToSilver(c.file, "rest.csv", c.fetched->csv);
    ASSERT_TRUE(conv.ok()) << conv.status().ToString();
    EXPECT_EQ(conv->rows_out, c.fetched->rows);
    EXPECT_EQ(conv->rows_rejected, 0);
  }
}

TEST_F(BinanceRestClientTest, WeightBudgetHoldsWithFourThreads) {
  // 60 weight per 2 s window on the server; the client plans 80 % of it (48).
  START_SERVER({"--weight-limit", "60", "--window-ms", "2000"});
  RestClientOptions o = Options();
  o.spot_weight_per_minute = 60;
  o.futures_weight_per_minute = 60;
  o.weight_window = std::chrono::milliseconds(2000);
  BinanceRestClient client(o);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  const int64_t from = Us(kSpotDay1Ms), to = Us(kSpotDay1Ms + kDayMs);  // 2 requests, weight 4
  const std::string expected = data_->spot_klines.Expected(from, to);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 8; ++i) {
        auto r = client.FetchKlines(Market::kSpot, "BTCUSDT", "1m", from, to);
        if (!r.ok() || r->csv != expected) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  json stats = server_->Stats();
  ASSERT_TRUE(stats.is_object());
  EXPECT_EQ(stats["violations"], 0) << stats["weightPerWindow"].dump();
  EXPECT_LE(stats["maxWeightSeen"].get<int64_t>(), 60);
  int64_t total = 0;
  for (auto& [window, used] : stats["weightPerWindow"].items()) total += used.get<int64_t>();
  EXPECT_EQ(total, 4 * 8 * 4);
  EXPECT_GT(stats["weightPerWindow"].size(), 2u);  // the budget really spread the load
  std::printf("weight per 2 s window (limit 60, budget 48): %s\n",
              stats["weightPerWindow"].dump().c_str());
  EXPECT_EQ(client.requests_sent(), 64);  // no 429 was needed
}

TEST_F(BinanceRestClientTest, ServerUsedWeightCountsOtherClients) {
  // Another client of the same IP uses 46 of the server's 60 at the start of a 3 s window; our
  // client (budget 48) must learn that from X-MBX-USED-WEIGHT-1M after its first request and
  // wait for the next window instead of running into a 429.
  START_SERVER({"--weight-limit", "60", "--window-ms", "3000"});
  RestClientOptions o = Options();
  o.spot_weight_per_minute = 60;
  o.futures_weight_per_minute = 60;
  o.weight_window = std::chrono::milliseconds(3000);
  BinanceRestClient client(o);
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(3000 - now_ms() % 3000 + 50));
  const std::string other = server_->url() + "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1";
  for (int i = 0; i < 23; ++i) ASSERT_FALSE(HttpCall(other, nullptr).empty());
  const int64_t from = Us(kSpotDay1Ms), to = Us(kSpotDay1Ms + kDayMs);
  for (int i = 0; i < 2; ++i) {
    auto r = client.FetchKlines(Market::kSpot, "BTCUSDT", "1m", from, to);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->csv, data_->spot_klines.Expected(from, to));
  }
  json stats = server_->Stats();
  ASSERT_TRUE(stats.is_object());
  EXPECT_EQ(stats["violations"], 0) << stats["weightPerWindow"].dump();
  EXPECT_EQ(client.requests_sent(), 4);
  EXPECT_GE(stats["weightPerWindow"].size(), 2u) << stats["weightPerWindow"].dump();
}

// Runs 4 threads, each fetching the 2025-01-01 spot day three times.
void RunFourThreads(BinanceRestClient& client, const Source& klines, std::atomic<int>* failures) {
  std::vector<std::thread> threads;
  const int64_t from = 1'735'689'600'000'000, to = from + 86'400'000'000LL;
  const std::string expected = klines.Expected(from, to);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i) {
        auto r = client.FetchKlines(Market::kSpot, "BTCUSDT", "1m", from, to);
        if (!r.ok() || r->csv != expected) failures->fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
}

// The server records when it answered 429/418 and with which Retry-After; no request may arrive
// during the pause, apart from those already sent when the answer went out (half a second's
// grace for those).
void ExpectPauseHonoured(const json& stats) {
  ASSERT_TRUE(stats.is_object());
  ASSERT_EQ(stats["pauses"].size(), 1u);
  int64_t at = stats["pauses"][0]["at"], until = stats["pauses"][0]["until"];
  int during = 0, after = 0;
  for (auto& e : stats["log"]) {
    int64_t t = e["t"];
    if (t > at + 500 && t < until) ++during;
    if (t >= until) ++after;
  }
  EXPECT_EQ(during, 0) << stats["log"].dump();
  EXPECT_GT(after, 0);
}

TEST_F(BinanceRestClientTest, Http429PausesEveryThread) {
  START_SERVER();
  ASSERT_TRUE(server_->Faults(json::array({{{"type", "429"}, {"count", 1}, {"retryAfter", 2}}})));
  BinanceRestClient client(Options());
  std::atomic<int> failures{0};
  RunFourThreads(client, data_->spot_klines, &failures);
  EXPECT_EQ(failures.load(), 0);
  ExpectPauseHonoured(server_->Stats());
}

TEST_F(BinanceRestClientTest, Http418PausesEveryThread) {
  START_SERVER();
  ASSERT_TRUE(server_->Faults(json::array({{{"type", "418"}, {"count", 1}, {"retryAfter", 2}}})));
  BinanceRestClient client(Options());
  std::atomic<int> failures{0};
  RunFourThreads(client, data_->spot_klines, &failures);
  EXPECT_EQ(failures.load(), 0);
  ExpectPauseHonoured(server_->Stats());
}

TEST_F(BinanceRestClientTest, RetryableFailuresAreRetried) {
  START_SERVER();
  ASSERT_TRUE(server_->Faults(json::array({{{"type", "-1003"}, {"status", 400}},
                                           {{"type", "-1003"}, {"status", 429}},
                                           {{"type", "500"}},
                                           {{"type", "503"}},
                                           {{"type", "stall"}, {"seconds", 3}},
                                           {{"type", "disconnect"}}})));
  RestClientOptions o = Options();
  o.request_timeout = std::chrono::milliseconds(1000);
  o.max_attempts = 7;
  BinanceRestClient client(o);
  int64_t from = Us(kUmDayMs), to = Us(kUmDayMs + kHourMs);
  auto r = client.FetchKlines(Market::kUsdM, "BTCUSDT", "1m", from, to);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->csv, data_->um_klines.Expected(from, to));
  EXPECT_EQ(r->requests, 7);  // six failures, then the page
  std::vector<int> statuses;
  json stats = server_->Stats();
  ASSERT_TRUE(stats.is_object());
  for (auto& e : stats["log"]) statuses.push_back(e["status"]);
  SCOPED_TRACE(stats.dump());
  // The stalled and the cut-off answers were 200s the client could not use.
  EXPECT_EQ(statuses, (std::vector<int>{400, 429, 500, 503, 200, 200, 200}));
}

TEST_F(BinanceRestClientTest, RetriesAreBounded) {
  START_SERVER();
  ASSERT_TRUE(server_->Faults(json::array({{{"type", "503"}, {"count", 10}}})));
  RestClientOptions o = Options();
  o.max_attempts = 3;
  BinanceRestClient client(o);
  auto r = client.FetchKlines(Market::kUsdM, "BTCUSDT", "1m", Us(kUmDayMs), Us(kUmDayMs + kHourMs));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("/fapi/v1/klines"), std::string::npos);
  EXPECT_NE(r.status().message().find("3 attempts"), std::string::npos);
  EXPECT_NE(r.status().message().find("HTTP 503"), std::string::npos);
  EXPECT_EQ(client.requests_sent(), 3);
}

TEST_F(BinanceRestClientTest, MalformedOrTruncatedResponsesAreCorruption) {
  START_SERVER();
  BinanceRestClient client(Options());
  const int64_t from = Us(kSpotDay1Ms), to = Us(kSpotDay1Ms + kDayMs);
  for (const char* type : {"malformed", "truncated"}) {
    ASSERT_TRUE(server_->Faults(json::array({{{"type", type}}})));
    auto r = client.FetchKlines(Market::kSpot, "BTCUSDT", "1m", from, to);
    ASSERT_FALSE(r.ok()) << type;
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
    EXPECT_NE(r.status().message().find("/api/v3/klines"), std::string::npos);
    EXPECT_NE(r.status().message().find("not valid JSON"), std::string::npos);
  }
  ASSERT_TRUE(server_->Faults(json::array({{{"type", "badprice"}}})));
  auto r = client.FetchKlines(Market::kSpot, "BTCUSDT", "1m", from, to);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("open is not a decimal string: \"abc\""), std::string::npos)
      << r.status().message();
  ASSERT_TRUE(server_->Faults(json::array({{{"type", "shortrow"}}})));
  auto shortrow =
      client.FetchKlines(Market::kUsdM, "BTCUSDT", "1m", Us(kUmDayMs), Us(kUmDayMs + kHourMs));
  ASSERT_FALSE(shortrow.ok());
  EXPECT_TRUE(shortrow.status().IsCorruption()) << shortrow.status().ToString();
  EXPECT_NE(shortrow.status().message().find(
                "/fapi/v1/klines symbol BTCUSDT: row 0: expected an array of 12 elements, got 11"),
            std::string::npos)
      << shortrow.status().message();
  // Trades: the price field by name.
  ASSERT_TRUE(server_->Faults(json::array({{{"type", "badprice"}}})));
  auto t = client.FetchAggTradesById(Market::kUsdM, "BTCUSDT", 700, 800);
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(t.status().IsCorruption()) << t.status().ToString();
  EXPECT_NE(t.status().message().find("/fapi/v1/aggTrades"), std::string::npos);
  EXPECT_NE(t.status().message().find("p (price)"), std::string::npos);
}

TEST_F(BinanceRestClientTest, PermanentErrorsNameSymbolAndCode) {
  START_SERVER();
  BinanceRestClient client(Options());
  auto r = client.FetchKlines(Market::kSpot, "NOSUCHCOIN", "1m", Us(kSpotDay1Ms),
                              Us(kSpotDay1Ms + kHourMs));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  for (const char* part : {"/api/v3/klines", "NOSUCHCOIN", "HTTP 400", "-1121", "Invalid symbol"}) {
    EXPECT_NE(r.status().message().find(part), std::string::npos)
        << part << " in " << r.status().message();
  }
  EXPECT_EQ(client.requests_sent(), 1);  // not retried
  auto bad_interval =
      client.FetchKlines(Market::kUsdM, "BTCUSDT", "7m", Us(kUmDayMs), Us(kUmDayMs + kHourMs));
  ASSERT_FALSE(bad_interval.ok());
  EXPECT_NE(bad_interval.status().message().find("-1120"), std::string::npos);
  EXPECT_FALSE(client.FetchKlines(Market::kOption, "BTCUSDT", "1m", 0, 1).ok());
  EXPECT_FALSE(client.FetchFundingRate(Market::kSpot, "BTCUSDT", 0, 1).ok());
  EXPECT_FALSE(client.FetchKlines(Market::kSpot, "BTC&x=1", "1m", 0, 1).ok());
}

TEST(RestClientOptionsTest, FromEnvironmentOverridesEndpoints) {
  auto env = [](const char* name) -> const char* {
    if (std::string_view(name) == "CRYPTOLAKE_BINANCE_UM_URL") return "http://127.0.0.1:9/";
    return nullptr;
  };
  RestClientOptions o = RestClientOptions::FromEnvironment(env);
  EXPECT_EQ(o.endpoints.spot, "https://api.binance.com");
  EXPECT_EQ(o.endpoints.um, "http://127.0.0.1:9");
  EXPECT_EQ(o.endpoints.cm, "https://dapi.binance.com");
}

// Sum of a counter's points whose attributes include `key` = `value` (any when key is empty).
int64_t SumWhere(const metrics::ResourceMetrics& data, const std::string& name,
                 const std::string& key = "", const metrics::AttributeValue& value = int64_t{0}) {
  int64_t total = 0;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name != name) continue;
      for (const auto& p : std::get<metrics::SumData>(m.data).points) {
        if (!key.empty()) {
          const metrics::AttributeValue* v = p.attributes.Find(key);
          if (v == nullptr || !(*v == value)) continue;
        }
        total += std::get<int64_t>(p.value);
      }
    }
  }
  return total;
}

TEST_F(BinanceRestClientTest, RecordsMetrics) {
  START_SERVER();
  auto reader = std::make_shared<metrics::ManualReader>();
  metrics::SdkMeterProviderOptions options;
  options.readers = {reader};
  metrics::SetMeterProvider(std::make_shared<metrics::SdkMeterProvider>(std::move(options)));
  ASSERT_TRUE(
      server_->Faults(json::array({{{"type", "429"}, {"retryAfter", 1}}, {{"type", "500"}}})));
  int64_t requests = 0;
  {
    BinanceRestClient client(Options());
    auto r = client.FetchKlines(Market::kSpot, "BTCUSDT", "1m", Us(kSpotDay1Ms),
                                Us(kSpotDay1Ms + kDayMs));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    requests = r->requests;
  }
  metrics::ResourceMetrics data;
  ASSERT_TRUE(reader->Collect(&data).ok());
  metrics::SetMeterProvider(nullptr);
  EXPECT_EQ(requests, 4);
  EXPECT_EQ(SumWhere(data, "cryptolake.api.requests"), 4);
  EXPECT_EQ(SumWhere(data, "cryptolake.api.requests", "outcome", std::string("ok")), 2);
  EXPECT_EQ(SumWhere(data, "cryptolake.api.requests", "http.response.status_code", int64_t{429}),
            1);
  EXPECT_EQ(
      SumWhere(data, "cryptolake.api.requests", "url.template", std::string("/api/v3/klines")), 4);
  EXPECT_EQ(SumWhere(data, "cryptolake.api.requests", "server.address", std::string("127.0.0.1")),
            4);
  EXPECT_EQ(SumWhere(data, "cryptolake.api.rate_limit.hits", "rate_limit.reason",
                     std::string("http_429")),
            1);
  uint64_t durations = 0;
  bool gauge = false;
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name == "cryptolake.api.request.duration") {
        for (const auto& p : std::get<metrics::HistogramData>(m.data).points) durations += p.count;
      }
      if (m.name == "cryptolake.api.used_weight") {
        for (const auto& p : std::get<metrics::GaugeData>(m.data).points) {
          gauge = std::get<int64_t>(p.value) > 0;
        }
      }
    }
  }
  EXPECT_EQ(durations, 4u);
  EXPECT_TRUE(gauge);
}

}  // namespace
}  // namespace cryptolake::rest
