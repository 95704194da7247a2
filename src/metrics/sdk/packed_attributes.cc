#include "packed_attributes.h"

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace cryptolake::metrics::internal {
namespace {

using Type = AttributeValueView::Type;
using StringArray = std::span<const std::string_view>;
using namespace attribute_words;

// Bytes a long attribute's value takes after the block's header.
size_t PayloadBytes(const AttributeValueView& value) {
  return value.Visit([](auto v) -> size_t {
    using V = decltype(v);
    if constexpr (kIsScalar<V>) {
      return 0;
    } else if constexpr (std::is_same_v<V, StringArray>) {
      size_t n = 0;
      for (std::string_view s : v) n += 4 + s.size();
      return n;
    } else {
      return v.size() * sizeof(v[0]);
    }
  });
}

size_t BlockHeaderBytes(size_t n) { return (n * 32 + n * 2 + 7) & ~size_t{7}; }

}  // namespace

size_t PackedAttributesView::BlockBytes(const CanonicalAttributes& attributes) {
  const size_t n = attributes.size();
  size_t total = BlockHeaderBytes(n);
  for (size_t i = 0; i < n; ++i) {
    if (attributes.words(i).meta & kLongAttribute) {
      total += attributes[i].key.size() + PayloadBytes(attributes[i].value);
    }
  }
  return (total + 7) & ~size_t{7};
}

void PackedAttributesView::Pack(const CanonicalAttributes& attributes, uint8_t* base) noexcept {
  const size_t n = attributes.size();
  if (n == 0) return;
  auto* words = reinterpret_cast<uint64_t*>(base);
  auto* meta = reinterpret_cast<uint16_t*>(base + n * 32);
  size_t pos = BlockHeaderBytes(n);
  auto put = [&](const void* data, size_t len) {
    size_t at = pos;
    if (len > 0) std::memcpy(base + pos, data, len);
    pos += len;
    return static_cast<uint64_t>(at);
  };
  for (size_t i = 0; i < n; ++i) {
    const AttributeWords& w = attributes.words(i);
    uint64_t* out = words + 4 * i;
    meta[i] = w.meta;
    if (!(w.meta & kLongAttribute)) {
      out[0] = w.k0;
      out[1] = w.k1;
      out[2] = w.v0;
      out[3] = w.v1;
      continue;
    }
    const AttributeView& item = attributes[i];
    out[0] = put(item.key.data(), item.key.size());
    out[1] = item.key.size();
    out[2] = 0;
    out[3] = 0;
    item.value.Visit([&](auto v) {
      using V = decltype(v);
      if constexpr (kIsScalar<V>) {
        out[2] = ScalarBits(v);
      } else if constexpr (std::is_same_v<V, StringArray>) {
        out[2] = pos;
        out[3] = v.size();
        for (std::string_view s : v) {
          const uint32_t len = static_cast<uint32_t>(s.size());
          put(&len, 4);
          put(s.data(), s.size());
        }
      } else {  // A string or an array of scalars: its bytes.
        out[2] = put(v.data(), v.size() * sizeof(v[0]));
        out[3] = v.size();
      }
    });
  }
}

bool PackedAttributesView::LongEquals(size_t j, const AttributeView& item) const noexcept {
  const uint8_t* base = block_;
  const uint64_t* w = words() + 4 * j;
  if (w[1] != item.key.size() || !BytesEqual(base + w[0], item.key.data(), item.key.size())) {
    return false;
  }
  // The type is part of meta, already compared by the caller.
  return item.value.Visit([&](auto v) {
    using V = decltype(v);
    if constexpr (kIsScalar<V>) {
      // Doubles bitwise, so that NaN attributes match themselves and 0.0 != -0.0.
      return w[2] == ScalarBits(v);
    } else if constexpr (std::is_same_v<V, StringArray>) {
      if (w[3] != v.size()) return false;
      size_t pos = w[2];
      for (std::string_view s : v) {
        uint32_t len;
        std::memcpy(&len, base + pos, 4);
        pos += 4;
        if (len != s.size() || !BytesEqual(base + pos, s.data(), len)) return false;
        pos += len;
      }
      return true;
    } else {
      return w[3] == v.size() && BytesEqual(base + w[2], v.data(), v.size() * sizeof(v[0]));
    }
  });
}

bool PackedAttributesView::EqualsAnyOrder(const CanonicalAttributes& attributes) const noexcept {
  const size_t n = count_;
  if (n != attributes.size()) return false;
  // Stored keys are unique. An input holding a key twice could otherwise
  // match here with one stored entry left unmatched. (The inline fast path
  // compares position by position, which such an input can never pass.)
  if (!attributes.keys_checked() && attributes.HasDuplicateKeys()) return false;
  const uint64_t* w = words();
  const uint16_t* m = meta();
  // Both sides have unique keys and the same size, so the sets are equal
  // when every input attribute finds an entry with its key and value. The
  // search starts at the input's own position: call sites pass attributes in
  // a fixed order, so the entry usually matches at once. An entry with the
  // same key but another value form (meta differs) is skipped; no other
  // entry has that key, so the search then fails, as it must.
  for (size_t i = 0; i < n; ++i) {
    const AttributeWords& a = attributes.words(i);
    size_t j = i;
    for (size_t tries = 0;; ++tries) {
      if (tries == n) return false;
      if (m[j] == a.meta) {
        const uint64_t* e = w + 4 * j;
        if (!(a.meta & kLongAttribute)) {
          if (e[0] == a.k0 && e[1] == a.k1) {
            if (e[2] != a.v0 || e[3] != a.v1) return false;
            break;
          }
        } else if (e[1] == attributes[i].key.size() &&
                   BytesEqual(block_ + e[0], attributes[i].key.data(), e[1])) {
          if (!LongEquals(j, attributes[i])) return false;
          break;
        }
      }
      if (++j == n) j = 0;
    }
  }
  return true;
}

AttributeSet PackedAttributesView::ToAttributeSet() const {
  const size_t n = count_;
  const uint8_t* base = block_;
  const uint64_t* words_base = words();
  const uint16_t* metas = meta();
  // Keys first (short ones decoded into `key_bytes`), then the entries are
  // emitted in key order (keys are unique), so AttributeSet has nothing to
  // sort and no KeyValue is moved around. n is small: insertion sort.
  struct Key {
    std::string_view view;
    uint32_t entry;
  };
  Key inline_keys[kInlineAttributes];
  char inline_bytes[kInlineAttributes][16];
  std::unique_ptr<Key[]> heap_keys;
  std::unique_ptr<char[][16]> heap_bytes;
  Key* keys = inline_keys;
  char(*key_bytes)[16] = inline_bytes;
  if (n > kInlineAttributes) {
    heap_keys.reset(new Key[n]);
    heap_bytes.reset(new char[n][16]);
    keys = heap_keys.get();
    key_bytes = heap_bytes.get();
  }
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t* w = words_base + size_t{4} * i;
    std::string_view key;
    if (!(metas[i] & kLongAttribute)) {
      const size_t key_length = metas[i] & 31;
      DecodeShort(w[0], w[1], key_length, key_bytes[i]);
      key = std::string_view(key_bytes[i], key_length);
    } else {
      key = std::string_view(reinterpret_cast<const char*>(base + w[0]), w[1]);
    }
    uint32_t j = i;
    for (; j > 0 && CompareKeys(keys[j - 1].view, key) > 0; --j) keys[j] = keys[j - 1];
    keys[j] = Key{key, i};
  }

  std::vector<KeyValue> out;
  out.reserve(n);
  for (size_t k = 0; k < n; ++k) {
    const uint32_t i = keys[k].entry;
    const uint64_t* w = words_base + size_t{4} * i;
    const uint16_t m = metas[i];
    KeyValue& kv = out.emplace_back();
    kv.key.assign(keys[k].view);
    AttributeValue& value = kv.value;
    const bool is_long = (m & kLongAttribute) != 0;
    // Long values other than scalars: w[2] is the offset of their bytes, w[3]
    // their element count.
    const uint64_t count = w[3];
    auto bytes = [&] { return base + w[2]; };
    AttributeValueView::VisitType(static_cast<Type>((m >> kTypeShift) & 7), [&](auto tag) {
      using V = typename decltype(tag)::type;
      if constexpr (kIsScalar<V>) {
        value = ScalarFromBits<V>(w[2]);
      } else if constexpr (std::is_same_v<V, std::string_view>) {
        if (is_long) {
          value.emplace<std::string>(reinterpret_cast<const char*>(bytes()), count);
        } else {
          char buf[16];
          const size_t length = (m >> kValueLengthShift) & 31;
          DecodeShort(w[2], w[3], length, buf);
          value.emplace<std::string>(buf, length);
        }
      } else if constexpr (std::is_same_v<V, StringArray>) {
        std::vector<std::string> a;
        a.reserve(count);
        const uint8_t* q = bytes();
        for (uint64_t j = 0; j < count; ++j) {
          uint32_t len;
          std::memcpy(&len, q, 4);
          a.emplace_back(reinterpret_cast<const char*>(q + 4), len);
          q += 4 + len;
        }
        value = std::move(a);
      } else if constexpr (std::is_same_v<V, std::span<const bool>>) {
        std::vector<bool> a(count);
        const uint8_t* p = bytes();
        for (uint64_t j = 0; j < count; ++j) a[j] = p[j] != 0;
        value = std::move(a);
      } else {  // int64 and double arrays.
        std::vector<typename V::value_type> a(count);
        if (count > 0) std::memcpy(a.data(), bytes(), count * sizeof(a[0]));
        value = std::move(a);
      }
    });
  }
  return AttributeSet(std::move(out));
}

}  // namespace cryptolake::metrics::internal
