// RestTransport: sends GET requests to Binance's REST hosts with the weight budget, retries,
// pauses and metrics of BinanceRestClient, and returns the parsed JSON of a 200 response.
//
// One WeightBudget per host (base URL): markets whose endpoints share a base URL share one
// budget, whose limit is the smaller of theirs. libcurl easy handles are pooled (keep-alive) and
// reused by whichever thread takes one; curl_global_init runs once per process.
//
// Thread-safety: Get() and requests_sent() may be called concurrently.
#ifndef CRYPTOLAKE_SRC_REST_REST_TRANSPORT_H_
#define CRYPTOLAKE_SRC_REST_REST_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/common/status.h"
#include "cryptolake/rest/binance_rest_client.h"
#include "endpoint_table.h"
#include "weight_budget.h"

namespace cryptolake::rest {

struct RestRequest {
  archive::Market market = archive::Market::kSpot;
  Endpoint endpoint = Endpoint::kKlines;
  std::string symbol;         // for error messages (also in `query`)
  std::string query;          // "symbol=BTCUSDT&interval=1m&..." (already URL-safe)
  int limit = 0;              // the page size asked for: decides the weight
  bool microseconds = false;  // send X-MBX-TIME-UNIT: MICROSECOND (spot only)
};

class RestTransport {
 public:
  explicit RestTransport(const RestClientOptions& options);
  ~RestTransport();
  RestTransport(const RestTransport&) = delete;
  RestTransport& operator=(const RestTransport&) = delete;

  // Sends `request` (retrying retryable failures) and returns the JSON of the 200 response.
  // `accounting` (REQUIRED) gains every attempt's request and weight. Errors as described in
  // binance_rest_client.h; Corruption when the body is not JSON.
  Result<nlohmann::json> Get(const RestRequest& request, FetchResult* accounting);

  int64_t requests_sent() const { return requests_sent_.load(std::memory_order_relaxed); }

 private:
  struct Host;
  struct Attempt;

  Host* HostFor(archive::Market market) const;
  void* TakeHandle();
  void ReturnHandle(void* handle);
  Attempt Perform(void* handle, const std::string& url, bool microseconds);
  std::chrono::milliseconds Backoff(int attempt);

  const RestClientOptions options_;
  std::vector<std::unique_ptr<Host>> hosts_;
  std::map<archive::Market, Host*> host_of_market_;
  std::atomic<int64_t> requests_sent_{0};
  std::mutex pool_mu_;
  std::vector<void*> idle_handles_;  // CURL*, guarded by pool_mu_
  std::mutex rng_mu_;
  uint64_t rng_state_;  // jitter, guarded by rng_mu_
};

}  // namespace cryptolake::rest

#endif  // CRYPTOLAKE_SRC_REST_REST_TRANSPORT_H_
