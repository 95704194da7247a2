#include "encoding.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace cryptolake::parquet::encoding {
namespace {

// Appends `count` values of `width` bits, LSB first. Writes straight into the
// resized string: the hot loop does no per-value push_back.
template <typename T>
void PackBits(const T* values, size_t count, int width, std::string* out) {
  if (width == 0 || count == 0) return;
  size_t nbytes = (count * static_cast<size_t>(width) + 7) / 8;
  size_t start = out->size();
  out->resize(start + nbytes);
  uint8_t* dst = reinterpret_cast<uint8_t*>(out->data() + start);
  unsigned __int128 acc = 0;
  int bits = 0;
  const unsigned __int128 mask =
      width >= 64 ? ~static_cast<uint64_t>(0) : ((static_cast<uint64_t>(1) << width) - 1);
  for (size_t i = 0; i < count; ++i) {
    acc |= (static_cast<unsigned __int128>(values[i]) & mask) << bits;
    bits += width;
    while (bits >= 64) {
      uint64_t word = static_cast<uint64_t>(acc);
      std::memcpy(dst, &word, 8);
      dst += 8;
      acc >>= 64;
      bits -= 64;
    }
  }
  while (bits > 0) {
    *dst++ = static_cast<uint8_t>(acc);
    acc >>= 8;
    bits -= 8;
  }
}

// Reads `count` values of `width` (<= 64) bits from data (which holds at
// least ceil(count*width/8) bytes).
template <typename T>
void UnpackBits(const uint8_t* data, size_t count, int width, T* out) {
  if (width == 0) {
    for (size_t i = 0; i < count; ++i) out[i] = 0;
    return;
  }
  const uint64_t mask =
      width >= 64 ? ~static_cast<uint64_t>(0) : ((static_cast<uint64_t>(1) << width) - 1);
  unsigned __int128 acc = 0;
  int bits = 0;
  for (size_t i = 0; i < count; ++i) {
    while (bits < width) {
      acc |= static_cast<unsigned __int128>(*data++) << bits;
      bits += 8;
    }
    out[i] = static_cast<T>(static_cast<uint64_t>(acc) & mask);
    acc >>= width;
    bits -= width;
  }
}

bool GetVarint(const uint8_t*& p, const uint8_t* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= end) return false;
    uint8_t b = *p++;
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

template <typename T>
void EncodeHybrid(const T* values, size_t n, int bit_width, std::string* out) {
  const int value_bytes = (bit_width + 7) / 8;
  // Pending bit-packed values, always a multiple of 8 except at the very end.
  std::vector<T> pending;
  auto flush_pending = [&] {
    if (pending.empty()) return;
    size_t groups = (pending.size() + 7) / 8;
    pending.resize(groups * 8, 0);
    PutVarint((groups << 1) | 1, out);
    PackBits(pending.data(), pending.size(), bit_width, out);
    pending.clear();
  };
  size_t i = 0;
  while (i < n) {
    const T v = values[i];
    size_t j = i + 1;
    while (j < n && values[j] == v) ++j;
    size_t run = j - i;
    if (run >= 8) {
      flush_pending();
      PutVarint(static_cast<uint64_t>(run) << 1, out);
      uint32_t value = v;
      for (int b = 0; b < value_bytes; ++b) out->push_back(static_cast<char>(value >> (8 * b)));
      i = j;
    } else {
      size_t take = std::min<size_t>(8, n - i);
      pending.insert(pending.end(), values + i, values + i + take);
      i += take;
    }
  }
  flush_pending();
}

template <typename T>
Status DecodeHybrid(const uint8_t* data, size_t size, int bit_width, size_t n, T* out) {
  if (bit_width < 0 || bit_width > 32) {
    return Status::Corruption("rle: bit width " + std::to_string(bit_width) + " out of range");
  }
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  const size_t value_bytes = (bit_width + 7) / 8;
  size_t produced = 0;
  while (produced < n) {
    uint64_t header;
    if (!GetVarint(p, end, &header)) return Status::Corruption("rle: truncated run header");
    if (header & 1) {
      uint64_t groups = header >> 1;
      uint64_t count = std::min<uint64_t>(groups * 8, n - produced);
      if (groups > (1ull << 40)) return Status::Corruption("rle: bit-packed run too long");
      size_t need = (count * bit_width + 7) / 8;
      if (need > static_cast<size_t>(end - p)) {
        return Status::Corruption("rle: bit-packed run exceeds page");
      }
      UnpackBits(p, count, bit_width, out + produced);
      size_t full = groups * bit_width;  // bytes of the whole run
      p += std::min<size_t>(full, end - p);
      produced += count;
    } else {
      uint64_t count = header >> 1;
      if (value_bytes > static_cast<size_t>(end - p)) {
        return Status::Corruption("rle: truncated run value");
      }
      uint32_t value = 0;
      for (size_t b = 0; b < value_bytes; ++b) value |= static_cast<uint32_t>(p[b]) << (8 * b);
      p += value_bytes;
      if (bit_width < 32 && (value >> bit_width) != 0) {
        return Status::Corruption("rle: run value exceeds bit width");
      }
      uint64_t take = std::min<uint64_t>(count, n - produced);
      std::fill(out + produced, out + produced + take, static_cast<T>(value));
      produced += take;
    }
  }
  return Status::OK();
}

}  // namespace

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

int BitWidth(uint64_t max_value) { return max_value == 0 ? 0 : 64 - __builtin_clzll(max_value); }

void EncodeRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  EncodeHybrid(values, n, bit_width, out);
}
void EncodeRleHybrid(const uint8_t* values, size_t n, int bit_width, std::string* out) {
  EncodeHybrid(values, n, bit_width, out);
}
void EncodeRleHybridRepeated(uint32_t value, size_t n, int bit_width, std::string* out) {
  if (n < 8) {
    // EncodeHybrid bit-packs runs shorter than 8.
    uint32_t values[8];
    for (size_t i = 0; i < n; ++i) values[i] = value;
    EncodeHybrid(values, n, bit_width, out);
    return;
  }
  PutVarint(static_cast<uint64_t>(n) << 1, out);
  const int value_bytes = (bit_width + 7) / 8;
  for (int b = 0; b < value_bytes; ++b) out->push_back(static_cast<char>(value >> (8 * b)));
}
Status DecodeRleHybrid(const uint8_t* data, size_t size, int bit_width, size_t n, uint32_t* out) {
  return DecodeHybrid(data, size, bit_width, n, out);
}
Status DecodeRleHybrid(const uint8_t* data, size_t size, int bit_width, size_t n, uint8_t* out) {
  if (bit_width > 8) return Status::Corruption("rle: level bit width above 8");
  return DecodeHybrid(data, size, bit_width, n, out);
}

namespace {
constexpr size_t kDeltaBlock = 128;
constexpr size_t kDeltaMiniblocks = 4;
constexpr size_t kDeltaMini = kDeltaBlock / kDeltaMiniblocks;

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t z) { return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1)); }
}  // namespace

void EncodeDeltaBinaryPacked(const int64_t* values, size_t n, std::string* out) {
  PutVarint(kDeltaBlock, out);
  PutVarint(kDeltaMiniblocks, out);
  PutVarint(n, out);
  PutVarint(ZigZag(n > 0 ? values[0] : 0), out);
  uint64_t deltas[kDeltaBlock];
  for (size_t start = 1; start < n; start += kDeltaBlock) {
    size_t count = std::min(kDeltaBlock, n - start);
    int64_t min_delta = INT64_MAX;
    for (size_t k = 0; k < count; ++k) {
      int64_t d = static_cast<int64_t>(static_cast<uint64_t>(values[start + k]) -
                                       static_cast<uint64_t>(values[start + k - 1]));
      deltas[k] = static_cast<uint64_t>(d);
      min_delta = std::min(min_delta, d);
    }
    for (size_t k = 0; k < count; ++k) deltas[k] -= static_cast<uint64_t>(min_delta);
    for (size_t k = count; k < kDeltaBlock; ++k) deltas[k] = 0;
    PutVarint(ZigZag(min_delta), out);
    int widths[kDeltaMiniblocks];
    for (size_t m = 0; m < kDeltaMiniblocks; ++m) {
      uint64_t mx = 0;
      size_t lo = m * kDeltaMini;
      for (size_t k = lo; k < lo + kDeltaMini && k < count; ++k) mx |= deltas[k];
      widths[m] = lo < count ? BitWidth(mx) : 0;
      out->push_back(static_cast<char>(widths[m]));
    }
    for (size_t m = 0; m < kDeltaMiniblocks; ++m) {
      if (m * kDeltaMini >= count) break;
      PackBits(deltas + m * kDeltaMini, kDeltaMini, widths[m], out);
    }
  }
}

Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t n, int64_t* out) {
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  uint64_t block, minis, total, first;
  if (!GetVarint(p, end, &block) || !GetVarint(p, end, &minis) || !GetVarint(p, end, &total) ||
      !GetVarint(p, end, &first)) {
    return Status::Corruption("delta: truncated header");
  }
  if (block == 0 || block % 128 != 0 || block > (1u << 20) || minis == 0 || block % minis != 0 ||
      (block / minis) % 32 != 0) {
    return Status::Corruption("delta: bad block layout");
  }
  if (total != n) {
    return Status::Corruption("delta: stream holds " + std::to_string(total) + " values, page " +
                              std::to_string(n));
  }
  if (n == 0) return Status::OK();
  const size_t per_mini = block / minis;
  uint64_t prev = static_cast<uint64_t>(UnZigZag(first));
  out[0] = static_cast<int64_t>(prev);
  size_t produced = 1;
  std::vector<uint64_t> buf(per_mini);
  std::vector<uint8_t> widths(minis);
  while (produced < n) {
    uint64_t zmin;
    if (!GetVarint(p, end, &zmin)) return Status::Corruption("delta: truncated block header");
    uint64_t min_delta = static_cast<uint64_t>(UnZigZag(zmin));
    if (minis > static_cast<size_t>(end - p)) return Status::Corruption("delta: truncated widths");
    std::memcpy(widths.data(), p, minis);
    p += minis;
    for (size_t m = 0; m < minis && produced < n; ++m) {
      int w = widths[m];
      if (w > 64) return Status::Corruption("delta: miniblock bit width above 64");
      size_t take = std::min(per_mini, n - produced);
      size_t need = (take * w + 7) / 8;
      if (need > static_cast<size_t>(end - p))
        return Status::Corruption("delta: truncated miniblock");
      UnpackBits(p, take, w, buf.data());
      p += std::min<size_t>(per_mini * w / 8, end - p);
      for (size_t k = 0; k < take; ++k) {
        prev += min_delta + buf[k];
        out[produced++] = static_cast<int64_t>(prev);
      }
    }
  }
  return Status::OK();
}

void EncodePlainBooleans(const uint8_t* values, size_t n, std::string* out) {
  size_t start = out->size();
  out->resize(start + (n + 7) / 8, 0);
  uint8_t* dst = reinterpret_cast<uint8_t*>(out->data() + start);
  for (size_t i = 0; i < n; ++i) dst[i >> 3] |= static_cast<uint8_t>((values[i] & 1) << (i & 7));
}

Status DecodePlainBooleans(const uint8_t* data, size_t size, size_t n, uint8_t* out) {
  if ((n + 7) / 8 > size) return Status::Corruption("plain boolean: page too short");
  for (size_t i = 0; i < n; ++i) out[i] = (data[i >> 3] >> (i & 7)) & 1;
  return Status::OK();
}

}  // namespace cryptolake::parquet::encoding
