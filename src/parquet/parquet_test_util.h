// Test helpers: a schema with every column type (required and nullable) and a
// deterministic batch that exercises extremes, empty strings and nulls.
#ifndef CRYPTOLAKE_SRC_PARQUET_PARQUET_TEST_UTIL_H_
#define CRYPTOLAKE_SRC_PARQUET_PARQUET_TEST_UTIL_H_

#include <cstdint>
#include <limits>
#include <string>

#include "cryptolake/parquet/column_batch.h"
#include "cryptolake/parquet/schema.h"

namespace cryptolake::parquet::testing {

inline Schema AllTypesSchema() {
  Schema s;
  s.columns = {
      {"flag", ColumnType::kBoolean, false},   {"small", ColumnType::kInt32, false},
      {"id", ColumnType::kInt64, false},       {"price", ColumnType::kDouble, false},
      {"symbol", ColumnType::kString, false},  {"ts_event", ColumnType::kTimestampMicros, false},
      {"n_flag", ColumnType::kBoolean, true},  {"n_small", ColumnType::kInt32, true},
      {"n_id", ColumnType::kInt64, true},      {"n_price", ColumnType::kDouble, true},
      {"n_symbol", ColumnType::kString, true}, {"n_ts", ColumnType::kTimestampMicros, true},
  };
  return s;
}

// Row i of the all-types batch. Low-cardinality columns (flag, price,
// symbol) dictionary-encode; id and ts_event are increasing; every 5th
// nullable value is null; row 0..3 carry extremes.
inline ColumnBatch AllTypesBatch(size_t rows, size_t first_row = 0) {
  ColumnBatch b(AllTypesSchema());
  for (size_t r = first_row; r < first_row + rows; ++r) {
    const int64_t i = static_cast<int64_t>(r);
    int32_t small = static_cast<int32_t>(i * 7919 % 100000 - 50000);
    int64_t id = 1'000'000'000 + i * 3;
    double price = 100.0 + static_cast<double>(i % 37) * 0.25;
    std::string symbol = (i % 11 == 0) ? std::string() : "SYM" + std::to_string(i % 13);
    int64_t ts = 1'700'000'000'000'000 + i * 1000 + (i % 3);
    if (r == 0) {
      small = std::numeric_limits<int32_t>::min();
      id = std::numeric_limits<int64_t>::min();
      price = -std::numeric_limits<double>::max();
      symbol = std::string("\xff\xfe", 2);
      ts = 0;
    } else if (r == 1) {
      small = std::numeric_limits<int32_t>::max();
      id = std::numeric_limits<int64_t>::max();
      price = std::numeric_limits<double>::denorm_min();
      symbol = std::string("nul\0inside", 10);
      ts = -1;
    }
    b.Bool(0).push_back(static_cast<uint8_t>(i % 3 == 0));
    b.Int32(1).push_back(small);
    b.Int64(2).push_back(id);
    b.Double(3).push_back(price);
    b.String(4).Append(symbol);
    b.Int64(5).push_back(ts);
    const bool valid = (r % 5) != 2;
    for (size_t c = 6; c < 12; ++c) b.Validity(c).push_back(valid ? 1 : 0);
    b.Bool(6).push_back(valid ? static_cast<uint8_t>(i % 2) : 0);
    b.Int32(7).push_back(valid ? small : 0);
    b.Int64(8).push_back(valid ? id : 0);
    b.Double(9).push_back(valid ? price : 0);
    b.String(10).Append(valid ? symbol : std::string());
    b.Int64(11).push_back(valid ? ts : 0);
  }
  return b;
}

}  // namespace cryptolake::parquet::testing

#endif  // CRYPTOLAKE_SRC_PARQUET_PARQUET_TEST_UTIL_H_
