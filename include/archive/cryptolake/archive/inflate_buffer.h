// InflateBuffer: a growable byte buffer for inflated zip members that is not
// zero-filled.
//
// std::string::resize() writes every new byte before the inflater overwrites
// it, which for a 134 MB archive CSV is a full extra pass over memory plus the
// page faults it triggers. An InflateBuffer maps fresh pages with mmap (the
// kernel provides them on first write), asks for transparent huge pages on
// large buffers, and keeps its memory across Resize() calls, so a worker that
// inflates many files reuses pages that are already mapped.
//
// Thread-safety: a value with no internal synchronisation; distinct buffers
// may be used from different threads concurrently.
#ifndef CRYPTOLAKE_ARCHIVE_INFLATE_BUFFER_H_
#define CRYPTOLAKE_ARCHIVE_INFLATE_BUFFER_H_

#include <cstddef>
#include <string_view>

#include "cryptolake/common/status.h"

namespace cryptolake::archive {

class InflateBuffer {
 public:
  InflateBuffer() = default;
  InflateBuffer(InflateBuffer&& other) noexcept;
  InflateBuffer& operator=(InflateBuffer&& other) noexcept;
  InflateBuffer(const InflateBuffer&) = delete;
  InflateBuffer& operator=(const InflateBuffer&) = delete;
  ~InflateBuffer();

  // Makes size() == n. The first min(n, old size()) bytes are kept; the others
  // are unspecified (not zero-filled). IOError when memory cannot be mapped
  // (the buffer is then unchanged).
  Status Resize(size_t n);
  // Makes capacity() >= n, keeping size() and the bytes. Same errors as Resize().
  Status Reserve(size_t n);

  // Sets size() to 0 and unmaps the memory.
  void Release();

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  // Bytes usable without remapping.
  size_t capacity() const { return capacity_; }
  std::string_view view() const { return std::string_view(data_, size_); }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_ARCHIVE_INFLATE_BUFFER_H_
