// Attribute handling on the recording path.
//
// CanonicalAttributes: a borrowed Attributes list with duplicate keys removed
// (last wins). It is a set: when the caller's list has no duplicate keys (the
// common case) it is the caller's list itself, in the caller's order;
// otherwise a copy sorted by key, on the stack for up to kInlineAttributes
// entries; sorted() says which. Its hash is order-independent, so both forms
// of one set hash alike. Filtering (a view's allowed or excluded keys)
// produces another list of the same form.
//
// PackedAttributesView: a series' attribute set packed into one block (the
// fixed-width words of short attributes, the bytes of long ones) in the order
// of the call that created the series, compared against canonical lists
// without allocating, and expanded into an AttributeSet (sorted by key) only
// at export. A series keeps its block right after its own fields, so a
// lookup reads the words at a fixed offset from the series pointer.
// PackedAttributes owns a block of its own.
//
// Thread-safety: CanonicalAttributes is per call. A packed block is
// immutable after Pack(); const methods may be called concurrently.
#ifndef CRYPTOLAKE_SRC_METRICS_PACKED_ATTRIBUTES_H_
#define CRYPTOLAKE_SRC_METRICS_PACKED_ATTRIBUTES_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
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
// `meta`). Other ("long") attributes carry only hashes here (LongWords) and
// are compared byte by byte.
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

inline uint64_t DoubleBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return bits;
}

// Folded 64x64->128 product of two keyed words (the wyhash "mum" step).
[[gnu::always_inline]] inline uint64_t Mum(uint64_t a, uint64_t b) {
  __uint128_t m = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}

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
  return Mum(sum ^ n ^ 0x082EFA98EC4E6C89ull, 0x9E3779B97F4A7C15ull);
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

// The meta word of a long attribute (type and the long-form bit).
inline uint16_t LongMeta(const AttributeView& item) {
  return static_cast<uint16_t>(kLongAttribute |
                               (static_cast<unsigned>(item.value.type()) << kTypeShift));
}

// The words of a long attribute: {hash of the key, key length, hash of the
// value, 0} and LongMeta(). Out of line: keeps the registers of the (inlined)
// short path free.
void LongWords(const AttributeView& item, AttributeWords* w) noexcept;

// The words of any attribute.
[[gnu::always_inline]] inline void ComputeWords(const AttributeView& item, AttributeWords* w) {
  if (!ShortWords(item, *w)) [[unlikely]]
    LongWords(item, w);
}

// The duplicate-key checks compare keys only when their length was seen
// before: one bit per key length, lengths of 31 and more sharing one.
inline uint32_t KeyLengthBit(size_t key_length) {
  return uint32_t{1} << (key_length < 31 ? key_length : 31);
}

// True when an entry of [begin, item) has item's key. Out of line: rare.
bool HasKeyBefore(const AttributeView* begin, const AttributeView* item) noexcept;

}  // namespace attribute_words

class CanonicalAttributes {
 public:
  CanonicalAttributes() = default;
  // De-duplicates `attributes` (last occurrence of a key wins). Lists of up to
  // kInlineAttributes entries without duplicate keys are used in place, in
  // their order (no copy, no sort); others are copied and sorted by key.
  // Inline so that the recording call hashes the list in its own frame.
  [[gnu::always_inline]] explicit CanonicalAttributes(Attributes attributes) noexcept {
    const size_t n = attributes.size();
    if (n == 0) return;  // The empty set: its own cell, no hash needed.
    if (n > kInlineAttributes || !Scan<true>(attributes)) SortAndDeduplicate(attributes);
  }
  // The recording path's form: the list is used in place without checking
  // for duplicate keys (unless it is longer than kInlineAttributes). A list
  // with duplicates then matches no stored series (their keys are unique;
  // see PackedAttributesView::EqualsAnyOrder), and the stream's miss path
  // canonicalises it properly (keys_checked() is false) before creating one.
  struct UncheckedKeys {};
  [[gnu::always_inline]] CanonicalAttributes(Attributes attributes, UncheckedKeys) noexcept {
    const size_t n = attributes.size();
    if (n == 0) return;
    if (n > kInlineAttributes) {
      SortAndDeduplicate(attributes);
    } else {
      Scan<false>(attributes);
      keys_checked_ = n < 2;
    }
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
  const AttributeView& operator[](size_t i) const { return items_[i]; }
  const AttributeWords& words(size_t i) const { return words_[i]; }
  // True when some entry is in the long form (only hashes in its words).
  bool has_long() const { return has_long_; }
  // False when the list came from the UncheckedKeys constructor and may hold
  // a key twice; HasDuplicateKeys() tells.
  bool keys_checked() const { return keys_checked_; }
  bool HasDuplicateKeys() const noexcept;

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
  // One pass: words, hash and (kCheckKeys) the duplicate-key check. Keys are
  // compared only when their length was seen before (a bit per length;
  // lengths of 31 and more share one bit): keys of distinct lengths, the
  // common case, cost no comparison. False (nothing set) on a duplicate.
  template <bool kCheckKeys>
  [[gnu::always_inline]] bool Scan(Attributes attributes) noexcept {
    using namespace attribute_words;
    const size_t n = attributes.size();
    const AttributeView* data = attributes.begin();
    uint64_t h = 0;
    uint32_t lengths_seen = 0;
    uint16_t metas = 0;
    AttributeWords* w = inline_words_;
    for (const AttributeView* p = data; p != data + n; ++p, ++w) {
      if constexpr (kCheckKeys) {
        const uint32_t length_bit = KeyLengthBit(p->key.size());
        if ((lengths_seen & length_bit) && HasKeyBefore(data, p)) [[unlikely]] {
          return false;
        }
        lengths_seen |= length_bit;
      }
      ComputeWords(*p, w);
      metas |= w->meta;
      h += HashWords(*w);
    }
    items_ = data;
    words_ = inline_words_;
    size_ = n;
    sorted_ = n < 2;
    has_long_ = (metas & kLongAttribute) != 0;
    hash_ = FinishHash(h, n);
    hash_valid_ = true;
    return true;
  }

  // Copies the entries into buffer_ (inline or on the heap), sorted by key,
  // the last of equal keys kept, and computes their words.
  void SortAndDeduplicate(Attributes attributes) noexcept;
  // Room for n entries in buffer_ and words_; returns how many fit (fewer
  // only when the heap allocation failed).
  size_t Reserve(size_t n) noexcept;
  // Words of the copied entries, and has_long_.
  void ComputeAllWords() noexcept;
  uint64_t ComputeHash() const noexcept;

  const AttributeView* items_ = nullptr;
  AttributeWords* words_ = nullptr;
  size_t size_ = 0;
  mutable uint64_t hash_ = 0;
  bool sorted_ = true;
  bool has_long_ = false;
  bool keys_checked_ = true;
  mutable bool hash_valid_ = false;
  // The caller's list is used in place; only sorted or filtered lists are
  // copied, into buffer_. Not initialised otherwise.
  AttributeView* buffer_ = nullptr;
  std::unique_ptr<unsigned char[]> heap_;  // Beyond kInlineAttributes entries.
  AttributeWords inline_words_[kInlineAttributes];
  alignas(AttributeView) unsigned char inline_[kInlineAttributes * sizeof(AttributeView)];
};

// A read-only view of a packed attribute block: the block lives wherever its
// owner put it (right after a series' fields, or in a PackedAttributes).
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

// An owned packed attribute set (one heap block).
class PackedAttributes {
 public:
  PackedAttributes() = default;
  explicit PackedAttributes(const CanonicalAttributes& attributes);
  explicit PackedAttributes(const AttributeSet& attributes);

  PackedAttributesView view() const {
    return {reinterpret_cast<const uint8_t*>(block_.get()), count_};
  }
  size_t size() const { return count_; }
  bool Equals(const CanonicalAttributes& attributes) const noexcept {
    return view().Equals(attributes);
  }
  AttributeSet ToAttributeSet() const { return view().ToAttributeSet(); }
  // Heap bytes used.
  size_t memory_bytes() const { return bytes_; }

 private:
  std::unique_ptr<uint64_t[]> block_;  // uint64_t: the block's 8-byte alignment.
  uint32_t bytes_ = 0;
  uint32_t count_ = 0;
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_PACKED_ATTRIBUTES_H_
