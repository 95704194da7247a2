// CanonicalAttributes: the attribute list of one recording call, as a set.
//
// A borrowed Attributes list with duplicate keys removed (last wins). When the
// caller's list has no duplicate keys (the common case) it is the caller's
// list itself, in the caller's order; otherwise a copy sorted by key, on the
// stack for up to kInlineAttributes entries; sorted() says which. Each entry
// carries its AttributeWords (attribute_words.h). Its hash is
// order-independent, so both forms of one set hash alike. Filtering (a view's
// allowed or excluded keys) produces another list of the same form.
//
// Thread-safety: per call; not shared between threads.
#ifndef CRYPTOLAKE_SRC_METRICS_SDK_CANONICAL_ATTRIBUTES_H_
#define CRYPTOLAKE_SRC_METRICS_SDK_CANONICAL_ATTRIBUTES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "attribute_words.h"
#include "cryptolake/metrics/attribute_set.h"
#include "cryptolake/metrics/attributes.h"

namespace cryptolake::metrics::internal {

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

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_SDK_CANONICAL_ATTRIBUTES_H_
