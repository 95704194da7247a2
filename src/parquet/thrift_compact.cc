#include "thrift_compact.h"

#include <cstring>

namespace cryptolake::parquet::thrift {

void ThriftWriter::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void ThriftWriter::FieldHeader(int16_t id, uint8_t type) {
  int delta = id - last_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | type));
  } else {
    // Long form: the type byte, then the id as a zigzag i16 varint.
    out_->push_back(static_cast<char>(type));
    Varint(ZigZag32(id));
  }
  last_id_ = id;
}

void ThriftWriter::I32Field(int16_t id, int32_t v) {
  FieldHeader(id, kI32);
  Varint(ZigZag32(v));
}

void ThriftWriter::I16Field(int16_t id, int16_t v) {
  FieldHeader(id, kI16);
  Varint(ZigZag32(v));
}

void ThriftWriter::I64Field(int16_t id, int64_t v) {
  FieldHeader(id, kI64);
  Varint(ZigZag64(v));
}

void ThriftWriter::ByteField(int16_t id, int8_t v) {
  FieldHeader(id, kByte);
  out_->push_back(static_cast<char>(v));
}

void ThriftWriter::BoolField(int16_t id, bool v) { FieldHeader(id, v ? kBoolTrue : kBoolFalse); }

void ThriftWriter::BinaryField(int16_t id, std::string_view v) {
  FieldHeader(id, kBinary);
  BinaryElem(v);
}

void ThriftWriter::BinaryElem(std::string_view v) {
  Varint(v.size());
  out_->append(v.data(), v.size());
}

void ThriftWriter::BeginStructField(int16_t id) {
  FieldHeader(id, kStruct);
  parent_ids_.push_back(last_id_);
  last_id_ = 0;
}

void ThriftWriter::BeginStructElem() {
  parent_ids_.push_back(last_id_);
  last_id_ = 0;
}

void ThriftWriter::EndStruct() {
  out_->push_back(0);
  last_id_ = parent_ids_.back();
  parent_ids_.pop_back();
}

void ThriftWriter::BeginListField(int16_t id, Type elem_type, uint32_t size) {
  FieldHeader(id, kList);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | elem_type));
  } else {
    out_->push_back(static_cast<char>(0xF0 | elem_type));
    Varint(size);
  }
}

void ThriftReader::Fail(std::string_view what) {
  if (!ok_) return;
  ok_ = false;
  error_ = std::string(what) + " at byte " + std::to_string(position());
  p_ = end_;
}

uint64_t ThriftReader::ReadVarint() {
  uint64_t result = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (p_ >= end_) {
      Fail("thrift: truncated varint");
      return 0;
    }
    uint8_t b = *p_++;
    if (shift == 63 && (b & 0x7E)) {
      Fail("thrift: varint overflows 64 bits");
      return 0;
    }
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return result;
  }
  Fail("thrift: varint too long");
  return 0;
}

bool ThriftReader::NextField(int16_t* id, uint8_t* type) {
  if (!ok_) return false;
  if (p_ >= end_) {
    Fail("thrift: truncated struct");
    return false;
  }
  uint8_t b = *p_++;
  *type = b & 0x0F;
  if (*type == kStop) return false;
  int delta = b >> 4;
  if (delta != 0) {
    *id = static_cast<int16_t>(last_id_ + delta);
  } else {
    uint64_t z = ReadVarint();
    *id = static_cast<int16_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  last_id_ = *id;
  if (*type > kStruct) {
    Fail("thrift: bad field type " + std::to_string(*type));
    return false;
  }
  return ok_;
}

void ThriftReader::EnterStruct() {
  if (parent_ids_.size() >= kMaxDepth) {
    Fail("thrift: nesting too deep");
    return;
  }
  parent_ids_.push_back(last_id_);
  last_id_ = 0;
}

void ThriftReader::LeaveStruct() {
  if (parent_ids_.empty()) return;
  last_id_ = parent_ids_.back();
  parent_ids_.pop_back();
}

int32_t ThriftReader::ReadI32() {
  uint64_t z = ReadVarint();
  if (z > 0xFFFFFFFFull) {
    Fail("thrift: i32 out of range");
    return 0;
  }
  uint32_t u = static_cast<uint32_t>(z);
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

int64_t ThriftReader::ReadI64() {
  uint64_t z = ReadVarint();
  return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

int8_t ThriftReader::ReadByte() {
  if (p_ >= end_) {
    Fail("thrift: truncated byte");
    return 0;
  }
  return static_cast<int8_t>(*p_++);
}

bool ThriftReader::ReadBool(uint8_t field_type) { return field_type == kBoolTrue; }

bool ThriftReader::ReadBoolElem() { return ReadByte() == kBoolTrue; }

std::string_view ThriftReader::ReadBinary() {
  uint64_t n = ReadVarint();
  if (!ok_) return {};
  if (n > static_cast<uint64_t>(end_ - p_)) {
    Fail("thrift: binary length " + std::to_string(n) + " exceeds input");
    return {};
  }
  std::string_view v(reinterpret_cast<const char*>(p_), n);
  p_ += n;
  return v;
}

double ThriftReader::ReadDouble() {
  if (end_ - p_ < 8) {
    Fail("thrift: truncated double");
    return 0;
  }
  double d;
  std::memcpy(&d, p_, 8);
  p_ += 8;
  return d;
}

uint32_t ThriftReader::ReadListHeader(uint8_t* elem_type) {
  if (p_ >= end_) {
    Fail("thrift: truncated list header");
    return 0;
  }
  uint8_t b = *p_++;
  *elem_type = b & 0x0F;
  uint64_t n = b >> 4;
  if (n == 15) n = ReadVarint();
  // Every element takes at least one byte, so a count above the remaining
  // bytes is corrupt; this also bounds what callers reserve.
  if (n > static_cast<uint64_t>(end_ - p_)) {
    Fail("thrift: list size " + std::to_string(n) + " exceeds input");
    return 0;
  }
  return static_cast<uint32_t>(n);
}

void ThriftReader::Skip(uint8_t type) { SkipDepth(type, 0); }

void ThriftReader::SkipDepth(uint8_t type, int depth) {
  if (!ok_) return;
  if (depth > kMaxDepth) {
    Fail("thrift: nesting too deep");
    return;
  }
  switch (type) {
    case kBoolTrue:
    case kBoolFalse:
      return;  // value lives in the field header
    case kByte:
      ReadByte();
      return;
    case kI16:
    case kI32:
    case kI64:
      ReadVarint();
      return;
    case kDouble:
      ReadDouble();
      return;
    case kBinary:
      ReadBinary();
      return;
    case kList:
    case kSet: {
      uint8_t elem;
      uint32_t n = ReadListHeader(&elem);
      for (uint32_t i = 0; i < n && ok_; ++i) {
        // Booleans inside lists take one byte each.
        if (elem == kBoolTrue || elem == kBoolFalse) {
          ReadByte();
        } else {
          SkipDepth(elem, depth + 1);
        }
      }
      return;
    }
    case kMap: {
      uint64_t n = ReadVarint();
      if (n == 0) return;
      if (n > static_cast<uint64_t>(end_ - p_)) {
        Fail("thrift: map size exceeds input");
        return;
      }
      uint8_t kv = static_cast<uint8_t>(ReadByte());
      for (uint64_t i = 0; i < n && ok_; ++i) {
        SkipDepth(kv >> 4, depth + 1);
        SkipDepth(kv & 0x0F, depth + 1);
      }
      return;
    }
    case kStruct: {
      int16_t saved = last_id_;
      last_id_ = 0;
      int16_t id;
      uint8_t t;
      while (NextField(&id, &t)) SkipDepth(t, depth + 1);
      last_id_ = saved;
      return;
    }
    default:
      Fail("thrift: cannot skip type " + std::to_string(type));
  }
}

}  // namespace cryptolake::parquet::thrift
