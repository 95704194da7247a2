// Attribute handling on the recording path.
//
// CanonicalAttributes: a borrowed Attributes list with duplicate keys removed
// (last wins), as pointers into the caller's list, on the stack for up to
// kInlineAttributes entries. It is a set: when the caller's list has no
// duplicate keys (the common case) it keeps the caller's order and is not
// sorted; sorted() says which. Its hash is order-independent, so both forms
// of one set hash alike. Filtering (a view's allowed or excluded keys)
// produces another list of the same form.
//
// PackedAttributes: the owned copy of a series' attribute set, packed into one
// heap block (the fixed-width words of short attributes, the bytes of long
// ones) in the order of the call that created the series, compared against
// canonical lists without allocating, and expanded into an AttributeSet
// (sorted by key) only at export.
//
// Thread-safety: CanonicalAttributes is per call. PackedAttributes is
// immutable after construction; const methods may be called concurrently.
#ifndef CRYPTOLAKE_SRC_METRICS_PACKED_ATTRIBUTES_H_
#define CRYPTOLAKE_SRC_METRICS_PACKED_ATTRIBUTES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cryptolake/metrics/attribute_set.h"
#include "cryptolake/metrics/attributes.h"

namespace cryptolake::metrics::internal {

inline constexpr size_t kInlineAttributes = 16;

// The fixed-width form of one attribute, computed once per call and used for
// the hash and the comparison against stored series.
// "Short" attributes (key of at most 16 bytes; value a bool, int64, double or
// a string of at most 16 bytes) are encoded exactly: k0/k1 and v0/v1 hold the
// key and value bytes (overlapping loads, injective given the lengths in
// `meta`). Other ("long") attributes carry only hashes here and are compared
// byte by byte.
struct AttributeWords {
  uint64_t k0, k1, v0, v1;
  // Bits 0-4: key length, 5-9: string value length (short form); 10-12:
  // value type; 13: long form.
  uint16_t meta;
};
inline constexpr uint16_t kLongAttribute = 1u << 13;

class CanonicalAttributes {
 public:
  CanonicalAttributes() = default;
  // De-duplicates `attributes` (last occurrence of a key wins). Lists of up to
  // kInlineAttributes entries without duplicate keys keep their order (no
  // sort); others are sorted by key.
  // Inline so that the recording call goes straight to FillUnique().
  explicit CanonicalAttributes(Attributes attributes) noexcept {
    const size_t n = attributes.size();
    if (n == 0) return;  // The empty set: its own cell, no hash needed.
    if (n > kInlineAttributes || !FillUnique(attributes)) SortAndDeduplicate(attributes);
  }
  CanonicalAttributes(const CanonicalAttributes&) = delete;
  CanonicalAttributes& operator=(const CanonicalAttributes&) = delete;

  // Keeps only entries whose key is in `allowed` (if non-null) and not in
  // `excluded`. Both lists are sorted.
  void FilterFrom(const CanonicalAttributes& source, const std::vector<std::string>* allowed,
                  const std::vector<std::string>& excluded) noexcept;

  size_t size() const { return size_; }
  // True when the entries are in key order.
  bool sorted() const { return sorted_; }
  const AttributeView& operator[](size_t i) const { return *items_[i].view; }
  const AttributeWords& words(size_t i) const { return items_[i].words; }
  // True when some entry is in the long form (only hashes in its words).
  bool has_long() const { return has_long_; }

  // Order-independent hash of the set; computed once and cached.
  uint64_t Hash() const noexcept {
    if (!hash_valid_) {
      hash_ = ComputeHash();
      hash_valid_ = true;
    }
    return hash_;
  }

  AttributeSet ToAttributeSet() const;

 private:
  struct Item {
    const AttributeView* view;
    AttributeWords words;
  };

  void Reserve(size_t n) noexcept;
  void SortAndDeduplicate(Attributes attributes) noexcept;
  void Insert(const AttributeView* item) noexcept;
  // False (and nothing filled) when two keys are equal.
  bool FillUnique(Attributes attributes) noexcept;
  uint64_t ComputeHash() const noexcept;

  Item inline_[kInlineAttributes];
  std::unique_ptr<Item[]> heap_;  // Only beyond kInlineAttributes.
  Item* items_ = inline_;
  size_t capacity_ = kInlineAttributes;  // Entries items_ can hold.
  size_t size_ = 0;
  bool sorted_ = true;
  bool has_long_ = false;
  mutable bool hash_valid_ = false;
  mutable uint64_t hash_ = 0;
};

class PackedAttributes {
 public:
  PackedAttributes() = default;
  // Entries keep the order of `attributes` (the first call site's order);
  // ToAttributeSet() sorts.
  explicit PackedAttributes(const CanonicalAttributes& attributes);
  // From an owned set (used for the overflow series and async streams).
  explicit PackedAttributes(const AttributeSet& attributes);

  size_t size() const { return count_; }
  // Set equality (order-independent), values compared bitwise.
  [[gnu::always_inline]] bool Equals(const CanonicalAttributes& attributes) const noexcept {
    // Fast path (inline, on every lookup): every attribute is short and at
    // its stored position (the call site's order did not change); then the
    // sets are equal. Anything else takes the general search. The four words
    // of an entry are compared at once, with a single branch per entry.
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
  // Heap bytes used.
  size_t memory_bytes() const { return bytes_; }

 private:
  // Block layout: uint64_t words[count][4]; uint16_t meta[count]; then the
  // bytes of long attributes (keys, strings, arrays; a string array as
  // (uint32_t length, chars) per element). A long attribute's words are
  // {key offset, key length, value (scalar bits, or offset), element count}.
  const uint64_t* words() const { return reinterpret_cast<const uint64_t*>(block_.get()); }
  const uint16_t* meta() const {
    return reinterpret_cast<const uint16_t*>(block_.get() + count_ * 32);
  }
  bool LongEquals(size_t j, const AttributeView& item) const noexcept;
  bool EqualsAnyOrder(const CanonicalAttributes& attributes) const noexcept;

  std::unique_ptr<uint8_t[]> block_;
  uint32_t bytes_ = 0;
  uint32_t count_ = 0;
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_PACKED_ATTRIBUTES_H_
