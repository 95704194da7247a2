// Decoding one page of a Binance market-data response (its JSON body) into the archive's CSV
// lines: the code BinanceRestClient runs on every page it receives, exposed for fuzzing and for
// tools that hold a saved response.
//
// Every decoder checks each row's shape and types and renders one '\n'-terminated line per row
// in page order, in the archive's column order for the market (klines: 12 columns; aggTrades: 7,
// or 8 on spot with is_best_match; funding: "fundingTime,fundingRate" in ms, because the
// archive's funding_interval_hours needs neighbouring rows and is derived by the client). A line
// never holds a quote, a carriage return or a line break, so no response can inject a CSV row.
// Errors: Corruption naming `what`, the row and the field.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_REST_BINANCE_RESPONSE_H_
#define CRYPTOLAKE_REST_BINANCE_RESPONSE_H_

#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/common/status.h"
#include "cryptolake/rest/binance_rest_client.h"

namespace cryptolake::rest {

struct ResponsePage {
  archive::Market market = archive::Market::kSpot;
  std::string what;              // for messages, e.g. "GET /api/v3/klines symbol BTCUSDT"
  bool times_in_micros = false;  // the response's times are µs (spot asked with the header)
  CsvTimeUnit unit = CsvTimeUnit::kArchive;  // unit of the times written to the lines
};

Result<std::vector<std::string>> DecodeKlinesPage(const ResponsePage& page, std::string_view body);
Result<std::vector<std::string>> DecodeAggTradesPage(const ResponsePage& page,
                                                     std::string_view body);
Result<std::vector<std::string>> DecodeFundingPage(const ResponsePage& page, std::string_view body);

}  // namespace cryptolake::rest

#endif  // CRYPTOLAKE_REST_BINANCE_RESPONSE_H_
