#include "attribute_words.h"

#include <cstring>
#include <string_view>
#include <type_traits>

namespace cryptolake::metrics::internal::attribute_words {
namespace {

// The hash of a value of any type (long attributes only).
uint64_t HashValue(uint64_t h, const AttributeValueView& value) {
  // The type goes into the high bits (lengths never reach them) rather
  // than costing a multiply of its own.
  h ^= (static_cast<uint64_t>(value.type()) + 1) << 56;
  return value.Visit([h](auto v) mutable -> uint64_t {
    using V = decltype(v);
    if constexpr (std::is_same_v<V, bool>) {
      return HashMix(h, v ? 1 : 2);
    } else if constexpr (std::is_same_v<V, int64_t>) {
      return HashMix(h, static_cast<uint64_t>(v));
    } else if constexpr (std::is_same_v<V, double>) {
      return HashMix(h, DoubleBits(v));
    } else if constexpr (std::is_same_v<V, std::span<const std::string_view>>) {
      for (std::string_view s : v) h = HashBytes(h, s.data(), s.size());
      return HashMix(h, v.size());
    } else {  // A string or an array of scalars: its bytes.
      return HashBytes(h, v.data(), v.size() * sizeof(v[0]));
    }
  });
}

}  // namespace

void DecodeShort(uint64_t w0, uint64_t w1, size_t n, char* out) {
  if (n > 8) {
    std::memcpy(out, &w0, 8);
    std::memcpy(out + n - 8, &w1, 8);
  } else if (n >= 4) {
    const uint32_t first = static_cast<uint32_t>(w0 >> 32);
    const uint32_t last = static_cast<uint32_t>(w0);
    std::memcpy(out, &first, 4);
    std::memcpy(out + n - 4, &last, 4);
  } else if (n > 0) {
    out[0] = static_cast<char>(w0 >> 16);
    out[n >> 1] = static_cast<char>(w0 >> 8);
    out[n - 1] = static_cast<char>(w0);
  }
}

void LongWords(const AttributeView& item, AttributeWords* w) noexcept {
  const std::string_view key = item.key;
  w->k0 = HashBytes(0x13198A2E03707344ull, key.data(), key.size());
  w->k1 = key.size();
  w->v0 = HashValue(0xA4093822299F31D0ull, item.value);
  w->v1 = 0;
  w->meta = static_cast<uint16_t>(kLongAttribute |
                                  (static_cast<unsigned>(item.value.type()) << kTypeShift));
}

bool HasKeyBefore(const AttributeView* begin, const AttributeView* item) noexcept {
  // Keys are compared by length first: most distinct keys differ there.
  const std::string_view key = item->key;
  for (const AttributeView* p = begin; p != item; ++p) {
    if (p->key.size() == key.size() && BytesEqual(p->key.data(), key.data(), key.size())) {
      return true;
    }
  }
  return false;
}

}  // namespace cryptolake::metrics::internal::attribute_words
