// ByteSink: where a streaming producer (the Parquet writer, a zip download)
// puts its bytes, in order, without holding the whole output in memory.
//
// Implementations: storage::ObjectWriter (an object published atomically once
// complete), StringSink (an in-memory string, for tests and small outputs).
//
// Thread-safety: a sink is used by one thread at a time.
#ifndef CRYPTOLAKE_COMMON_BYTE_SINK_H_
#define CRYPTOLAKE_COMMON_BYTE_SINK_H_

#include <string>
#include <string_view>

#include "cryptolake/common/status.h"

namespace cryptolake {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Appends `data` after everything appended before. An error is final: the
  // caller stops and abandons the output.
  virtual Status Append(std::string_view data) = 0;
};

// Collects everything appended in a string.
class StringSink final : public ByteSink {
 public:
  Status Append(std::string_view data) override {
    bytes_.append(data);
    return Status::OK();
  }
  const std::string& bytes() const { return bytes_; }
  std::string Release() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

}  // namespace cryptolake

#endif  // CRYPTOLAKE_COMMON_BYTE_SINK_H_
