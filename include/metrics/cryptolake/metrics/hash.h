// The one hash mixer of the metrics layers, and the byte loads it is fed with.
//
// Mum() is the only mixing step: a 64x64->128-bit multiply folded to 64 bits
// (the wyhash "mum" step). HashMix() and HashBytes() are built from it, and
// so are the attribute hashes of the SDK (src/metrics/sdk/attribute_words.h)
// and AttributeSet::Hash(). Not a cryptographic hash.
//
// Implementation detail shared by the API and the SDK; not for direct use.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_METRICS_HASH_H_
#define CRYPTOLAKE_METRICS_HASH_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace cryptolake::metrics::internal {

inline constexpr uint64_t kGoldenRatio64 = 0x9E3779B97F4A7C15ull;

// Folded 64x64->128 product.
[[gnu::always_inline]] inline uint64_t Mum(uint64_t a, uint64_t b) {
  const __uint128_t m = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}

// Mixes `v` into the running hash `h`.
[[gnu::always_inline]] inline uint64_t HashMix(uint64_t h, uint64_t v) {
  return Mum(h ^ v, kGoldenRatio64);
}

// The bit pattern of `d` (0.0 and -0.0 differ; a caller whose equality
// treats them alike normalises first).
inline uint64_t DoubleBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}

inline uint64_t Load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
inline uint64_t Load32(const char* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// Reads 0..8 bytes as one word without a variable-length copy: two
// overlapping 4-byte loads, or 1-3 single bytes.
[[gnu::always_inline]] inline uint64_t LoadShort(const char* p, size_t n) {
  if (n >= 4) return (Load32(p) << 32) | Load32(p + n - 4);
  if (n == 0) return 0;
  return (static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16) |
         (static_cast<uint64_t>(static_cast<uint8_t>(p[n >> 1])) << 8) |
         static_cast<uint8_t>(p[n - 1]);
}

// Mixes n bytes into `h`, eight at a time (the last word overlapping the
// previous one).
inline uint64_t HashBytes(uint64_t h, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  if (n <= 8) return HashMix(h ^ n, LoadShort(p, n));
  if (n <= 16) return HashMix(HashMix(h ^ n, Load64(p)), Load64(p + n - 8));
  h ^= n;
  while (n > 8) {
    h = HashMix(h, Load64(p));
    p += 8;
    n -= 8;
  }
  return HashMix(h, Load64(p + n - 8));
}

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_METRICS_HASH_H_
