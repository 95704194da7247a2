#include "cryptolake/rest/binance_rest_client.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "binance_rows.h"
#include "rest_transport.h"

namespace cryptolake::rest {

using archive::Market;
using internal::AggTradeRow;
using internal::CeilDiv;
using internal::FloorDiv;
using internal::KlineRow;
using internal::Page;
using internal::ParseAggTrade;
using internal::ParseFundingRow;
using internal::ParseKline;
using nlohmann::json;

namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kCoinMKlineWindowMs = 200 * kDayMs;  // dapi: endTime - startTime <= 200 days
constexpr int64_t kFundingLookbackMs = 24 * kHourMs;
constexpr int64_t kDefaultFundingIntervalHours = 8;

// Symbols and intervals go into the query string unescaped: only allow what Binance uses.
bool IsQuerySafe(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// Rows keyed by their unique key: sorted, each key once.
using Rows = std::map<int64_t, std::string>;

FetchResult Finish(Rows rows, FetchResult acc) {
  for (auto& [key, line] : rows) acc.csv += line;
  acc.rows = static_cast<int64_t>(rows.size());
  return acc;
}

Status CheckArgs(Market market, std::string_view symbol, int64_t start, int64_t end,
                 std::string_view what) {
  if (market == Market::kOption) {
    return Status::InvalidArgument(std::string(what) + ": Binance has no REST endpoint for " +
                                   "the option archive's data types");
  }
  if (!IsQuerySafe(symbol)) {
    return Status::InvalidArgument(std::string(what) + ": bad symbol \"" +
                                   std::string(symbol.substr(0, 64)) + "\"");
  }
  if (start < 0 || end <= start) {
    return Status::InvalidArgument(std::string(what) + ": empty or negative range [" +
                                   std::to_string(start) + ", " + std::to_string(end) + ")");
  }
  return Status::OK();
}

}  // namespace

RestClientOptions RestClientOptions::FromEnvironment(const EnvironmentLookup& env) {
  EnvironmentLookup lookup = env ? env : EnvironmentLookup([](const char* n) {
    return static_cast<const char*>(std::getenv(n));
  });
  RestClientOptions o;
  auto set = [&](const char* name, std::string* out) {
    const char* v = lookup(name);
    if (v != nullptr && *v != '\0') {
      *out = v;
      while (!out->empty() && out->back() == '/') out->pop_back();
    }
  };
  set("CRYPTOLAKE_BINANCE_SPOT_URL", &o.endpoints.spot);
  set("CRYPTOLAKE_BINANCE_UM_URL", &o.endpoints.um);
  set("CRYPTOLAKE_BINANCE_CM_URL", &o.endpoints.cm);
  return o;
}

class BinanceRestClient::Impl {
 public:
  explicit Impl(RestClientOptions options) : transport(options) {}
  RestTransport transport;
};

BinanceRestClient::BinanceRestClient(RestClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
BinanceRestClient::~BinanceRestClient() = default;

int64_t BinanceRestClient::requests_sent() const { return impl_->transport.requests_sent(); }

Result<FetchResult> BinanceRestClient::FetchKlines(Market market, std::string_view symbol,
                                                   std::string_view interval, int64_t start_us,
                                                   int64_t end_us, CsvTimeUnit unit) {
  CL_RETURN_IF_ERROR(CheckArgs(market, symbol, start_us, end_us, "FetchKlines"));
  if (!IsQuerySafe(interval)) {
    return Status::InvalidArgument("FetchKlines: bad interval \"" +
                                   std::string(interval.substr(0, 16)) + "\"");
  }
  RestRequest req;
  req.market = market;
  req.endpoint = Endpoint::kKlines;
  req.symbol = std::string(symbol);
  req.limit = MaxLimit(market, Endpoint::kKlines);
  req.microseconds = market == Market::kSpot;
  Page page{market,
            "GET " + std::string(EndpointPath(market, Endpoint::kKlines)) + " symbol " + req.symbol,
            req.microseconds, unit};
  // Request times: µs on spot (with the header), ms on futures; [first, last] inclusive.
  const int64_t per = req.microseconds ? 1 : 1000;
  const int64_t first = CeilDiv(start_us, per);
  const int64_t last = FloorDiv(end_us - 1, per);
  const std::string base = "symbol=" + req.symbol + "&interval=" + std::string(interval) +
                           "&limit=" + std::to_string(req.limit);
  FetchResult acc;
  Rows rows;
  // One page: returns its bars' open times (request unit), ascending.
  auto fetch = [&](int64_t from, int64_t to) -> Result<std::vector<int64_t>> {
    req.query = base + "&startTime=" + std::to_string(from) + "&endTime=" + std::to_string(to);
    CL_ASSIGN_OR_RETURN(json body, impl_->transport.Get(req, &acc));
    CL_RETURN_IF_ERROR(page.ExpectArray(body));
    std::vector<int64_t> opens;
    for (size_t i = 0; i < body.size(); ++i) {
      CL_ASSIGN_OR_RETURN(KlineRow r, ParseKline(page, body[i], i));
      int64_t open = r.open_us / per;
      if (!opens.empty() && open <= opens.back()) {
        return page.Bad("row " + std::to_string(i) + ": open times are not ascending");
      }
      opens.push_back(open);
      if (r.open_us >= start_us && r.open_us < end_us) rows.emplace(r.open_us, std::move(r.line));
    }
    return opens;
  };
  if (market != Market::kCoinM) {
    // Forward: startTime gives the oldest `limit` bars from it.
    for (int64_t cursor = first; cursor <= last;) {
      CL_ASSIGN_OR_RETURN(std::vector<int64_t> opens, fetch(cursor, last));
      if (static_cast<int>(opens.size()) < req.limit) break;
      if (opens.back() < cursor) return page.Bad("a full page ends before its startTime");
      cursor = opens.back() + 1;
    }
  } else {
    // COIN-M: windows of at most 200 days; in each, the most recent `limit` bars back from
    // endTime, so walk endTime backwards until a short page (or the window's start).
    for (int64_t win_start = first; win_start <= last;) {
      int64_t win_end = std::min(last, win_start + kCoinMKlineWindowMs - 1);
      for (int64_t cur_end = win_end; cur_end >= win_start;) {
        CL_ASSIGN_OR_RETURN(std::vector<int64_t> opens, fetch(win_start, cur_end));
        if (static_cast<int>(opens.size()) < req.limit) break;
        if (opens.front() > cur_end) return page.Bad("a full page starts after its endTime");
        cur_end = opens.front() - 1;
      }
      win_start = win_end + 1;
    }
  }
  return Finish(std::move(rows), std::move(acc));
}

Result<FetchResult> BinanceRestClient::FetchAggTradesByTime(Market market, std::string_view symbol,
                                                            int64_t start_us, int64_t end_us,
                                                            CsvTimeUnit unit) {
  CL_RETURN_IF_ERROR(CheckArgs(market, symbol, start_us, end_us, "FetchAggTradesByTime"));
  RestRequest req;
  req.market = market;
  req.endpoint = Endpoint::kAggTrades;
  req.symbol = std::string(symbol);
  req.limit = MaxLimit(market, Endpoint::kAggTrades);
  req.microseconds = market == Market::kSpot;
  Page page{
      market,
      "GET " + std::string(EndpointPath(market, Endpoint::kAggTrades)) + " symbol " + req.symbol,
      req.microseconds, unit};
  const int64_t per = req.microseconds ? 1 : 1000;
  const int64_t first = CeilDiv(start_us, per);
  const int64_t last = FloorDiv(end_us - 1, per);
  const int64_t hour = kHourMs * 1000 / per;
  const std::string base = "symbol=" + req.symbol + "&limit=" + std::to_string(req.limit);
  FetchResult acc;
  Rows rows;
  // One page; sets *past_end when a trade at or after end_us was seen; returns the last id.
  auto fetch = [&](const std::string& params, bool* past_end,
                   size_t* count) -> Result<std::optional<int64_t>> {
    req.query = base + params;
    CL_ASSIGN_OR_RETURN(json body, impl_->transport.Get(req, &acc));
    CL_RETURN_IF_ERROR(page.ExpectArray(body));
    std::optional<int64_t> last_id;
    for (size_t i = 0; i < body.size(); ++i) {
      CL_ASSIGN_OR_RETURN(AggTradeRow r, ParseAggTrade(page, body[i], i));
      if (last_id && r.id <= *last_id) {
        return page.Bad("row " + std::to_string(i) + ": aggregate trade ids are not ascending");
      }
      last_id = r.id;
      if (r.time_us >= end_us) *past_end = true;
      if (r.time_us >= start_us && r.time_us < end_us) rows.emplace(r.id, std::move(r.line));
    }
    *count = body.size();
    return last_id;
  };
  // Binance allows at most one hour between startTime and endTime: step through hours until one
  // holds a trade, then follow the ids (fromId pages are not bounded in time).
  std::optional<int64_t> next_id;
  bool done = false;
  for (int64_t s = first; s <= last && !next_id && !done;) {
    int64_t e = std::min(last, s + hour - 1);
    bool past_end = false;
    size_t count = 0;
    CL_ASSIGN_OR_RETURN(std::optional<int64_t> last_id,
                        fetch("&startTime=" + std::to_string(s) + "&endTime=" + std::to_string(e),
                              &past_end, &count));
    if (last_id) {
      next_id = *last_id + 1;
      // A short page of the final window holds everything up to the end.
      if (static_cast<int>(count) < req.limit && e == last) done = true;
    }
    s = e + 1;
  }
  while (next_id && !done) {
    bool past_end = false;
    size_t count = 0;
    CL_ASSIGN_OR_RETURN(std::optional<int64_t> last_id,
                        fetch("&fromId=" + std::to_string(*next_id), &past_end, &count));
    if (past_end || !last_id || static_cast<int>(count) < req.limit) break;
    if (*last_id < *next_id) return page.Bad("a fromId page ends before its fromId");
    next_id = *last_id + 1;
  }
  return Finish(std::move(rows), std::move(acc));
}

Result<FetchResult> BinanceRestClient::FetchAggTradesById(Market market, std::string_view symbol,
                                                          int64_t first_id, int64_t last_id,
                                                          CsvTimeUnit unit) {
  if (last_id == INT64_MAX) --last_id;
  CL_RETURN_IF_ERROR(CheckArgs(market, symbol, first_id, last_id + 1, "FetchAggTradesById"));
  RestRequest req;
  req.market = market;
  req.endpoint = Endpoint::kAggTrades;
  req.symbol = std::string(symbol);
  req.microseconds = market == Market::kSpot;
  Page page{
      market,
      "GET " + std::string(EndpointPath(market, Endpoint::kAggTrades)) + " symbol " + req.symbol,
      req.microseconds, unit};
  const int max_limit = MaxLimit(market, Endpoint::kAggTrades);
  FetchResult acc;
  Rows rows;
  for (int64_t id = first_id; id <= last_id;) {
    req.limit = static_cast<int>(std::min<int64_t>(max_limit, last_id - id + 1));
    req.query = "symbol=" + req.symbol + "&fromId=" + std::to_string(id) +
                "&limit=" + std::to_string(req.limit);
    CL_ASSIGN_OR_RETURN(json body, impl_->transport.Get(req, &acc));
    CL_RETURN_IF_ERROR(page.ExpectArray(body));
    int64_t prev = id - 1;
    for (size_t i = 0; i < body.size(); ++i) {
      CL_ASSIGN_OR_RETURN(AggTradeRow r, ParseAggTrade(page, body[i], i));
      if (r.id <= prev) {
        return page.Bad("row " + std::to_string(i) + ": aggregate trade ids are not ascending " +
                        "from fromId");
      }
      prev = r.id;
      if (r.id <= last_id) rows.emplace(r.id, std::move(r.line));
    }
    // A short page means the stream has no more trades (yet).
    if (static_cast<int>(body.size()) < req.limit) break;
    id = prev + 1;
  }
  return Finish(std::move(rows), std::move(acc));
}

Result<FetchResult> BinanceRestClient::FetchFundingRate(Market market, std::string_view symbol,
                                                        int64_t start_us, int64_t end_us) {
  CL_RETURN_IF_ERROR(CheckArgs(market, symbol, start_us, end_us, "FetchFundingRate"));
  if (market == Market::kSpot) {
    return Status::InvalidArgument("FetchFundingRate: spot has no funding rate");
  }
  RestRequest req;
  req.market = market;
  req.endpoint = Endpoint::kFundingRate;
  req.symbol = std::string(symbol);
  req.limit = MaxLimit(market, Endpoint::kFundingRate);
  Page page{
      market,
      "GET " + std::string(EndpointPath(market, Endpoint::kFundingRate)) + " symbol " + req.symbol,
      false, CsvTimeUnit::kMilliseconds};
  const int64_t first = CeilDiv(start_us, 1000);
  const int64_t last = FloorDiv(end_us - 1, 1000);
  FetchResult acc;
  std::map<int64_t, std::string> rates;  // funding time (ms) -> rate, lookback included
  for (int64_t cursor = std::max<int64_t>(0, first - kFundingLookbackMs); cursor <= last;) {
    req.query = "symbol=" + req.symbol + "&startTime=" + std::to_string(cursor) +
                "&endTime=" + std::to_string(last) + "&limit=" + std::to_string(req.limit);
    CL_ASSIGN_OR_RETURN(json body, impl_->transport.Get(req, &acc));
    CL_RETURN_IF_ERROR(page.ExpectArray(body));
    int64_t prev = cursor - 1;
    for (size_t i = 0; i < body.size(); ++i) {
      CL_ASSIGN_OR_RETURN(internal::FundingRow r, ParseFundingRow(page, body[i], i));
      const int64_t t = r.time_ms;
      std::string rate = std::move(r.rate);
      if (t <= prev) {
        return page.Bad("row " + std::to_string(i) + ": funding times are not ascending");
      }
      prev = t;
      if (t <= last) rates.emplace(t, std::move(rate));
    }
    if (static_cast<int>(body.size()) < req.limit) break;
    cursor = prev + 1;
  }
  // funding_interval_hours: the distance to the previous funding time in whole hours (rounded,
  // the times carry a few ms of jitter); with no previous row, the distance to the next; a lone
  // row gets Binance's default of 8 hours.
  std::vector<std::pair<int64_t, std::string>> sorted(rates.begin(), rates.end());
  auto hours = [](int64_t ms) { return std::max<int64_t>(1, (ms + kHourMs / 2) / kHourMs); };
  Rows rows;
  for (size_t i = 0; i < sorted.size(); ++i) {
    int64_t t = sorted[i].first;
    if (t < first) continue;
    int64_t interval = i > 0               ? hours(t - sorted[i - 1].first)
                       : sorted.size() > 1 ? hours(sorted[1].first - t)
                                           : kDefaultFundingIntervalHours;
    rows.emplace(
        t, std::to_string(t) + ',' + std::to_string(interval) + ',' + sorted[i].second + '\n');
  }
  return Finish(std::move(rows), std::move(acc));
}

}  // namespace cryptolake::rest
