#include "canonical_attributes.h"

#include <new>
#include <string_view>

namespace cryptolake::metrics::internal {
namespace {

using namespace attribute_words;

bool Contains(const std::vector<std::string>& sorted, std::string_view key) {
  for (const std::string& k : sorted) {
    if (k == key) return true;
  }
  return false;
}

}  // namespace

size_t CanonicalAttributes::Reserve(size_t n) noexcept {
  buffer_ = reinterpret_cast<AttributeView*>(inline_);
  words_ = inline_words_;
  if (n <= kInlineAttributes) return n;
  static_assert(sizeof(AttributeView) % alignof(AttributeWords) == 0);
  heap_.reset(
      new (std::nothrow) unsigned char[n * (sizeof(AttributeView) + sizeof(AttributeWords))]);
  if (heap_ == nullptr) return kInlineAttributes;  // Out of memory: keep the first entries.
  buffer_ = reinterpret_cast<AttributeView*>(heap_.get());
  words_ = reinterpret_cast<AttributeWords*>(heap_.get() + n * sizeof(AttributeView));
  return n;
}

// Insertion sort by key (lists are short); an equal key replaces the earlier
// entry, so the last occurrence wins.
void CanonicalAttributes::SortAndDeduplicate(Attributes attributes) noexcept {
  const size_t capacity = Reserve(attributes.size());
  size_t size = 0;
  for (const AttributeView& item : attributes) {
    size_t i = size;
    bool replaced = false;
    while (i > 0) {
      const int c = CompareKeys(buffer_[i - 1].key, item.key);
      if (c < 0) break;
      if (c == 0) {
        buffer_[i - 1] = item;
        replaced = true;
        break;
      }
      --i;
    }
    if (replaced || size == capacity) continue;
    for (size_t j = size; j > i; --j) new (&buffer_[j]) AttributeView(buffer_[j - 1]);
    new (&buffer_[i]) AttributeView(item);
    ++size;
  }
  items_ = buffer_;
  size_ = size;
  sorted_ = true;
  hash_valid_ = false;
  ComputeAllWords();
}

void CanonicalAttributes::ComputeAllWords() noexcept {
  has_long_ = false;
  for (size_t i = 0; i < size_; ++i) {
    ComputeWords(items_[i], &words_[i]);
    if (words_[i].meta & kLongAttribute) has_long_ = true;
  }
}

void CanonicalAttributes::FilterFrom(const CanonicalAttributes& source,
                                     const std::vector<std::string>* allowed,
                                     const std::vector<std::string>& excluded) noexcept {
  const size_t capacity = Reserve(source.size());
  size_t size = 0;
  for (size_t i = 0; i < source.size() && size < capacity; ++i) {
    const AttributeView& item = source[i];
    if (allowed != nullptr && !Contains(*allowed, item.key)) continue;
    if (allowed == nullptr && Contains(excluded, item.key)) continue;
    new (&buffer_[size++]) AttributeView(item);
  }
  items_ = buffer_;
  size_ = size;
  sorted_ = source.sorted_;
  keys_checked_ = source.keys_checked_;
  hash_valid_ = false;
  ComputeAllWords();
}

bool CanonicalAttributes::HasDuplicateKeys() const noexcept {
  // As in Scan: linear for the usual lists of keys of distinct lengths.
  uint32_t lengths_seen = 0;
  for (size_t i = 0; i < size_; ++i) {
    const uint32_t length_bit = KeyLengthBit(items_[i].key.size());
    if ((lengths_seen & length_bit) && HasKeyBefore(items_, items_ + i)) return true;
    lengths_seen |= length_bit;
  }
  return false;
}

uint64_t CanonicalAttributes::ComputeHash() const noexcept {
  // Per-attribute hashes combined by addition: commutative, so the hash does
  // not depend on the order of the list (no sort needed before a lookup), and
  // the per-attribute multiplies run in parallel.
  uint64_t h = 0;
  for (size_t i = 0; i < size_; ++i) h += HashWords(words_[i]);
  return FinishHash(h, size_);
}

AttributeSet CanonicalAttributes::ToAttributeSet() const {
  std::vector<KeyValue> entries;
  entries.reserve(size_);
  for (size_t i = 0; i < size_; ++i) {
    entries.push_back(KeyValue{std::string(items_[i].key), items_[i].value.ToOwned()});
  }
  return AttributeSet(std::move(entries));
}

}  // namespace cryptolake::metrics::internal
