// Thrift compact protocol: the encoding of Parquet's footer and page headers.
//
// ThriftWriter appends compact-protocol bytes to a string; callers emit
// fields in increasing id order, as the generated code would. ThriftReader
// walks untrusted bytes: every read is bounds-checked, nesting is limited, and
// the first error is sticky (ok() turns false, later reads return zeros), so a
// parser can read a whole struct and check ok() once at the end.
//
// Thread-safety: both classes are single-threaded values.
#ifndef CRYPTOLAKE_SRC_PARQUET_THRIFT_COMPACT_H_
#define CRYPTOLAKE_SRC_PARQUET_THRIFT_COMPACT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cryptolake::parquet::thrift {

// Compact-protocol type ids.
enum Type : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class ThriftWriter {
 public:
  explicit ThriftWriter(std::string* out) : out_(out) {}

  void I32Field(int16_t id, int32_t v);
  void I64Field(int16_t id, int64_t v);
  void I16Field(int16_t id, int16_t v);
  void ByteField(int16_t id, int8_t v);
  void BoolField(int16_t id, bool v);
  void BinaryField(int16_t id, std::string_view v);
  // Opens a struct-typed field; close with EndStruct().
  void BeginStructField(int16_t id);
  // Writes the stop byte of the current struct and returns to its parent.
  void EndStruct();
  // List header; then write exactly `size` elements with the raw writers below.
  void BeginListField(int16_t id, Type elem_type, uint32_t size);
  // Elements of lists (no field header).
  void I32Elem(int32_t v) { Varint(ZigZag32(v)); }
  void BinaryElem(std::string_view v);
  // A struct element of a list: close with EndStruct().
  void BeginStructElem();
  // Writes the stop byte of the top-level struct.
  void EndMessage() { out_->push_back(0); }

 private:
  static uint32_t ZigZag32(int32_t v) {
    return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
  }
  static uint64_t ZigZag64(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }
  void Varint(uint64_t v);
  void FieldHeader(int16_t id, uint8_t type);

  std::string* out_;
  int16_t last_id_ = 0;
  std::vector<int16_t> parent_ids_;
};

class ThriftReader {
 public:
  ThriftReader(const uint8_t* data, size_t size) : p_(data), end_(data + size), begin_(data) {}

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  size_t position() const { return static_cast<size_t>(p_ - begin_); }

  // Reads the next field header of the current struct. Returns false at the
  // stop byte (or on error). For booleans the value is in the type
  // (kBoolTrue/kBoolFalse); call ReadBool(type) to get it.
  bool NextField(int16_t* id, uint8_t* type);
  // Must follow NextField()==false of a nested struct; restores the parent.
  void EnterStruct();
  void LeaveStruct();

  int32_t ReadI32();
  int64_t ReadI64();
  int8_t ReadByte();
  bool ReadBool(uint8_t field_type);
  // Element of a bool list.
  bool ReadBoolElem();
  std::string_view ReadBinary();
  double ReadDouble();
  // Returns the element count; `elem_type` receives the element type.
  uint32_t ReadListHeader(uint8_t* elem_type);
  // Skips a value of `type`.
  void Skip(uint8_t type);

  // Marks the reader failed with `what` (used by parsers for semantic errors).
  void Fail(std::string_view what);

 private:
  static constexpr int kMaxDepth = 32;
  uint64_t ReadVarint();
  void SkipDepth(uint8_t type, int depth);

  const uint8_t* p_;
  const uint8_t* end_;
  const uint8_t* begin_;
  bool ok_ = true;
  std::string error_;
  int16_t last_id_ = 0;
  std::vector<int16_t> parent_ids_;
};

}  // namespace cryptolake::parquet::thrift

#endif  // CRYPTOLAKE_SRC_PARQUET_THRIFT_COMPACT_H_
