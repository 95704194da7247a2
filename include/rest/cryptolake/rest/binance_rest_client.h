// BinanceRestClient: fetches klines, aggTrades and funding rates from Binance's public REST API
// (spot api.binance.com, USD-M fapi.binance.com, COIN-M dapi.binance.com) and returns them as
// rows in the data.binance.vision ARCHIVE's CSV layout, so gap-filled rows go through the same
// CSV parser and validator as archive files.
//
// Every Fetch* paginates until the requested range is covered and returns each row exactly once,
// sorted by the data type's key (open time, aggregate trade id, funding time), with nothing
// outside the range, or an error and no rows at all (never a partial result).
//
// Rate limiting is by request WEIGHT, with one budget per host (base URL) shared by every thread
// using the client: weight is reserved before a request is sent (the caller blocks, without
// spinning, until the window has room), never more than budget_fraction of the host's limit is
// planned, and the server's X-MBX-USED-WEIGHT-1M header, which also counts other clients of the
// same IP, raises the local count after every response. 429/418 pause every thread using that
// host until Retry-After has passed. Retryable failures (429, 418, -1003, 5xx, transport errors,
// timeouts) are retried with exponential backoff and jitter up to max_attempts.
//
// Errors:
//   InvalidArgument  bad arguments (empty range, option market, ...);
//   NotFound / InvalidArgument / FailedPrecondition  a permanent 4xx from Binance: the message
//                    names the endpoint, the symbol, the HTTP status, Binance's code and msg;
//   Corruption       malformed JSON or an unexpected response shape: names the endpoint and what
//                    was wrong;
//   Unavailable      retries exhausted (names the endpoint and the last failure).
//
// Thread-safety: every method may be called concurrently; the weight budgets, pauses and the
// connection pool are shared.
#ifndef CRYPTOLAKE_REST_BINANCE_REST_CLIENT_H_
#define CRYPTOLAKE_REST_BINANCE_REST_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/common/status.h"

namespace cryptolake::rest {

struct RestEndpoints {  // base URLs, overridable for tests
  std::string spot = "https://api.binance.com";
  std::string um = "https://fapi.binance.com";
  std::string cm = "https://dapi.binance.com";
};

// Returns the value of an environment variable or nullptr (std::getenv by default).
using EnvironmentLookup = std::function<const char*(const char*)>;

struct RestClientOptions {
  RestEndpoints endpoints;
  int64_t spot_weight_per_minute = 6000;  // REQUEST_WEIGHT limits, per host
  int64_t futures_weight_per_minute = 2400;
  double budget_fraction = 0.8;  // never plan to use more than this fraction
  std::chrono::milliseconds request_timeout{30'000};
  int max_attempts = 6;  // per request, for retryable failures
  std::chrono::milliseconds initial_backoff{500};
  // Upper bound of one backoff sleep (Retry-After pauses are not capped).
  std::chrono::milliseconds max_backoff{30'000};
  // Length of the rate-limit window the *_weight_per_minute limits apply to. Binance's is one
  // minute aligned on the wall clock; tests shorten it (with the loopback server's --window-ms).
  std::chrono::milliseconds weight_window{60'000};

  // Defaults, with CRYPTOLAKE_BINANCE_SPOT_URL / _UM_URL / _CM_URL overriding the endpoints.
  static RestClientOptions FromEnvironment(const EnvironmentLookup& env = {});
};

// The time unit of the epoch columns of the returned CSV.
enum class CsvTimeUnit {
  // The archive's rule: spot rows from 2025-01-01 00:00 UTC on in microseconds, earlier spot
  // rows and all futures rows in milliseconds (decided per row by its own time, so a daily or
  // monthly file's rows all get the unit of that file).
  kArchive,
  kMilliseconds,
  kMicroseconds,
};

struct FetchResult {
  std::string csv;  // rows in the ARCHIVE's CSV format for that market and data type, no header,
                    // each line '\n'-terminated, sorted, no duplicates
  int64_t rows = 0;
  int64_t requests = 0;  // HTTP requests made (retries included)
  int64_t weight = 0;    // weight those requests cost
};

// Thread-safe: many worker threads share one client and one budget per host.
class BinanceRestClient {
 public:
  explicit BinanceRestClient(RestClientOptions options);
  ~BinanceRestClient();
  BinanceRestClient(const BinanceRestClient&) = delete;
  BinanceRestClient& operator=(const BinanceRestClient&) = delete;

  // Bars whose open time is in [start_us, end_us) (times are always given in µs). Spot requests
  // carry X-MBX-TIME-UNIT: MICROSECOND; `unit` decides the unit written to the CSV. Spot pages
  // hold up to 1000 bars (weight 2), USD-M/COIN-M up to 1500 (weight by the limit table).
  // COIN-M is asked in windows of at most 200 days and paginated backwards from endTime.
  Result<FetchResult> FetchKlines(archive::Market market, std::string_view symbol,
                                  std::string_view interval, int64_t start_us, int64_t end_us,
                                  CsvTimeUnit unit = CsvTimeUnit::kArchive);
  // aggTrades with transact time in [start_us, end_us): the first page by startTime/endTime
  // (one-hour windows, as Binance requires, stepping over empty hours), then fromId pages.
  Result<FetchResult> FetchAggTradesByTime(archive::Market market, std::string_view symbol,
                                           int64_t start_us, int64_t end_us,
                                           CsvTimeUnit unit = CsvTimeUnit::kArchive);
  // aggTrades with ids in [first_id, last_id] (fromId pagination).
  Result<FetchResult> FetchAggTradesById(archive::Market market, std::string_view symbol,
                                         int64_t first_id, int64_t last_id,
                                         CsvTimeUnit unit = CsvTimeUnit::kArchive);
  // Funding rows with funding time in [start_us, end_us) (um: /fapi/v1/fundingRate, cm:
  // /dapi/v1/fundingRate), as the archive's calc_time,funding_interval_hours,last_funding_rate.
  // REST has no interval: a row's funding_interval_hours is the distance to the previous funding
  // time, rounded to whole hours; to have a previous row for the first one in range, the query
  // starts 24 h before start_us (those earlier rows are not returned). A row with no earlier row
  // (a listing, or a single row overall) takes the distance to the next row, and a lone row
  // with neither takes 8 h (Binance's default interval). Always milliseconds, like the archive.
  Result<FetchResult> FetchFundingRate(archive::Market market, std::string_view symbol,
                                       int64_t start_us, int64_t end_us);

  // HTTP requests sent so far by this client (retries included).
  int64_t requests_sent() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cryptolake::rest

#endif  // CRYPTOLAKE_REST_BINANCE_REST_CLIENT_H_
