// Zip reading and writing for the archive's single-member zip files.
//
// Every archive zip holds exactly one member (the CSV). ExtractSingleMember()
// reads the end-of-central-directory record, the central directory entry and
// the local header, inflates (stored or deflate, via libdeflate, into a
// buffer of the declared size) and checks the CRC-32 and size. It rejects
// zip64, encryption, other methods and archives with more than one member
// with Corruption errors saying which, and is safe on arbitrary input
// (fuzzed). WriteSingleMemberZip() produces such a zip (for the demo archive
// generator and tests).
//
// Thread-safety: pure functions; safe from any thread.
#ifndef CRYPTOLAKE_ARCHIVE_ZIP_READER_H_
#define CRYPTOLAKE_ARCHIVE_ZIP_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "cryptolake/common/status.h"

namespace cryptolake::archive {

struct ZipMember {
  std::string name;  // As stored, e.g. "BTCUSDT-1m-2020-01-01.csv".
  std::string data;  // Uncompressed bytes.
  uint32_t crc32 = 0;
};

// Largest uncompressed member accepted (guards against zip bombs): 4 GiB - 1,
// the non-zip64 limit.
inline constexpr uint64_t kMaxZipMemberSize = 0xFFFFFFFFull;

// Where the single member of a zip lies, after every header check of
// ExtractSingleMember() (the data itself is not inflated or verified).
struct ZipMemberLocation {
  std::string name;
  bool deflated = false;     // false: stored
  uint64_t data_offset = 0;  // where the compressed (or stored) bytes start in the zip
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint32_t crc32 = 0;  // as declared by the central directory
};
Result<ZipMemberLocation> LocateSingleMember(std::string_view zip_bytes);

// Reads [offset, offset + length) of a zip of known size into *out (fewer
// bytes only at the end of the file).
using ZipReadAt = std::function<Status(uint64_t offset, uint64_t length, std::string* out)>;
// The same for a zip that is not in memory (a file): reads only its headers.
Result<ZipMemberLocation> LocateSingleMemberAt(uint64_t zip_size, const ZipReadAt& read_at);

// Extracts the single member of `zip_bytes`.
Result<ZipMember> ExtractSingleMember(std::string_view zip_bytes);

// A zip holding `data` as member `member_name`. level 0 stores it; 1..12 are
// libdeflate compression levels (6 is a good default). Timestamps are fixed
// (1980-01-01 00:00), so output is deterministic.
// REQUIRES: data.size() < 4 GiB, member_name.size() < 64 KiB.
std::string WriteSingleMemberZip(std::string_view member_name, std::string_view data, int level);

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_ARCHIVE_ZIP_READER_H_
