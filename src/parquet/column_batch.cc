#include "cryptolake/parquet/column_batch.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace cryptolake::parquet {
namespace {

bool IsInt64Type(ColumnType t) {
  return t == ColumnType::kInt64 || t == ColumnType::kTimestampMicros;
}

}  // namespace

void StringColumn::AppendRepeated(std::string_view value, size_t count) {
  if (count == 0) return;
  if (repeated_count_ > 0 && value == std::string_view(bytes_)) {
    repeated_count_ += count;
    return;
  }
  if (size() == 0) {
    // Empty: start the repeated form (offsets_ is {0} already).
    bytes_.assign(value.data(), value.size());
    repeated_count_ = count;
    return;
  }
  Materialize();
  offsets_.reserve(offsets_.size() + count);
  bytes_.reserve(bytes_.size() + value.size() * count);
  for (size_t i = 0; i < count; ++i) {
    bytes_.append(value.data(), value.size());
    offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  }
}

void StringColumn::Materialize() {
  if (repeated_count_ == 0) return;
  const size_t count = repeated_count_;
  const std::string value = std::move(bytes_);
  repeated_count_ = 0;
  bytes_.clear();
  offsets_.assign(1, 0);
  offsets_.reserve(count + 1);
  bytes_.reserve(value.size() * count);
  for (size_t i = 0; i < count; ++i) {
    bytes_.append(value);
    offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  }
}

void StringColumn::AppendRange(const StringColumn& other, size_t begin, size_t count) {
  if (count == 0) return;
  if (other.repeated_count_ > 0) {
    AppendRepeated(other.repeated_value(), count);
    return;
  }
  Materialize();
  const uint32_t base = other.offsets_[begin];
  const uint32_t shift = static_cast<uint32_t>(bytes_.size()) - base;
  bytes_.append(other.bytes_.data() + base, other.offsets_[begin + count] - base);
  for (size_t i = begin + 1; i <= begin + count; ++i) offsets_.push_back(other.offsets_[i] + shift);
}

bool operator==(const StringColumn& a, const StringColumn& b) {
  if (a.size() != b.size()) return false;
  if (a.repeated_count_ == 0 && b.repeated_count_ == 0) {
    return a.bytes_ == b.bytes_ && a.offsets_ == b.offsets_;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

ColumnBatch::ColumnBatch(const Schema& schema) : schema_(schema), columns_(schema.columns.size()) {}

// A wrong accessor is a programming error, like an out-of-range index: abort
// with a message naming the column rather than corrupting memory.
ColumnBatch::Column& ColumnBatch::CheckedColumn(size_t col, bool ok_type, const char* accessor) {
  return const_cast<Column&>(std::as_const(*this).CheckedColumn(col, ok_type, accessor));
}

const ColumnBatch::Column& ColumnBatch::CheckedColumn(size_t col, bool ok_type,
                                                      const char* accessor) const {
  if (col >= columns_.size()) {
    std::fprintf(stderr, "ColumnBatch::%s: column %zu out of range (%zu columns)\n", accessor, col,
                 columns_.size());
    std::abort();
  }
  if (!ok_type) {
    std::fprintf(stderr, "ColumnBatch::%s: column '%s' has type %s\n", accessor,
                 schema_.columns[col].name.c_str(),
                 std::string(ColumnTypeName(schema_.columns[col].type)).c_str());
    std::abort();
  }
  return columns_[col];
}

#define CL_BATCH_TYPE_OK(pred) (col < columns_.size() && (pred))

std::vector<int64_t>& ColumnBatch::Int64(size_t col) {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(IsInt64Type(schema_.columns[col].type)), "Int64")
      .int64s;
}
const std::vector<int64_t>& ColumnBatch::Int64(size_t col) const {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(IsInt64Type(schema_.columns[col].type)), "Int64")
      .int64s;
}
std::vector<int32_t>& ColumnBatch::Int32(size_t col) {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(schema_.columns[col].type == ColumnType::kInt32),
                       "Int32")
      .int32s;
}
const std::vector<int32_t>& ColumnBatch::Int32(size_t col) const {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(schema_.columns[col].type == ColumnType::kInt32),
                       "Int32")
      .int32s;
}
std::vector<double>& ColumnBatch::Double(size_t col) {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(schema_.columns[col].type == ColumnType::kDouble),
                       "Double")
      .doubles;
}
const std::vector<double>& ColumnBatch::Double(size_t col) const {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(schema_.columns[col].type == ColumnType::kDouble),
                       "Double")
      .doubles;
}
std::vector<uint8_t>& ColumnBatch::Bool(size_t col) {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(schema_.columns[col].type == ColumnType::kBoolean),
                       "Bool")
      .bools;
}
const std::vector<uint8_t>& ColumnBatch::Bool(size_t col) const {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(schema_.columns[col].type == ColumnType::kBoolean),
                       "Bool")
      .bools;
}
StringColumn& ColumnBatch::String(size_t col) {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(schema_.columns[col].type == ColumnType::kString),
                       "String")
      .strings;
}
const StringColumn& ColumnBatch::String(size_t col) const {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(schema_.columns[col].type == ColumnType::kString),
                       "String")
      .strings;
}
std::vector<uint8_t>& ColumnBatch::Validity(size_t col) {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(schema_.columns[col].nullable), "Validity").validity;
}
const std::vector<uint8_t>& ColumnBatch::Validity(size_t col) const {
  return CheckedColumn(col, CL_BATCH_TYPE_OK(schema_.columns[col].nullable), "Validity").validity;
}

#undef CL_BATCH_TYPE_OK

size_t ColumnBatch::ColumnSize(size_t col) const {
  const Column& c = columns_.at(col);
  switch (schema_.columns[col].type) {
    case ColumnType::kBoolean:
      return c.bools.size();
    case ColumnType::kInt32:
      return c.int32s.size();
    case ColumnType::kInt64:
    case ColumnType::kTimestampMicros:
      return c.int64s.size();
    case ColumnType::kDouble:
      return c.doubles.size();
    case ColumnType::kString:
      return c.strings.size();
  }
  return 0;
}

bool ColumnBatch::IsValid(size_t col, size_t row) const {
  if (!schema_.columns.at(col).nullable) return true;
  return columns_[col].validity.at(row) != 0;
}

Status ColumnBatch::Validate() const {
  const size_t rows = num_rows();
  for (size_t c = 0; c < columns_.size(); ++c) {
    const ColumnSchema& cs = schema_.columns[c];
    if (ColumnSize(c) != rows) {
      return Status::InvalidArgument("column '" + cs.name + "' has " +
                                     std::to_string(ColumnSize(c)) + " values, expected " +
                                     std::to_string(rows));
    }
    if (cs.nullable) {
      if (columns_[c].validity.size() != rows) {
        return Status::InvalidArgument("column '" + cs.name + "' has " +
                                       std::to_string(columns_[c].validity.size()) +
                                       " validity bytes, expected " + std::to_string(rows));
      }
      for (uint8_t v : columns_[c].validity) {
        if (v > 1)
          return Status::InvalidArgument("column '" + cs.name + "': validity byte not 0/1");
      }
    } else if (!columns_[c].validity.empty()) {
      return Status::InvalidArgument("column '" + cs.name + "' is not nullable but has validity");
    }
    if (cs.type == ColumnType::kBoolean) {
      for (uint8_t v : columns_[c].bools) {
        if (v > 1) return Status::InvalidArgument("column '" + cs.name + "': boolean byte not 0/1");
      }
    }
  }
  return Status::OK();
}

void ColumnBatch::Clear() {
  for (Column& c : columns_) {
    c.int64s.clear();
    c.int32s.clear();
    c.doubles.clear();
    c.bools.clear();
    c.strings.Clear();
    c.validity.clear();
  }
}

void ColumnBatch::Reserve(size_t rows) {
  for (size_t i = 0; i < columns_.size(); ++i) {
    Column& c = columns_[i];
    switch (schema_.columns[i].type) {
      case ColumnType::kBoolean:
        c.bools.reserve(rows);
        break;
      case ColumnType::kInt32:
        c.int32s.reserve(rows);
        break;
      case ColumnType::kInt64:
      case ColumnType::kTimestampMicros:
        c.int64s.reserve(rows);
        break;
      case ColumnType::kDouble:
        c.doubles.reserve(rows);
        break;
      case ColumnType::kString:
        c.strings.Reserve(rows, 0);
        break;
    }
    if (schema_.columns[i].nullable) c.validity.reserve(rows);
  }
}

void ColumnBatch::AppendBatch(const ColumnBatch& other) { AppendRows(other, 0, other.num_rows()); }

void ColumnBatch::AppendRows(const ColumnBatch& other, size_t begin, size_t count) {
  for (size_t i = 0; i < columns_.size() && i < other.columns_.size(); ++i) {
    Column& dst = columns_[i];
    const Column& src = other.columns_[i];
    auto copy = [&](auto& d, const auto& s) {
      d.insert(d.end(), s.begin() + begin, s.begin() + begin + count);
    };
    switch (schema_.columns[i].type) {
      case ColumnType::kBoolean:
        copy(dst.bools, src.bools);
        break;
      case ColumnType::kInt32:
        copy(dst.int32s, src.int32s);
        break;
      case ColumnType::kInt64:
      case ColumnType::kTimestampMicros:
        copy(dst.int64s, src.int64s);
        break;
      case ColumnType::kDouble:
        copy(dst.doubles, src.doubles);
        break;
      case ColumnType::kString:
        dst.strings.AppendRange(src.strings, begin, count);
        break;
    }
    if (schema_.columns[i].nullable) copy(dst.validity, src.validity);
  }
}

}  // namespace cryptolake::parquet
