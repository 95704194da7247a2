// The packed form of a series' attribute set.
//
// PackedAttributesView: a series' attribute set packed into one block (the
// fixed-width AttributeWords of short attributes, the bytes of long ones) in
// the order of the call that created the series, compared against
// CanonicalAttributes without allocating, and expanded into an AttributeSet
// (sorted by key) only at export. A series keeps its block right after its
// own fields, so a lookup reads the words at a fixed offset from the series
// pointer. (Tests own blocks through PackedAttributes,
// packed_attributes_test_util.h.)
//
// Thread-safety: a packed block is immutable after Pack(); const methods may
// be called concurrently.
#ifndef CRYPTOLAKE_SRC_METRICS_SDK_PACKED_ATTRIBUTES_H_
#define CRYPTOLAKE_SRC_METRICS_SDK_PACKED_ATTRIBUTES_H_

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "attribute_words.h"
#include "canonical_attributes.h"
#include "cryptolake/metrics/attribute_set.h"

namespace cryptolake::metrics::internal {

// A read-only view of a packed attribute block: the block lives wherever its
// owner put it (right after a series' fields, or in a test's PackedAttributes).
class PackedAttributesView {
 public:
  // Heap bytes the block of `attributes` takes (a multiple of 8).
  static size_t BlockBytes(const CanonicalAttributes& attributes);
  // Writes the block of `attributes` into `block`, which holds
  // BlockBytes(attributes) bytes and is 8-byte aligned. Entries keep the
  // order of `attributes` (the first call site's order); ToAttributeSet()
  // sorts.
  static void Pack(const CanonicalAttributes& attributes, uint8_t* block) noexcept;

  PackedAttributesView(const uint8_t* block, uint32_t count) : block_(block), count_(count) {}

  size_t size() const { return count_; }
  // Set equality (order-independent), values compared bitwise.
  [[gnu::always_inline]] bool Equals(const CanonicalAttributes& attributes) const noexcept {
    // Fast path (inline, on every lookup): every attribute is short and at
    // its stored position (the call site's order did not change); then the
    // sets are equal. Anything else takes the general search. The four words
    // of an entry are compared with a single branch per entry.
    const size_t n = count_;
    if (n != attributes.size()) return false;
    if (attributes.has_long()) return EqualsAnyOrder(attributes);
    const uint64_t* w = words();
    const uint16_t* m = meta();
    for (size_t i = 0; i < n; ++i, w += 4) {
      const AttributeWords& a = attributes.words(i);
#if defined(__SSE2__)
      const __m128i key = _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)),
                                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(&a.k0)));
      const __m128i value =
          _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2)),
                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(&a.v0)));
      const bool same = _mm_movemask_epi8(_mm_and_si128(key, value)) == 0xFFFF;
#else
      const bool same = ((w[0] ^ a.k0) | (w[1] ^ a.k1) | (w[2] ^ a.v0) | (w[3] ^ a.v1)) == 0;
#endif
      if (!same || m[i] != a.meta) return EqualsAnyOrder(attributes);
    }
    return true;
  }
  AttributeSet ToAttributeSet() const;

 private:
  // Block layout: uint64_t words[count][4]; uint16_t meta[count]; then the
  // bytes of long attributes (keys, strings, arrays; a string array as
  // (uint32_t length, chars) per element). A long attribute's words are
  // {key offset, key length, value (scalar bits, or offset), element count}.
  const uint64_t* words() const { return reinterpret_cast<const uint64_t*>(block_); }
  const uint16_t* meta() const { return reinterpret_cast<const uint16_t*>(block_ + count_ * 32); }
  bool LongEquals(size_t j, const AttributeView& item) const noexcept;
  bool EqualsAnyOrder(const CanonicalAttributes& attributes) const noexcept;

  const uint8_t* block_;
  uint32_t count_;
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_SDK_PACKED_ATTRIBUTES_H_
