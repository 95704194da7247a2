#include "binance_rows.h"

namespace cryptolake::rest::internal {

using archive::Market;
using nlohmann::json;

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
  // "Unused field, ignore": written as sent (the archive has "0"), unless it could break the CSV
  // line (a comma, quote or line break would shift or inject cells).
  const std::string ignore = v[11].is_string() ? v[11].get<std::string>() : v[11].dump();
  if (!v[11].is_string() && !v[11].is_number()) {
    return p.Bad("row " + std::to_string(row) +
                 ": ignore is neither a string nor a number: " + Quote(v[11]));
  }
  if (ignore.find_first_of(",\"\r\n") != std::string::npos) {
    return p.Bad("row " + std::to_string(row) + ": ignore holds a CSV delimiter: " + Quote(v[11]));
  }
  line += ',';
  line += ignore;
  line += '\n';
  return out;
}

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

Result<FundingRow> ParseFundingRow(const Page& p, const json& v, size_t row) {
  if (!v.is_object() || !v.contains("fundingTime") || !v.contains("fundingRate")) {
    return p.Bad("row " + std::to_string(row) +
                 ": expected an object with fundingTime and fundingRate");
  }
  FundingRow out;
  CL_ASSIGN_OR_RETURN(out.time_ms, p.Int(v["fundingTime"], row, "fundingTime"));
  CL_ASSIGN_OR_RETURN(out.rate, p.Dec(v["fundingRate"], row, "fundingRate"));
  return out;
}

}  // namespace cryptolake::rest::internal
