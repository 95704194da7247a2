// Schema: the flat column layout of a cryptolake Parquet file.
//
// cryptolake writes flat tables only (no nesting, no repeated fields). Each
// column has a name, one of a small set of physical+logical types, and a
// nullability flag. The mapping to Parquet is:
//   kBoolean         -> BOOLEAN
//   kInt32           -> INT32, logical INT(32, signed)
//   kInt64           -> INT64, logical INT(64, signed)
//   kDouble          -> DOUBLE
//   kString          -> BYTE_ARRAY, logical STRING (converted type UTF8)
//   kTimestampMicros -> INT64, logical TIMESTAMP(isAdjustedToUTC=true, MICROS)
// A nullable column is OPTIONAL in Parquet, otherwise REQUIRED.
//
// Thread-safety: Schema is a plain value; const access from several threads is
// safe, mutation needs external synchronisation.
#ifndef CRYPTOLAKE_PARQUET_SCHEMA_H_
#define CRYPTOLAKE_PARQUET_SCHEMA_H_

#include <string>
#include <string_view>
#include <vector>

namespace cryptolake::parquet {

enum class ColumnType { kBoolean, kInt32, kInt64, kDouble, kString, kTimestampMicros };

// "boolean", "int32", "int64", "double", "string", "timestamp_us".
std::string_view ColumnTypeName(ColumnType type);

struct ColumnSchema {
  std::string name;
  ColumnType type = ColumnType::kInt64;
  bool nullable = false;

  friend bool operator==(const ColumnSchema&, const ColumnSchema&) = default;
};

struct Schema {
  std::vector<ColumnSchema> columns;

  // Index of the column called `name`, or -1 when there is none.
  int FindColumn(std::string_view name) const;
  size_t num_columns() const { return columns.size(); }

  friend bool operator==(const Schema&, const Schema&) = default;
};

}  // namespace cryptolake::parquet

#endif  // CRYPTOLAKE_PARQUET_SCHEMA_H_
