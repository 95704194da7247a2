#include "gold_compute.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace cryptolake::gold {
namespace {

using parquet::ColumnBatch;
using parquet::ColumnSchema;
using parquet::ColumnType;
using parquet::Schema;

constexpr int64_t kMicrosPerDay = kMinutesPerDay * kMicrosPerMinute;
constexpr std::string_view kExchange = "binance";

ColumnSchema Col(const char* name, ColumnType type, bool nullable = false) {
  return ColumnSchema{name, type, nullable};
}

void AppendConstants(std::vector<ColumnSchema>* cols, bool with_interval) {
  cols->push_back(Col("exchange", ColumnType::kString));
  cols->push_back(Col("market", ColumnType::kString));
  cols->push_back(Col("symbol", ColumnType::kString));
  if (with_interval) cols->push_back(Col("interval", ColumnType::kString));
}

// Fills the constant columns starting at `col` for every row of `b`.
void FillConstants(ColumnBatch* b, size_t col, const GoldConstants& c, std::string_view interval,
                   bool with_interval) {
  const size_t n = b->num_rows();
  b->String(col++).AppendRepeated(kExchange, n);
  b->String(col++).AppendRepeated(c.market, n);
  b->String(col++).AppendRepeated(c.symbol, n);
  if (with_interval) b->String(col++).AppendRepeated(interval, n);
}

// Column index by name, or Corruption.
Result<size_t> Need(const ColumnBatch& b, std::string_view name, std::string_view where) {
  const int i = b.schema().FindColumn(name);
  if (i < 0) {
    return Status::Corruption(std::string(where) + " has no column " + std::string(name));
  }
  return static_cast<size_t>(i);
}

// Optional nullable double column: value and presence of row r.
struct OptDouble {
  const std::vector<double>* values = nullptr;
  const std::vector<uint8_t>* validity = nullptr;  // empty/null: always valid
  bool Get(size_t r, double* out) const {
    if (values == nullptr) return false;
    if (validity != nullptr && !validity->empty() && (*validity)[r] == 0) return false;
    *out = (*values)[r];
    return true;
  }
};

OptDouble Optional(const ColumnBatch& b, std::string_view name) {
  OptDouble o;
  const int i = b.schema().FindColumn(name);
  if (i < 0) return o;
  o.values = &b.Double(static_cast<size_t>(i));
  if (b.schema().columns[static_cast<size_t>(i)].nullable)
    o.validity = &b.Validity(static_cast<size_t>(i));
  return o;
}

// Sum of values of which any may be absent; null when none is present (SQL sum()).
struct NullableSum {
  double sum = 0;
  bool any = false;
  void Add(bool has, double v) {
    if (!has) return;
    sum += v;
    any = true;
  }
};

void PushNullable(ColumnBatch* b, size_t col, bool valid, double v) {
  b->Double(col).push_back(valid ? v : 0.0);
  b->Validity(col).push_back(valid ? 1 : 0);
}

// Accumulates 1m bars into one bucket.
struct BarAccumulator {
  int64_t start = 0;
  int last_minute = -1;  // minute of day of the last bar added
  int64_t last_close_time = 0;
  double open = 0, high = 0, low = 0, close = 0, volume = 0, taker_buy_volume = 0;
  NullableSum quote, base, taker_quote, taker_base;
  int64_t trade_count = 0, bar_count = 0, rest_count = 0;

  void Add(const MinuteBar& m, int minute) {
    if (bar_count == 0) {
      open = m.open;
      high = m.high;
      low = m.low;
    } else {
      high = std::max(high, m.high);
      low = std::min(low, m.low);
    }
    close = m.close;
    last_minute = minute;
    last_close_time = m.close_time;
    volume += m.volume;
    taker_buy_volume += m.taker_buy_volume;
    quote.Add(m.has_quote, m.quote_volume);
    base.Add(m.has_base, m.base_volume);
    taker_quote.Add(m.has_taker_quote, m.taker_buy_quote_volume);
    taker_base.Add(m.has_taker_base, m.taker_buy_base_volume);
    trade_count += m.trade_count;
    ++bar_count;
    if (m.rest) ++rest_count;
  }

  // The bucket's close time keeps the source's convention (Binance: end - 1 ms, or end - 1 µs
  // for µs files): the last bar's own offset from its minute's end, applied to the bucket's end.
  int64_t CloseTime(int64_t day_start, int64_t bucket_end) const {
    const int64_t last_end = day_start + (last_minute + 1) * kMicrosPerMinute;
    return last_close_time + (bucket_end - last_end);
  }
};

// Appends the OHLCV columns shared by klines and the daily summary, from column 0 on:
// ts_event .. vwap (14 columns). Returns the next column index.
size_t AppendBarColumns(ColumnBatch* b, const BarAccumulator& a, int64_t day_start,
                        int64_t bucket_end) {
  size_t c = 0;
  b->Int64(c++).push_back(a.start);
  b->Int64(c++).push_back(a.CloseTime(day_start, bucket_end));
  b->Double(c++).push_back(a.open);
  b->Double(c++).push_back(a.high);
  b->Double(c++).push_back(a.low);
  b->Double(c++).push_back(a.close);
  b->Double(c++).push_back(a.volume);
  PushNullable(b, c++, a.quote.any, a.quote.sum);
  PushNullable(b, c++, a.base.any, a.base.sum);
  b->Int64(c++).push_back(a.trade_count);
  b->Double(c++).push_back(a.taker_buy_volume);
  PushNullable(b, c++, a.taker_quote.any, a.taker_quote.sum);
  PushNullable(b, c++, a.taker_base.any, a.taker_base.sum);
  // VWAP needs a quote-currency volume: spot and um only (cm has none; see docs/gold.md).
  const bool has_vwap = a.quote.any && a.volume > 0;
  PushNullable(b, c++, has_vwap, has_vwap ? a.quote.sum / a.volume : 0.0);
  return c;
}

void AppendBarSchema(std::vector<ColumnSchema>* cols) {
  cols->push_back(Col("ts_event", ColumnType::kTimestampMicros));
  cols->push_back(Col("close_time", ColumnType::kTimestampMicros));
  for (const char* n : {"open", "high", "low", "close", "volume"})
    cols->push_back(Col(n, ColumnType::kDouble));
  cols->push_back(Col("quote_volume", ColumnType::kDouble, true));
  cols->push_back(Col("base_volume", ColumnType::kDouble, true));
  cols->push_back(Col("trade_count", ColumnType::kInt64));
  cols->push_back(Col("taker_buy_volume", ColumnType::kDouble));
  cols->push_back(Col("taker_buy_quote_volume", ColumnType::kDouble, true));
  cols->push_back(Col("taker_buy_base_volume", ColumnType::kDouble, true));
  cols->push_back(Col("vwap", ColumnType::kDouble, true));
}

}  // namespace

Result<MinuteBars> LoadMinuteBars(const ColumnBatch& s, int64_t day_start, std::string_view where) {
  MinuteBars day;
  day.day_start = day_start;
  CL_ASSIGN_OR_RETURN(size_t ts_c, Need(s, "ts_event", where));
  CL_ASSIGN_OR_RETURN(size_t ct_c, Need(s, "close_time", where));
  CL_ASSIGN_OR_RETURN(size_t o_c, Need(s, "open", where));
  CL_ASSIGN_OR_RETURN(size_t h_c, Need(s, "high", where));
  CL_ASSIGN_OR_RETURN(size_t l_c, Need(s, "low", where));
  CL_ASSIGN_OR_RETURN(size_t c_c, Need(s, "close", where));
  CL_ASSIGN_OR_RETURN(size_t v_c, Need(s, "volume", where));
  CL_ASSIGN_OR_RETURN(size_t n_c, Need(s, "trade_count", where));
  CL_ASSIGN_OR_RETURN(size_t tb_c, Need(s, "taker_buy_volume", where));
  const int src_c = s.schema().FindColumn("source");
  const OptDouble quote = Optional(s, "quote_volume");
  const OptDouble base = Optional(s, "base_volume");
  const OptDouble tquote = Optional(s, "taker_buy_quote_volume");
  const OptDouble tbase = Optional(s, "taker_buy_base_volume");
  const auto& ts = s.Int64(ts_c);
  const auto& ct = s.Int64(ct_c);
  const auto& open = s.Double(o_c);
  const auto& high = s.Double(h_c);
  const auto& low = s.Double(l_c);
  const auto& close = s.Double(c_c);
  const auto& vol = s.Double(v_c);
  const auto& count = s.Int64(n_c);
  const auto& tbv = s.Double(tb_c);
  const size_t n = s.num_rows();
  day.rows = static_cast<int64_t>(n);
  for (size_t r = 0; r < n; ++r) {
    const int64_t off = ts[r] - day_start;
    if (off < 0 || off >= kMicrosPerDay || off % kMicrosPerMinute != 0) {
      return Status::Corruption(std::string(where) + ": row " + std::to_string(r) +
                                " ts_event is not a minute of the partition's day");
    }
    MinuteBar& m = day.bars[static_cast<size_t>(off / kMicrosPerMinute)];
    if (m.present) {
      ++day.duplicates;
      continue;
    }
    m.present = true;
    m.rest = src_c >= 0 && s.String(static_cast<size_t>(src_c))[r] == "rest";
    m.close_time = ct[r];
    m.open = open[r];
    m.high = high[r];
    m.low = low[r];
    m.close = close[r];
    m.volume = vol[r];
    m.taker_buy_volume = tbv[r];
    m.trade_count = count[r];
    m.has_quote = quote.Get(r, &m.quote_volume);
    m.has_base = base.Get(r, &m.base_volume);
    m.has_taker_quote = tquote.Get(r, &m.taker_buy_quote_volume);
    m.has_taker_base = tbase.Get(r, &m.taker_buy_base_volume);
  }
  return day;
}

Result<int64_t> GoldIntervalMicros(std::string_view interval) {
  auto bad = [&] {
    return Status::InvalidArgument("gold interval '" + std::string(interval) +
                                   "' is not a whole number of minutes (m), hours (h) or 1d "
                                   "that divides a day");
  };
  if (interval.size() < 2) return bad();
  int64_t n = 0;
  const char* end = interval.data() + interval.size() - 1;
  auto [p, ec] = std::from_chars(interval.data(), end, n);
  if (ec != std::errc() || p != end || n <= 0) return bad();
  int64_t unit = 0;
  switch (interval.back()) {
    case 'm':
      unit = kMicrosPerMinute;
      break;
    case 'h':
      unit = 60 * kMicrosPerMinute;
      break;
    case 'd':
      unit = kMicrosPerDay;
      break;
    default:
      return bad();
  }
  if (n > kMinutesPerDay) return bad();
  const int64_t us = n * unit;
  if (us > kMicrosPerDay || kMicrosPerDay % us != 0) return bad();
  return us;
}

Schema KlineGoldSchema() {
  Schema s;
  AppendBarSchema(&s.columns);
  s.columns.push_back(Col("bar_count", ColumnType::kInt64));
  s.columns.push_back(Col("expected_bars", ColumnType::kInt64));
  s.columns.push_back(Col("complete", ColumnType::kBoolean));
  s.columns.push_back(Col("rest_bar_count", ColumnType::kInt64));
  AppendConstants(&s.columns, /*with_interval=*/true);
  return s;
}

Schema DailySummarySchema() {
  Schema s;
  AppendBarSchema(&s.columns);
  s.columns.push_back(Col("log_return", ColumnType::kDouble, true));
  s.columns.push_back(Col("realized_volatility", ColumnType::kDouble));
  s.columns.push_back(Col("realized_volatility_annualized", ColumnType::kDouble));
  s.columns.push_back(Col("return_count", ColumnType::kInt64));
  s.columns.push_back(Col("bar_count", ColumnType::kInt64));
  s.columns.push_back(Col("expected_bars", ColumnType::kInt64));
  s.columns.push_back(Col("complete", ColumnType::kBoolean));
  s.columns.push_back(Col("rest_bar_count", ColumnType::kInt64));
  AppendConstants(&s.columns, /*with_interval=*/false);
  return s;
}

ColumnBatch ResampleKlines(const MinuteBars& day, int64_t interval_us, std::string_view interval,
                           const GoldConstants& c, int64_t* incomplete) {
  ColumnBatch b(KlineGoldSchema());
  const int per_bucket = static_cast<int>(interval_us / kMicrosPerMinute);
  b.Reserve(static_cast<size_t>(kMinutesPerDay / per_bucket));
  for (int first = 0; first < kMinutesPerDay; first += per_bucket) {
    BarAccumulator a;
    a.start = day.day_start + first * kMicrosPerMinute;
    for (int m = first; m < first + per_bucket; ++m) {
      if (day.bars[static_cast<size_t>(m)].present) a.Add(day.bars[static_cast<size_t>(m)], m);
    }
    if (a.bar_count == 0) continue;  // no input: no row (docs/gold.md)
    size_t col = AppendBarColumns(&b, a, day.day_start, a.start + interval_us);
    const bool complete = a.bar_count == per_bucket;
    b.Int64(col++).push_back(a.bar_count);
    b.Int64(col++).push_back(per_bucket);
    b.Bool(col++).push_back(complete ? 1 : 0);
    b.Int64(col++).push_back(a.rest_count);
    if (!complete) ++*incomplete;
  }
  FillConstants(&b, b.num_columns() - 4, c, interval, true);
  return b;
}

ColumnBatch SummarizeDay(const MinuteBars& day, const GoldConstants& c, int64_t* incomplete) {
  ColumnBatch b(DailySummarySchema());
  BarAccumulator a;
  a.start = day.day_start;
  double sum_sq = 0;
  int64_t returns = 0;
  for (int m = 0; m < kMinutesPerDay; ++m) {
    const MinuteBar& bar = day.bars[static_cast<size_t>(m)];
    if (!bar.present) continue;
    // 1m log returns between adjacent minutes that both have a bar (docs/gold.md).
    if (m > 0 && day.bars[static_cast<size_t>(m - 1)].present) {
      const double prev = day.bars[static_cast<size_t>(m - 1)].close;
      if (prev > 0 && bar.close > 0) {
        const double r = std::log(bar.close / prev);
        sum_sq += r * r;
        ++returns;
      }
    }
    a.Add(bar, m);
  }
  if (a.bar_count == 0) return b;
  size_t col = AppendBarColumns(&b, a, day.day_start, day.day_start + kMicrosPerDay);
  const bool has_return = a.open > 0 && a.close > 0;
  PushNullable(&b, col++, has_return, has_return ? std::log(a.close / a.open) : 0.0);
  const double rv = std::sqrt(sum_sq);
  b.Double(col++).push_back(rv);
  b.Double(col++).push_back(rv * std::sqrt(365.0));
  b.Int64(col++).push_back(returns);
  const bool complete = a.bar_count == kMinutesPerDay;
  b.Int64(col++).push_back(a.bar_count);
  b.Int64(col++).push_back(kMinutesPerDay);
  b.Bool(col++).push_back(complete ? 1 : 0);
  b.Int64(col++).push_back(a.rest_count);
  if (!complete) ++*incomplete;
  FillConstants(&b, col, c, "", false);
  return b;
}

Schema TradeBarSchema() {
  Schema s;
  s.columns.push_back(Col("ts_event", ColumnType::kTimestampMicros));
  s.columns.push_back(Col("first_trade_time", ColumnType::kTimestampMicros));
  s.columns.push_back(Col("last_trade_time", ColumnType::kTimestampMicros));
  for (const char* n : {"open", "high", "low", "close", "volume", "buy_volume", "sell_volume"})
    s.columns.push_back(Col(n, ColumnType::kDouble));
  s.columns.push_back(Col("quote_volume", ColumnType::kDouble, true));
  s.columns.push_back(Col("vwap", ColumnType::kDouble, true));
  s.columns.push_back(Col("trade_count", ColumnType::kInt64));
  s.columns.push_back(Col("agg_trade_count", ColumnType::kInt64, true));
  s.columns.push_back(Col("first_trade_id", ColumnType::kInt64));
  s.columns.push_back(Col("last_trade_id", ColumnType::kInt64));
  AppendConstants(&s.columns, /*with_interval=*/true);
  s.columns.push_back(Col("source_type", ColumnType::kString));
  return s;
}

Result<ColumnBatch> BuildTradeBars(const ColumnBatch& s, bool agg, int64_t day_start,
                                   const GoldConstants& c, std::string_view where) {
  CL_ASSIGN_OR_RETURN(size_t ts_c, Need(s, "ts_event", where));
  CL_ASSIGN_OR_RETURN(size_t p_c, Need(s, "price", where));
  CL_ASSIGN_OR_RETURN(size_t q_c, Need(s, "size", where));
  CL_ASSIGN_OR_RETURN(size_t m_c, Need(s, "is_buyer_maker", where));
  CL_ASSIGN_OR_RETURN(size_t id_c, Need(s, agg ? "agg_trade_id" : "trade_id", where));
  size_t first_c = id_c, last_c = id_c;
  if (agg) {
    CL_ASSIGN_OR_RETURN(first_c, Need(s, "first_trade_id", where));
    CL_ASSIGN_OR_RETURN(last_c, Need(s, "last_trade_id", where));
  }
  const auto& ts = s.Int64(ts_c);
  const auto& price = s.Double(p_c);
  const auto& size = s.Double(q_c);
  const auto& maker = s.Bool(m_c);
  const auto& id = s.Int64(id_c);
  const auto& first_id = s.Int64(first_c);
  const auto& last_id = s.Int64(last_c);
  // Quote volume (price x size) only where size is in base units: spot and um.
  const bool has_quote = c.market != "cm";

  struct Minute {
    int64_t rows = 0, trades = 0;
    int64_t open_id = 0, close_id = 0, first_trade = 0, last_trade = 0;
    int64_t first_time = 0, last_time = 0;
    double open = 0, high = 0, low = 0, close = 0, volume = 0, buy = 0, sell = 0, quote = 0;
  };
  std::vector<Minute> minutes(kMinutesPerDay);
  const size_t n = s.num_rows();
  for (size_t r = 0; r < n; ++r) {
    const int64_t off = ts[r] - day_start;
    if (off < 0 || off >= kMicrosPerDay) {
      return Status::Corruption(std::string(where) + ": row " + std::to_string(r) +
                                " ts_event lies outside the partition's day");
    }
    Minute& m = minutes[static_cast<size_t>(off / kMicrosPerMinute)];
    const double p = price[r];
    if (m.rows == 0) {
      m.open_id = m.close_id = id[r];
      m.open = m.close = m.high = m.low = p;
      m.first_trade = first_id[r];
      m.last_trade = last_id[r];
      m.first_time = m.last_time = ts[r];
    } else {
      // Open and close follow the ids (the exchange's sequence), not file order.
      if (id[r] < m.open_id) {
        m.open_id = id[r];
        m.open = p;
      }
      if (id[r] > m.close_id) {
        m.close_id = id[r];
        m.close = p;
      }
      m.high = std::max(m.high, p);
      m.low = std::min(m.low, p);
      m.first_trade = std::min(m.first_trade, first_id[r]);
      m.last_trade = std::max(m.last_trade, last_id[r]);
      m.first_time = std::min(m.first_time, ts[r]);
      m.last_time = std::max(m.last_time, ts[r]);
    }
    ++m.rows;
    m.trades += agg ? last_id[r] - first_id[r] + 1 : 1;
    m.volume += size[r];
    // The buyer is the taker (aggressor buy) when the buyer is not the maker. Both sides are
    // summed on their own (not volume - buy), so each is a plain sum of its trades.
    if (maker[r] == 0) {
      m.buy += size[r];
    } else {
      m.sell += size[r];
    }
    if (has_quote) m.quote += p * size[r];
  }
  ColumnBatch b(TradeBarSchema());
  for (int i = 0; i < kMinutesPerDay; ++i) {
    const Minute& m = minutes[static_cast<size_t>(i)];
    if (m.rows == 0) continue;
    size_t col = 0;
    b.Int64(col++).push_back(day_start + i * kMicrosPerMinute);
    b.Int64(col++).push_back(m.first_time);
    b.Int64(col++).push_back(m.last_time);
    b.Double(col++).push_back(m.open);
    b.Double(col++).push_back(m.high);
    b.Double(col++).push_back(m.low);
    b.Double(col++).push_back(m.close);
    b.Double(col++).push_back(m.volume);
    b.Double(col++).push_back(m.buy);
    b.Double(col++).push_back(m.sell);
    PushNullable(&b, col++, has_quote, m.quote);
    const bool vwap = has_quote && m.volume > 0;
    PushNullable(&b, col++, vwap, vwap ? m.quote / m.volume : 0.0);
    b.Int64(col++).push_back(m.trades);
    b.Int64(col).push_back(agg ? m.rows : 0);
    b.Validity(col++).push_back(agg ? 1 : 0);
    b.Int64(col++).push_back(m.first_trade);
    b.Int64(col++).push_back(m.last_trade);
  }
  const size_t consts = b.num_columns() - 5;
  FillConstants(&b, consts, c, "1m", true);
  b.String(b.num_columns() - 1).AppendRepeated(agg ? "aggTrades" : "trades", b.num_rows());
  return b;
}

Schema FundingSchema() {
  Schema s;
  s.columns.push_back(Col("ts_event", ColumnType::kTimestampMicros));
  s.columns.push_back(Col("funding_count", ColumnType::kInt64));
  s.columns.push_back(Col("funding_interval_hours", ColumnType::kInt64));
  for (const char* n : {"rate_sum", "rate_mean", "rate_min", "rate_max", "mean_7d", "mean_30d"})
    s.columns.push_back(Col(n, ColumnType::kDouble));
  s.columns.push_back(Col("days_7d", ColumnType::kInt64));
  s.columns.push_back(Col("days_30d", ColumnType::kInt64));
  s.columns.push_back(Col("window_complete", ColumnType::kBoolean));
  s.columns.push_back(Col("annualized_rate", ColumnType::kDouble));
  AppendConstants(&s.columns, /*with_interval=*/false);
  return s;
}

Result<ColumnBatch> BuildFunding(const std::vector<const ColumnBatch*>& silver,
                                 int64_t month_first_day, int days, const GoldConstants& c,
                                 std::string_view where, int64_t* incomplete) {
  constexpr int kLookback = 29;  // the 30d window of the month's first day starts here
  struct Day {
    int64_t count = 0, hours = 0;
    double sum = 0, min = 0, max = 0;
  };
  const int64_t first = month_first_day - kLookback;
  std::vector<Day> window(static_cast<size_t>(kLookback + days));
  for (const ColumnBatch* s : silver) {
    CL_ASSIGN_OR_RETURN(size_t ts_c, Need(*s, "ts_event", where));
    CL_ASSIGN_OR_RETURN(size_t r_c, Need(*s, "funding_rate", where));
    CL_ASSIGN_OR_RETURN(size_t h_c, Need(*s, "funding_interval_hours", where));
    const auto& ts = s->Int64(ts_c);
    const auto& rate = s->Double(r_c);
    const auto& hours = s->Int64(h_c);
    for (size_t r = 0; r < s->num_rows(); ++r) {
      const int64_t d = (ts[r] >= 0 ? ts[r] / kMicrosPerDay : -1) - first;
      if (d < 0 || d >= static_cast<int64_t>(window.size())) continue;
      Day& day = window[static_cast<size_t>(d)];
      if (day.count == 0) {
        day.min = day.max = rate[r];
      } else {
        day.min = std::min(day.min, rate[r]);
        day.max = std::max(day.max, rate[r]);
      }
      ++day.count;
      day.sum += rate[r];
      day.hours = std::max(day.hours, hours[r]);
    }
  }
  ColumnBatch b(FundingSchema());
  for (int i = kLookback; i < kLookback + days; ++i) {
    const Day& d = window[static_cast<size_t>(i)];
    if (d.count == 0) continue;
    // Trailing windows ending this day: means over every funding row inside, and how many of the
    // window's days had any row.
    auto trailing = [&](int len, int64_t* days_with_data) {
      double sum = 0;
      int64_t n = 0;
      *days_with_data = 0;
      for (int k = i - len + 1; k <= i; ++k) {
        const Day& w = window[static_cast<size_t>(k)];
        sum += w.sum;
        n += w.count;
        if (w.count > 0) ++*days_with_data;
      }
      return sum / static_cast<double>(n);
    };
    int64_t days7 = 0, days30 = 0;
    const double mean7 = trailing(7, &days7);
    const double mean30 = trailing(30, &days30);
    const bool complete = days7 == 7 && days30 == 30;
    if (!complete) ++*incomplete;
    size_t col = 0;
    b.Int64(col++).push_back((first + i) * kMicrosPerDay);
    b.Int64(col++).push_back(d.count);
    b.Int64(col++).push_back(d.hours);
    b.Double(col++).push_back(d.sum);
    b.Double(col++).push_back(d.sum / static_cast<double>(d.count));
    b.Double(col++).push_back(d.min);
    b.Double(col++).push_back(d.max);
    b.Double(col++).push_back(mean7);
    b.Double(col++).push_back(mean30);
    b.Int64(col++).push_back(days7);
    b.Int64(col++).push_back(days30);
    b.Bool(col++).push_back(complete ? 1 : 0);
    b.Double(col++).push_back(d.sum * 365.0);  // the day's funding paid, held for a year
  }
  FillConstants(&b, b.num_columns() - 3, c, "", false);
  return b;
}

}  // namespace cryptolake::gold
