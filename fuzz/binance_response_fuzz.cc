// Fuzzes the Binance REST page decoders (klines, aggTrades, funding) that turn response bodies
// into archive CSV lines the silver converter then parses.
//
// Invariants: no crash, no overflow (UBSan); every decoded line ends in exactly one '\n' and
// holds no quote or '\r', with the archive's column count (12 / 7 or 8 / 2), so no body can
// inject or shift a CSV row; errors are Corruption naming the request.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "cryptolake/rest/binance_response.h"
#include "fuzz_check.h"

using cryptolake::fuzz::Check;
using namespace cryptolake;  // NOLINT(google-build-using-namespace)

namespace {

void CheckLines(const Result<std::vector<std::string>>& lines, size_t fields_a, size_t fields_b) {
  if (!lines.ok()) {
    Check(lines.status().IsCorruption(), "decode errors are Corruption");
    Check(std::string(lines.status().message()).rfind("GET /x", 0) == 0,
          "decode errors name the request");
    return;
  }
  for (const std::string& line : *lines) {
    Check(!line.empty() && line.back() == '\n', "a line ends in a newline");
    Check(std::count(line.begin(), line.end(), '\n') == 1, "a line holds one newline");
    Check(line.find_first_of("\"\r") == std::string::npos, "no quote or carriage return");
    const size_t fields = static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
    Check(fields == fields_a || fields == fields_b, "the archive's column count");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  rest::ResponsePage page;
  page.what = "GET /x";
  page.market = (mode & 1) ? archive::Market::kSpot : archive::Market::kUsdM;
  page.times_in_micros = (mode & 2) != 0;
  page.unit = (mode & 4) ? rest::CsvTimeUnit::kMicroseconds : rest::CsvTimeUnit::kArchive;
  CheckLines(rest::DecodeKlinesPage(page, body), 12, 12);
  CheckLines(rest::DecodeAggTradesPage(page, body), 7, 8);
  CheckLines(rest::DecodeFundingPage(page, body), 2, 2);
  return 0;
}
