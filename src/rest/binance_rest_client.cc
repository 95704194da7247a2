#include "cryptolake/rest/binance_rest_client.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "rest_transport.h"

namespace cryptolake::rest {

using archive::Market;
using nlohmann::json;

namespace {

constexpr int64_t kSpotMicrosFromUs = 1'735'689'600'000'000;  // 2025-01-01T00:00:00Z
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kCoinMKlineWindowMs = 200 * kDayMs;  // dapi: endTime - startTime <= 200 days
constexpr int64_t kFundingLookbackMs = 24 * kHourMs;
constexpr int64_t kDefaultFundingIntervalHours = 8;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

// Symbols and intervals go into the query string unescaped: only allow what Binance uses.
bool IsQuerySafe(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// Binance's decimal strings: optional '-', digits, optional '.' and digits.
bool IsDecimal(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t frac = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++frac;
    if (frac == 0) return false;
  }
  return digits > 0 && i == s.size();
}

std::string Quote(const json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 40) + "...";
  return s;
}

// The context of one page, for Corruption messages and time conversion.
struct Page {
  Market market;
  std::string what;          // "GET /api/v3/klines symbol BTCUSDT"
  bool response_us = false;  // times in the response are µs (spot with the header)
  CsvTimeUnit unit = CsvTimeUnit::kArchive;

  Status Bad(const std::string& detail) const { return Status::Corruption(what + ": " + detail); }

  int64_t ToMicros(int64_t t) const { return response_us ? t : t * 1000; }
  // A time (µs) in the CSV's unit; `row_time_us` decides the archive's unit for the row.
  int64_t Out(int64_t t_us, int64_t row_time_us) const {
    bool micros = unit == CsvTimeUnit::kMicroseconds ||
                  (unit == CsvTimeUnit::kArchive && market == Market::kSpot &&
                   row_time_us >= kSpotMicrosFromUs);
    return micros ? t_us : FloorDiv(t_us, 1000);
  }

  Result<int64_t> Int(const json& v, size_t row, std::string_view field) const {
    if (v.is_number_integer()) return v.get<int64_t>();
    return Bad("row " + std::to_string(row) + ": " + std::string(field) +
               " is not an integer: " + Quote(v));
  }
  Result<std::string> Dec(const json& v, size_t row, std::string_view field) const {
    if (v.is_string() && IsDecimal(v.get_ref<const std::string&>())) return v.get<std::string>();
    return Bad("row " + std::to_string(row) + ": " + std::string(field) +
               " is not a decimal string: " + Quote(v));
  }
  Result<bool> Bool(const json& v, size_t row, std::string_view field) const {
    if (v.is_boolean()) return v.get<bool>();
    return Bad("row " + std::to_string(row) + ": " + std::string(field) +
               " is not a boolean: " + Quote(v));
  }
  Status ExpectArray(const json& body) const {
    if (body.is_array()) return Status::OK();
    return Bad("expected a JSON array, got " + std::string(body.type_name()));
  }
};

struct KlineRow {
  int64_t open_us = 0;
  std::string line;
};

Result<KlineRow> ParseKline(const Page& p, const json& v, size_t row) {
  if (!v.is_array() || v.size() != 12) {
    return p.Bad(
        "row " + std::to_string(row) + ": expected an array of 12 elements, got " +
        (v.is_array() ? std::to_string(v.size()) + " elements" : std::string(v.type_name())));
  }
  static constexpr std::string_view kNames[12] = {"open time",
                                                  "open",
                                                  "high",
                                                  "low",
                                                  "close",
                                                  "volume",
                                                  "close time",
                                                  "quote volume",
                                                  "trade count",
                                                  "taker buy volume",
                                                  "taker buy quote volume",
                                                  "ignore"};
  KlineRow out;
  CL_ASSIGN_OR_RETURN(int64_t open, p.Int(v[0], row, kNames[0]));
  CL_ASSIGN_OR_RETURN(int64_t close, p.Int(v[6], row, kNames[6]));
  CL_ASSIGN_OR_RETURN(int64_t count, p.Int(v[8], row, kNames[8]));
  out.open_us = p.ToMicros(open);
  std::string& line = out.line;
  line = std::to_string(p.Out(out.open_us, out.open_us));
  for (int i = 1; i <= 5; ++i) {
    CL_ASSIGN_OR_RETURN(std::string d, p.Dec(v[i], row, kNames[i]));
    line += ',';
    line += d;
  }
  line += ',';
  line += std::to_string(p.Out(p.ToMicros(close), out.open_us));
  CL_ASSIGN_OR_RETURN(std::string quote, p.Dec(v[7], row, kNames[7]));
  line += ',' + quote + ',' + std::to_string(count);
  for (int i = 9; i <= 10; ++i) {
    CL_ASSIGN_OR_RETURN(std::string d, p.Dec(v[i], row, kNames[i]));
    line += ',';
    line += d;
  }
  // "Unused field, ignore": written as sent (the archive has "0").
  line += ',';
  line += v[11].is_string() ? v[11].get<std::string>() : v[11].dump();
  line += '\n';
  return out;
}

struct AggTradeRow {
  int64_t id = 0;
  int64_t time_us = 0;
  std::string line;
};

Result<AggTradeRow> ParseAggTrade(const Page& p, const json& v, size_t row) {
  if (!v.is_object()) {
    return p.Bad("row " + std::to_string(row) + ": expected an object, got " +
                 std::string(v.type_name()));
  }
  auto field = [&](const char* name) -> const json* {
    auto it = v.find(name);
    return it == v.end() ? nullptr : &*it;
  };
  for (const char* name : {"a", "p", "q", "f", "l", "T", "m"}) {
    if (field(name) == nullptr) {
      return p.Bad("row " + std::to_string(row) + ": field \"" + name + "\" is missing");
    }
  }
  const bool spot = p.market == Market::kSpot;
  if (spot && field("M") == nullptr) {
    return p.Bad("row " + std::to_string(row) + ": field \"M\" is missing");
  }
  AggTradeRow out;
  CL_ASSIGN_OR_RETURN(out.id, p.Int(*field("a"), row, "a (aggregate trade id)"));
  CL_ASSIGN_OR_RETURN(std::string price, p.Dec(*field("p"), row, "p (price)"));
  CL_ASSIGN_OR_RETURN(std::string qty, p.Dec(*field("q"), row, "q (quantity)"));
  CL_ASSIGN_OR_RETURN(int64_t first, p.Int(*field("f"), row, "f (first trade id)"));
  CL_ASSIGN_OR_RETURN(int64_t last, p.Int(*field("l"), row, "l (last trade id)"));
  CL_ASSIGN_OR_RETURN(int64_t time, p.Int(*field("T"), row, "T (transact time)"));
  CL_ASSIGN_OR_RETURN(bool maker, p.Bool(*field("m"), row, "m (is buyer maker)"));
  out.time_us = p.ToMicros(time);
  // Spot's archive spells booleans True/False, futures' true/false.
  auto b = [spot](bool x) { return spot ? (x ? "True" : "False") : (x ? "true" : "false"); };
  out.line = std::to_string(out.id) + ',' + price + ',' + qty + ',' + std::to_string(first) + ',' +
             std::to_string(last) + ',' + std::to_string(p.Out(out.time_us, out.time_us)) + ',' +
             b(maker);
  if (spot) {
    CL_ASSIGN_OR_RETURN(bool best, p.Bool(*field("M"), row, "M (is best match)"));
    out.line += ',';
    out.line += b(best);
  }
  out.line += '\n';
  return out;
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
      const json& v = body[i];
      if (!v.is_object() || !v.contains("fundingTime") || !v.contains("fundingRate")) {
        return page.Bad("row " + std::to_string(i) +
                        ": expected an object with fundingTime and fundingRate");
      }
      CL_ASSIGN_OR_RETURN(int64_t t, page.Int(v["fundingTime"], i, "fundingTime"));
      CL_ASSIGN_OR_RETURN(std::string rate, page.Dec(v["fundingRate"], i, "fundingRate"));
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
