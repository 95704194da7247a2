#include "zip_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>

namespace cryptolake::lake::internal {
namespace {

constexpr size_t kBlock = size_t{1} << 20;

Status SpoolError(const char* what, int err) {
  return Status::IOError(std::string("zip spool: ") + what + ": " +
                         std::error_code(err, std::generic_category()).message());
}

}  // namespace

Result<std::unique_ptr<ZipSpool>> ZipSpool::Create() {
  const char* env = std::getenv("TMPDIR");
  std::string dir = env != nullptr && *env != '\0' ? env : "/tmp";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    // No O_TMPFILE on this filesystem: a named file, unlinked at once.
    std::string path = dir + "/cryptolake-zip-XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return SpoolError(("cannot create a temp file in " + dir).c_str(), errno);
    ::unlink(path.c_str());
  }
  return std::unique_ptr<ZipSpool>(new ZipSpool(fd));
}

ZipSpool::~ZipSpool() { ::close(fd_); }

Status ZipSpool::Rewind() {
  if (::ftruncate(fd_, 0) != 0) return SpoolError("cannot truncate", errno);
  size_ = 0;
  hasher_.Reset();
  return Status::OK();
}

Status ZipSpool::Append(std::string_view data) {
  hasher_.Update(data);
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::pwrite(fd_, p, std::min<size_t>(left, 1u << 30), static_cast<off_t>(size_));
    if (n < 0) {
      if (errno == EINTR) continue;
      return SpoolError("cannot write", errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

Status ZipSpool::ReadAt(uint64_t offset, uint64_t length, std::string* out) const {
  const uint64_t n = offset >= size_ ? 0 : std::min(length, size_ - offset);
  out->resize(static_cast<size_t>(n));
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd_, out->data() + done, static_cast<size_t>(n) - done,
                          static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return SpoolError("cannot read", errno);
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  out->resize(done);
  return Status::OK();
}

Status ZipSpool::CopyTo(ByteSink* sink) const {
  std::string block;
  for (uint64_t offset = 0; offset < size_; offset += block.size()) {
    CL_RETURN_IF_ERROR(ReadAt(offset, kBlock, &block));
    if (block.empty()) return Status::IOError("zip spool: shorter than written");
    CL_RETURN_IF_ERROR(sink->Append(block));
  }
  return Status::OK();
}

}  // namespace cryptolake::lake::internal
