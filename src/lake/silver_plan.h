// SilverPlan: a data type's declaration (data_type_schema.h) resolved for one
// market's CSV layout, so the row parser indexes parsed values directly.
//
// Thread-safety: immutable after CompileSilverPlan(); share freely.
#ifndef CRYPTOLAKE_LAKE_SILVER_PLAN_H_
#define CRYPTOLAKE_LAKE_SILVER_PLAN_H_

#include <cstdint>
#include <vector>

#include "cryptolake/lake/data_type_schema.h"

namespace cryptolake::lake::internal {

// Wide enough for every declared layout (klines have 12 columns).
inline constexpr int kMaxCsvColumns = 32;

struct CompiledColumn {
  const CsvColumnSpec* spec = nullptr;
  int silver = -1;  // silver column index, -1 when not stored
};

struct SilverPlan {
  const DataTypeSchema* schema = nullptr;
  std::vector<CompiledColumn> cols;  // one per CSV column
  std::vector<int> mapped;           // CSV indices with silver >= 0, in CSV order
  int time_csv = -1;                 // the rules' time column
  int hour_csv = -1;                 // a kHourOfDay column, added to the time column
  int unique_csv = -1;               // the rules' unique key, -1 when none
  int open_csv = -1, high_csv = -1, low_csv = -1, close_csv = -1;  // OHLC rule
  std::vector<int> positive_csv;
  std::vector<int> non_negative_csv;
  // Per silver column: filled from a CSV cell, and whether that cell may be empty (null).
  std::vector<uint8_t> silver_from_csv;
  std::vector<uint8_t> silver_csv_nullable;
  int time_silver = -1;  // the rules' time column in the silver schema
};

// REQUIRES: csv is schema.CsvColumns(market) for some market, at most
// kMaxCsvColumns wide.
SilverPlan CompileSilverPlan(const DataTypeSchema& schema, const std::vector<CsvColumnSpec>& csv);

}  // namespace cryptolake::lake::internal

#endif  // CRYPTOLAKE_LAKE_SILVER_PLAN_H_
