// The gold tables of docs/gold.md written as DuckDB SQL over a lake's silver: the independent
// reference `cryptolake gold` is checked against (test/e2e/gold_check.cjs) and raced against
// (bench/gold_bench.sh). Each function returns one SELECT producing the product's gold columns
// (times as epoch µs BIGINTs named *_us) for every partition silver supports.
'use strict';

const MINUTE = 60000000;
const DAY = 86400000000;

function silverGlob(lake, type) {
  return `read_parquet('${lake}/silver/${type}/**/*.parquet', hive_partitioning = false)`;
}

// Kline buckets of `minutes` from the 1m silver klines.
function klinesSql(lake, interval, minutes) {
  const m = minutes * MINUTE;
  return `
WITH s AS (
  SELECT market, symbol, epoch_us(ts_event) AS t, epoch_us(close_time) AS ct, open, high, low,
         close, volume, quote_volume, base_volume, trade_count, taker_buy_volume,
         taker_buy_quote_volume, taker_buy_base_volume, source,
         epoch_us(ts_event) // ${m} * ${m} AS bucket
  FROM ${silverGlob(lake, 'klines')} WHERE interval = '1m')
SELECT market, symbol, '${interval}' AS interval, bucket AS ts_event_us,
       arg_max(ct, t) + (bucket + ${m} - (max(t) + ${MINUTE})) AS close_time_us,
       arg_min(open, t) AS open, max(high) AS high, min(low) AS low, arg_max(close, t) AS close,
       sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(base_volume) AS base_volume,
       sum(trade_count)::BIGINT AS trade_count, sum(taker_buy_volume) AS taker_buy_volume,
       sum(taker_buy_quote_volume) AS taker_buy_quote_volume,
       sum(taker_buy_base_volume) AS taker_buy_base_volume,
       sum(quote_volume) / nullif(sum(volume), 0) AS vwap,
       count(*) AS bar_count, ${minutes}::BIGINT AS expected_bars,
       count(*) = ${minutes} AS complete,
       count(*) FILTER (WHERE source = 'rest') AS rest_bar_count
FROM s GROUP BY market, symbol, bucket`;
}

function dailySummarySql(lake) {
  return `
WITH s AS (
  SELECT market, symbol, epoch_us(ts_event) AS t, epoch_us(close_time) AS ct, open, high, low,
         close, volume, quote_volume, base_volume, trade_count, taker_buy_volume,
         taker_buy_quote_volume, taker_buy_base_volume, source,
         epoch_us(ts_event) // ${DAY} * ${DAY} AS day
  FROM ${silverGlob(lake, 'klines')} WHERE interval = '1m'),
r AS (
  SELECT *, CASE WHEN lag(t) OVER w = t - ${MINUTE} AND lag(close) OVER w > 0 AND close > 0
                 THEN ln(close / lag(close) OVER w) END AS ret
  FROM s WINDOW w AS (PARTITION BY market, symbol, day ORDER BY t))
SELECT market, symbol, day AS ts_event_us,
       arg_max(ct, t) + (day + ${DAY} - (max(t) + ${MINUTE})) AS close_time_us,
       arg_min(open, t) AS open, max(high) AS high, min(low) AS low, arg_max(close, t) AS close,
       sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(base_volume) AS base_volume,
       sum(trade_count)::BIGINT AS trade_count, sum(taker_buy_volume) AS taker_buy_volume,
       sum(taker_buy_quote_volume) AS taker_buy_quote_volume,
       sum(taker_buy_base_volume) AS taker_buy_base_volume,
       sum(quote_volume) / nullif(sum(volume), 0) AS vwap,
       ln(arg_max(close, t) / arg_min(open, t)) AS log_return,
       sqrt(coalesce(sum(ret * ret), 0)) AS realized_volatility,
       sqrt(coalesce(sum(ret * ret), 0)) * sqrt(365) AS realized_volatility_annualized,
       count(ret) AS return_count, count(*) AS bar_count, 1440::BIGINT AS expected_bars,
       count(*) = 1440 AS complete, count(*) FILTER (WHERE source = 'rest') AS rest_bar_count
FROM r GROUP BY market, symbol, day`;
}

// 1m bars from aggTrades silver.
function tradeBarsSql(lake) {
  return `
WITH s AS (SELECT *, epoch_us(ts_event) AS t, epoch_us(ts_event) // ${MINUTE} * ${MINUTE} AS minute
           FROM ${silverGlob(lake, 'aggTrades')})
SELECT market, symbol, '1m' AS interval, minute AS ts_event_us,
       min(t) AS first_trade_time_us, max(t) AS last_trade_time_us,
       arg_min(price, agg_trade_id) AS open, max(price) AS high, min(price) AS low,
       arg_max(price, agg_trade_id) AS close, sum(size) AS volume,
       coalesce(sum(size) FILTER (WHERE NOT is_buyer_maker), 0) AS buy_volume,
       coalesce(sum(size) FILTER (WHERE is_buyer_maker), 0) AS sell_volume,
       CASE WHEN market <> 'cm' THEN sum(price * size) END AS quote_volume,
       CASE WHEN market <> 'cm' THEN sum(price * size) / nullif(sum(size), 0) END AS vwap,
       sum(last_trade_id - first_trade_id + 1)::BIGINT AS trade_count,
       count(*) AS agg_trade_count, min(first_trade_id) AS first_trade_id,
       max(last_trade_id) AS last_trade_id
FROM s GROUP BY market, symbol, minute`;
}

// Daily funding aggregates with trailing 7d/30d windows over the days that have rows.
function fundingSql(lake) {
  return `
WITH d AS (
  SELECT market, symbol, epoch_us(ts_event) // ${DAY} AS day, count(*) AS funding_count,
         max(funding_interval_hours) AS funding_interval_hours, sum(funding_rate) AS rate_sum,
         min(funding_rate) AS rate_min, max(funding_rate) AS rate_max
  FROM ${silverGlob(lake, 'fundingRate')} GROUP BY ALL),
w AS (
  SELECT *,
    sum(rate_sum) OVER w7 / sum(funding_count) OVER w7 AS mean_7d,
    sum(rate_sum) OVER w30 / sum(funding_count) OVER w30 AS mean_30d,
    count(*) OVER w7 AS days_7d, count(*) OVER w30 AS days_30d
  FROM d WINDOW
    w7 AS (PARTITION BY market, symbol ORDER BY day RANGE BETWEEN 6 PRECEDING AND CURRENT ROW),
    w30 AS (PARTITION BY market, symbol ORDER BY day RANGE BETWEEN 29 PRECEDING AND CURRENT ROW))
SELECT market, symbol, day * ${DAY} AS ts_event_us, funding_count, funding_interval_hours,
       rate_sum, rate_sum / funding_count AS rate_mean, rate_min, rate_max, mean_7d, mean_30d,
       days_7d, days_30d, days_7d = 7 AND days_30d = 30 AS window_complete,
       rate_sum * 365 AS annualized_rate
FROM w`;
}

// Column kinds for the comparison: 'key' joins, 'exact' must be equal (integers, booleans and
// prices picked rather than computed), 'approx' within the relative tolerance.
const PRODUCTS = {
  klines: {
    times: ['ts_event', 'close_time'],
    key: ['market', 'symbol', 'interval', 'ts_event_us'],
    exact: ['close_time_us', 'open', 'high', 'low', 'close', 'trade_count', 'bar_count',
            'expected_bars', 'complete', 'rest_bar_count'],
    approx: ['volume', 'quote_volume', 'base_volume', 'taker_buy_volume',
             'taker_buy_quote_volume', 'taker_buy_base_volume', 'vwap'],
  },
  daily_summary: {
    times: ['ts_event', 'close_time'],
    key: ['market', 'symbol', 'ts_event_us'],
    exact: ['close_time_us', 'open', 'high', 'low', 'close', 'trade_count', 'return_count',
            'bar_count', 'expected_bars', 'complete', 'rest_bar_count'],
    approx: ['volume', 'quote_volume', 'base_volume', 'taker_buy_volume',
             'taker_buy_quote_volume', 'taker_buy_base_volume', 'vwap', 'log_return',
             'realized_volatility', 'realized_volatility_annualized'],
  },
  trade_bars: {
    times: ['ts_event', 'first_trade_time', 'last_trade_time'],
    key: ['market', 'symbol', 'interval', 'ts_event_us'],
    exact: ['first_trade_time_us', 'last_trade_time_us', 'open', 'high', 'low', 'close',
            'trade_count', 'agg_trade_count', 'first_trade_id', 'last_trade_id'],
    approx: ['volume', 'buy_volume', 'sell_volume', 'quote_volume', 'vwap'],
  },
  funding: {
    times: ['ts_event'],
    key: ['market', 'symbol', 'ts_event_us'],
    exact: ['funding_count', 'funding_interval_hours', 'rate_min', 'rate_max', 'days_7d',
            'days_30d', 'window_complete'],
    approx: ['rate_sum', 'rate_mean', 'mean_7d', 'mean_30d', 'annualized_rate'],
  },
};

module.exports = { klinesSql, dailySummarySql, tradeBarsSql, fundingSql, PRODUCTS, MINUTE, DAY };
