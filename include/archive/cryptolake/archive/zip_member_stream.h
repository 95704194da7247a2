// ZipMemberStream: inflates the single member of an archive zip piece by
// piece, so a caller can convert a CSV of any size in bounded memory.
//
// Open() runs every header check of ExtractSingleMember() (zip_reader.h);
// Read() inflates (Intel ISA-L's igzip, or a copy for stored members) into the
// caller's buffer. The CRC-32 and the size the zip declares are checked when
// the stream ends: the Read() that would return the last bytes instead fails
// with Corruption if either is wrong, so a caller that publishes only after
// Read() returned 0 never publishes a damaged member.
//
// The zip itself need not be in memory: OpenAt() reads its headers and then
// the compressed bytes 1 MiB at a time through a ZipReadAt (e.g. pread on a
// spool file), so memory stays bounded whatever the zip's size.
//
// Thread-safety: one stream per thread; the zip bytes (or what read_at
// reads) must outlive it.
#ifndef CRYPTOLAKE_ARCHIVE_ZIP_MEMBER_STREAM_H_
#define CRYPTOLAKE_ARCHIVE_ZIP_MEMBER_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/common/status.h"

namespace cryptolake::archive {

class ZipMemberStream {
 public:
  static Result<std::unique_ptr<ZipMemberStream>> Open(std::string_view zip_bytes);
  static Result<std::unique_ptr<ZipMemberStream>> OpenAt(uint64_t zip_size, ZipReadAt read_at);
  ~ZipMemberStream();
  ZipMemberStream(const ZipMemberStream&) = delete;
  ZipMemberStream& operator=(const ZipMemberStream&) = delete;

  const std::string& name() const { return name_; }
  uint64_t declared_size() const { return declared_size_; }
  uint64_t bytes_read() const { return produced_; }

  // Fills out[0, n) with the next n <= capacity bytes and returns n; 0 once the
  // whole member was returned and verified. REQUIRES: capacity > 0.
  Result<size_t> Read(char* out, size_t capacity);

 private:
  struct Inflater;
  ZipMemberStream() = default;
  // Replaces *block with the next up to `max` compressed bytes (empty at the member's end).
  Status ReadCompressed(size_t max, std::string* block);

  ZipReadAt read_at_;
  std::string name_;
  bool deflated_ = false;
  uint64_t data_offset_ = 0;
  uint64_t compressed_size_ = 0;
  uint64_t compressed_read_ = 0;
  std::string stored_block_;  // stored members: the block being copied out
  uint64_t declared_size_ = 0;
  uint32_t declared_crc_ = 0;
  uint64_t produced_ = 0;
  uint32_t crc_ = 0;  // of what was produced (stored members)
  bool done_ = false;
  std::unique_ptr<Inflater> inflater_;
};

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_ARCHIVE_ZIP_MEMBER_STREAM_H_
