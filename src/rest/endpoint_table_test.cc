#include "endpoint_table.h"

#include <gtest/gtest.h>

namespace cryptolake::rest {
namespace {

using archive::Market;

TEST(EndpointTableTest, FuturesKlinesWeightFollowsTheLimitTable) {
  EXPECT_EQ(FuturesKlinesWeight(1), 1);
  EXPECT_EQ(FuturesKlinesWeight(99), 1);
  EXPECT_EQ(FuturesKlinesWeight(100), 2);
  EXPECT_EQ(FuturesKlinesWeight(499), 2);
  EXPECT_EQ(FuturesKlinesWeight(500), 5);
  EXPECT_EQ(FuturesKlinesWeight(1000), 5);
  EXPECT_EQ(FuturesKlinesWeight(1001), 10);
  EXPECT_EQ(FuturesKlinesWeight(1500), 10);
}

TEST(EndpointTableTest, WeightsPerEndpoint) {
  EXPECT_EQ(RequestWeight(Market::kSpot, Endpoint::kKlines, 1000), 2);
  EXPECT_EQ(RequestWeight(Market::kSpot, Endpoint::kKlines, 10), 2);
  EXPECT_EQ(RequestWeight(Market::kSpot, Endpoint::kAggTrades, 1000), 4);
  EXPECT_EQ(RequestWeight(Market::kUsdM, Endpoint::kKlines, 1500), 10);
  EXPECT_EQ(RequestWeight(Market::kCoinM, Endpoint::kKlines, 200), 2);
  EXPECT_EQ(RequestWeight(Market::kUsdM, Endpoint::kAggTrades, 1000), 20);
  EXPECT_EQ(RequestWeight(Market::kCoinM, Endpoint::kAggTrades, 5), 20);
  EXPECT_EQ(RequestWeight(Market::kUsdM, Endpoint::kFundingRate, 1000), 1);
  EXPECT_EQ(RequestWeight(Market::kCoinM, Endpoint::kFundingRate, 1000), 1);
}

TEST(EndpointTableTest, PathsAndLimits) {
  EXPECT_EQ(EndpointPath(Market::kSpot, Endpoint::kKlines), "/api/v3/klines");
  EXPECT_EQ(EndpointPath(Market::kSpot, Endpoint::kAggTrades), "/api/v3/aggTrades");
  EXPECT_EQ(EndpointPath(Market::kSpot, Endpoint::kFundingRate), "");
  EXPECT_EQ(EndpointPath(Market::kUsdM, Endpoint::kKlines), "/fapi/v1/klines");
  EXPECT_EQ(EndpointPath(Market::kUsdM, Endpoint::kFundingRate), "/fapi/v1/fundingRate");
  EXPECT_EQ(EndpointPath(Market::kCoinM, Endpoint::kKlines), "/dapi/v1/klines");
  EXPECT_EQ(EndpointPath(Market::kCoinM, Endpoint::kAggTrades), "/dapi/v1/aggTrades");
  EXPECT_EQ(EndpointPath(Market::kCoinM, Endpoint::kFundingRate), "/dapi/v1/fundingRate");
  EXPECT_EQ(EndpointPath(Market::kOption, Endpoint::kKlines), "");
  EXPECT_EQ(MaxLimit(Market::kSpot, Endpoint::kKlines), 1000);
  EXPECT_EQ(MaxLimit(Market::kUsdM, Endpoint::kKlines), 1500);
  EXPECT_EQ(MaxLimit(Market::kCoinM, Endpoint::kKlines), 1500);
  EXPECT_EQ(MaxLimit(Market::kUsdM, Endpoint::kAggTrades), 1000);
  EXPECT_EQ(MaxLimit(Market::kUsdM, Endpoint::kFundingRate), 1000);
}

}  // namespace
}  // namespace cryptolake::rest
