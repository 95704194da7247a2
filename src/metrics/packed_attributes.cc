#include "metrics/packed_attributes.h"

#include <cstring>
#include <string_view>

namespace cryptolake::metrics::internal {
namespace {

using Type = AttributeValueView::Type;

// 64x64->128 multiply folded to 64 bits: a fast mixer with good avalanche.
inline uint64_t Mix(uint64_t h, uint64_t v) {
  __uint128_t m = static_cast<__uint128_t>(h ^ v) * 0x9E3779B97F4A7C15ull;
  return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}

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
inline uint64_t LoadShort(const char* p, size_t n) {
  if (n >= 4) return (Load32(p) << 32) | Load32(p + n - 4);
  if (n == 0) return 0;
  return (static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16) |
         (static_cast<uint64_t>(static_cast<uint8_t>(p[n >> 1])) << 8) |
         static_cast<uint8_t>(p[n - 1]);
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
inline bool BytesEqual(const void* a, const void* b, size_t n) {
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
    case Type::kDouble: {
      uint64_t bits;
      double d = v.double_value();
      std::memcpy(&bits, &d, 8);
      return Mix(h, bits);
    }
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
inline bool KeysEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && BytesEqual(a.data(), b.data(), a.size());
}

// Splits a string of up to 16 bytes into two words; (words, length) is
// injective. Longer strings are hashed into the first word.
inline void StringWords(const char* p, size_t n, uint64_t* w0, uint64_t* w1) {
  if (n <= 8) {
    *w0 = LoadShort(p, n);
    *w1 = 0;
  } else if (n <= 16) {
    *w0 = Load64(p);
    *w1 = Load64(p + n - 8);
  } else {
    *w0 = HashBytes(0x452821E638D01377ull, p, n);
    *w1 = 0;
  }
}

// The hash of one (key, value) pair. Key and value are hashed together: the
// first words of both go through one multiply, the second words (with the
// lengths and the value type) through another, independent one.
inline uint64_t HashAttribute(std::string_view key, const AttributeValueView& v) {
  uint64_t k0, k1, v0, v1;
  StringWords(key.data(), key.size(), &k0, &k1);
  uint64_t tag = (static_cast<uint64_t>(v.type()) << 56) ^ (static_cast<uint64_t>(key.size()) << 32);
  if (v.type() == Type::kString) {
    const std::string_view sv = v.string_value();
    StringWords(sv.data(), sv.size(), &v0, &v1);
    tag ^= sv.size();
  } else {
    switch (v.type()) {
      case Type::kBool:
        v0 = v.bool_value() ? 1 : 2;
        break;
      case Type::kInt64:
        v0 = static_cast<uint64_t>(v.int64_value());
        break;
      case Type::kDouble: {
        double d = v.double_value();
        std::memcpy(&v0, &d, 8);
        break;
      }
      default:
        v0 = HashValue(0xA4093822299F31D0ull, v);
        break;
    }
    v1 = 0;
  }
  return Mix(k0 ^ 0x13198A2E03707344ull, v0 ^ 0xA4093822299F31D0ull) +
         Mix(k1 ^ 0x299F31D0082EFA98ull, v1 ^ tag ^ 0xEC4E6C89452821E6ull);
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

}  // namespace

CanonicalAttributes::CanonicalAttributes(Attributes attributes) noexcept {
  const size_t n = attributes.size();
  if (n <= kInlineAttributes) {
    // The hot path: no sort. Duplicate keys are detected by comparing every
    // pair (n is small; key lengths usually differ, so most pairs cost one
    // compare); only a list with duplicates takes the sorting path.
    const AttributeView* data = attributes.begin();
    bool duplicates = false;
    for (size_t i = 1; i < n && !duplicates; ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (KeysEqual(data[i].key, data[j].key)) {
          duplicates = true;
          break;
        }
      }
    }
    if (!duplicates) {
      for (size_t i = 0; i < n; ++i) items_[i] = data + i;
      size_ = n;
      sorted_ = n < 2;
      return;
    }
  }
  SortAndDeduplicate(attributes);
}

void CanonicalAttributes::SortAndDeduplicate(Attributes attributes) noexcept {
  Reserve(attributes.size());
  size_ = 0;
  sorted_ = true;
  // Insertion sort by key (lists are short); an equal key replaces the
  // earlier entry, so the last occurrence wins.
  for (const AttributeView& item : attributes) {
    size_t i = size_;
    bool replaced = false;
    while (i > 0) {
      int c = CompareKeys(items_[i - 1]->key, item.key);
      if (c < 0) break;
      if (c == 0) {
        items_[i - 1] = &item;
        replaced = true;
        break;
      }
      --i;
    }
    if (replaced) continue;
    for (size_t j = size_; j > i; --j) items_[j] = items_[j - 1];
    items_[i] = &item;
    ++size_;
  }
}

void CanonicalAttributes::Reserve(size_t n) noexcept {
  if (n <= kInlineAttributes) return;
  heap_.reset(new (std::nothrow) const AttributeView*[n]);
  if (heap_) items_ = heap_.get();
}

void CanonicalAttributes::FilterFrom(const CanonicalAttributes& source,
                                     const std::vector<std::string>* allowed,
                                     const std::vector<std::string>& excluded) noexcept {
  Reserve(source.size());
  size_ = 0;
  sorted_ = source.sorted_;
  hash_valid_ = false;
  for (size_t i = 0; i < source.size(); ++i) {
    const AttributeView* item = source.items_[i];
    if (allowed != nullptr && !Contains(*allowed, item->key)) continue;
    if (allowed == nullptr && Contains(excluded, item->key)) continue;
    Append(item);
  }
}

uint64_t CanonicalAttributes::ComputeHash() const noexcept {
  // Per-attribute hashes combined by addition: commutative, so the hash does
  // not depend on the order of the list (no sort needed before a lookup), and
  // the per-attribute multiplies run in parallel. The final mix spreads the
  // sum over the low bits the table indexes with.
  uint64_t h = 0;
  for (size_t i = 0; i < size_; ++i) h += HashAttribute(items_[i]->key, items_[i]->value);
  return Mix(h ^ size_, 0x082EFA98EC4E6C89ull);
}

AttributeSet CanonicalAttributes::ToAttributeSet() const {
  std::vector<KeyValue> entries;
  entries.reserve(size_);
  for (size_t i = 0; i < size_; ++i) {
    entries.push_back(KeyValue{std::string(items_[i]->key), items_[i]->value.ToOwned()});
  }
  return AttributeSet(std::move(entries));
}

// ---------------------------------------------------------------------------
// PackedAttributes block layout:
//   uint32_t count; Entry entries[count]; bytes (keys, strings, arrays).
// Offsets are from the block start. A string array is stored as
// (uint32_t length, chars) per element.

struct PackedAttributes::Entry {
  uint32_t key_offset;
  uint32_t key_length : 24;
  uint32_t type : 8;
  union {
    int64_t i;
    double d;
    bool b;
    struct {
      uint32_t offset;
      uint32_t count;
    } span;
  } value;
};

namespace {

constexpr size_t kHeaderBytes = 8;  // count + padding, keeps entries 8-aligned.

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

}  // namespace

PackedAttributes::PackedAttributes(const AttributeSet& attributes) {
  OwnedViews views(attributes);
  CanonicalAttributes canonical{Attributes(std::span<const AttributeView>(views.views))};
  *this = PackedAttributes(canonical);
}

PackedAttributes::PackedAttributes(const CanonicalAttributes& canonical) {
  // Entries keep the order of the list that created the series: call sites
  // pass their attributes in a fixed order, so Equals() then finds each key
  // at its own position. Export sorts (ToAttributeSet).
  const size_t n = canonical.size();
  auto attributes = [&canonical](size_t i) -> const AttributeView& { return canonical[i]; };
  size_t total = kHeaderBytes + n * sizeof(Entry);
  for (size_t i = 0; i < n; ++i)
    total += attributes(i).key.size() + PayloadBytes(attributes(i).value);
  block_.reset(new uint8_t[total]);
  bytes_ = static_cast<uint32_t>(total);
  uint8_t* base = block_.get();
  uint32_t count = static_cast<uint32_t>(n);
  std::memcpy(base, &count, 4);
  std::memset(base + 4, 0, 4);
  auto* entries = reinterpret_cast<Entry*>(base + kHeaderBytes);
  size_t pos = kHeaderBytes + n * sizeof(Entry);
  auto put = [&](const void* data, size_t len) {
    size_t at = pos;
    if (len > 0) std::memcpy(base + pos, data, len);
    pos += len;
    return static_cast<uint32_t>(at);
  };
  for (size_t i = 0; i < n; ++i) {
    const AttributeView& item = attributes(i);
    Entry& e = entries[i];
    e.key_offset = put(item.key.data(), item.key.size());
    e.key_length = static_cast<uint32_t>(item.key.size());
    e.type = static_cast<uint32_t>(item.value.type());
    e.value.i = 0;
    const AttributeValueView& v = item.value;
    switch (v.type()) {
      case Type::kBool:
        e.value.b = v.bool_value();
        break;
      case Type::kInt64:
        e.value.i = v.int64_value();
        break;
      case Type::kDouble:
        e.value.d = v.double_value();
        break;
      case Type::kString:
        e.value.span.offset = put(v.string_value().data(), v.string_value().size());
        e.value.span.count = static_cast<uint32_t>(v.string_value().size());
        break;
      case Type::kBoolArray:
        e.value.span.offset = put(v.bool_array().data(), v.bool_array().size());
        e.value.span.count = static_cast<uint32_t>(v.bool_array().size());
        break;
      case Type::kInt64Array:
        e.value.span.offset = put(v.int64_array().data(), v.int64_array().size() * 8);
        e.value.span.count = static_cast<uint32_t>(v.int64_array().size());
        break;
      case Type::kDoubleArray:
        e.value.span.offset = put(v.double_array().data(), v.double_array().size() * 8);
        e.value.span.count = static_cast<uint32_t>(v.double_array().size());
        break;
      case Type::kStringArray: {
        e.value.span.offset = static_cast<uint32_t>(pos);
        e.value.span.count = static_cast<uint32_t>(v.string_array().size());
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

size_t PackedAttributes::size() const {
  if (!block_) return 0;
  uint32_t count;
  std::memcpy(&count, block_.get(), 4);
  return count;
}

namespace {

// True when `v` equals the value of entry `e` (same type, bitwise same value).
template <typename Entry>
bool ValueEquals(const uint8_t* base, const Entry& e, const AttributeValueView& v) {
  if (e.type != static_cast<uint32_t>(v.type())) return false;
  auto same_bytes = [&](const void* data, size_t count, size_t width) {
    return e.value.span.count == count && BytesEqual(base + e.value.span.offset, data, count * width);
  };
  switch (v.type()) {
    case Type::kBool:
      return e.value.b == v.bool_value();
    case Type::kInt64:
      return e.value.i == v.int64_value();
    case Type::kDouble: {
      // Bitwise, so that NaN attributes match themselves and 0.0 != -0.0.
      double d = v.double_value();
      return std::memcmp(&e.value.d, &d, 8) == 0;
    }
    case Type::kString:
      return same_bytes(v.string_value().data(), v.string_value().size(), 1);
    case Type::kBoolArray:
      return same_bytes(v.bool_array().data(), v.bool_array().size(), 1);
    case Type::kInt64Array:
      return same_bytes(v.int64_array().data(), v.int64_array().size(), 8);
    case Type::kDoubleArray:
      return same_bytes(v.double_array().data(), v.double_array().size(), 8);
    case Type::kStringArray: {
      if (e.value.span.count != v.string_array().size()) return false;
      size_t pos = e.value.span.offset;
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

}  // namespace

bool PackedAttributes::Equals(const CanonicalAttributes& attributes) const noexcept {
  const size_t n = size();
  if (n != attributes.size()) return false;
  const uint8_t* base = block_.get();
  const auto* entries = reinterpret_cast<const Entry*>(base + kHeaderBytes);
  // Both sides have unique keys and the same size, so the sets are equal
  // when every input attribute finds an entry with its key and value. The
  // search starts at the input's own position: a sorted input (or one whose
  // order happens to be key order) matches at once.
  for (size_t i = 0; i < n; ++i) {
    const AttributeView& item = attributes[i];
    const size_t key_size = item.key.size();
    size_t j = i;
    for (size_t tries = 0;; ++tries) {
      if (tries == n) return false;
      const Entry& e = entries[j];
      if (e.key_length == key_size && BytesEqual(base + e.key_offset, item.key.data(), key_size)) {
        if (!ValueEquals(base, e, item.value)) return false;
        break;
      }
      if (++j == n) j = 0;
    }
  }
  return true;
}

AttributeSet PackedAttributes::ToAttributeSet() const {
  const size_t n = size();
  std::vector<KeyValue> out;
  out.reserve(n);
  const uint8_t* base = block_.get();
  const auto* entries = reinterpret_cast<const Entry*>(base + kHeaderBytes);
  auto key_of = [&](uint32_t i) {
    return std::string_view(reinterpret_cast<const char*>(base + entries[i].key_offset),
                            entries[i].key_length);
  };
  // Emits the entries in key order (keys are unique), so AttributeSet has
  // nothing to sort. Insertion sort of indices: n is small.
  uint32_t inline_order[kInlineAttributes];
  std::unique_ptr<uint32_t[]> heap_order;
  uint32_t* order = inline_order;
  if (n > kInlineAttributes) {
    heap_order.reset(new uint32_t[n]);
    order = heap_order.get();
  }
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t j = i;
    for (; j > 0 && CompareKeys(key_of(order[j - 1]), key_of(i)) > 0; --j) order[j] = order[j - 1];
    order[j] = i;
  }
  for (size_t k = 0; k < n; ++k) {
    const Entry& e = entries[order[k]];
    std::string key(reinterpret_cast<const char*>(base + e.key_offset), e.key_length);
    const uint8_t* p = base + e.value.span.offset;
    const uint32_t count = e.value.span.count;
    AttributeValue value;
    switch (static_cast<Type>(e.type)) {
      case Type::kBool:
        value = e.value.b;
        break;
      case Type::kInt64:
        value = e.value.i;
        break;
      case Type::kDouble:
        value = e.value.d;
        break;
      case Type::kString:
        value = std::string(reinterpret_cast<const char*>(p), count);
        break;
      case Type::kBoolArray: {
        std::vector<bool> a(count);
        for (uint32_t j = 0; j < count; ++j) a[j] = p[j] != 0;
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
        for (uint32_t j = 0; j < count; ++j) {
          uint32_t len;
          std::memcpy(&len, p, 4);
          a.emplace_back(reinterpret_cast<const char*>(p + 4), len);
          p += 4 + len;
        }
        value = std::move(a);
        break;
      }
    }
    out.push_back(KeyValue{std::move(key), std::move(value)});
  }
  return AttributeSet(std::move(out));
}

}  // namespace cryptolake::metrics::internal
