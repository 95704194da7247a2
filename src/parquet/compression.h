// Page compression with zstd and snappy.
//
// Thread-safety: a Compressor owns a zstd context and is used by one thread at
// a time; Decompress() is a free function and thread-safe.
#ifndef CRYPTOLAKE_SRC_PARQUET_COMPRESSION_H_
#define CRYPTOLAKE_SRC_PARQUET_COMPRESSION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cryptolake/common/status.h"
#include "cryptolake/parquet/file_writer.h"

namespace cryptolake::parquet {

class Compressor {
 public:
  Compressor(Compression codec, int zstd_level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Appends the compressed form of `input` to *out.
  Status Compress(std::string_view input, std::string* out);

 private:
  Compression codec_;
  int zstd_level_;
  void* zstd_ctx_ = nullptr;  // ZSTD_CCtx*
};

// Decompresses `input` (Parquet codec id) into exactly `uncompressed_size`
// bytes at *out (resized). Corruption when the data does not decode to
// exactly that size.
Status Decompress(int32_t codec, std::string_view input, size_t uncompressed_size,
                  std::string* out);

}  // namespace cryptolake::parquet

#endif  // CRYPTOLAKE_SRC_PARQUET_COMPRESSION_H_
