#include "endpoint_table.h"

namespace cryptolake::rest {

using archive::Market;

int64_t FuturesKlinesWeight(int limit) {
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

std::string_view EndpointPath(Market market, Endpoint endpoint) {
  switch (market) {
    case Market::kSpot:
      switch (endpoint) {
        case Endpoint::kKlines:
          return "/api/v3/klines";
        case Endpoint::kAggTrades:
          return "/api/v3/aggTrades";
        case Endpoint::kFundingRate:
          return "";
      }
      break;
    case Market::kUsdM:
      switch (endpoint) {
        case Endpoint::kKlines:
          return "/fapi/v1/klines";
        case Endpoint::kAggTrades:
          return "/fapi/v1/aggTrades";
        case Endpoint::kFundingRate:
          return "/fapi/v1/fundingRate";
      }
      break;
    case Market::kCoinM:
      switch (endpoint) {
        case Endpoint::kKlines:
          return "/dapi/v1/klines";
        case Endpoint::kAggTrades:
          return "/dapi/v1/aggTrades";
        case Endpoint::kFundingRate:
          return "/dapi/v1/fundingRate";
      }
      break;
    case Market::kOption:
      break;
  }
  return "";
}

int MaxLimit(Market market, Endpoint endpoint) {
  if (endpoint == Endpoint::kKlines && market != Market::kSpot) return 1500;
  return 1000;
}

int64_t RequestWeight(Market market, Endpoint endpoint, int limit) {
  switch (endpoint) {
    case Endpoint::kKlines:
      return market == Market::kSpot ? 2 : FuturesKlinesWeight(limit);
    case Endpoint::kAggTrades:
      return market == Market::kSpot ? 4 : 20;
    case Endpoint::kFundingRate:
      return 1;
  }
  return 1;
}

}  // namespace cryptolake::rest
