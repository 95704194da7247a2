// Low-level Parquet value encodings: the RLE/bit-packed hybrid (definition
// levels, dictionary indices), DELTA_BINARY_PACKED (sorted integers) and
// PLAIN booleans (bit-packed). Encoders append to a std::string without
// per-value allocation; decoders bounds-check untrusted input and return
// Corruption instead of reading past the end.
//
// Thread-safety: free functions over caller-owned buffers; no shared state.
#ifndef CRYPTOLAKE_SRC_PARQUET_ENCODING_H_
#define CRYPTOLAKE_SRC_PARQUET_ENCODING_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "cryptolake/common/status.h"

namespace cryptolake::parquet::encoding {

// Bits needed to represent `max_value` (0 for 0).
int BitWidth(uint64_t max_value);

// Appends the RLE/bit-packed hybrid encoding (no length prefix) of
// values[0..n). REQUIRES: every value < 2^bit_width, 0 <= bit_width <= 32.
void EncodeRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out);
void EncodeRleHybrid(const uint8_t* values, size_t n, int bit_width, std::string* out);
// Same bytes as EncodeRleHybrid of n copies of `value`, without the copies.
void EncodeRleHybridRepeated(uint32_t value, size_t n, int bit_width, std::string* out);

// Decodes exactly n values from the hybrid stream data[0..size).
// Corruption when the stream ends early or bit_width > 32.
Status DecodeRleHybrid(const uint8_t* data, size_t size, int bit_width, size_t n, uint32_t* out);
Status DecodeRleHybrid(const uint8_t* data, size_t size, int bit_width, size_t n, uint8_t* out);

// DELTA_BINARY_PACKED with blocks of 128 values in 4 miniblocks.
void EncodeDeltaBinaryPacked(const int64_t* values, size_t n, std::string* out);
// Decodes exactly n values (the stream may hold more, which is an error).
Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t n, int64_t* out);

// PLAIN booleans: one bit per value, LSB first. `values` are 0/1 bytes.
void EncodePlainBooleans(const uint8_t* values, size_t n, std::string* out);
Status DecodePlainBooleans(const uint8_t* data, size_t size, size_t n, uint8_t* out);

// Little-endian varint (ULEB128) helpers shared with the page code.
void PutVarint(uint64_t v, std::string* out);

}  // namespace cryptolake::parquet::encoding

#endif  // CRYPTOLAKE_SRC_PARQUET_ENCODING_H_
