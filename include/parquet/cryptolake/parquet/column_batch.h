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
//
// A column can also hold one value repeated size() times (is_repeated()), for
// the constant columns of a batch (exchange, market, symbol, ...): filling it
// costs O(1) memory instead of a copy and an offset per row, and the Parquet
// writer encodes it as a one-entry dictionary without looking at every row.
// AppendRepeated() on an empty column starts that form; appending the same
// value keeps it; appending any other value first converts the column to the
// bytes + offsets form (it never changes the values a caller sees).
// Equality compares values, not the representation.
// REQUIRES: the total byte size of one StringColumn stays below 4 GiB.
class StringColumn {
 public:
  StringColumn() : offsets_{0} {}

  void Append(std::string_view value) {
    if (repeated_count_ > 0) {
      if (value == std::string_view(bytes_)) {
        ++repeated_count_;
        return;
      }
      Materialize();
    }
    bytes_.append(value.data(), value.size());
    offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  }
  // Appends `count` copies of `value`; on an empty column (or one that already
  // repeats `value`) in O(1) time and memory.
  void AppendRepeated(std::string_view value, size_t count);
  // REQUIRES: i < size().
  std::string_view operator[](size_t i) const {
    if (repeated_count_ > 0) return std::string_view(bytes_);
    return std::string_view(bytes_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  size_t size() const { return repeated_count_ > 0 ? repeated_count_ : offsets_.size() - 1; }
  bool empty() const { return size() == 0; }
  void Clear() {
    bytes_.clear();
    offsets_.resize(1);
    repeated_count_ = 0;
  }
  // Appends values [begin, begin+count) of `other`. REQUIRES: in range.
  void AppendRange(const StringColumn& other, size_t begin, size_t count);
  void Reserve(size_t values, size_t bytes) {
    offsets_.reserve(values + 1);
    bytes_.reserve(bytes);
  }

  // True when the column holds one value repeated size() > 0 times.
  bool is_repeated() const { return repeated_count_ > 0; }
  // The repeated value. REQUIRES: is_repeated().
  std::string_view repeated_value() const { return bytes_; }
  // Converts a repeated column to the bytes + offsets form (no-op otherwise).
  void Materialize();

  // REQUIRES (bytes(), offsets()): !is_repeated() (call Materialize() first
  // when the column may be repeated).
  const std::string& bytes() const { return bytes_; }
  // size()+1 entries; offsets()[0] == 0.
  const std::vector<uint32_t>& offsets() const { return offsets_; }

  friend bool operator==(const StringColumn& a, const StringColumn& b);

 private:
  // bytes + offsets form: bytes_ holds every value, offsets_ size()+1 ends.
  // Repeated form (repeated_count_ > 0): bytes_ holds the value once and
  // offsets_ is {0}.
  std::string bytes_;
  std::vector<uint32_t> offsets_;
  size_t repeated_count_ = 0;
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
