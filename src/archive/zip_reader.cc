// Single-member zip reader/writer (PKWARE APPNOTE layout, no zip64).
//
// The reader trusts nothing: every offset and length read from the input is
// checked against the buffer before use, and the declared uncompressed size
// is bounded by what deflate can possibly expand the compressed bytes to, so
// a hostile header cannot make us allocate gigabytes.
#include "cryptolake/archive/zip_reader.h"

#include <libdeflate.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace cryptolake::archive {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndOfCentralDirSig = 0x06054b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndOfCentralDirSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;
// Deflate cannot expand by more than 1032:1 (a 258-byte match per 2 bits).
constexpr uint64_t kMaxDeflateRatio = 1032;

uint16_t Load16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}
uint32_t Load32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}
void Store16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}
void Store32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

Status Bad(std::string_view why) { return Status::Corruption("bad zip: " + std::string(why)); }

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};
struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

// One decompressor per thread: allocation is cheap but not free, and the
// pipeline extracts many files per thread.
libdeflate_decompressor* ThreadDecompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> d(
      libdeflate_alloc_decompressor());
  if (!d) std::abort();  // Out of memory.
  return d.get();
}

// Finds the end-of-central-directory record: the last signature whose
// comment length reaches exactly to the end of the buffer.
Result<size_t> FindEndOfCentralDir(std::string_view zip) {
  if (zip.size() < kEndOfCentralDirSize) return Bad("too short to be a zip file");
  size_t lowest =
      zip.size() > kEndOfCentralDirSize + 0xFFFF ? zip.size() - kEndOfCentralDirSize - 0xFFFF : 0;
  for (size_t pos = zip.size() - kEndOfCentralDirSize + 1; pos-- > lowest;) {
    if (Load32(zip.data() + pos) != kEndOfCentralDirSig) continue;
    size_t comment_len = Load16(zip.data() + pos + 20);
    if (pos + kEndOfCentralDirSize + comment_len == zip.size()) return pos;
  }
  return Bad("no end-of-central-directory record (not a zip file, or truncated)");
}

}  // namespace

Result<ZipMemberLocation> LocateSingleMemberAt(uint64_t size, const ZipReadAt& read_at) {
  // The end-of-central-directory record lies in the last 22 + 64 KiB (its comment).
  const uint64_t tail_len = std::min<uint64_t>(size, kEndOfCentralDirSize + 0xFFFF);
  const uint64_t tail_start = size - tail_len;
  std::string tail;
  CL_RETURN_IF_ERROR(read_at(tail_start, tail_len, &tail));
  if (tail.size() != tail_len) return Bad("short read of the end of the file");
  CL_ASSIGN_OR_RETURN(size_t eocd_in_tail, FindEndOfCentralDir(tail));
  const uint64_t eocd = tail_start + eocd_in_tail;
  const char* e = tail.data() + eocd_in_tail;
  uint16_t disk = Load16(e + 4);
  uint16_t cd_disk = Load16(e + 6);
  uint16_t entries_here = Load16(e + 8);
  uint16_t entries = Load16(e + 10);
  uint32_t cd_size = Load32(e + 12);
  uint32_t cd_offset = Load32(e + 16);
  if (eocd >= kZip64LocatorSize) {
    std::string locator;
    CL_RETURN_IF_ERROR(read_at(eocd - kZip64LocatorSize, 4, &locator));
    if (locator.size() == 4 && Load32(locator.data()) == kZip64LocatorSig) {
      return Bad("zip64 archives are not supported");
    }
  }
  if (entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) {
    return Bad("zip64 archives are not supported");
  }
  if (disk != 0 || cd_disk != 0 || entries_here != entries) {
    return Bad("multi-disk archives are not supported");
  }
  if (entries == 0) return Bad("archive has no members");
  if (entries != 1) {
    return Bad("archive has " + std::to_string(entries) + " members, expected exactly one");
  }
  if (static_cast<uint64_t>(cd_offset) + cd_size > eocd || cd_size < kCentralHeaderSize) {
    return Bad("central directory lies outside the file");
  }
  std::string cd;
  CL_RETURN_IF_ERROR(read_at(cd_offset, cd_size, &cd));
  if (cd.size() != cd_size) return Bad("short read of the central directory");
  const char* c = cd.data();
  if (Load32(c) != kCentralHeaderSig) return Bad("central directory entry has a bad signature");
  uint16_t flags = Load16(c + 8);
  uint16_t method = Load16(c + 10);
  uint32_t crc = Load32(c + 16);
  uint32_t compressed_size = Load32(c + 20);
  uint32_t uncompressed_size = Load32(c + 24);
  uint16_t name_len = Load16(c + 28);
  uint16_t extra_len = Load16(c + 30);
  uint16_t comment_len = Load16(c + 32);
  uint32_t local_offset = Load32(c + 42);
  if (kCentralHeaderSize + name_len + extra_len + comment_len > cd_size) {
    return Bad("central directory entry overruns the directory");
  }
  if (flags & 0x0041) return Bad("encrypted members are not supported");
  if (compressed_size == 0xFFFFFFFFu || uncompressed_size == 0xFFFFFFFFu ||
      local_offset == 0xFFFFFFFFu) {
    return Bad("zip64 members are not supported");
  }
  if (method != kMethodStored && method != kMethodDeflate) {
    return Bad("compression method " + std::to_string(method) +
               " is not supported (only stored and deflate)");
  }
  ZipMemberLocation m;
  m.name.assign(c + kCentralHeaderSize, name_len);

  // The local header repeats the name and may carry a different extra field.
  if (static_cast<uint64_t>(local_offset) + kLocalHeaderSize > cd_offset) {
    return Bad("local header lies outside the file");
  }
  std::string local;
  CL_RETURN_IF_ERROR(read_at(local_offset, kLocalHeaderSize, &local));
  if (local.size() != kLocalHeaderSize) return Bad("short read of the local header");
  const char* l = local.data();
  if (Load32(l) != kLocalHeaderSig) return Bad("local header has a bad signature");
  if (Load16(l + 8) != method) return Bad("local header and central directory disagree on method");
  if (Load16(l + 6) & 0x0041) return Bad("encrypted members are not supported");
  uint64_t data_start =
      static_cast<uint64_t>(local_offset) + kLocalHeaderSize + Load16(l + 26) + Load16(l + 28);
  if (data_start + compressed_size > cd_offset) {
    return Bad("member data runs past the central directory (truncated file?)");
  }
  m.deflated = method == kMethodDeflate;
  m.data_offset = data_start;
  m.compressed_size = compressed_size;
  m.uncompressed_size = uncompressed_size;
  m.crc32 = crc;

  if (method == kMethodStored) {
    if (compressed_size != uncompressed_size) return Bad("stored member sizes disagree");
  } else if (uncompressed_size > static_cast<uint64_t>(compressed_size) * kMaxDeflateRatio + 64) {
    return Bad("declared uncompressed size is impossible for its compressed size");
  }
  return m;
}

Result<ZipMemberLocation> LocateSingleMember(std::string_view zip) {
  return LocateSingleMemberAt(zip.size(), [zip](uint64_t offset, uint64_t len, std::string* out) {
    if (offset > zip.size()) return Bad("read past the end of the file");
    out->assign(zip.substr(offset, len));
    return Status::OK();
  });
}

namespace {

// Extracts into the buffer that alloc(n) returns (n bytes, the member's size;
// nullptr with *alloc_status set when it cannot); the member's name and
// verified CRC-32 go to *name and *crc_out when non-null.
template <typename Alloc>
Status Extract(std::string_view zip, Alloc alloc, std::string* name, uint32_t* crc_out) {
  CL_ASSIGN_OR_RETURN(ZipMemberLocation m, LocateSingleMember(zip));
  const char* data = zip.data() + m.data_offset;
  const uint32_t compressed_size = static_cast<uint32_t>(m.compressed_size);
  const uint32_t uncompressed_size = static_cast<uint32_t>(m.uncompressed_size);
  const uint32_t crc = m.crc32;
  const uint16_t method = m.deflated ? kMethodDeflate : kMethodStored;
  const std::string& member_name = m.name;
  Status alloc_status;
  char* out = alloc(uncompressed_size, &alloc_status);
  if (out == nullptr) return alloc_status;
  if (method == kMethodStored) {
    if (compressed_size > 0) std::memcpy(out, data, compressed_size);
  } else {
    size_t actual = 0;
    libdeflate_result r = libdeflate_deflate_decompress(ThreadDecompressor(), data, compressed_size,
                                                        out, uncompressed_size, &actual);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      return Bad("member inflates to more than its declared " + std::to_string(uncompressed_size) +
                 " bytes");
    }
    if (r != LIBDEFLATE_SUCCESS) return Bad("member's deflate stream is corrupt");
    if (actual != uncompressed_size) {
      return Bad("member inflates to " + std::to_string(actual) + " bytes, declared " +
                 std::to_string(uncompressed_size));
    }
  }
  uint32_t actual_crc = libdeflate_crc32(0, out, uncompressed_size);
  if (actual_crc != crc) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "CRC-32 mismatch (stored %08x, computed %08x)", crc, actual_crc);
    return Bad(buf);
  }
  if (name != nullptr) name->assign(member_name);
  if (crc_out != nullptr) *crc_out = crc;
  return Status::OK();
}

}  // namespace

Result<ZipMember> ExtractSingleMember(std::string_view zip_bytes) {
  ZipMember member;
  CL_RETURN_IF_ERROR(Extract(
      zip_bytes,
      [&member](size_t n, Status*) {
        member.data.resize(n);
        return member.data.data();
      },
      &member.name, &member.crc32));
  return member;
}

std::string WriteSingleMemberZip(std::string_view member_name, std::string_view data, int level) {
  uint16_t method = level <= 0 ? kMethodStored : kMethodDeflate;
  std::string compressed;
  std::string_view payload = data;
  if (method == kMethodDeflate) {
    std::unique_ptr<libdeflate_compressor, CompressorDeleter> comp(
        libdeflate_alloc_compressor(level > 12 ? 12 : level));
    if (!comp) std::abort();  // Out of memory.
    compressed.resize(libdeflate_deflate_compress_bound(comp.get(), data.size()));
    size_t n = libdeflate_deflate_compress(comp.get(), data.data(), data.size(), compressed.data(),
                                           compressed.size());
    if (n == 0) std::abort();  // Cannot happen: the buffer has the documented bound.
    compressed.resize(n);
    payload = compressed;
  }
  const uint32_t crc = libdeflate_crc32(0, data.data(), data.size());
  const uint16_t kVersion = 20;    // 2.0: deflate.
  const uint16_t kDosTime = 0;     // 00:00:00
  const uint16_t kDosDate = 0x21;  // 1980-01-01
  std::string out;
  out.reserve(payload.size() + 2 * member_name.size() + 128);
  // The local and central headers share this run of fields, from "version
  // needed" to "extra length".
  auto store_common_fields = [&] {
    Store16(&out, kVersion);
    Store16(&out, 0);  // Flags.
    Store16(&out, method);
    Store16(&out, kDosTime);
    Store16(&out, kDosDate);
    Store32(&out, crc);
    Store32(&out, static_cast<uint32_t>(payload.size()));
    Store32(&out, static_cast<uint32_t>(data.size()));
    Store16(&out, static_cast<uint16_t>(member_name.size()));
    Store16(&out, 0);  // Extra length.
  };
  // Local file header.
  Store32(&out, kLocalHeaderSig);
  store_common_fields();
  out.append(member_name);
  out.append(payload);
  // Central directory.
  const uint32_t cd_offset = static_cast<uint32_t>(out.size());
  Store32(&out, kCentralHeaderSig);
  Store16(&out, 0x0300 | kVersion);  // Made by: Unix.
  store_common_fields();
  Store16(&out, 0);               // Comment length.
  Store16(&out, 0);               // Disk number start.
  Store16(&out, 0);               // Internal attributes.
  Store32(&out, 0100644u << 16);  // External attributes: regular file, rw-r--r--.
  Store32(&out, 0);               // Local header offset.
  out.append(member_name);
  const uint32_t cd_size = static_cast<uint32_t>(out.size()) - cd_offset;
  // End of central directory.
  Store32(&out, kEndOfCentralDirSig);
  Store16(&out, 0);
  Store16(&out, 0);
  Store16(&out, 1);
  Store16(&out, 1);
  Store32(&out, cd_size);
  Store32(&out, cd_offset);
  Store16(&out, 0);  // Comment length.
  return out;
}

}  // namespace cryptolake::archive
