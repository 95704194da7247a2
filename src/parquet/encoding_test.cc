#include "encoding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "thrift_compact.h"

namespace cryptolake::parquet::encoding {
namespace {

std::vector<uint32_t> RoundTripHybrid(const std::vector<uint32_t>& v, int width) {
  std::string buf;
  EncodeRleHybrid(v.data(), v.size(), width, &buf);
  std::vector<uint32_t> out(v.size());
  Status st = DecodeRleHybrid(reinterpret_cast<const uint8_t*>(buf.data()), buf.size(), width,
                              v.size(), out.data());
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

TEST(RleHybridTest, RunsAndLiteralsRoundTripAtEveryWidth) {
  std::mt19937 rng(7);
  for (int width = 1; width <= 32; ++width) {
    uint64_t limit = width == 32 ? 0xFFFFFFFFull : ((1ull << width) - 1);
    std::vector<uint32_t> v;
    for (int i = 0; i < 1000; ++i) {
      uint32_t x = static_cast<uint32_t>(rng() & limit);
      int repeat = (i % 7 == 0) ? 20 : 1;  // long runs mixed with literals
      for (int r = 0; r < repeat; ++r) v.push_back(x);
    }
    v.push_back(static_cast<uint32_t>(limit));
    EXPECT_EQ(RoundTripHybrid(v, width), v) << "width " << width;
  }
}

TEST(RleHybridTest, ConstantInputIsOneRun) {
  std::vector<uint32_t> v(1'000'000, 3);
  std::string buf;
  EncodeRleHybrid(v.data(), v.size(), 2, &buf);
  EXPECT_LE(buf.size(), 5u);
  EXPECT_EQ(RoundTripHybrid(v, 2), v);
}

TEST(RleHybridTest, RepeatedEncodesLikeTheCopies) {
  for (int width : {1, 3, 8, 9, 17, 32}) {
    const uint32_t value = width == 32 ? 0xFFFFFFFFu : (1u << width) - 1;
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{100000}}) {
      std::vector<uint32_t> copies(n, value);
      std::string expected, got;
      EncodeRleHybrid(copies.data(), n, width, &expected);
      EncodeRleHybridRepeated(value, n, width, &got);
      EXPECT_EQ(got, expected) << "width " << width << " n " << n;
    }
  }
}

TEST(RleHybridTest, TruncatedStreamIsCorruption) {
  std::vector<uint32_t> v(100);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint32_t>(i % 13);
  std::string buf;
  EncodeRleHybrid(v.data(), v.size(), 4, &buf);
  std::vector<uint32_t> out(v.size());
  Status st = DecodeRleHybrid(reinterpret_cast<const uint8_t*>(buf.data()), buf.size() / 2, 4,
                              v.size(), out.data());
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  st = DecodeRleHybrid(reinterpret_cast<const uint8_t*>(buf.data()), buf.size(), 33, v.size(),
                       out.data());
  EXPECT_TRUE(st.IsCorruption());
}

TEST(DeltaBinaryPackedTest, RoundTripsSortedRandomAndExtremeValues) {
  std::mt19937_64 rng(11);
  std::vector<std::vector<int64_t>> cases;
  cases.push_back({});
  cases.push_back({42});
  std::vector<int64_t> sorted;
  int64_t x = 1'700'000'000'000'000;
  for (int i = 0; i < 5000; ++i) sorted.push_back(x += static_cast<int64_t>(rng() % 1000));
  cases.push_back(sorted);
  std::vector<int64_t> random;
  for (int i = 0; i < 1001; ++i) random.push_back(static_cast<int64_t>(rng()));
  cases.push_back(random);
  cases.push_back({std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 0,
                   std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), -1});
  std::vector<int64_t> constant(129, -5);
  cases.push_back(constant);
  for (const auto& v : cases) {
    std::string buf;
    EncodeDeltaBinaryPacked(v.data(), v.size(), &buf);
    std::vector<int64_t> out(v.size());
    Status st = DecodeDeltaBinaryPacked(reinterpret_cast<const uint8_t*>(buf.data()), buf.size(),
                                        v.size(), out.data());
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(out, v);
    if (v.size() > 1000) {  // cut inside the bit-packed data
      st = DecodeDeltaBinaryPacked(reinterpret_cast<const uint8_t*>(buf.data()), buf.size() / 2,
                                   v.size(), out.data());
      EXPECT_TRUE(st.IsCorruption());
    }
  }
}

TEST(DeltaBinaryPackedTest, IncrementingIdsAreTiny) {
  std::vector<int64_t> v(100'000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = 1'000'000'000 + static_cast<int64_t>(i);
  std::string buf;
  EncodeDeltaBinaryPacked(v.data(), v.size(), &buf);
  EXPECT_LT(buf.size(), 100'000u / 128 * 8);
}

TEST(PlainBooleansTest, RoundTrip) {
  std::vector<uint8_t> v = {1, 0, 1, 1, 0, 0, 0, 1, 1, 1};
  std::string buf;
  EncodePlainBooleans(v.data(), v.size(), &buf);
  ASSERT_EQ(buf.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(buf[0]), 0b10001101);
  std::vector<uint8_t> out(v.size());
  ASSERT_TRUE(DecodePlainBooleans(reinterpret_cast<const uint8_t*>(buf.data()), buf.size(),
                                  v.size(), out.data())
                  .ok());
  EXPECT_EQ(out, v);
}

TEST(ThriftCompactTest, WriterAndReaderAgreeOnFieldsAndSkipUnknown) {
  std::string buf;
  thrift::ThriftWriter w(&buf);
  w.I32Field(1, -7);
  w.I64Field(3, 1ll << 40);
  w.BinaryField(20, "hello");  // long-form field header (delta > 15)
  w.BeginStructField(21);
  w.BoolField(1, true);
  w.EndStruct();
  w.BeginListField(22, thrift::kI32, 20);
  for (int i = 0; i < 20; ++i) w.I32Elem(i);
  w.I16Field(23, -3);
  w.EndMessage();

  thrift::ThriftReader r(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
  int16_t id;
  uint8_t t;
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 1);
  EXPECT_EQ(r.ReadI32(), -7);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 3);
  EXPECT_EQ(r.ReadI64(), 1ll << 40);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 20);
  EXPECT_EQ(r.ReadBinary(), "hello");
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 21);
  r.Skip(t);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 22);
  r.Skip(t);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 23);
  EXPECT_EQ(t, thrift::kI16);
  EXPECT_EQ(r.ReadI32(), -3);
  EXPECT_FALSE(r.NextField(&id, &t));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.position(), buf.size());

  // Truncated input fails cleanly.
  thrift::ThriftReader bad(reinterpret_cast<const uint8_t*>(buf.data()), 9);
  while (bad.NextField(&id, &t)) bad.Skip(t);
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace cryptolake::parquet::encoding
