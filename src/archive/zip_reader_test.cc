#include "cryptolake/archive/zip_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <utility>

#include "archive_test_util.h"
#include "cryptolake/archive/inflate_buffer.h"
#include "cryptolake/archive/zip_member_stream.h"

namespace cryptolake::archive {
namespace {

std::string SampleCsv(size_t rows) {
  std::mt19937 rng(7);
  std::string out;
  for (size_t i = 0; i < rows; ++i) {
    out += std::to_string(1577836800000 + i * 60000) + "," + std::to_string(7000 + rng() % 100) +
           ".12000000,0.5," + std::to_string(rng() % 1000) + "\n";
  }
  return out;
}

void Poke32(std::string* s, size_t pos, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*s)[pos + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
void Poke16(std::string* s, size_t pos, uint16_t v) {
  (*s)[pos] = static_cast<char>(v & 0xFF);
  (*s)[pos + 1] = static_cast<char>(v >> 8);
}

// Offsets of the records inside a WriteSingleMemberZip() output.
struct Layout {
  size_t local = 0;
  size_t cd;
  size_t eocd;
};
Layout LayoutOf(const std::string& zip) {
  Layout l;
  l.eocd = zip.size() - 22;
  l.cd = static_cast<uint8_t>(zip[l.eocd + 16]) | (static_cast<uint8_t>(zip[l.eocd + 17]) << 8) |
         (static_cast<uint8_t>(zip[l.eocd + 18]) << 16) |
         (static_cast<size_t>(static_cast<uint8_t>(zip[l.eocd + 19])) << 24);
  return l;
}

TEST(ZipReaderTest, RoundTripsStoredAndDeflatedAtEveryLevel) {
  const std::string csv = SampleCsv(2000);
  for (int level : {0, 1, 6, 12}) {
    std::string zip = WriteSingleMemberZip("X-1m-2020-01-01.csv", csv, level);
    if (level > 0) {
      EXPECT_LT(zip.size(), csv.size() / 2) << level;
    }
    auto member = ExtractSingleMember(zip);
    ASSERT_TRUE(member.ok()) << level << ": " << member.status().ToString();
    EXPECT_EQ(member->name, "X-1m-2020-01-01.csv");
    EXPECT_EQ(member->data, csv);
  }
  auto empty = ExtractSingleMember(WriteSingleMemberZip("e.csv", "", 6));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->data, "");
}

TEST(InflateBufferTest, ReserveKeepsSizeAndBytesAndLaterResizesReuseTheMapping) {
  InflateBuffer buffer;
  ASSERT_TRUE(buffer.Resize(3).ok());
  std::memcpy(buffer.data(), "abc", 3);
  ASSERT_TRUE(buffer.Reserve(size_t{5} << 20).ok());
  EXPECT_EQ(buffer.view(), "abc");
  EXPECT_GE(buffer.capacity(), size_t{5} << 20);
  const char* mapped = buffer.data();
  const size_t capacity = buffer.capacity();
  ASSERT_TRUE(buffer.Resize(size_t{4} << 20).ok());  // within the reservation: no new mapping
  EXPECT_EQ(buffer.data(), mapped);
  EXPECT_EQ(buffer.capacity(), capacity);
  EXPECT_EQ(std::string_view(buffer.data(), 3), "abc");
  ASSERT_TRUE(buffer.Reserve(16).ok());  // smaller than the capacity: nothing changes
  EXPECT_EQ(buffer.data(), mapped);
  EXPECT_EQ(buffer.size(), size_t{4} << 20);
}

TEST(InflateBufferTest, ResizeKeepsThePrefixAndMovesOwnMemory) {
  InflateBuffer a;
  ASSERT_TRUE(a.Resize(10).ok());
  std::memcpy(a.data(), "0123456789", 10);
  ASSERT_TRUE(a.Resize(size_t{5} << 20).ok());  // grows into a new, huge-page aligned mapping
  EXPECT_EQ(std::string_view(a.data(), 10), "0123456789");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data()) % (uintptr_t{2} << 20), 0u);
  a.data()[a.size() - 1] = 'x';
  ASSERT_TRUE(a.Resize(4).ok());
  EXPECT_EQ(a.view(), "0123");
  InflateBuffer b(std::move(a));
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.view(), "0123");
  a = std::move(b);
  EXPECT_EQ(a.view(), "0123");
  a.Release();
  EXPECT_EQ(a.capacity(), 0u);
}

Status ExtractStatus(const std::string& zip) { return ExtractSingleMember(zip).status(); }

void ExpectCorruption(const std::string& zip, std::string_view words) {
  Status st = ExtractStatus(zip);
  ASSERT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find(words), std::string::npos) << st.message();
}

TEST(ZipReaderTest, RejectsDamagedAndUnsupportedZipsWithClearErrors) {
  const std::string csv = SampleCsv(300);
  const std::string good = WriteSingleMemberZip("m.csv", csv, 6);
  const Layout l = LayoutOf(good);

  ExpectCorruption("", "too short");
  ExpectCorruption("PK\x03\x04 this is not a zip at all, just text", "end-of-central-directory");
  ExpectCorruption(good.substr(0, good.size() - 30), "end-of-central-directory");  // Truncated.
  {
    std::string z = good;  // Truncated in the middle of the data, directory intact.
    z.erase(40, 20);
    Poke32(&z, l.eocd - 20 + 16, static_cast<uint32_t>(l.cd - 20));
    ExpectCorruption(z, "runs past the central directory");
  }
  {
    std::string z = good;
    z[l.local + 30 + 5 + z.size() / 4] ^= 0x55;  // Flip a compressed byte.
    Status st = ExtractStatus(z);
    EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  }
  {
    std::string z = good;
    Poke32(&z, l.cd + 16, 0x12345678);  // Wrong CRC in the central directory.
    ExpectCorruption(z, "CRC-32 mismatch");
  }
  {
    std::string z = good;
    Poke16(&z, l.eocd + 8, 2);
    Poke16(&z, l.eocd + 10, 2);
    ExpectCorruption(z, "2 members, expected exactly one");
  }
  {
    std::string z = good;
    Poke16(&z, l.eocd + 8, 0);
    Poke16(&z, l.eocd + 10, 0);
    ExpectCorruption(z, "no members");
  }
  {
    std::string z = good;
    Poke16(&z, l.cd + 8, 1);  // Encrypted flag.
    ExpectCorruption(z, "encrypted");
  }
  {
    std::string z = good;
    Poke16(&z, l.cd + 10, 14);  // LZMA.
    ExpectCorruption(z, "compression method 14");
  }
  {
    std::string z = good;
    Poke32(&z, l.cd + 24, 0xFFFFFFFF);  // zip64 size marker.
    ExpectCorruption(z, "zip64");
  }
  {
    std::string z = good;
    Poke32(&z, l.cd + 24, 0x7FFFFFFF);  // A bomb-sized claim for a tiny stream.
    ExpectCorruption(z, "impossible");
  }
  {
    std::string z = good;
    Poke32(&z, l.cd + 24, static_cast<uint32_t>(csv.size() - 1));  // Declared one byte short.
    ExpectCorruption(z, "more than its declared");
  }
  {
    std::string z = good;
    Poke32(&z, l.eocd + 16, 0x7FFFFFF0);  // Directory offset outside the file.
    ExpectCorruption(z, "outside the file");
  }
}

TEST(ZipReaderTest, SurvivesEveryTruncationAndSingleByteFlipOfASmallZip) {
  // Exhaustive over a small zip: no crash, no hang, and any success must be
  // the right content (a flip in unused fields like the timestamp is benign).
  const std::string csv = SampleCsv(5);
  const std::string good = WriteSingleMemberZip("s.csv", csv, 6);
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ExtractSingleMember(good.substr(0, n)).ok()) << n;
  }
  for (size_t i = 0; i < good.size(); ++i) {
    std::string z = good;
    z[i] ^= 0x20;
    auto member = ExtractSingleMember(z);
    if (member.ok()) {
      EXPECT_EQ(member->data, csv) << "byte " << i;
    }
  }
}

TEST(ZipReaderTest, ExtractsEveryFixtureToItsCsv) {
  CL_REQUIRE_FIXTURES(root);
  for (const auto& fx : testing::Fixtures()) {
    std::filesystem::path zip = root / fx.zip_path;
    auto member = ExtractSingleMember(testing::ReadFileBytes(zip));
    ASSERT_TRUE(member.ok()) << zip << ": " << member.status().ToString();
    std::string stem = zip.stem().string();
    EXPECT_EQ(member->name, stem + ".csv");
    const std::string& data = member->data;
    ASSERT_FALSE(data.empty());
    EXPECT_EQ(data.back(), '\n');
    EXPECT_EQ(data.find('\r'), std::string::npos);
    int lines = static_cast<int>(std::count(data.begin(), data.end(), '\n'));
    EXPECT_EQ(lines, fx.rows + (fx.has_header ? 1 : 0)) << zip;
    bool starts_with_digit = data[0] >= '0' && data[0] <= '9';
    EXPECT_EQ(starts_with_digit, !fx.has_header) << zip;
    // Our writer's output reads back identically.
    auto again = ExtractSingleMember(WriteSingleMemberZip(member->name, data, 1));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->data, data);
    EXPECT_EQ(again->crc32, member->crc32);
  }
}

// Streams the member with reads of `chunk` bytes.
Result<std::string> StreamAll(std::unique_ptr<ZipMemberStream> s, size_t chunk) {
  std::string out, buf(chunk, '\0');
  for (;;) {
    CL_ASSIGN_OR_RETURN(size_t n, s->Read(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

TEST(ZipMemberStreamTest, StreamsWhatExtractGivesForDeflateAndStored) {
  const std::string csv = SampleCsv(50000);
  for (int level : {0, 1, 6}) {
    SCOPED_TRACE(level);
    const std::string zip = WriteSingleMemberZip("x.csv", csv, level);
    for (size_t chunk : {size_t{1}, size_t{4096}, size_t{1} << 22}) {
      if (chunk == 1 && level != 0) continue;  // byte-wise inflate of 2 MB is slow, not wrong
      auto s = ZipMemberStream::Open(zip);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      EXPECT_EQ((*s)->name(), "x.csv");
      EXPECT_EQ((*s)->declared_size(), csv.size());
      Result<std::string> got = StreamAll(std::move(s).value(), chunk);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(*got == csv);
    }
    // The same through OpenAt (a zip that is not in memory).
    auto full =
        ZipMemberStream::OpenAt(zip.size(), [&](uint64_t off, uint64_t len, std::string* o) {
          o->assign(std::string_view(zip).substr(off, len));
          return Status::OK();
        });
    ASSERT_TRUE(full.ok());
    Result<std::string> got = StreamAll(std::move(full).value(), 65536);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == csv);
  }
}

TEST(ZipMemberStreamTest, CorruptCrcAndSizeFailAtTheEnd) {
  const std::string csv = SampleCsv(2000);
  std::string zip = WriteSingleMemberZip("x.csv", csv, 6);
  Layout l = LayoutOf(zip);
  std::string bad_crc = zip;
  Poke32(&bad_crc, l.cd + 16, 0x12345678);
  auto s = ZipMemberStream::Open(bad_crc);
  ASSERT_TRUE(s.ok());
  Result<std::string> got = StreamAll(std::move(s).value(), 1 << 16);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("CRC-32 mismatch"), std::string::npos);

  std::string bad_size = zip;
  Poke32(&bad_size, l.cd + 24, static_cast<uint32_t>(csv.size() - 1));
  auto s2 = ZipMemberStream::Open(bad_size);
  ASSERT_TRUE(s2.ok());
  got = StreamAll(std::move(s2).value(), 1 << 16);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsCorruption());

  // A truncated deflate stream (member data cut, headers patched to match).
  std::string truncated = WriteSingleMemberZip("x.csv", csv, 6);
  auto m = LocateSingleMember(truncated);
  ASSERT_TRUE(m.ok());
  std::string cut = truncated.substr(0, m->data_offset + m->compressed_size / 2);
  auto s3 =
      ZipMemberStream::OpenAt(truncated.size(), [&](uint64_t off, uint64_t len, std::string* o) {
        // Headers come from the real zip; member bytes past the cut read as missing.
        if (off >= m->data_offset && off < m->data_offset + m->compressed_size) {
          o->assign(std::string_view(cut).substr(std::min<uint64_t>(off, cut.size()), len));
        } else {
          o->assign(std::string_view(truncated).substr(off, len));
        }
        return Status::OK();
      });
  ASSERT_TRUE(s3.ok());
  got = StreamAll(std::move(s3).value(), 1 << 16);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsCorruption()) << got.status().ToString();
}

}  // namespace
}  // namespace cryptolake::archive
