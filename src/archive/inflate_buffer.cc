#include "cryptolake/archive/inflate_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace cryptolake::archive {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
// From this size on the mapping is 2 MiB aligned and advised for huge pages:
// one fault per 2 MiB instead of one per 4 KiB when the inflater first writes.
constexpr size_t kHugeFrom = 2 * kHugePage;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Maps `bytes` (a multiple of the page size, or of kHugePage when large) of
// fresh anonymous memory; nullptr on failure.
char* MapFresh(size_t bytes) {
  if (bytes < kHugeFrom) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  // Over-map by one huge page and trim both ends to get an aligned start.
  const size_t span = bytes + kHugePage;
  void* p = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const uintptr_t raw = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = RoundUp(raw, kHugePage);
  if (aligned > raw) munmap(p, aligned - raw);
  const uintptr_t tail = aligned + bytes;
  if (raw + span > tail) munmap(reinterpret_cast<void*>(tail), raw + span - tail);
  // Advice only: without transparent huge pages the buffer still works.
  madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<char*>(aligned);
}

}  // namespace

InflateBuffer::InflateBuffer(InflateBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

InflateBuffer& InflateBuffer::operator=(InflateBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

InflateBuffer::~InflateBuffer() { Release(); }

void InflateBuffer::Release() {
  if (data_ != nullptr) munmap(data_, capacity_);
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

Status InflateBuffer::Reserve(size_t n) {
  if (n <= capacity_) return Status::OK();
  const size_t size = size_;
  CL_RETURN_IF_ERROR(Resize(n));
  size_ = size;
  return Status::OK();
}

Status InflateBuffer::Resize(size_t n) {
  if (n <= capacity_) {
    size_ = n;
    return Status::OK();
  }
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t bytes = RoundUp(n, page);
  if (bytes >= kHugeFrom) bytes = RoundUp(n, kHugePage);
  char* fresh = MapFresh(bytes);
  if (fresh == nullptr) {
    return Status::IOError("cannot map " + std::to_string(bytes) +
                           " bytes for an inflated zip member: " + std::strerror(errno));
  }
  if (size_ > 0) std::memcpy(fresh, data_, size_);
  Release();
  data_ = fresh;
  size_ = n;
  capacity_ = bytes;
  return Status::OK();
}

}  // namespace cryptolake::archive
