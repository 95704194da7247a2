// The Binance REST endpoints the client uses, per market: path, largest page (`limit`) and
// request weight.
//
// Weights (Binance's documentation, reference section 2):
//   spot  /api/v3/klines 2, /api/v3/aggTrades 4 (whatever the limit);
//   USD-M /fapi/v1/klines and COIN-M /dapi/v1/klines by limit: [1,100) 1, [100,500) 2,
//         [500,1000] 5, above 1000 10;
//   USD-M /fapi/v1/aggTrades and COIN-M /dapi/v1/aggTrades 20 (their documented weight);
//   /fapi/v1/fundingRate: the docs give no per-minute weight, only a separate 500 requests per
//         5 minutes shared with fundingInfo; we charge 1 against the minute budget (funding
//         history is a few requests per symbol, far below either limit). /dapi/v1/fundingRate 1.
// Largest pages: spot klines 1000, futures klines 1500, aggTrades 1000, fundingRate 1000.
#ifndef CRYPTOLAKE_SRC_REST_ENDPOINT_TABLE_H_
#define CRYPTOLAKE_SRC_REST_ENDPOINT_TABLE_H_

#include <cstdint>
#include <string_view>

#include "cryptolake/archive/archive_file.h"

namespace cryptolake::rest {

enum class Endpoint { kKlines, kAggTrades, kFundingRate };

// The futures klines weight for a page of `limit` bars (limit table above).
int64_t FuturesKlinesWeight(int limit);

// "/api/v3/klines", "/fapi/v1/aggTrades", ...; empty for combinations Binance does not serve
// (spot fundingRate, any option-market endpoint).
std::string_view EndpointPath(archive::Market market, Endpoint endpoint);

// The largest `limit` the endpoint accepts.
int MaxLimit(archive::Market market, Endpoint endpoint);

// The weight of one request with `limit`.
int64_t RequestWeight(archive::Market market, Endpoint endpoint, int limit);

}  // namespace cryptolake::rest

#endif  // CRYPTOLAKE_SRC_REST_ENDPOINT_TABLE_H_
