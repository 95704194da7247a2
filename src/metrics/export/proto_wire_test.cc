#include "proto_wire.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace cryptolake::metrics::proto {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kHex[static_cast<uint8_t>(c) & 0xF]);
  }
  return out;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string Written(void (*fn)(ProtoWriter&)) {
  std::string out;
  ProtoWriter w(&out);
  fn(w);
  w.Finish();
  return out;
}

TEST(ProtoWireTest, VarintSize) {
  EXPECT_EQ(VarintSize(0), 1u);
  EXPECT_EQ(VarintSize(127), 1u);
  EXPECT_EQ(VarintSize(128), 2u);
  EXPECT_EQ(VarintSize(16383), 2u);
  EXPECT_EQ(VarintSize(16384), 3u);
  EXPECT_EQ(VarintSize(uint64_t{1} << 63), 10u);
  EXPECT_EQ(VarintSize(UINT64_MAX), 10u);
}

TEST(ProtoWireTest, VarintEncoding) {
  const struct {
    uint64_t value;
    std::string hex;
  } cases[] = {
      {0, "00"},      {1, "01"},      {127, "7f"},
      {128, "80 01"}, {300, "ac 02"}, {UINT64_MAX, "ff ff ff ff ff ff ff ff ff 01"},
  };
  for (const auto& c : cases) {
    std::string out;
    ProtoWriter w(&out);
    w.Varint(c.value);
    w.Finish();
    EXPECT_EQ(Hex(out), c.hex) << c.value;
    EXPECT_EQ(out.size(), VarintSize(c.value));
  }
}

TEST(ProtoWireTest, ZigZag) {
  EXPECT_EQ(ZigZag32(0), 0u);
  EXPECT_EQ(ZigZag32(-1), 1u);
  EXPECT_EQ(ZigZag32(1), 2u);
  EXPECT_EQ(ZigZag32(-2), 3u);
  EXPECT_EQ(ZigZag32(INT32_MAX), 0xFFFFFFFEu);
  EXPECT_EQ(ZigZag32(INT32_MIN), 0xFFFFFFFFu);
  for (int32_t v : {0, 1, -1, 20, -20, INT32_MAX, INT32_MIN}) EXPECT_EQ(UnZigZag32(ZigZag32(v)), v);
}

TEST(ProtoWireTest, ScalarFields) {
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.VarintField(1, 150); })), "08 96 01");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.Int32Field(2, -1); })),
            "10 ff ff ff ff ff ff ff ff ff 01");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.SInt32Field(6, -2); })), "30 03");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.BoolField(3, true); })), "18 01");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.Fixed64Field(3, 0x0102030405060708); })),
            "19 08 07 06 05 04 03 02 01");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.DoubleField(4, 1.0); })),
            "21 00 00 00 00 00 00 f0 3f");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.BytesField(1, "hi"); })), "0a 02 68 69");
  // Field numbers above 15 take a two-byte tag.
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.VarintField(16, 1); })), "80 01 01");
}

TEST(ProtoWireTest, PackedFields) {
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) {
              const uint64_t v[] = {1, 300};
              w.PackedVarintField(2, v);
            })),
            "12 03 01 ac 02");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) {
              const uint64_t v[] = {1, 2};
              w.PackedFixed64Field(6, v);
            })),
            "32 10 01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) {
              const double v[] = {-2.0};
              w.PackedDoubleField(7, v);
            })),
            "3a 08 00 00 00 00 00 00 00 c0");
  // Empty lists are the proto3 default: nothing is written.
  EXPECT_EQ(Written([](ProtoWriter& w) {
              w.PackedVarintField(2, {});
              w.PackedFixed64Field(6, {});
              w.PackedDoubleField(7, {});
            }),
            "");
}

// The length of a nested message is always the shortest varint, whatever
// the caller reserved, and the body is intact after a move.
TEST(ProtoWireTest, NestedMessageLengthIsCanonicalForAnyHint) {
  for (size_t body : {0u, 1u, 127u, 128u, 300u, 16383u, 16384u, 70000u}) {
    for (size_t hint : {1u, 2u, 3u, 5u}) {
      std::string out = "prefix";
      ProtoWriter w(&out);
      const ProtoWriter::Mark outer = w.BeginMessage(1, hint);
      const ProtoWriter::Mark inner = w.BeginMessage(2, 5);
      std::string payload(body, 'x');
      for (size_t i = 0; i < body; ++i) payload[i] = static_cast<char>('a' + i % 26);
      w.Bytes(payload);
      w.EndMessage(inner);
      w.VarintField(3, 7);
      w.EndMessage(outer);
      w.Finish();

      std::string expected_inner;
      {
        ProtoWriter e(&expected_inner);
        e.BytesField(2, payload);
        e.VarintField(3, 7);
        e.Finish();
      }
      std::string expected = "prefix";
      {
        ProtoWriter e(&expected);
        e.BytesField(1, expected_inner);
        e.Finish();
      }
      ASSERT_EQ(out, expected) << "body " << body << " hint " << hint;
    }
  }
}

TEST(ProtoWireTest, ReaderReadsEveryWireType) {
  std::string buf;
  ProtoWriter w(&buf);
  w.VarintField(1, UINT64_MAX);
  w.Fixed64Field(2, 42);
  w.BytesField(3, "abc");
  w.Tag(4, WireType::kI32);
  w.Bytes(Bytes({0x78, 0x56, 0x34, 0x12}));
  w.VarintField(536870911, 5);  // The largest field number.
  w.Finish();

  ProtoReader r(buf);
  ProtoField f;
  ASSERT_TRUE(r.Next(&f).ok());
  EXPECT_EQ(f.number, 1u);
  EXPECT_EQ(f.type, WireType::kVarint);
  EXPECT_EQ(f.value, UINT64_MAX);
  ASSERT_TRUE(r.Next(&f).ok());
  EXPECT_EQ(f.number, 2u);
  EXPECT_EQ(f.type, WireType::kI64);
  EXPECT_EQ(f.value, 42u);
  ASSERT_TRUE(r.Next(&f).ok());
  EXPECT_EQ(f.number, 3u);
  EXPECT_EQ(f.type, WireType::kLen);
  EXPECT_EQ(f.bytes, "abc");
  EXPECT_EQ(f.offset, 20u);  // After 1 + 10 and 1 + 8 bytes.
  EXPECT_EQ(f.payload_offset, 22u);
  ASSERT_TRUE(r.Next(&f).ok());
  EXPECT_EQ(f.type, WireType::kI32);
  EXPECT_EQ(f.value, 0x12345678u);
  ASSERT_TRUE(r.Next(&f).ok());
  EXPECT_EQ(f.number, 536870911u);
  EXPECT_EQ(f.value, 5u);
  EXPECT_TRUE(r.AtEnd());
}

TEST(ProtoWireTest, ReaderAcceptsNonCanonicalVarints) {
  // 1 written with redundant continuation bytes is still 1.
  const std::string bytes = Bytes({0x88, 0x80, 0x00, 0x81, 0x80, 0x80, 0x00});
  ProtoReader r(bytes);
  ProtoField f;
  ASSERT_TRUE(r.Next(&f).ok());
  EXPECT_EQ(f.number, 1u);
  EXPECT_EQ(f.value, 1u);
  EXPECT_TRUE(r.AtEnd());
}

TEST(ProtoWireTest, ReaderSkipsGroups) {
  // Field 5 group { field 1 varint, nested group 6 { field 2 fixed64 } }, then field 7.
  std::string buf;
  ProtoWriter w(&buf);
  w.Tag(5, WireType::kStartGroup);
  w.VarintField(1, 9);
  w.Tag(6, WireType::kStartGroup);
  w.Fixed64Field(2, 1);
  w.Tag(6, WireType::kEndGroup);
  w.Tag(5, WireType::kEndGroup);
  w.VarintField(7, 3);
  w.Finish();
  ProtoReader r(buf);
  ProtoField f;
  ASSERT_TRUE(r.Next(&f).ok());
  EXPECT_EQ(f.number, 5u);
  EXPECT_EQ(f.type, WireType::kStartGroup);
  ASSERT_TRUE(r.Next(&f).ok());
  EXPECT_EQ(f.number, 7u);
  EXPECT_EQ(f.value, 3u);
  EXPECT_TRUE(r.AtEnd());
}

void ExpectCorruption(const std::string& bytes, const std::string& what) {
  ProtoReader r(bytes, 100);
  Status s;
  ProtoField f;
  while (!r.AtEnd()) {
    s = r.Next(&f);
    if (!s.ok()) break;
  }
  EXPECT_TRUE(s.IsCorruption()) << Hex(bytes) << " -> " << s.ToString();
  EXPECT_NE(s.message().find(what), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("at byte 1"), std::string::npos)
      << "offset is absolute: " << s.ToString();
}

TEST(ProtoWireTest, ReaderRejectsMalformedInput) {
  ExpectCorruption(Bytes({0x08}), "truncated varint");
  ExpectCorruption(Bytes({0x08, 0x80}), "truncated varint");
  ExpectCorruption(Bytes({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}),
                   "longer than 64 bits");
  ExpectCorruption(Bytes({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00}),
                   "longer than 64 bits");
  ExpectCorruption(Bytes({0x11, 1, 2, 3}), "truncated fixed64");
  ExpectCorruption(Bytes({0x0d, 1, 2}), "truncated fixed32");
  ExpectCorruption(Bytes({0x0a, 0x05, 'a', 'b'}), "exceeds the 2 bytes left");
  // A length near 2^64 must not wrap around the bounds check.
  ExpectCorruption(Bytes({0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}),
                   "exceeds");
  ExpectCorruption(Bytes({0x00, 0x01}), "field number 0");
  ExpectCorruption(Bytes({0x0e}), "invalid wire type 6");
  ExpectCorruption(Bytes({0x0f}), "invalid wire type 7");
  ExpectCorruption(Bytes({0x0c}), "outside a group");
  ExpectCorruption(Bytes({0x0b, 0x08, 0x01}), "unterminated group");
  ExpectCorruption(Bytes({0x0b, 0x14}), "closes the group of field 1");
  ExpectCorruption(Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x01}), "above 32 bits");
  std::string deep;
  for (int i = 0; i < 40; ++i) deep.push_back(0x0b);  // 40 nested groups of field 1.
  ExpectCorruption(deep, "nested too deeply");
}

TEST(ProtoWireTest, PackedVarintPayload) {
  std::string buf;
  ProtoWriter w(&buf);
  const uint64_t values[] = {0, 1, 128, UINT64_MAX};
  w.PackedVarintField(2, values);
  w.Finish();
  ProtoReader r(buf);
  ProtoField f;
  ASSERT_TRUE(r.Next(&f).ok());
  std::vector<uint64_t> back;
  ASSERT_TRUE(ProtoReader::ForEachPackedVarint(f, [&](uint64_t v) { back.push_back(v); }).ok());
  EXPECT_EQ(back, std::vector<uint64_t>(std::begin(values), std::end(values)));

  f.bytes = f.bytes.substr(0, f.bytes.size() - 1);  // Cut the last varint short.
  EXPECT_TRUE(ProtoReader::ForEachPackedVarint(f, [](uint64_t) {}).IsCorruption());
}

TEST(ProtoWireTest, WriterGrowsFromReusedBuffer) {
  std::string out;
  out.reserve(4096);
  out = "x";
  ProtoWriter w(&out);
  for (int i = 0; i < 10000; ++i) w.Fixed64Field(1, static_cast<uint64_t>(i));
  w.Finish();
  ASSERT_EQ(out.size(), 1u + 10000u * 9u);
  ProtoReader r(std::string_view(out).substr(1));
  for (int i = 0; i < 10000; ++i) {
    ProtoField f;
    ASSERT_TRUE(r.Next(&f).ok());
    ASSERT_EQ(f.value, static_cast<uint64_t>(i));
  }
  EXPECT_TRUE(r.AtEnd());
}

}  // namespace
}  // namespace cryptolake::metrics::proto
