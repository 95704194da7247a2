// AttributeSet canonicalisation and hashing.
//
// Canonical form (sorted by key, unique keys) makes equality and hashing
// independent of input order without any extra work at comparison time: two
// sets with the same pairs have identical entry vectors, so the hash only has
// to be a good hash of that sequence.
#include "cryptolake/metrics/attribute_set.h"

#include <algorithm>
#include <string_view>
#include <type_traits>

#include "cryptolake/metrics/hash.h"

namespace cryptolake::metrics {
namespace {

using internal::HashMix;

// The length goes in first so that "ab"+"c" and "a"+"bc" differ.
inline uint64_t HashString(uint64_t h, std::string_view bytes) {
  return internal::HashBytes(HashMix(h, bytes.size()), bytes.data(), bytes.size());
}

// +0.0 and -0.0 compare equal, so they must hash equal.
inline uint64_t NormalisedDoubleBits(double d) { return internal::DoubleBits(d == 0.0 ? 0.0 : d); }

uint64_t HashValue(uint64_t h, const AttributeValue& value) {
  h = HashMix(h, value.index());
  return std::visit(
      [h](const auto& v) -> uint64_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return HashMix(h, v ? 1 : 0);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return HashMix(h, static_cast<uint64_t>(v));
        } else if constexpr (std::is_same_v<T, double>) {
          return HashMix(h, NormalisedDoubleBits(v));
        } else if constexpr (std::is_same_v<T, std::string>) {
          return HashString(h, v);
        } else {
          uint64_t out = HashMix(h, v.size());
          for (const auto& element : v) {
            using E = std::decay_t<decltype(element)>;
            if constexpr (std::is_same_v<E, std::string>) {
              out = HashString(out, element);
            } else if constexpr (std::is_same_v<E, double>) {
              out = HashMix(out, NormalisedDoubleBits(element));
            } else {
              // bool (from vector<bool>'s proxy) and int64_t.
              out = HashMix(out, static_cast<uint64_t>(static_cast<int64_t>(element)));
            }
          }
          return out;
        }
      },
      value);
}

}  // namespace

AttributeSet::AttributeSet(std::vector<KeyValue> entries) : entries_(std::move(entries)) {
  // Already strictly sorted (the SDK's export path hands over sorted, unique
  // keys): nothing to do, and no stable_sort buffer is allocated.
  const auto key_less = [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; };
  if (std::adjacent_find(entries_.begin(), entries_.end(),
                         [](const KeyValue& a, const KeyValue& b) { return !(a.key < b.key); }) ==
      entries_.end()) {
    return;
  }
  // Stable sort keeps equal keys in input order, so the last of each run of
  // equal keys is the one the caller gave last.
  std::stable_sort(entries_.begin(), entries_.end(), key_less);
  if (entries_.size() < 2) return;
  size_t out = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i + 1 < entries_.size() && entries_[i + 1].key == entries_[i].key) continue;
    if (out != i) entries_[out] = std::move(entries_[i]);
    ++out;
  }
  entries_.resize(out);
}

const AttributeValue* AttributeSet::Find(std::string_view key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const KeyValue& kv, std::string_view k) { return kv.key < k; });
  if (it == entries_.end() || it->key != key) return nullptr;
  return &it->value;
}

uint64_t AttributeSet::Hash() const {
  uint64_t h = HashMix(0x6A09E667F3BCC908ULL, entries_.size());
  for (const KeyValue& kv : entries_) {
    h = HashString(h, kv.key);
    h = HashValue(h, kv.value);
  }
  return h;
}

}  // namespace cryptolake::metrics
