// ColumnBatch: a batch of rows held column by column, the unit of data the
// Parquet writer consumes and the reader produces.
//
// Each column stores its values in a typed vector chosen by the column's type:
//   kInt64, kTimestampMicros -> Int64(col)   (timestamps are µs since epoch, UTC)
//   kInt32                   -> Int32(col)
//   kDouble                  -> Double(col)
//   kBoolean                 -> Bool(col)     (one byte per row, 0 or 1)
//   kString                  -> String(col)   (contiguous bytes + offsets)
// Nullable columns additionally have Validity(col): one byte per row, 1 when the
// value is present, 0 when null. A null row still occupies a slot in the value
// vector (its content is ignored; append a 0 / empty string). Non-nullable
// columns have an empty validity vector.
//
// Callers fill the vectors directly (push_back / Append); num_rows() is the
// length of column 0. A batch is reusable: Clear() empties every column and
// keeps the allocated capacity, so a parse loop allocates only on growth.
//
// Thread-safety: a ColumnBatch is a value with no internal synchronisation;
// distinct batches may be used from different threads concurrently.
#ifndef CRYPTOLAKE_PARQUET_COLUMN_BATCH_H_
#define CRYPTOLAKE_PARQUET_COLUMN_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/parquet/schema.h"

namespace cryptolake::parquet {

// A column of strings stored as one byte buffer plus end offsets.
// Value i is bytes()[offset(i) .. offset(i+1)).
// REQUIRES: the total byte size of one StringColumn stays below 4 GiB.
class StringColumn {
 public:
  StringColumn() : offsets_{0} {}

  void Append(std::string_view value) {
    bytes_.append(value.data(), value.size());
    offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  }
  // REQUIRES: i < size().
  std::string_view operator[](size_t i) const {
    return std::string_view(bytes_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  size_t size() const { return offsets_.size() - 1; }
  bool empty() const { return size() == 0; }
  void Clear() {
    bytes_.clear();
    offsets_.resize(1);
  }
  // Appends values [begin, begin+count) of `other`. REQUIRES: in range.
  void AppendRange(const StringColumn& other, size_t begin, size_t count) {
    const uint32_t base = other.offsets_[begin];
    const uint32_t shift = static_cast<uint32_t>(bytes_.size()) - base;
    bytes_.append(other.bytes_.data() + base, other.offsets_[begin + count] - base);
    for (size_t i = begin + 1; i <= begin + count; ++i)
      offsets_.push_back(other.offsets_[i] + shift);
  }
  void Reserve(size_t values, size_t bytes) {
    offsets_.reserve(values + 1);
    bytes_.reserve(bytes);
  }
  const std::string& bytes() const { return bytes_; }
  // size()+1 entries; offsets()[0] == 0.
  const std::vector<uint32_t>& offsets() const { return offsets_; }

  friend bool operator==(const StringColumn&, const StringColumn&) = default;

 private:
  std::string bytes_;
  std::vector<uint32_t> offsets_;
};

class ColumnBatch {
 public:
  ColumnBatch() = default;
  explicit ColumnBatch(const Schema& schema);

  const Schema& schema() const { return schema_; }
  size_t num_columns() const { return schema_.columns.size(); }

  // Typed column access. REQUIRES: col < num_columns() and the column's type
  // matches the accessor (see the table above); otherwise the call aborts.
  std::vector<int64_t>& Int64(size_t col);
  const std::vector<int64_t>& Int64(size_t col) const;
  std::vector<int32_t>& Int32(size_t col);
  const std::vector<int32_t>& Int32(size_t col) const;
  std::vector<double>& Double(size_t col);
  const std::vector<double>& Double(size_t col) const;
  std::vector<uint8_t>& Bool(size_t col);
  const std::vector<uint8_t>& Bool(size_t col) const;
  StringColumn& String(size_t col);
  const StringColumn& String(size_t col) const;
  // REQUIRES: the column is nullable.
  std::vector<uint8_t>& Validity(size_t col);
  const std::vector<uint8_t>& Validity(size_t col) const;

  // Number of values in column `col` (whatever its type).
  size_t ColumnSize(size_t col) const;
  // Rows in the batch: the size of column 0 (0 when there are no columns).
  size_t num_rows() const { return num_columns() == 0 ? 0 : ColumnSize(0); }

  // True when row `row` of column `col` holds a value (always for non-nullable).
  bool IsValid(size_t col, size_t row) const;

  // OK when every column has num_rows() values, every nullable column has
  // num_rows() validity bytes, and booleans/validity bytes are 0 or 1.
  Status Validate() const;

  // Empties every column, keeping capacity.
  void Clear();
  // Reserves room for `rows` rows in every column (string bytes are not reserved).
  void Reserve(size_t rows);

  // Appends all rows of `other`. REQUIRES: other.schema() == schema().
  void AppendBatch(const ColumnBatch& other);
  // Appends rows [begin, begin+count) of `other`.
  // REQUIRES: other.schema() == schema(), other is valid, range inside other.
  void AppendRows(const ColumnBatch& other, size_t begin, size_t count);

  friend bool operator==(const ColumnBatch&, const ColumnBatch&) = default;

 private:
  struct Column {
    std::vector<int64_t> int64s;
    std::vector<int32_t> int32s;
    std::vector<double> doubles;
    std::vector<uint8_t> bools;
    StringColumn strings;
    std::vector<uint8_t> validity;

    friend bool operator==(const Column&, const Column&) = default;
  };
  Column& CheckedColumn(size_t col, bool ok_type, const char* accessor);
  const Column& CheckedColumn(size_t col, bool ok_type, const char* accessor) const;

  Schema schema_;
  std::vector<Column> columns_;
};

}  // namespace cryptolake::parquet

#endif  // CRYPTOLAKE_PARQUET_COLUMN_BATCH_H_
