#include "cryptolake/lake/data_type_schema.h"

#include <algorithm>
#include <string>
#include <utility>

// Every switch over CsvFieldKind / SilverFill names every enumerator (no
// `default:`), so a new kind fails to compile until each switch handles it.
#pragma GCC diagnostic error "-Wswitch"

namespace cryptolake::lake {

namespace {

using archive::Market;
using parquet::ColumnType;

constexpr CsvFieldKind kInt = CsvFieldKind::kInt64;
constexpr CsvFieldKind kDec = CsvFieldKind::kDecimal;
constexpr CsvFieldKind kBoolKind = CsvFieldKind::kBool;
constexpr CsvFieldKind kEpoch = CsvFieldKind::kEpochTime;
constexpr CsvFieldKind kDateTime = CsvFieldKind::kDateTimeText;
constexpr CsvFieldKind kSkip = CsvFieldKind::kIgnore;
constexpr CsvFieldKind kTextKind = CsvFieldKind::kText;
constexpr CsvFieldKind kDate = CsvFieldKind::kDateText;
constexpr CsvFieldKind kHour = CsvFieldKind::kHourOfDay;

SilverColumnSpec Col(std::string name, ColumnType type, bool nullable = false,
                     SilverFill fill = SilverFill::kCsv) {
  return SilverColumnSpec{parquet::ColumnSchema{std::move(name), type, nullable}, fill};
}
SilverColumnSpec Ts(std::string name) { return Col(std::move(name), ColumnType::kTimestampMicros); }
SilverColumnSpec F64(std::string name, bool nullable = false) {
  return Col(std::move(name), ColumnType::kDouble, nullable);
}
SilverColumnSpec I64(std::string name, bool nullable = false) {
  return Col(std::move(name), ColumnType::kInt64, nullable);
}
SilverColumnSpec Str(std::string name) { return Col(std::move(name), ColumnType::kString); }

// exchange, market, symbol, interval, source: on every silver row of every type.
void AppendConstantColumns(std::vector<SilverColumnSpec>* cols) {
  cols->push_back(Col("exchange", ColumnType::kString, false, SilverFill::kExchange));
  cols->push_back(Col("market", ColumnType::kString, false, SilverFill::kMarket));
  cols->push_back(Col("symbol", ColumnType::kString, false, SilverFill::kSymbol));
  cols->push_back(Col("interval", ColumnType::kString, true, SilverFill::kInterval));
  cols->push_back(Col("source", ColumnType::kString, false, SilverFill::kSource));
}

CsvColumnSpec Csv(std::string name, CsvFieldKind kind, std::string silver = "",
                  bool empty_is_null = false) {
  return CsvColumnSpec{std::move(name), kind, std::move(silver), empty_is_null};
}

// klines: spot, USD-M and COIN-M share the 12-column layout, but COIN-M's
// `volume`/`taker_buy_volume` count contracts and its `quote_volume` /
// `taker_buy_quote_volume` columns hold BASE-asset volume (the archive's
// header mislabels them). Silver keeps `volume` as the archive's volume
// column (contracts on COIN-M) and gives the base-asset columns their own
// names, so no column changes meaning between markets except `volume` units,
// which docs/silver-schema.md states.
DataTypeSchema Klines() {
  DataTypeSchema s;
  s.data_type = "klines";
  s.has_interval = true;
  s.silver_columns = {Ts("ts_event"),
                      Ts("close_time"),
                      F64("open"),
                      F64("high"),
                      F64("low"),
                      F64("close"),
                      F64("volume"),
                      F64("quote_volume", true),
                      F64("base_volume", true),
                      I64("trade_count"),
                      F64("taker_buy_volume"),
                      F64("taker_buy_quote_volume", true),
                      F64("taker_buy_base_volume", true)};
  AppendConstantColumns(&s.silver_columns);
  s.variants.push_back(CsvVariant{
      {Market::kSpot, Market::kUsdM},
      {Csv("open_time", kEpoch, "ts_event"), Csv("open", kDec, "open"), Csv("high", kDec, "high"),
       Csv("low", kDec, "low"), Csv("close", kDec, "close"), Csv("volume", kDec, "volume"),
       Csv("close_time", kEpoch, "close_time"), Csv("quote_volume", kDec, "quote_volume"),
       Csv("count", kInt, "trade_count"), Csv("taker_buy_volume", kDec, "taker_buy_volume"),
       Csv("taker_buy_quote_volume", kDec, "taker_buy_quote_volume"), Csv("ignore", kSkip)}});
  s.variants.push_back(CsvVariant{
      {Market::kCoinM},
      {Csv("open_time", kEpoch, "ts_event"), Csv("open", kDec, "open"), Csv("high", kDec, "high"),
       Csv("low", kDec, "low"), Csv("close", kDec, "close"), Csv("volume", kDec, "volume"),
       Csv("close_time", kEpoch, "close_time"), Csv("quote_volume", kDec, "base_volume"),
       Csv("count", kInt, "trade_count"), Csv("taker_buy_volume", kDec, "taker_buy_volume"),
       Csv("taker_buy_quote_volume", kDec, "taker_buy_base_volume"), Csv("ignore", kSkip)}});
  s.rules.unique_key = "ts_event";
  s.rules.ohlc = true;
  s.rules.positive = {"open", "high", "low", "close"};
  s.rules.non_negative = {
      "volume",           "quote_volume",           "base_volume",          "trade_count",
      "taker_buy_volume", "taker_buy_quote_volume", "taker_buy_base_volume"};
  return s;
}

// indexPriceKlines / markPriceKlines / premiumIndexKlines: the kline layout
// with the volume-type columns unused; column 9 counts the samples ("basic
// data") the bar was built from.
DataTypeSchema PriceKlines(std::string data_type, bool prices_positive) {
  DataTypeSchema s;
  s.data_type = std::move(data_type);
  s.has_interval = true;
  s.silver_columns = {Ts("ts_event"), Ts("close_time"),       F64("open"), F64("high"), F64("low"),
                      F64("close"),   I64("basic_data_count")};
  AppendConstantColumns(&s.silver_columns);
  s.variants.push_back(CsvVariant{
      {Market::kUsdM, Market::kCoinM},
      {Csv("open_time", kEpoch, "ts_event"), Csv("open", kDec, "open"), Csv("high", kDec, "high"),
       Csv("low", kDec, "low"), Csv("close", kDec, "close"), Csv("volume", kSkip),
       Csv("close_time", kEpoch, "close_time"), Csv("quote_volume", kSkip),
       Csv("count", kInt, "basic_data_count"), Csv("taker_buy_volume", kSkip),
       Csv("taker_buy_quote_volume", kSkip), Csv("ignore", kSkip)}});
  s.rules.unique_key = "ts_event";
  s.rules.ohlc = true;
  // A premium index is a signed spread, so only index and mark prices are > 0.
  if (prices_positive) s.rules.positive = {"open", "high", "low", "close"};
  s.rules.non_negative = {"basic_data_count"};
  return s;
}

DataTypeSchema Trades() {
  DataTypeSchema s;
  s.data_type = "trades";
  s.silver_columns = {Ts("ts_event"),
                      I64("trade_id"),
                      F64("price"),
                      F64("size"),
                      F64("quote_size", true),
                      F64("base_size", true),
                      Col("side", ColumnType::kString, false, SilverFill::kSideFromIsBuyerMaker),
                      Col("is_buyer_maker", ColumnType::kBoolean),
                      Col("is_best_match", ColumnType::kBoolean, true)};
  AppendConstantColumns(&s.silver_columns);
  s.variants.push_back(CsvVariant{
      {Market::kSpot},
      {Csv("id", kInt, "trade_id"), Csv("price", kDec, "price"), Csv("qty", kDec, "size"),
       Csv("quote_qty", kDec, "quote_size"), Csv("time", kEpoch, "ts_event"),
       Csv("is_buyer_maker", kBoolKind, "is_buyer_maker"),
       Csv("is_best_match", kBoolKind, "is_best_match")}});
  s.variants.push_back(CsvVariant{
      {Market::kUsdM},
      {Csv("id", kInt, "trade_id"), Csv("price", kDec, "price"), Csv("qty", kDec, "size"),
       Csv("quote_qty", kDec, "quote_size"), Csv("time", kEpoch, "ts_event"),
       Csv("is_buyer_maker", kBoolKind, "is_buyer_maker")}});
  // COIN-M: qty counts contracts and base_qty is the base-asset amount.
  s.variants.push_back(CsvVariant{
      {Market::kCoinM},
      {Csv("id", kInt, "trade_id"), Csv("price", kDec, "price"), Csv("qty", kDec, "size"),
       Csv("base_qty", kDec, "base_size"), Csv("time", kEpoch, "ts_event"),
       Csv("is_buyer_maker", kBoolKind, "is_buyer_maker")}});
  s.rules.unique_key = "trade_id";
  s.rules.positive = {"price"};
  s.rules.non_negative = {"size", "quote_size", "base_size"};
  return s;
}

DataTypeSchema AggTrades() {
  DataTypeSchema s;
  s.data_type = "aggTrades";
  s.silver_columns = {Ts("ts_event"),
                      I64("agg_trade_id"),
                      F64("price"),
                      F64("size"),
                      I64("first_trade_id"),
                      I64("last_trade_id"),
                      Col("side", ColumnType::kString, false, SilverFill::kSideFromIsBuyerMaker),
                      Col("is_buyer_maker", ColumnType::kBoolean),
                      Col("is_best_match", ColumnType::kBoolean, true)};
  AppendConstantColumns(&s.silver_columns);
  std::vector<CsvColumnSpec> futures = {Csv("agg_trade_id", kInt, "agg_trade_id"),
                                        Csv("price", kDec, "price"),
                                        Csv("quantity", kDec, "size"),
                                        Csv("first_trade_id", kInt, "first_trade_id"),
                                        Csv("last_trade_id", kInt, "last_trade_id"),
                                        Csv("transact_time", kEpoch, "ts_event"),
                                        Csv("is_buyer_maker", kBoolKind, "is_buyer_maker")};
  std::vector<CsvColumnSpec> spot = futures;
  spot.push_back(Csv("is_best_match", kBoolKind, "is_best_match"));
  s.variants.push_back(CsvVariant{{Market::kSpot}, std::move(spot)});
  s.variants.push_back(CsvVariant{{Market::kUsdM, Market::kCoinM}, std::move(futures)});
  s.rules.unique_key = "agg_trade_id";
  s.rules.positive = {"price"};
  s.rules.non_negative = {"size", "first_trade_id", "last_trade_id"};
  return s;
}

// The archive's fundingRate CSV has no mark price (unlike the REST response);
// silver keeps a nullable mark_price so REST-filled rows fit the same schema.
DataTypeSchema FundingRate() {
  DataTypeSchema s;
  s.data_type = "fundingRate";
  s.daily = false;
  s.silver_columns = {Ts("ts_event"), F64("funding_rate"), I64("funding_interval_hours"),
                      F64("mark_price", true)};
  AppendConstantColumns(&s.silver_columns);
  s.variants.push_back(CsvVariant{{Market::kUsdM, Market::kCoinM},
                                  {Csv("calc_time", kEpoch, "ts_event"),
                                   Csv("funding_interval_hours", kInt, "funding_interval_hours"),
                                   Csv("last_funding_rate", kDec, "funding_rate")}});
  s.rules.unique_key = "ts_event";
  s.rules.positive = {"funding_interval_hours"};
  return s;
}

DataTypeSchema BookTicker() {
  DataTypeSchema s;
  s.data_type = "bookTicker";
  s.silver_columns = {Ts("ts_event"),  Ts("event_time"), I64("update_id"), F64("bid_price"),
                      F64("bid_size"), F64("ask_price"), F64("ask_size")};
  AppendConstantColumns(&s.silver_columns);
  s.variants.push_back(CsvVariant{
      {Market::kUsdM, Market::kCoinM},
      {Csv("update_id", kInt, "update_id"), Csv("best_bid_price", kDec, "bid_price"),
       Csv("best_bid_qty", kDec, "bid_size"), Csv("best_ask_price", kDec, "ask_price"),
       Csv("best_ask_qty", kDec, "ask_size"), Csv("transaction_time", kEpoch, "ts_event"),
       Csv("event_time", kEpoch, "event_time")}});
  // No fixture proves a whole day stays inside its date, so that rule is off.
  s.rules.time_within_file_period = false;
  s.rules.non_negative = {"bid_price", "bid_size", "ask_price", "ask_size"};
  return s;
}

DataTypeSchema BookDepth() {
  DataTypeSchema s;
  s.data_type = "bookDepth";
  s.monthly = false;
  s.silver_columns = {Ts("ts_event"), F64("percentage"), F64("depth"), F64("notional")};
  AppendConstantColumns(&s.silver_columns);
  s.variants.push_back(
      CsvVariant{{Market::kUsdM, Market::kCoinM},
                 {Csv("timestamp", kDateTime, "ts_event"), Csv("percentage", kDec, "percentage"),
                  Csv("depth", kDec, "depth"), Csv("notional", kDec, "notional")}});
  s.rules.time_non_decreasing = false;
  s.rules.time_within_file_period = false;
  s.rules.non_negative = {"depth", "notional"};
  return s;
}

// metrics: 5-minute snapshots, rows NOT time-ordered in the archive, values
// may be empty (null).
DataTypeSchema Metrics() {
  DataTypeSchema s;
  s.data_type = "metrics";
  s.monthly = false;
  s.silver_columns = {Ts("ts_event"),
                      F64("open_interest", true),
                      F64("open_interest_value", true),
                      F64("top_trader_account_long_short_ratio", true),
                      F64("top_trader_position_long_short_ratio", true),
                      F64("account_long_short_ratio", true),
                      F64("taker_buy_sell_volume_ratio", true)};
  AppendConstantColumns(&s.silver_columns);
  s.variants.push_back(CsvVariant{
      {Market::kUsdM, Market::kCoinM},
      {Csv("create_time", kDateTime, "ts_event"), Csv("symbol", kSkip),
       Csv("sum_open_interest", kDec, "open_interest", true),
       Csv("sum_open_interest_value", kDec, "open_interest_value", true),
       Csv("count_toptrader_long_short_ratio", kDec, "top_trader_account_long_short_ratio", true),
       Csv("sum_toptrader_long_short_ratio", kDec, "top_trader_position_long_short_ratio", true),
       Csv("count_long_short_ratio", kDec, "account_long_short_ratio", true),
       Csv("sum_taker_long_short_vol_ratio", kDec, "taker_buy_sell_volume_ratio", true)}});
  s.rules.time_non_decreasing = false;
  s.rules.time_within_file_period = false;
  s.rules.non_negative = {"open_interest",
                          "open_interest_value",
                          "top_trader_account_long_short_ratio",
                          "top_trader_position_long_short_ratio",
                          "account_long_short_ratio",
                          "taker_buy_sell_volume_ratio"};
  return s;
}

// BVOLIndex (options market, daily files): Binance's implied-volatility index,
// about one row a second, per index symbol (BTCBVOLUSDT). The `symbol` cell
// repeats the archive symbol, which the constant `symbol` column holds.
// No real file is among the fixtures, so row order and "inside the file's
// day" are not enforced (as for bookDepth).
DataTypeSchema BvolIndex() {
  DataTypeSchema s;
  s.data_type = "BVOLIndex";
  s.monthly = false;
  s.silver_columns = {Ts("ts_event"), F64("index_value"), Str("base_asset"), Str("quote_asset")};
  AppendConstantColumns(&s.silver_columns);
  s.variants.push_back(CsvVariant{
      {Market::kOption},
      {Csv("calc_time", kEpoch, "ts_event"), Csv("symbol", kSkip),
       Csv("base_asset", kTextKind, "base_asset"), Csv("quote_asset", kTextKind, "quote_asset"),
       Csv("index_value", kDec, "index_value")}});
  s.rules.time_non_decreasing = false;
  s.rules.time_within_file_period = false;
  s.rules.non_negative = {"index_value"};
  return s;
}

// EOHSummary (options market, daily files, one per underlying): an hourly
// summary row per option. The event time is `date` plus `hour`. `symbol` is
// the option (BTC-231027-33000-C) while the archive symbol (the constant
// `symbol` column) is the underlying, so the option goes to `option_symbol`.
// `strike` is kept verbatim: readers of the archive report values such as
// "231027-205". Every numeric cell may be empty (null). Readers also report
// tiny negative values (-1E-8) in price, volume and greek columns, so no sign
// rule applies; rows of many options share an hour, so there is no order or
// key rule either.
DataTypeSchema EohSummary() {
  DataTypeSchema s;
  s.data_type = "EOHSummary";
  s.monthly = false;
  s.silver_columns = {Ts("ts_event"),
                      Str("option_symbol"),
                      Str("underlying"),
                      Str("option_type"),
                      Str("strike"),
                      F64("open", true),
                      F64("high", true),
                      F64("low", true),
                      F64("close", true),
                      F64("volume", true),
                      F64("quote_volume", true),
                      F64("bid_price", true),
                      F64("ask_price", true),
                      F64("bid_size", true),
                      F64("ask_size", true),
                      F64("bid_iv", true),
                      F64("ask_iv", true),
                      F64("mark_price", true),
                      F64("mark_iv", true),
                      F64("delta", true),
                      F64("gamma", true),
                      F64("vega", true),
                      F64("theta", true),
                      F64("open_interest", true),
                      F64("open_interest_value", true)};
  AppendConstantColumns(&s.silver_columns);
  auto num = [](std::string csv, std::string silver) {
    return Csv(std::move(csv), kDec, std::move(silver), /*empty_is_null=*/true);
  };
  s.variants.push_back(CsvVariant{{Market::kOption},
                                  {Csv("date", kDate, "ts_event"),
                                   Csv("hour", kHour),
                                   Csv("symbol", kTextKind, "option_symbol"),
                                   Csv("underlying", kTextKind, "underlying"),
                                   Csv("type", kTextKind, "option_type"),
                                   Csv("strike", kTextKind, "strike"),
                                   num("open", "open"),
                                   num("high", "high"),
                                   num("low", "low"),
                                   num("close", "close"),
                                   num("volume_contracts", "volume"),
                                   num("volume_usdt", "quote_volume"),
                                   num("best_bid_price", "bid_price"),
                                   num("best_ask_price", "ask_price"),
                                   num("best_bid_qty", "bid_size"),
                                   num("best_ask_qty", "ask_size"),
                                   num("best_buy_iv", "bid_iv"),
                                   num("best_sell_iv", "ask_iv"),
                                   num("mark_price", "mark_price"),
                                   num("mark_iv", "mark_iv"),
                                   num("delta", "delta"),
                                   num("gamma", "gamma"),
                                   num("vega", "vega"),
                                   num("theta", "theta"),
                                   num("openinterest_contracts", "open_interest"),
                                   num("openinterest_usdt", "open_interest_value")}});
  s.rules.time_non_decreasing = false;
  s.rules.time_within_file_period = false;
  return s;
}

std::vector<DataTypeSchema> BuildTable() {
  std::vector<DataTypeSchema> table;
  table.push_back(Klines());
  table.push_back(Trades());
  table.push_back(AggTrades());
  table.push_back(FundingRate());
  table.push_back(BookTicker());
  table.push_back(BookDepth());
  table.push_back(Metrics());
  table.push_back(PriceKlines("indexPriceKlines", true));
  table.push_back(PriceKlines("markPriceKlines", true));
  table.push_back(PriceKlines("premiumIndexKlines", false));
  table.push_back(BvolIndex());
  table.push_back(EohSummary());
  for (DataTypeSchema& s : table) {
    for (const SilverColumnSpec& c : s.silver_columns) s.silver_schema.columns.push_back(c.column);
  }
  return table;
}

// What each field kind is called and which silver column type it fills
// (none: the kind fills no silver column of its own). The one switch over
// CsvFieldKind in this file; CsvFieldKindName and the consistency check
// derive from it.
struct FieldKindTraits {
  std::string_view name;
  bool fills_column;
  ColumnType silver_type;
};

constexpr FieldKindTraits Traits(CsvFieldKind kind) {
  switch (kind) {
    case CsvFieldKind::kInt64:
      return {"int64", true, ColumnType::kInt64};
    case CsvFieldKind::kDecimal:
      return {"decimal", true, ColumnType::kDouble};
    case CsvFieldKind::kBool:
      return {"bool", true, ColumnType::kBoolean};
    case CsvFieldKind::kEpochTime:
      return {"epoch time", true, ColumnType::kTimestampMicros};
    case CsvFieldKind::kDateTimeText:
      return {"datetime text", true, ColumnType::kTimestampMicros};
    case CsvFieldKind::kText:
      return {"text", true, ColumnType::kString};
    case CsvFieldKind::kIgnore:
      return {"ignored", false, ColumnType::kString};
    case CsvFieldKind::kDateText:
      return {"date text", true, ColumnType::kTimestampMicros};
    case CsvFieldKind::kHourOfDay:
      return {"hour of day", false, ColumnType::kInt64};
  }
  return {"unknown", false, ColumnType::kString};
}

bool KindFitsType(CsvFieldKind kind, ColumnType type) {
  return Traits(kind).fills_column && Traits(kind).silver_type == type;
}

}  // namespace

std::string_view CsvFieldKindName(CsvFieldKind kind) { return Traits(kind).name; }

const std::vector<CsvColumnSpec>* DataTypeSchema::CsvColumns(archive::Market market) const {
  for (const CsvVariant& v : variants) {
    if (std::find(v.markets.begin(), v.markets.end(), market) != v.markets.end()) return &v.columns;
  }
  return nullptr;
}

bool DataTypeSchema::HasPeriod(archive::Period period) const {
  return period == archive::Period::kDaily ? daily : monthly;
}

Status DataTypeSchema::CheckInterval(std::string_view interval, archive::Market market) const {
  if (has_interval && interval.empty()) {
    return Status::InvalidArgument(data_type + " needs an interval (e.g. 1m, 1h, 1d)");
  }
  if (!has_interval && !interval.empty()) {
    return Status::InvalidArgument(data_type + " has no intervals, but interval \"" +
                                   std::string(interval) + "\" was given");
  }
  if (has_interval) {
    // The intervals the archive publishes kline-class files for (1s: klines only, on spot).
    static constexpr std::string_view kIntervals[] = {"1m",  "3m", "5m", "15m", "30m",
                                                      "1h",  "2h", "4h", "6h",  "8h",
                                                      "12h", "1d", "3d", "1w",  "1mo"};
    bool known =
        std::find(std::begin(kIntervals), std::end(kIntervals), interval) != std::end(kIntervals);
    if (interval == "1s") known = data_type == "klines" && market == archive::Market::kSpot;
    if (!known) {
      return Status::InvalidArgument(
          "interval \"" + std::string(interval) + "\" is not one the archive has for " + data_type +
          " (1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1mo; 1s for spot klines)");
    }
  }
  return Status::OK();
}

const std::vector<DataTypeSchema>& AllDataTypeSchemas() {
  static const std::vector<DataTypeSchema> table = BuildTable();
  return table;
}

Result<const DataTypeSchema*> FindDataTypeSchema(std::string_view data_type,
                                                 archive::Market market) {
  std::string supported;
  for (const DataTypeSchema& s : AllDataTypeSchemas()) {
    if (s.data_type == data_type) {
      if (s.CsvColumns(market) == nullptr) {
        return Status::InvalidArgument("data type \"" + std::string(data_type) +
                                       "\" does not exist for market " +
                                       std::string(archive::MarketName(market)));
      }
      return &s;
    }
    if (!supported.empty()) supported += ", ";
    supported += s.data_type;
  }
  return Status::InvalidArgument("unknown data type \"" + std::string(data_type) +
                                 "\"; supported: " + supported);
}

Result<const parquet::Schema*> SilverSchema(std::string_view data_type, archive::Market market) {
  CL_ASSIGN_OR_RETURN(const DataTypeSchema* s, FindDataTypeSchema(data_type, market));
  return &s->silver_schema;
}

Status CheckDataTypeSchemas() {
  std::vector<std::string_view> names;
  for (const DataTypeSchema& s : AllDataTypeSchemas()) {
    const std::string where = "data type " + s.data_type + ": ";
    auto find = [&](std::string_view name) { return s.silver_schema.FindColumn(name); };
    if (std::find(names.begin(), names.end(), s.data_type) != names.end()) {
      return Status::Internal(where + "declared twice");
    }
    names.push_back(s.data_type);
    if (!s.daily && !s.monthly) return Status::Internal(where + "neither daily nor monthly");
    if (s.variants.empty()) return Status::Internal(where + "exists on no market");
    for (size_t i = 0; i < s.silver_columns.size(); ++i) {
      if (find(s.silver_columns[i].column.name) != static_cast<int>(i)) {
        return Status::Internal(where + "duplicate silver column " +
                                s.silver_columns[i].column.name);
      }
    }
    int time_col = find(s.rules.time_column);
    if (time_col < 0 || s.silver_columns[time_col].column.type != ColumnType::kTimestampMicros ||
        s.silver_columns[time_col].column.nullable) {
      return Status::Internal(where + "time column must be a non-null timestamp");
    }
    for (const CsvVariant& v : s.variants) {
      std::vector<int> filled(s.silver_columns.size(), 0);
      int hours = 0;
      const CsvColumnSpec* time_source = nullptr;
      for (const CsvColumnSpec& c : v.columns) {
        if (c.kind == CsvFieldKind::kHourOfDay) ++hours;
        if (c.silver_name == s.rules.time_column) time_source = &c;
        if (c.silver_name.empty()) continue;
        int col = find(c.silver_name);
        if (col < 0) return Status::Internal(where + "unknown silver column " + c.silver_name);
        const SilverColumnSpec& sc = s.silver_columns[col];
        if (sc.fill != SilverFill::kCsv || !KindFitsType(c.kind, sc.column.type)) {
          return Status::Internal(where + "CSV column " + c.name + " cannot fill " + c.silver_name);
        }
        if (c.empty_is_null && !sc.column.nullable) {
          return Status::Internal(where + c.silver_name + " must be nullable");
        }
        if (++filled[col] > 1) return Status::Internal(where + c.silver_name + " filled twice");
      }
      for (size_t i = 0; i < s.silver_columns.size(); ++i) {
        const SilverColumnSpec& sc = s.silver_columns[i];
        if (sc.fill == SilverFill::kCsv && filled[i] == 0 && !sc.column.nullable) {
          return Status::Internal(where + sc.column.name + " is never filled for some market");
        }
        if (sc.fill == SilverFill::kSideFromIsBuyerMaker && find("is_buyer_maker") < 0) {
          return Status::Internal(where + "side needs is_buyer_maker");
        }
      }
      if (filled[time_col] == 0) return Status::Internal(where + "time column not filled");
      if (hours > 1 || (hours == 1 && time_source->kind != CsvFieldKind::kDateText)) {
        return Status::Internal(where + "an hour column needs exactly one date column as time");
      }
    }
    auto numeric = [&](const std::string& name) {
      int col = find(name);
      return col >= 0 && (s.silver_columns[col].column.type == ColumnType::kDouble ||
                          s.silver_columns[col].column.type == ColumnType::kInt64);
    };
    for (const std::string& name : s.rules.positive) {
      if (!numeric(name)) return Status::Internal(where + "rule column " + name);
    }
    for (const std::string& name : s.rules.non_negative) {
      if (!numeric(name)) return Status::Internal(where + "rule column " + name);
    }
    if (s.rules.ohlc) {
      for (const char* name : {"open", "high", "low", "close"}) {
        int col = find(name);
        if (col < 0 || s.silver_columns[col].column.type != ColumnType::kDouble) {
          return Status::Internal(where + "ohlc needs double column " + name);
        }
      }
    }
    if (!s.rules.unique_key.empty()) {
      int col = find(s.rules.unique_key);
      if (col < 0 || (s.silver_columns[col].column.type != ColumnType::kInt64 &&
                      s.silver_columns[col].column.type != ColumnType::kTimestampMicros)) {
        return Status::Internal(where + "unique key must be an int64 or timestamp column");
      }
    }
  }
  return Status::OK();
}

}  // namespace cryptolake::lake
