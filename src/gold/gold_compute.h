// Gold computations: silver ColumnBatches in, gold ColumnBatches out. Pure functions, no I/O.
//
// Every function works on one partition's rows (one UTC day, or one month for funding), so
// shards that own different partitions compute the same values independently. The rules behind
// each column are documented in docs/gold.md.
//
// Thread-safety: stateless functions over values.
#ifndef CRYPTOLAKE_SRC_GOLD_GOLD_COMPUTE_H_
#define CRYPTOLAKE_SRC_GOLD_GOLD_COMPUTE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/parquet/column_batch.h"
#include "cryptolake/parquet/schema.h"

namespace cryptolake::gold {

inline constexpr int64_t kMicrosPerMinute = 60'000'000;
inline constexpr int64_t kMinutesPerDay = 1440;

// The constant columns of a gold row (silver's conventions): exchange, market, symbol.
struct GoldConstants {
  std::string market;
  std::string symbol;
};

// One 1m silver bar, kept per minute of the day.
struct MinuteBar {
  bool present = false;
  bool rest = false;  // silver source = rest
  int64_t close_time = 0;
  double open = 0, high = 0, low = 0, close = 0;
  double volume = 0, taker_buy_volume = 0;
  double quote_volume = 0, base_volume = 0, taker_buy_quote_volume = 0, taker_buy_base_volume = 0;
  bool has_quote = false, has_base = false, has_taker_quote = false, has_taker_base = false;
  int64_t trade_count = 0;
};

// The day's 1m bars by minute of the day (index 0 = 00:00 UTC).
struct MinuteBars {
  int64_t day_start = 0;  // µs since the epoch
  std::vector<MinuteBar> bars = std::vector<MinuteBar>(kMinutesPerDay);
  int64_t rows = 0;        // silver rows read
  int64_t duplicates = 0;  // rows whose minute was already filled (the first row wins)
};

// Decodes one day of 1m silver klines. Corruption naming `where` when a column is missing, a
// row's ts_event lies outside the day or is not on a minute boundary.
Result<MinuteBars> LoadMinuteBars(const parquet::ColumnBatch& silver, int64_t day_start,
                                  std::string_view where);

// Interval text ("5m", "15m", "1h", "4h", "1d") -> µs. InvalidArgument unless it is a whole
// number of minutes (m), hours (h) or days (d = 1 only) that divides a day.
Result<int64_t> GoldIntervalMicros(std::string_view interval);

parquet::Schema KlineGoldSchema();
parquet::Schema DailySummarySchema();
parquet::Schema TradeBarSchema();
parquet::Schema FundingSchema();

// Epoch-aligned buckets of `interval_us` over the day; buckets without any input bar have no row.
// *incomplete += rows with complete = false.
parquet::ColumnBatch ResampleKlines(const MinuteBars& day, int64_t interval_us,
                                    std::string_view interval, const GoldConstants& c,
                                    int64_t* incomplete);

// One row (none when the day has no bar). *incomplete += 1 when the day lacks bars.
parquet::ColumnBatch SummarizeDay(const MinuteBars& day, const GoldConstants& c,
                                  int64_t* incomplete);

// 1m bars of one day of aggTrades (`agg` true) or trades silver. Minutes without trades have no
// row. Corruption naming `where` for a missing column or a row outside the day.
Result<parquet::ColumnBatch> BuildTradeBars(const parquet::ColumnBatch& silver, bool agg,
                                            int64_t day_start, const GoldConstants& c,
                                            std::string_view where);

// Daily funding aggregates for the days [month_first_day, month_first_day + days) (day numbers
// since the epoch) from fundingRate silver batches (the month's and, for trailing windows, the
// previous month's; rows outside the windows are ignored). Days without funding rows have no
// row. *incomplete += rows whose 7d or 30d window lacked a day.
Result<parquet::ColumnBatch> BuildFunding(const std::vector<const parquet::ColumnBatch*>& silver,
                                          int64_t month_first_day, int days, const GoldConstants& c,
                                          std::string_view where, int64_t* incomplete);

}  // namespace cryptolake::gold

#endif  // CRYPTOLAKE_SRC_GOLD_GOLD_COMPUTE_H_
