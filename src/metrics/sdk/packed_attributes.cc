#include "packed_attributes.h"

#include <bit>
#include <cstring>
#include <string_view>

namespace cryptolake::metrics::internal {
namespace {

using Type = AttributeValueView::Type;
using namespace attribute_words;

// 64x64->128 multiply folded to 64 bits: a fast mixer with good avalanche.
inline uint64_t Mix(uint64_t h, uint64_t v) {
  __uint128_t m = static_cast<__uint128_t>(h ^ v) * 0x9E3779B97F4A7C15ull;
  return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}

inline uint64_t HashBytes(uint64_t h, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  if (n <= 8) return Mix(h ^ n, LoadShort(p, n));
  if (n <= 16) return Mix(Mix(h ^ n, Load64(p)), Load64(p + n - 8));
  h ^= n;
  while (n > 8) {
    h = Mix(h, Load64(p));
    p += 8;
    n -= 8;
  }
  return Mix(h, Load64(p + n - 8));  // Overlaps the previous word.
}

// Equality of short byte strings without calling memcmp.
[[gnu::always_inline]] inline bool BytesEqual(const void* a, const void* b, size_t n) {
  const char* x = static_cast<const char*>(a);
  const char* y = static_cast<const char*>(b);
  if (n <= 8) return LoadShort(x, n) == LoadShort(y, n);
  if (n <= 16) return Load64(x) == Load64(y) && Load64(x + n - 8) == Load64(y + n - 8);
  return std::memcmp(x, y, n) == 0;
}

uint64_t HashValue(uint64_t h, const AttributeValueView& v) {
  // The type goes into the high bits (lengths never reach them) rather
  // than costing a multiply of its own.
  h ^= (static_cast<uint64_t>(v.type()) + 1) << 56;
  switch (v.type()) {
    case Type::kBool:
      return Mix(h, v.bool_value() ? 1 : 2);
    case Type::kInt64:
      return Mix(h, static_cast<uint64_t>(v.int64_value()));
    case Type::kDouble:
      return Mix(h, DoubleBits(v.double_value()));
    case Type::kString:
      return HashBytes(h, v.string_value().data(), v.string_value().size());
    case Type::kBoolArray:
      return HashBytes(h, v.bool_array().data(), v.bool_array().size());
    case Type::kInt64Array:
      return HashBytes(h, v.int64_array().data(), v.int64_array().size() * 8);
    case Type::kDoubleArray:
      return HashBytes(h, v.double_array().data(), v.double_array().size() * 8);
    case Type::kStringArray:
      for (std::string_view s : v.string_array()) h = HashBytes(h, s.data(), s.size());
      return Mix(h, v.string_array().size());
  }
  return h;
}

// Keys are compared by length first: most distinct keys differ there.
[[gnu::always_inline]] inline bool KeysEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && BytesEqual(a.data(), b.data(), a.size());
}

bool Contains(const std::vector<std::string>& sorted, std::string_view key) {
  for (const std::string& k : sorted) {
    if (k == key) return true;
  }
  return false;
}

// Same order as std::string_view::compare, but decides on the first byte
// without a library call when it differs (the common case for keys).
inline int CompareKeys(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a[0] != b[0]) {
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]) ? -1 : 1;
  }
  return a.compare(b);
}

// Writes the n (<= 16) bytes that StringWords() encoded into `out`.
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

}  // namespace

namespace attribute_words {

void LongWords(const AttributeView& item, AttributeWords* w) noexcept {
  const std::string_view key = item.key;
  w->k0 = HashBytes(0x13198A2E03707344ull, key.data(), key.size());
  w->k1 = key.size();
  w->v0 = HashValue(0xA4093822299F31D0ull, item.value);
  w->v1 = 0;
  w->meta = LongMeta(item);
}

bool HasKeyBefore(const AttributeView* begin, const AttributeView* item) noexcept {
  for (const AttributeView* p = begin; p != item; ++p) {
    if (KeysEqual(p->key, item->key)) return true;
  }
  return false;
}

}  // namespace attribute_words

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

// ---------------------------------------------------------------------------

namespace {

size_t PayloadBytes(const AttributeValueView& v) {
  switch (v.type()) {
    case Type::kString:
      return v.string_value().size();
    case Type::kBoolArray:
      return v.bool_array().size();
    case Type::kInt64Array:
      return v.int64_array().size() * 8;
    case Type::kDoubleArray:
      return v.double_array().size() * 8;
    case Type::kStringArray: {
      size_t n = 0;
      for (std::string_view s : v.string_array()) n += 4 + s.size();
      return n;
    }
    default:
      return 0;
  }
}

// Views onto owned values; keeps temporaries for vector<bool> and strings.
struct OwnedViews {
  std::vector<AttributeView> views;
  std::vector<std::unique_ptr<bool[]>> bools;
  std::vector<std::vector<std::string_view>> strings;

  explicit OwnedViews(const AttributeSet& set) {
    views.reserve(set.size());
    for (const KeyValue& kv : set.entries()) {
      views.push_back(AttributeView{kv.key, ToView(kv.value)});
    }
  }

  AttributeValueView ToView(const AttributeValue& value) {
    return std::visit(
        [this](const auto& v) -> AttributeValueView {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::vector<bool>>) {
            bools.emplace_back(new bool[v.size() + 1]);
            for (size_t i = 0; i < v.size(); ++i) bools.back()[i] = v[i];
            return std::span<const bool>(bools.back().get(), v.size());
          } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
            strings.emplace_back(v.begin(), v.end());
            return std::span<const std::string_view>(strings.back());
          } else if constexpr (std::is_same_v<V, std::vector<int64_t>>) {
            return std::span<const int64_t>(v);
          } else if constexpr (std::is_same_v<V, std::vector<double>>) {
            return std::span<const double>(v);
          } else {
            return AttributeValueView(v);
          }
        },
        value);
  }
};

size_t BlockHeaderBytes(size_t n) { return (n * 32 + n * 2 + 7) & ~size_t{7}; }

}  // namespace

PackedAttributes::PackedAttributes(const AttributeSet& attributes) {
  OwnedViews views(attributes);
  CanonicalAttributes canonical{Attributes(std::span<const AttributeView>(views.views))};
  *this = PackedAttributes(canonical);
}

PackedAttributes::PackedAttributes(const CanonicalAttributes& attributes) {
  if (attributes.size() == 0) return;
  const size_t bytes = PackedAttributesView::BlockBytes(attributes);
  block_.reset(new uint64_t[bytes / 8]);
  PackedAttributesView::Pack(attributes, reinterpret_cast<uint8_t*>(block_.get()));
  bytes_ = static_cast<uint32_t>(bytes);
  count_ = static_cast<uint32_t>(attributes.size());
}

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
    const AttributeValueView& v = item.value;
    switch (v.type()) {
      case Type::kBool:
        out[2] = v.bool_value() ? 1 : 0;
        break;
      case Type::kInt64:
        out[2] = static_cast<uint64_t>(v.int64_value());
        break;
      case Type::kDouble:
        out[2] = DoubleBits(v.double_value());
        break;
      case Type::kString:
        out[2] = put(v.string_value().data(), v.string_value().size());
        out[3] = v.string_value().size();
        break;
      case Type::kBoolArray:
        out[2] = put(v.bool_array().data(), v.bool_array().size());
        out[3] = v.bool_array().size();
        break;
      case Type::kInt64Array:
        out[2] = put(v.int64_array().data(), v.int64_array().size() * 8);
        out[3] = v.int64_array().size();
        break;
      case Type::kDoubleArray:
        out[2] = put(v.double_array().data(), v.double_array().size() * 8);
        out[3] = v.double_array().size();
        break;
      case Type::kStringArray: {
        out[2] = pos;
        out[3] = v.string_array().size();
        for (std::string_view s : v.string_array()) {
          uint32_t len = static_cast<uint32_t>(s.size());
          put(&len, 4);
          put(s.data(), s.size());
        }
        break;
      }
    }
  }
}

bool PackedAttributesView::LongEquals(size_t j, const AttributeView& item) const noexcept {
  const uint8_t* base = block_;
  const uint64_t* w = words() + 4 * j;
  if (w[1] != item.key.size() || !BytesEqual(base + w[0], item.key.data(), item.key.size())) {
    return false;
  }
  const AttributeValueView& v = item.value;
  auto same_bytes = [&](const void* data, size_t count, size_t width) {
    return w[3] == count && BytesEqual(base + w[2], data, count * width);
  };
  // The type is part of meta, already compared by the caller.
  switch (v.type()) {
    case Type::kBool:
      return w[2] == (v.bool_value() ? 1u : 0u);
    case Type::kInt64:
      return w[2] == static_cast<uint64_t>(v.int64_value());
    case Type::kDouble:
      // Bitwise, so that NaN attributes match themselves and 0.0 != -0.0.
      return w[2] == DoubleBits(v.double_value());
    case Type::kString:
      return same_bytes(v.string_value().data(), v.string_value().size(), 1);
    case Type::kBoolArray:
      return same_bytes(v.bool_array().data(), v.bool_array().size(), 1);
    case Type::kInt64Array:
      return same_bytes(v.int64_array().data(), v.int64_array().size(), 8);
    case Type::kDoubleArray:
      return same_bytes(v.double_array().data(), v.double_array().size(), 8);
    case Type::kStringArray: {
      if (w[3] != v.string_array().size()) return false;
      size_t pos = w[2];
      for (std::string_view s : v.string_array()) {
        uint32_t len;
        std::memcpy(&len, base + pos, 4);
        pos += 4;
        if (len != s.size() || !BytesEqual(base + pos, s.data(), len)) return false;
        pos += len;
      }
      return true;
    }
  }
  return false;
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
    const Type type = static_cast<Type>((m >> kTypeShift) & 7);
    KeyValue& kv = out.emplace_back();
    kv.key.assign(keys[k].view);
    AttributeValue& value = kv.value;
    switch (type) {
      case Type::kBool:
        value = w[2] != 0;
        continue;
      case Type::kInt64:
        value = static_cast<int64_t>(w[2]);
        continue;
      case Type::kDouble: {
        double d;
        std::memcpy(&d, &w[2], 8);
        value = d;
        continue;
      }
      default:
        break;
    }
    if (!(m & kLongAttribute)) {  // A short string.
      char buf[16];
      const size_t length = (m >> kValueLengthShift) & 31;
      DecodeShort(w[2], w[3], length, buf);
      value.emplace<std::string>(buf, length);
      continue;
    }
    const uint8_t* p = base + w[2];
    const uint64_t count = w[3];
    switch (type) {
      case Type::kString:
        value.emplace<std::string>(reinterpret_cast<const char*>(p), count);
        break;
      case Type::kBoolArray: {
        std::vector<bool> a(count);
        for (uint64_t j = 0; j < count; ++j) a[j] = p[j] != 0;
        value = std::move(a);
        break;
      }
      case Type::kInt64Array: {
        std::vector<int64_t> a(count);
        if (count > 0) std::memcpy(a.data(), p, count * 8);
        value = std::move(a);
        break;
      }
      case Type::kDoubleArray: {
        std::vector<double> a(count);
        if (count > 0) std::memcpy(a.data(), p, count * 8);
        value = std::move(a);
        break;
      }
      case Type::kStringArray: {
        std::vector<std::string> a;
        a.reserve(count);
        for (uint64_t j = 0; j < count; ++j) {
          uint32_t len;
          std::memcpy(&len, p, 4);
          a.emplace_back(reinterpret_cast<const char*>(p + 4), len);
          p += 4 + len;
        }
        value = std::move(a);
        break;
      }
      default:
        break;
    }
  }
  return AttributeSet(std::move(out));
}

}  // namespace cryptolake::metrics::internal
