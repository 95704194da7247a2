#include "rest_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <optional>
#include <thread>

#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"

namespace cryptolake::rest {

using archive::Market;
using Clock = std::chrono::system_clock;

namespace {

// "https://api.binance.com:443/x" -> "api.binance.com".
std::string HostName(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  size_t end = url.find_first_of(":/?");
  return std::string(url.substr(0, end));
}

bool HeaderIs(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

int64_t HeaderInt(std::string_view line, size_t name_size) {
  std::string_view v = line.substr(name_size + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  int64_t out = -1;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

std::once_flag curl_init_once;

}  // namespace

struct RestTransport::Host {
  Host(std::string url, int64_t limit, const RestClientOptions& o)
      : base_url(std::move(url)),
        server_address(HostName(base_url)),
        budget(limit, o.budget_fraction, o.weight_window) {}
  std::string base_url;
  std::string server_address;
  WeightBudget budget;
};

struct RestTransport::Attempt {
  CURLcode curl = CURLE_OK;
  long status = 0;
  std::string body;
  int64_t used_weight = -1;  // X-MBX-USED-WEIGHT-1M, -1 when absent
  int64_t retry_after = -1;  // seconds, -1 when absent
};

RestTransport::RestTransport(const RestClientOptions& options)
    : options_(options),
      rng_state_(static_cast<uint64_t>(Clock::now().time_since_epoch().count()) | 1) {
  std::call_once(curl_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  // One budget per distinct base URL, with the smallest limit of the markets sharing it.
  const std::pair<Market, const std::string*> markets[] = {
      {Market::kSpot, &options_.endpoints.spot},
      {Market::kUsdM, &options_.endpoints.um},
      {Market::kCoinM, &options_.endpoints.cm}};
  std::map<std::string, int64_t> limits;
  for (auto [market, url] : markets) {
    int64_t limit = market == Market::kSpot ? options_.spot_weight_per_minute
                                            : options_.futures_weight_per_minute;
    auto [it, inserted] = limits.emplace(*url, limit);
    if (!inserted) it->second = std::min(it->second, limit);
  }
  std::map<std::string, Host*> by_url;
  for (auto& [url, limit] : limits) {
    hosts_.push_back(std::make_unique<Host>(url, std::max<int64_t>(1, limit), options_));
    by_url[url] = hosts_.back().get();
  }
  for (auto [market, url] : markets) host_of_market_[market] = by_url[*url];
}

RestTransport::~RestTransport() {
  for (void* h : idle_handles_) curl_easy_cleanup(static_cast<CURL*>(h));
}

RestTransport::Host* RestTransport::HostFor(Market market) const {
  auto it = host_of_market_.find(market);
  return it == host_of_market_.end() ? nullptr : it->second;
}

void* RestTransport::TakeHandle() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_handles_.empty()) {
      void* h = idle_handles_.back();
      idle_handles_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void RestTransport::ReturnHandle(void* handle) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  idle_handles_.push_back(handle);
}

namespace {

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct HeaderSink {
  int64_t* used_weight;
  int64_t* retry_after;
};

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  constexpr std::string_view kUsed = "x-mbx-used-weight-1m";
  constexpr std::string_view kRetry = "retry-after";
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a 100 Continue, say)
    *sink->used_weight = -1;
    *sink->retry_after = -1;
  } else if (HeaderIs(line, kUsed)) {
    *sink->used_weight = HeaderInt(line, kUsed.size());
  } else if (HeaderIs(line, kRetry)) {
    *sink->retry_after = HeaderInt(line, kRetry.size());
  }
  return size * n;
}

}  // namespace

RestTransport::Attempt RestTransport::Perform(void* handle, const std::string& url,
                                              bool microseconds) {
  CURL* curl = static_cast<CURL*>(handle);
  Attempt a;
  HeaderSink sink{&a.used_weight, &a.retry_after};
  curl_easy_reset(curl);
  curl_slist* headers = nullptr;
  if (microseconds) headers = curl_slist_append(headers, "X-MBX-TIME-UNIT: MICROSECOND");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "cryptolake-rest");
  a.curl = curl_easy_perform(curl);
  if (a.curl == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
  curl_slist_free_all(headers);
  return a;
}

std::chrono::milliseconds RestTransport::Backoff(int attempt) {
  int64_t base = options_.initial_backoff.count();
  for (int i = 1; i < attempt && base < options_.max_backoff.count(); ++i) base *= 2;
  base = std::min<int64_t>(base, options_.max_backoff.count());
  uint64_t r;
  {
    std::lock_guard<std::mutex> lock(rng_mu_);  // xorshift64: jitter needs no quality
    rng_state_ ^= rng_state_ << 13;
    rng_state_ ^= rng_state_ >> 7;
    rng_state_ ^= rng_state_ << 17;
    r = rng_state_;
  }
  // Jitter in [base/2, base], so threads that failed together do not retry together.
  int64_t half = base / 2;
  return std::chrono::milliseconds(
      half + static_cast<int64_t>(r % static_cast<uint64_t>(base - half + 1)));
}

Result<nlohmann::json> RestTransport::Get(const RestRequest& request, FetchResult* accounting) {
  std::string_view path = EndpointPath(request.market, request.endpoint);
  Host* host = HostFor(request.market);
  if (path.empty() || host == nullptr) {
    return Status::InvalidArgument("no Binance REST endpoint for market " +
                                   std::string(archive::MarketName(request.market)));
  }
  const std::string url = host->base_url + std::string(path) + "?" + request.query;
  const int64_t weight = RequestWeight(request.market, request.endpoint, request.limit);
  const std::string what = "GET " + std::string(path) + " symbol " + request.symbol;
  std::string last_failure;
  const int attempts = std::max(1, options_.max_attempts);
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    int64_t window = host->budget.Reserve(weight);
    accounting->requests += 1;
    accounting->weight += weight;
    requests_sent_.fetch_add(1, std::memory_order_relaxed);
    void* handle = TakeHandle();
    if (handle == nullptr) return Status::Internal("curl_easy_init failed");
    // One tracked API interaction per HTTP attempt, ended (recorded) before any backoff sleep.
    std::optional<telemetry::TrackApiInteraction> api(std::in_place, telemetry::kExchangeBinance,
                                                      path);
    api->SetServerAddress(host->server_address);
    Attempt a = Perform(handle, url, request.microseconds);
    ReturnHandle(handle);
    const int status = static_cast<int>(a.status);
    // Records the attempt: its HTTP status (0 = none), outcome and, unless ok, error.type.
    auto finish = [&](std::string_view outcome, std::string_view error_type) {
      api->SetHttpStatus(status);
      api->SetOutcome(outcome);
      if (!error_type.empty()) api->Fail(error_type);
      api.reset();
    };
    if (a.used_weight >= 0) {
      host->budget.ObserveServerUsed(a.used_weight, window, Clock::now());
      api->RecordUsedWeight(a.used_weight);
    }
    const std::string status_text = std::to_string(status);
    if (a.curl != CURLE_OK) {
      bool timeout = a.curl == CURLE_OPERATION_TIMEDOUT;
      finish(timeout ? "timeout" : "transport_error", timeout ? "timeout" : "transport_error");
      last_failure =
          timeout ? "timed out after " + std::to_string(options_.request_timeout.count()) + " ms"
                  : std::string("transport error: ") + curl_easy_strerror(a.curl);
      if (attempt < attempts) std::this_thread::sleep_for(Backoff(attempt));
      continue;
    }
    // Binance's error body: {"code": -1121, "msg": "Invalid symbol."}.
    int64_t code = 0;
    std::string msg;
    nlohmann::json body = nlohmann::json::parse(a.body, nullptr, /*allow_exceptions=*/false);
    if (status != 200 && body.is_object()) {
      if (auto it = body.find("code"); it != body.end() && it->is_number_integer()) {
        code = it->get<int64_t>();
      }
      if (auto it = body.find("msg"); it != body.end() && it->is_string()) {
        msg = it->get<std::string>().substr(0, 200);
      }
    }
    const std::string described =
        "HTTP " + std::to_string(status) +
        (code != 0 ? ", Binance code " + std::to_string(code) + ": " + msg : std::string());
    if (status == 200) {
      if (body.is_discarded()) {
        finish("corrupt", "corruption");
        return Status::Corruption(what + ": the response is not valid JSON (" +
                                  std::to_string(a.body.size()) +
                                  " bytes; malformed or truncated)");
      }
      finish("ok", "");
      return body;
    }
    if (status == 429 || status == 418) {
      // Every thread using this host stops until Retry-After has passed.
      api->RecordRateLimitHit(status == 429 ? "http_429" : "http_418");
      finish(status == 429 ? "rate_limited" : "banned", status_text);
      auto wait =
          a.retry_after >= 0 ? std::chrono::milliseconds(a.retry_after * 1000) : Backoff(attempt);
      host->budget.PauseUntil(Clock::now() + wait);
      last_failure = described;
      continue;  // Reserve() waits for the pause
    }
    if (code == -1003) {
      api->RecordRateLimitHit("code_-1003");
      finish("rate_limited", status_text);
      last_failure = described;
      if (attempt < attempts) std::this_thread::sleep_for(Backoff(attempt));
      continue;
    }
    if (status >= 500) {
      finish("server_error", status_text);
      last_failure = described;
      if (attempt < attempts) std::this_thread::sleep_for(Backoff(attempt));
      continue;
    }
    finish("client_error", status_text);
    std::string message = what + ": " + described;
    if (status == 404) return Status::NotFound(message);
    if (status == 400) return Status::InvalidArgument(message);
    return Status::FailedPrecondition(message);
  }
  return Status::Unavailable(what + ": gave up after " + std::to_string(attempts) +
                             " attempts; last: " + last_failure);
}

}  // namespace cryptolake::rest
#include "cryptolake/telemetry/trackers.h"
