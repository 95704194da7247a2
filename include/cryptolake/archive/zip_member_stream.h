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
// Thread-safety: one stream per thread; the zip bytes must outlive it.
#ifndef CRYPTOLAKE_ARCHIVE_ZIP_MEMBER_STREAM_H_
#define CRYPTOLAKE_ARCHIVE_ZIP_MEMBER_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cryptolake/common/status.h"

namespace cryptolake::archive {

class ZipMemberStream {
 public:
  static Result<std::unique_ptr<ZipMemberStream>> Open(std::string_view zip_bytes);
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

  std::string name_;
  bool deflated_ = false;
  std::string_view data_;  // compressed bytes
  size_t stored_pos_ = 0;  // stored members: bytes copied so far
  uint64_t declared_size_ = 0;
  uint32_t declared_crc_ = 0;
  uint64_t produced_ = 0;
  uint32_t crc_ = 0;  // of what was produced (stored members)
  bool done_ = false;
  std::unique_ptr<Inflater> inflater_;
};

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_ARCHIVE_ZIP_MEMBER_STREAM_H_
