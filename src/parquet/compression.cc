#include "compression.h"

#include <snappy-c.h>
#include <zstd.h>

#include <memory>

#include "parquet_format.h"

namespace cryptolake::parquet {

Compressor::Compressor(Compression codec, int zstd_level) : codec_(codec), zstd_level_(zstd_level) {
  if (codec_ == Compression::kZstd) zstd_ctx_ = ZSTD_createCCtx();
}

Compressor::~Compressor() {
  if (zstd_ctx_ != nullptr) ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zstd_ctx_));
}

Status Compressor::Compress(std::string_view input, std::string* out) {
  size_t start = out->size();
  switch (codec_) {
    case Compression::kUncompressed:
      out->append(input.data(), input.size());
      return Status::OK();
    case Compression::kSnappy: {
      size_t cap = snappy_max_compressed_length(input.size());
      out->resize(start + cap);
      size_t len = cap;
      if (snappy_compress(input.data(), input.size(), out->data() + start, &len) != SNAPPY_OK) {
        out->resize(start);
        return Status::Internal("snappy compression failed");
      }
      out->resize(start + len);
      return Status::OK();
    }
    case Compression::kZstd: {
      if (zstd_ctx_ == nullptr) return Status::Internal("zstd context allocation failed");
      size_t cap = ZSTD_compressBound(input.size());
      out->resize(start + cap);
      size_t len = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(zstd_ctx_), out->data() + start, cap,
                                     input.data(), input.size(), zstd_level_);
      if (ZSTD_isError(len)) {
        out->resize(start);
        return Status::Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(len));
      }
      out->resize(start + len);
      return Status::OK();
    }
  }
  return Status::Internal("unknown codec");
}

Status Decompress(int32_t codec, std::string_view input, size_t uncompressed_size,
                  std::string* out) {
  // Every size is checked against what the compressed data itself declares
  // before the output is allocated, so a corrupt header cannot make us zero
  // hundreds of megabytes.
  switch (codec) {
    case format::kUncompressed:
      if (input.size() != uncompressed_size) {
        return Status::Corruption("uncompressed page: size mismatch");
      }
      out->assign(input.data(), input.size());
      return Status::OK();
    case format::kSnappy: {
      size_t len = 0;
      if (snappy_uncompressed_length(input.data(), input.size(), &len) != SNAPPY_OK ||
          len != uncompressed_size) {
        return Status::Corruption("snappy page: bad length header");
      }
      out->resize(uncompressed_size);
      if (snappy_uncompress(input.data(), input.size(), out->data(), &len) != SNAPPY_OK ||
          len != uncompressed_size) {
        return Status::Corruption("snappy page: corrupt data");
      }
      return Status::OK();
    }
    case format::kZstd: {
      unsigned long long declared = ZSTD_getFrameContentSize(input.data(), input.size());
      if (declared == ZSTD_CONTENTSIZE_ERROR)
        return Status::Corruption("zstd page: not a zstd frame");
      if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != uncompressed_size) {
        return Status::Corruption("zstd page: frame size differs from page header");
      }
      // One decompression context per thread: creating one per page costs
      // more than decoding a small page.
      struct DctxDeleter {
        void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
      };
      thread_local std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx(ZSTD_createDCtx());
      if (dctx == nullptr) return Status::Internal("zstd context allocation failed");
      out->resize(uncompressed_size);
      size_t len = ZSTD_decompressDCtx(dctx.get(), out->data(), uncompressed_size, input.data(),
                                       input.size());
      if (ZSTD_isError(len)) {
        return Status::Corruption(std::string("zstd page: ") + ZSTD_getErrorName(len));
      }
      if (len != uncompressed_size) return Status::Corruption("zstd page: size mismatch");
      return Status::OK();
    }
    default:
      return Status::InvalidArgument("unsupported compression codec " + std::to_string(codec));
  }
}

}  // namespace cryptolake::parquet
