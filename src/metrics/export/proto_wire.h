// Protocol Buffers wire format: a writer and a reader (internal).
//
// Only what hand-written OTLP messages need: varints, zigzag, fixed 64-bit
// values, length-delimited fields (strings, nested messages, packed repeated
// scalars) and skipping of unknown fields, including groups.
//
// ProtoWriter appends to a std::string. A nested message is written in one
// pass: BeginMessage() reserves room for its length, EndMessage() writes the
// length in the canonical (shortest) varint form and moves the body when the
// reservation was the wrong size, so callers pass the number of length bytes
// they expect (1 for small messages) to keep moves rare.
//
// ProtoReader walks one message's bytes field by field. Every read is bounds
// checked; malformed input yields Corruption naming the byte offset (relative
// to the outermost buffer) and what was wrong. It never reads past the span
// it was given.
//
// Thread-safety: objects are not shared; distinct objects are independent.
#ifndef CRYPTOLAKE_METRICS_EXPORT_PROTO_WIRE_H_
#define CRYPTOLAKE_METRICS_EXPORT_PROTO_WIRE_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "cryptolake/common/status.h"

namespace cryptolake::metrics::proto {

enum class WireType : uint8_t {
  kVarint = 0,
  kI64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kI32 = 5,
};

// Number of bytes of the varint encoding of `v` (1..10).
inline size_t VarintSize(uint64_t v) {
  // Each byte carries 7 bits; 0 still takes one byte.
  return static_cast<size_t>((std::bit_width(v | 1) + 6) / 7);
}

// Little-endian 64-bit store and load (the fixed64/double wire form).
inline void StoreLittleEndian64(uint64_t v, char* p) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, 8);
  } else {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
  }
}
inline uint64_t LoadLittleEndian64(const char* p) {
  uint64_t v;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, 8);
  } else {
    v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return v;
}

inline uint32_t ZigZag32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
inline int32_t UnZigZag32(uint32_t v) { return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1)); }

class ProtoWriter {
 public:
  // Appends after the current contents of `*out`. The string is used as the
  // buffer and may hold unwritten bytes until Finish().
  explicit ProtoWriter(std::string* out);
  ProtoWriter(const ProtoWriter&) = delete;
  ProtoWriter& operator=(const ProtoWriter&) = delete;

  // Trims `*out` to the bytes written. REQUIRES: every message is ended.
  void Finish();

  void Tag(uint32_t field, WireType type) {
    Varint((static_cast<uint64_t>(field) << 3) | static_cast<uint8_t>(type));
  }
  void Varint(uint64_t v) {
    Ensure(10);
    while (v >= 0x80) {
      *pos_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *pos_++ = static_cast<char>(v);
  }
  void Fixed64(uint64_t v) {
    Ensure(8);
    StoreLittleEndian64(v, pos_);
    pos_ += 8;
  }
  void Bytes(std::string_view s) {
    Ensure(s.size());
    if (!s.empty()) std::memcpy(pos_, s.data(), s.size());
    pos_ += s.size();
  }

  // One field each: tag then value.
  void VarintField(uint32_t field, uint64_t v) {
    Tag(field, WireType::kVarint);
    Varint(v);
  }
  void Int64Field(uint32_t field, int64_t v) { VarintField(field, static_cast<uint64_t>(v)); }
  // int32 and enums: negative values are sign-extended to 64 bits.
  void Int32Field(uint32_t field, int32_t v) {
    VarintField(field, static_cast<uint64_t>(static_cast<int64_t>(v)));
  }
  void SInt32Field(uint32_t field, int32_t v) { VarintField(field, ZigZag32(v)); }
  void BoolField(uint32_t field, bool v) { VarintField(field, v ? 1 : 0); }
  void Fixed64Field(uint32_t field, uint64_t v) {
    Tag(field, WireType::kI64);
    Fixed64(v);
  }
  void DoubleField(uint32_t field, double v) { Fixed64Field(field, std::bit_cast<uint64_t>(v)); }
  void BytesField(uint32_t field, std::string_view s) {
    Tag(field, WireType::kLen);
    Varint(s.size());
    Bytes(s);
  }
  // Packed repeated fixed64 / double / varint. Nothing is written for an
  // empty list (the proto3 default).
  void PackedFixed64Field(uint32_t field, std::span<const uint64_t> values);
  void PackedDoubleField(uint32_t field, std::span<const double> values);
  void PackedVarintField(uint32_t field, std::span<const uint64_t> values);

  // A nested message (or any length-delimited field built in place).
  struct Mark {
    size_t length_offset;  // Where the length varint goes, from the buffer start.
    size_t reserved;       // Bytes reserved for it.
  };
  // Writes the tag and reserves `length_bytes_hint` (1..5) bytes for the length.
  Mark BeginMessage(uint32_t field, size_t length_bytes_hint = 1);
  void EndMessage(Mark mark);

 private:
  void Ensure(size_t n) {
    if (static_cast<size_t>(end_ - pos_) < n) Grow(n);
  }
  void Grow(size_t n);

  std::string* out_;
  char* pos_;
  char* end_;
};

// One decoded field. Scalars are read in full by Next(); for kLen the
// payload is `bytes`; for a group (which OTLP never uses) the whole group
// was skipped.
struct ProtoField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t value = 0;         // kVarint, kI64 and kI32 (kI32 zero-extended).
  std::string_view bytes;     // kLen payload.
  size_t payload_offset = 0;  // Offset of `bytes` (kLen) in the outermost buffer.
  size_t offset = 0;          // Offset of the tag in the outermost buffer.

  double as_double() const { return std::bit_cast<double>(value); }
};

class ProtoReader {
 public:
  // `base_offset` is the position of `bytes` in the outermost buffer, for
  // error messages.
  explicit ProtoReader(std::string_view bytes, size_t base_offset = 0)
      : data_(bytes), base_(base_offset) {}
  // A reader over a kLen field's payload.
  static ProtoReader Nested(const ProtoField& f) { return ProtoReader(f.bytes, f.payload_offset); }

  bool AtEnd() const { return pos_ == data_.size(); }
  // Reads the next field, tag and value. Corruption on a truncated or
  // malformed field (bad tag, field number 0, varint over 10 bytes or 64
  // bits, length past the end, unbalanced or too deeply nested groups).
  Status Next(ProtoField* field);

  // Reads the varints of a packed payload, calling `fn(uint64_t)` for each.
  template <typename Fn>
  static Status ForEachPackedVarint(const ProtoField& f, Fn&& fn) {
    ProtoReader r(f.bytes, f.payload_offset);
    while (!r.AtEnd()) {
      uint64_t v;
      CL_RETURN_IF_ERROR(r.ReadVarint(&v));
      fn(v);
    }
    return Status::OK();
  }

 private:
  Status ReadVarint(uint64_t* v);
  Status ReadFixed(size_t width, uint64_t* v);
  Status SkipGroup(uint32_t number, int depth);
  Status ReadValue(uint32_t number, WireType type, ProtoField* field, int depth);
  Status Error(size_t at, std::string_view what) const;

  std::string_view data_;
  size_t base_;
  size_t pos_ = 0;
};

// Corruption for a known field that arrived with the wrong wire type.
Status WrongWireType(const ProtoField& f, std::string_view field_name);

}  // namespace cryptolake::metrics::proto

#endif  // CRYPTOLAKE_METRICS_EXPORT_PROTO_WIRE_H_
