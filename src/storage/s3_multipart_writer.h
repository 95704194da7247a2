// Internal: the S3 store's ObjectWriter.
//
// Buffers up to `multipart_threshold` bytes and then Put()s them in Publish();
// beyond the threshold it opens a multipart upload and sends parts of
// `part_size` as they fill, up to `max_parallel_parts` in flight (each on its
// own std::async thread; the writer waits for the oldest when the bound is
// reached), and completes the upload with the parts' ETags in order in
// Publish(). A failed part, a failed completion or destruction without
// Publish() aborts the upload (after every part in flight has finished, so
// none lands after the abort).
//
// Thread-safety: one thread at a time uses a writer; the target must be safe
// for concurrent calls (parts are uploaded from several threads).
#ifndef CRYPTOLAKE_SRC_STORAGE_S3_MULTIPART_WRITER_H_
#define CRYPTOLAKE_SRC_STORAGE_S3_MULTIPART_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::storage {

// What the writer needs from the store. Keys are relative to the store.
class S3MultipartTarget {
 public:
  virtual ~S3MultipartTarget() = default;
  virtual Status Put(std::string_view key, std::string_view data) = 0;
  // The upload id.
  virtual Result<std::string> CreateUpload(std::string_view key) = 0;
  // The part's ETag.
  virtual Result<std::string> UploadPart(std::string_view key, const std::string& upload_id,
                                         int part, std::string data) = 0;
  virtual Status CompleteUpload(std::string_view key, const std::string& upload_id,
                                const std::vector<std::string>& etags) = 0;
  // Best effort.
  virtual void AbortUpload(std::string_view key, const std::string& upload_id) = 0;
};

struct S3WriterOptions {
  uint64_t multipart_threshold = 8 << 20;
  uint64_t part_size = 8 << 20;
  int max_parallel_parts = 4;
};

// REQUIRES: `target` outlives the writer.
std::unique_ptr<ObjectWriter> NewS3MultipartWriter(S3MultipartTarget* target, std::string key,
                                                   const S3WriterOptions& options);

}  // namespace cryptolake::storage

#endif  // CRYPTOLAKE_SRC_STORAGE_S3_MULTIPART_WRITER_H_
