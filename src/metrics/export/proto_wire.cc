#include "proto_wire.h"

#include <algorithm>
#include <string>

namespace cryptolake::metrics::proto {
namespace {

// Groups are deprecated and absent from OTLP; an unknown field may still be
// one. Skipping nested groups recurses, so their depth is capped to keep a
// hostile input from exhausting the stack.
constexpr int kMaxGroupDepth = 32;

}  // namespace

ProtoWriter::ProtoWriter(std::string* out) : out_(out) {
  pos_ = out_->data() + out_->size();
  end_ = pos_;
}

void ProtoWriter::Grow(size_t n) {
  // The string's size is the buffer's capacity until Finish(); growing it
  // geometrically keeps appends amortised O(1). Offsets survive, pointers not.
  const size_t used = static_cast<size_t>(pos_ - out_->data());
  const size_t size = std::max({used + n, out_->size() * 2, out_->capacity(), size_t{256}});
  out_->resize(size);
  pos_ = out_->data() + used;
  end_ = out_->data() + out_->size();
}

void ProtoWriter::Finish() {
  out_->resize(static_cast<size_t>(pos_ - out_->data()));
  pos_ = out_->data() + out_->size();
  end_ = pos_;
}

void ProtoWriter::PackedFixed64Field(uint32_t field, std::span<const uint64_t> values) {
  if (values.empty()) return;
  Tag(field, WireType::kLen);
  Varint(values.size() * 8);
  Ensure(values.size() * 8);
  for (uint64_t v : values) {
    StoreLittleEndian64(v, pos_);
    pos_ += 8;
  }
}

void ProtoWriter::PackedDoubleField(uint32_t field, std::span<const double> values) {
  if (values.empty()) return;
  Tag(field, WireType::kLen);
  Varint(values.size() * 8);
  Ensure(values.size() * 8);
  for (double v : values) {
    StoreLittleEndian64(std::bit_cast<uint64_t>(v), pos_);
    pos_ += 8;
  }
}

void ProtoWriter::PackedVarintField(uint32_t field, std::span<const uint64_t> values) {
  if (values.empty()) return;
  // The length precedes the payload, so the sizes are summed first; that is
  // cheaper than reserving and moving.
  size_t length = 0;
  for (uint64_t v : values) length += VarintSize(v);
  Tag(field, WireType::kLen);
  Varint(length);
  Ensure(length);
  for (uint64_t v : values) {
    while (v >= 0x80) {
      *pos_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *pos_++ = static_cast<char>(v);
  }
}

ProtoWriter::Mark ProtoWriter::BeginMessage(uint32_t field, size_t length_bytes_hint) {
  Tag(field, WireType::kLen);
  const size_t reserved = std::clamp(length_bytes_hint, size_t{1}, size_t{5});
  Ensure(reserved);
  Mark mark{static_cast<size_t>(pos_ - out_->data()), reserved};
  pos_ += reserved;
  return mark;
}

void ProtoWriter::EndMessage(Mark mark) {
  char* base = out_->data();
  const size_t body_start = mark.length_offset + mark.reserved;
  const size_t body_length = static_cast<size_t>(pos_ - base) - body_start;
  const size_t needed = VarintSize(body_length);
  if (needed != mark.reserved) {
    // The guess was wrong: shift the body so the length stays canonical
    // (shortest form) rather than padding it with redundant varint bytes.
    if (needed > mark.reserved) {
      Ensure(needed - mark.reserved);
      base = out_->data();
    }
    std::memmove(base + mark.length_offset + needed, base + body_start, body_length);
    pos_ = base + mark.length_offset + needed + body_length;
  }
  char* p = base + mark.length_offset;
  uint64_t v = body_length;
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p = static_cast<char>(v);
}

Status ProtoReader::Error(size_t at, std::string_view what) const {
  std::string msg = "at byte ";
  msg += std::to_string(base_ + at);
  msg += ": ";
  msg += what;
  return Status::Corruption(msg);
}

Status ProtoReader::ReadVarint(uint64_t* v) {
  const size_t start = pos_;
  uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= data_.size()) return Error(start, "truncated varint");
    const uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
    if (i == 9 && byte > 1) return Error(start, "varint longer than 64 bits");
    result |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      *v = result;
      return Status::OK();
    }
  }
  return Error(start, "varint longer than 64 bits");  // Not reached: byte 10 <= 1 ends above.
}

Status ProtoReader::ReadFixed(size_t width, uint64_t* v) {
  if (data_.size() - pos_ < width) {
    return Error(pos_, "truncated fixed" + std::to_string(width * 8) + " value");
  }
  if (width == 8) {
    *v = LoadLittleEndian64(data_.data() + pos_);
  } else {
    uint64_t r = 0;
    for (size_t i = 0; i < width; ++i) {
      r |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    }
    *v = r;
  }
  pos_ += width;
  return Status::OK();
}

Status ProtoReader::Next(ProtoField* field) {
  const size_t start = pos_;
  uint64_t tag;
  CL_RETURN_IF_ERROR(ReadVarint(&tag));
  if (tag > UINT32_MAX) return Error(start, "field tag above 32 bits");
  const uint32_t number = static_cast<uint32_t>(tag >> 3);
  if (number == 0) return Error(start, "field number 0");
  field->number = number;
  field->offset = base_ + start;
  field->value = 0;
  field->bytes = {};
  return ReadValue(number, static_cast<WireType>(tag & 7), field, 0);
}

Status ProtoReader::ReadValue(uint32_t number, WireType type, ProtoField* field, int depth) {
  field->type = type;
  switch (type) {
    case WireType::kVarint:
      return ReadVarint(&field->value);
    case WireType::kI64:
      return ReadFixed(8, &field->value);
    case WireType::kI32:
      return ReadFixed(4, &field->value);
    case WireType::kLen: {
      const size_t start = pos_;
      uint64_t length;
      CL_RETURN_IF_ERROR(ReadVarint(&length));
      if (length > data_.size() - pos_) {
        return Error(start, "length " + std::to_string(length) + " of field " +
                                std::to_string(number) + " exceeds the " +
                                std::to_string(data_.size() - pos_) + " bytes left");
      }
      field->bytes = data_.substr(pos_, length);
      field->payload_offset = base_ + pos_;
      pos_ += length;
      return Status::OK();
    }
    case WireType::kStartGroup:
      return SkipGroup(number, depth + 1);
    case WireType::kEndGroup:
      return Error(pos_, "end-group tag of field " + std::to_string(number) + " outside a group");
  }
  return Error(pos_, "invalid wire type " + std::to_string(static_cast<int>(type)) + " for field " +
                         std::to_string(number));
}

Status ProtoReader::SkipGroup(uint32_t number, int depth) {
  if (depth > kMaxGroupDepth) return Error(pos_, "groups nested too deeply");
  while (true) {
    if (AtEnd()) return Error(pos_, "unterminated group of field " + std::to_string(number));
    const size_t start = pos_;
    uint64_t tag;
    CL_RETURN_IF_ERROR(ReadVarint(&tag));
    if (tag > UINT32_MAX) return Error(start, "field tag above 32 bits");
    const uint32_t inner = static_cast<uint32_t>(tag >> 3);
    if (inner == 0) return Error(start, "field number 0");
    const WireType type = static_cast<WireType>(tag & 7);
    if (type == WireType::kEndGroup) {
      if (inner != number) {
        return Error(start, "end-group tag of field " + std::to_string(inner) +
                                " closes the group of field " + std::to_string(number));
      }
      return Status::OK();
    }
    ProtoField ignored;
    CL_RETURN_IF_ERROR(ReadValue(inner, type, &ignored, depth));
  }
}

Status WrongWireType(const ProtoField& f, std::string_view field_name) {
  std::string msg = "at byte ";
  msg += std::to_string(f.offset);
  msg += ": field ";
  msg += field_name;
  msg += " (";
  msg += std::to_string(f.number);
  msg += ") has wire type ";
  msg += std::to_string(static_cast<int>(f.type));
  return Status::Corruption(msg);
}

}  // namespace cryptolake::metrics::proto
