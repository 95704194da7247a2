// Binance REST response rows -> archive CSV lines (internal to the rest layer; the public
// page decoders are in cryptolake/rest/binance_response.h).
//
// Each parser checks one JSON row's shape and types (integers where Binance sends integers,
// decimal strings where it sends decimals, booleans) and renders the archive's CSV line for it,
// in the archive's time unit for the row (CsvTimeUnit). Anything unexpected is Corruption naming
// the request, the row and the field, never a guess.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_SRC_REST_BINANCE_ROWS_H_
#define CRYPTOLAKE_SRC_REST_BINANCE_ROWS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/common/status.h"
#include "cryptolake/rest/binance_rest_client.h"

namespace cryptolake::rest::internal {

inline constexpr int64_t kSpotMicrosFromUs = 1'735'689'600'000'000;  // 2025-01-01T00:00:00Z

inline int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
inline int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

// Binance's decimal strings: optional '-', digits, optional '.' and digits.
bool IsDecimal(std::string_view s);

// A JSON value for an error message, cut to 40 characters.
std::string Quote(const nlohmann::json& v);

// The context of one page, for Corruption messages and time conversion.
struct Page {
  archive::Market market;
  std::string what;          // "GET /api/v3/klines symbol BTCUSDT"
  bool response_us = false;  // times in the response are µs (spot with the header)
  CsvTimeUnit unit = CsvTimeUnit::kArchive;

  Status Bad(const std::string& detail) const { return Status::Corruption(what + ": " + detail); }

  int64_t ToMicros(int64_t t) const { return response_us ? t : t * 1000; }
  // A time (µs) in the CSV's unit; `row_time_us` decides the archive's unit for the row.
  int64_t Out(int64_t t_us, int64_t row_time_us) const {
    bool micros = unit == CsvTimeUnit::kMicroseconds ||
                  (unit == CsvTimeUnit::kArchive && market == archive::Market::kSpot &&
                   row_time_us >= kSpotMicrosFromUs);
    return micros ? t_us : FloorDiv(t_us, 1000);
  }

  // Integers are bounded by 2^53 (JavaScript's exact range, which Binance's ids and times stay
  // in), so converting a time to µs can never overflow.
  Result<int64_t> Int(const nlohmann::json& v, size_t row, std::string_view field) const {
    constexpr int64_t kMax = int64_t{1} << 53;
    if (v.is_number_unsigned() && v.get<uint64_t>() <= static_cast<uint64_t>(kMax)) {
      return static_cast<int64_t>(v.get<uint64_t>());
    }
    if (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() >= -kMax &&
        v.get<int64_t>() <= kMax) {
      return v.get<int64_t>();
    }
    return Bad("row " + std::to_string(row) + ": " + std::string(field) +
               " is not an integer: " + Quote(v));
  }
  Result<std::string> Dec(const nlohmann::json& v, size_t row, std::string_view field) const {
    if (v.is_string() && IsDecimal(v.get_ref<const std::string&>())) return v.get<std::string>();
    return Bad("row " + std::to_string(row) + ": " + std::string(field) +
               " is not a decimal string: " + Quote(v));
  }
  Result<bool> Bool(const nlohmann::json& v, size_t row, std::string_view field) const {
    if (v.is_boolean()) return v.get<bool>();
    return Bad("row " + std::to_string(row) + ": " + std::string(field) +
               " is not a boolean: " + Quote(v));
  }
  Status ExpectArray(const nlohmann::json& body) const {
    if (body.is_array()) return Status::OK();
    return Bad("expected a JSON array, got " + std::string(body.type_name()));
  }
};

struct KlineRow {
  int64_t open_us = 0;
  std::string line;  // '\n'-terminated
};

struct AggTradeRow {
  int64_t id = 0;
  int64_t time_us = 0;
  std::string line;  // '\n'-terminated
};

struct FundingRow {
  int64_t time_ms = 0;
  std::string rate;  // the decimal string as sent
};

// One row of a klines page (a 12-element array).
Result<KlineRow> ParseKline(const Page& p, const nlohmann::json& v, size_t row);
// One row of an aggTrades page (an object a,p,q,f,l,T,m and, on spot, M).
Result<AggTradeRow> ParseAggTrade(const Page& p, const nlohmann::json& v, size_t row);
// One row of a fundingRate page (an object with fundingTime and fundingRate).
Result<FundingRow> ParseFundingRow(const Page& p, const nlohmann::json& v, size_t row);

}  // namespace cryptolake::rest::internal

#endif  // CRYPTOLAKE_SRC_REST_BINANCE_ROWS_H_
