// ZipSpool: an archive zip kept on local disk, not in memory, while it is
// downloaded, verified, converted and copied to bronze.
//
// The spool is an unnamed temp file (O_TMPFILE in $TMPDIR, else /tmp; where
// O_TMPFILE is unsupported, a file unlinked as soon as it is created), so it
// disappears when closed and when the process dies, kill -9 included: nothing
// is ever left to clean. Appending also hashes, so the SHA-256 is known the
// moment the download ends.
//
// Thread-safety: Append/Rewind from one thread; ReadAt() and CopyTo() (pread)
// from any number of threads once writing is done.
#ifndef CRYPTOLAKE_LAKE_ZIP_SPOOL_H_
#define CRYPTOLAKE_LAKE_ZIP_SPOOL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cryptolake/archive/archive_source.h"
#include "cryptolake/archive/checksum.h"
#include "cryptolake/common/byte_sink.h"
#include "cryptolake/common/status.h"

namespace cryptolake::lake::internal {

class ZipSpool final : public archive::RewindableSink {
 public:
  static Result<std::unique_ptr<ZipSpool>> Create();
  ~ZipSpool() override;
  ZipSpool(const ZipSpool&) = delete;
  ZipSpool& operator=(const ZipSpool&) = delete;

  Status Rewind() override;
  Status Append(std::string_view data) override;

  uint64_t size() const { return size_; }
  // SHA-256 (lowercase hex) of everything appended since the last Rewind().
  // REQUIRES: writing is done; call once.
  std::string TakeSha256() { return hasher_.HexDigestAndReset(); }
  // Bytes [offset, offset + length) (fewer at the end) into *out.
  Status ReadAt(uint64_t offset, uint64_t length, std::string* out) const;
  // Appends the whole spool to `sink`, in blocks.
  Status CopyTo(ByteSink* sink) const;

 private:
  explicit ZipSpool(int fd) : fd_(fd) {}
  int fd_;
  uint64_t size_ = 0;
  archive::Sha256Hasher hasher_;
};

}  // namespace cryptolake::lake::internal

#endif  // CRYPTOLAKE_LAKE_ZIP_SPOOL_H_
