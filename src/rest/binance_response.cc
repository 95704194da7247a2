#include "cryptolake/rest/binance_response.h"

#include <nlohmann/json.hpp>

#include "binance_rows.h"

namespace cryptolake::rest {
namespace {

using nlohmann::json;

// Parses `body` as a JSON array and renders each element with `row_line`.
template <typename RowLine>
Result<std::vector<std::string>> DecodePage(const ResponsePage& page, std::string_view body,
                                            RowLine row_line) {
  internal::Page p{page.market, page.what, page.times_in_micros, page.unit};
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return p.Bad("the body is not valid JSON");
  if (!j.is_array()) return p.Bad("expected a JSON array, got " + std::string(j.type_name()));
  std::vector<std::string> lines;
  lines.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    CL_ASSIGN_OR_RETURN(std::string line, row_line(p, j[i], i));
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

Result<std::vector<std::string>> DecodeKlinesPage(const ResponsePage& page, std::string_view body) {
  return DecodePage(page, body,
                    [](const internal::Page& p, const json& v, size_t i) -> Result<std::string> {
                      CL_ASSIGN_OR_RETURN(internal::KlineRow r, internal::ParseKline(p, v, i));
                      return std::move(r.line);
                    });
}

Result<std::vector<std::string>> DecodeAggTradesPage(const ResponsePage& page,
                                                     std::string_view body) {
  return DecodePage(
      page, body, [](const internal::Page& p, const json& v, size_t i) -> Result<std::string> {
        CL_ASSIGN_OR_RETURN(internal::AggTradeRow r, internal::ParseAggTrade(p, v, i));
        return std::move(r.line);
      });
}

Result<std::vector<std::string>> DecodeFundingPage(const ResponsePage& page,
                                                   std::string_view body) {
  return DecodePage(
      page, body, [](const internal::Page& p, const json& v, size_t i) -> Result<std::string> {
        CL_ASSIGN_OR_RETURN(internal::FundingRow r, internal::ParseFundingRow(p, v, i));
        return std::to_string(r.time_ms) + ',' + r.rate + '\n';
      });
}

}  // namespace cryptolake::rest
