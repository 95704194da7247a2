// AttributeWords: the fixed-width form of one attribute on the recording path,
// and the attribute hashes computed from it.
//
// "Short" attributes (key of at most 16 bytes; value a bool, int64, double or
// a string of at most 16 bytes) are encoded exactly: k0/k1 and v0/v1 hold the
// key and value bytes (overlapping loads, injective given the lengths in
// `meta`). Other ("long") attributes carry only hashes here (LongWords) and
// are compared byte by byte against their packed form (packed_attributes.h).
// Every hash here is built from the one mixer, Mum() (cryptolake/metrics/hash.h).
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_SRC_METRICS_SDK_ATTRIBUTE_WORDS_H_
#define CRYPTOLAKE_SRC_METRICS_SDK_ATTRIBUTE_WORDS_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "cryptolake/metrics/attributes.h"
#include "cryptolake/metrics/hash.h"

namespace cryptolake::metrics::internal {

// Attribute lists of up to this many entries are canonicalised and decoded
// without a heap allocation.
inline constexpr size_t kInlineAttributes = 16;

struct AttributeWords {
  uint64_t k0, k1, v0, v1;
  // Bits 0-4: key length, 5-9: string value length (short form); 10-12:
  // value type; 13: long form.
  uint16_t meta;
};
inline constexpr uint16_t kLongAttribute = 1u << 13;
inline constexpr int kValueLengthShift = 5;
inline constexpr int kTypeShift = 10;

namespace attribute_words {

// Splits a string of up to 16 bytes into two words; (words, length) is
// injective.
[[gnu::always_inline]] inline void StringWords(const char* p, size_t n, uint64_t* w0,
                                               uint64_t* w1) {
  if (n <= 8) {
    *w0 = LoadShort(p, n);
    *w1 = 0;
  } else {
    *w0 = Load64(p);
    *w1 = Load64(p + n - 8);
  }
}

// The word a bool, int64 or double value is stored as, and back.
inline uint64_t ScalarBits(bool v) { return v ? 1 : 0; }
inline uint64_t ScalarBits(int64_t v) { return static_cast<uint64_t>(v); }
inline uint64_t ScalarBits(double v) { return DoubleBits(v); }
template <typename V>
V ScalarFromBits(uint64_t bits) {
  if constexpr (std::is_same_v<V, bool>) {
    return bits != 0;
  } else if constexpr (std::is_same_v<V, int64_t>) {
    return static_cast<int64_t>(bits);
  } else {
    static_assert(std::is_same_v<V, double>);
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
}
template <typename V>
inline constexpr bool kIsScalar =
    std::is_same_v<V, bool> || std::is_same_v<V, int64_t> || std::is_same_v<V, double>;

// Writes the n (<= 16) bytes that StringWords() encoded into `out`.
void DecodeShort(uint64_t w0, uint64_t w1, size_t n, char* out);

// The hash of one short attribute: one multiply, the second words rotated
// into the first ones. Not injective (equality is checked exactly), but
// attribute sets that differ in any byte of a key or value of up to 16 bytes
// do differ here.
[[gnu::always_inline]] inline uint64_t HashWords(const AttributeWords& w) {
  const uint64_t key = w.k0 ^ std::rotl(w.k1, 29) ^ (uint64_t{w.meta} << 48);
  return Mum(key ^ 0x243F6A8885A308D3ull, w.v0 ^ std::rotl(w.v1, 31) ^ 0xA4093822299F31D0ull);
}

// Combines the sum of the attribute hashes (addition: order-independent) and
// spreads it over the low bits the series table indexes with.
inline uint64_t FinishHash(uint64_t sum, size_t n) {
  return Mum(sum ^ n ^ 0x082EFA98EC4E6C89ull, kGoldenRatio64);
}

// Fills `w` and returns true when `item` is short; returns false (and leaves
// `w` alone) otherwise.
[[gnu::always_inline]] inline bool ShortWords(const AttributeView& item, AttributeWords& w) {
  using Type = AttributeValueView::Type;
  const std::string_view key = item.key;
  const AttributeValueView& v = item.value;
  const Type type = v.type();
  if (key.size() > 16) return false;
  if (type == Type::kString) {
    const std::string_view sv = v.string_value();
    if (sv.size() > 16) return false;
    StringWords(key.data(), key.size(), &w.k0, &w.k1);
    StringWords(sv.data(), sv.size(), &w.v0, &w.v1);
    w.meta = static_cast<uint16_t>(key.size() | (sv.size() << kValueLengthShift) |
                                   (static_cast<unsigned>(type) << kTypeShift));
    return true;
  }
  if (type == Type::kBool || type == Type::kInt64 || type == Type::kDouble) {
    StringWords(key.data(), key.size(), &w.k0, &w.k1);
    w.v0 = type == Type::kBool    ? (v.bool_value() ? 1 : 0)
           : type == Type::kInt64 ? static_cast<uint64_t>(v.int64_value())
                                  : DoubleBits(v.double_value());
    w.v1 = 0;
    w.meta = static_cast<uint16_t>(key.size() | (static_cast<unsigned>(type) << kTypeShift));
    return true;
  }
  return false;
}

// The words of a long attribute: {hash of the key, key length, hash of the
// value, 0} and the meta word (type and the long-form bit). Out of line:
// keeps the registers of the (inlined) short path free.
void LongWords(const AttributeView& item, AttributeWords* w) noexcept;

// The words of any attribute.
[[gnu::always_inline]] inline void ComputeWords(const AttributeView& item, AttributeWords* w) {
  if (!ShortWords(item, *w)) [[unlikely]]
    LongWords(item, w);
}

// Equality of short byte strings without calling memcmp.
[[gnu::always_inline]] inline bool BytesEqual(const void* a, const void* b, size_t n) {
  const char* x = static_cast<const char*>(a);
  const char* y = static_cast<const char*>(b);
  if (n <= 8) return LoadShort(x, n) == LoadShort(y, n);
  if (n <= 16) return Load64(x) == Load64(y) && Load64(x + n - 8) == Load64(y + n - 8);
  return std::memcmp(x, y, n) == 0;
}

// Same order as std::string_view::compare, but decides on the first byte
// without a library call when it differs (the common case for keys).
inline int CompareKeys(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a[0] != b[0]) {
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]) ? -1 : 1;
  }
  return a.compare(b);
}

// The duplicate-key checks compare keys only when their length was seen
// before: one bit per key length, lengths of 31 and more sharing one.
inline uint32_t KeyLengthBit(size_t key_length) {
  return uint32_t{1} << (key_length < 31 ? key_length : 31);
}

// True when an entry of [begin, item) has item's key. Out of line: rare.
bool HasKeyBefore(const AttributeView* begin, const AttributeView* item) noexcept;

}  // namespace attribute_words
}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_SDK_ATTRIBUTE_WORDS_H_
