#include "metrics/packed_attributes.h"

#include <bit>
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

// Folded 64x64->128 product of two keyed words (the wyhash "mum" step).
[[gnu::always_inline]] inline uint64_t Mum(uint64_t a, uint64_t b) {
  __uint128_t m = static_cast<__uint128_t>(a) * b;
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
[[gnu::always_inline]] inline uint64_t LoadShort(const char* p, size_t n) {
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


// Splits a string of up to 16 bytes into two words; (words, length) is
// injective, and DecodeShort() inverts it.
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

inline uint64_t DoubleBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return bits;
}

constexpr int kValueLengthShift = 5;
constexpr int kTypeShift = 10;

// Out of line: keeps the registers of the (inlined) short path free.
[[gnu::noinline]] void ComputeLongWords(const AttributeView& item, AttributeWords* w) {
  const std::string_view key = item.key;
  const AttributeValueView& v = item.value;
  w->k0 = HashBytes(0x13198A2E03707344ull, key.data(), key.size());
  w->k1 = key.size();
  w->v0 = HashValue(0xA4093822299F31D0ull, v);
  w->v1 = 0;
  w->meta = static_cast<uint16_t>(kLongAttribute | (static_cast<unsigned>(v.type()) << kTypeShift));
}

[[gnu::always_inline]] inline void ComputeWords(const AttributeView& item, AttributeWords* w) {
  const std::string_view key = item.key;
  const AttributeValueView& v = item.value;
  const Type type = v.type();
  if (key.size() <= 16) {
    if (type == Type::kString) {
      const std::string_view sv = v.string_value();
      if (sv.size() <= 16) {
        StringWords(key.data(), key.size(), &w->k0, &w->k1);
        StringWords(sv.data(), sv.size(), &w->v0, &w->v1);
        w->meta = static_cast<uint16_t>(key.size() | (sv.size() << kValueLengthShift) |
                                        (static_cast<unsigned>(type) << kTypeShift));
        return;
      }
    } else if (type == Type::kBool || type == Type::kInt64 || type == Type::kDouble) {
      StringWords(key.data(), key.size(), &w->k0, &w->k1);
      w->v0 = type == Type::kBool     ? (v.bool_value() ? 1 : 0)
              : type == Type::kInt64 ? static_cast<uint64_t>(v.int64_value())
                                     : DoubleBits(v.double_value());
      w->v1 = 0;
      w->meta = static_cast<uint16_t>(key.size() | (static_cast<unsigned>(type) << kTypeShift));
      return;
    }
  }
  ComputeLongWords(item, w);
}

// The hash of one attribute: two independent multiplies over the words.
// One multiply: the second words are rotated into the first ones. Not
// injective (equality is checked exactly), but attribute sets that differ in
// any byte of a key or value of up to 16 bytes do differ here.
[[gnu::always_inline]] inline uint64_t HashWords(const AttributeWords& w) {
  const uint64_t key = w.k0 ^ std::rotl(w.k1, 29) ^ (uint64_t{w.meta} << 48);
  return Mum(key ^ 0x243F6A8885A308D3ull, w.v0 ^ std::rotl(w.v1, 31) ^ 0xA4093822299F31D0ull);
}

// True when an entry of [begin, item) has item's key. Out of line: rare.
[[gnu::noinline]] bool HasKeyBefore(const AttributeView* begin, const AttributeView* item) {
  for (const AttributeView* p = begin; p != item; ++p) {
    if (KeysEqual(p->key, item->key)) return true;
  }
  return false;
}

inline uint64_t FinishHash(uint64_t sum, size_t n) { return Mix(sum ^ n, 0x082EFA98EC4E6C89ull); }

}  // namespace

bool CanonicalAttributes::FillUnique(Attributes attributes) noexcept {
  const size_t n = attributes.size();
  const AttributeView* data = attributes.begin();
  // One pass: words, hash, and the duplicate-key check. Keys are compared
  // only when their length was seen before (a bit per length; lengths of 31
  // and more share one bit): keys of distinct lengths, the common case,
  // cost no comparison. A list with duplicates takes the sorting path.
  uint64_t h = 0;
  uint32_t lengths_seen = 0;
  uint16_t metas = 0;
  Item* item = items_;  // Not reloaded after each store below.
  for (const AttributeView* p = data; p != data + n; ++p, ++item) {
    const size_t key_length = p->key.size();
    const uint32_t length_bit = uint32_t{1} << (key_length < 31 ? key_length : 31);
    if ((lengths_seen & length_bit) && HasKeyBefore(data, p)) [[unlikely]] {
      return false;
    }
    lengths_seen |= length_bit;
    item->view = p;
    ComputeWords(*p, &item->words);
    metas |= item->words.meta;
    h += HashWords(item->words);
  }
  size_ = n;
  sorted_ = n < 2;
  has_long_ = (metas & kLongAttribute) != 0;
  hash_ = FinishHash(h, n);
  hash_valid_ = true;
  return true;
}

void CanonicalAttributes::SortAndDeduplicate(Attributes attributes) noexcept {
  Reserve(attributes.size());
  size_ = 0;
  sorted_ = true;
  for (const AttributeView& item : attributes) Insert(&item);
  has_long_ = false;
  for (size_t i = 0; i < size_; ++i) {
    ComputeWords(*items_[i].view, &items_[i].words);
    if (items_[i].words.meta & kLongAttribute) has_long_ = true;
  }
}

// Insertion sort by key (lists are short); an equal key replaces the earlier
// entry, so the last occurrence wins.
void CanonicalAttributes::Insert(const AttributeView* item) noexcept {
  size_t i = size_;
  while (i > 0) {
    int c = CompareKeys(items_[i - 1].view->key, item->key);
    if (c < 0) break;
    if (c == 0) {
      items_[i - 1].view = item;
      return;
    }
    --i;
  }
  // Only reachable when Reserve() could not allocate (out of memory): keep the
  // first entries rather than writing past the inline buffer.
  if (size_ == capacity_) return;
  for (size_t j = size_; j > i; --j) items_[j] = items_[j - 1];
  items_[i].view = item;
  ++size_;
}

void CanonicalAttributes::Reserve(size_t n) noexcept {
  if (n <= kInlineAttributes) return;
  heap_.reset(new (std::nothrow) Item[n]);
  if (heap_) {
    items_ = heap_.get();
    capacity_ = n;
  }
}

void CanonicalAttributes::FilterFrom(const CanonicalAttributes& source,
                                     const std::vector<std::string>* allowed,
                                     const std::vector<std::string>& excluded) noexcept {
  Reserve(source.size());
  size_ = 0;
  sorted_ = source.sorted_;
  has_long_ = false;
  hash_valid_ = false;
  for (size_t i = 0; i < source.size(); ++i) {
    const Item& item = source.items_[i];
    if (allowed != nullptr && !Contains(*allowed, item.view->key)) continue;
    if (allowed == nullptr && Contains(excluded, item.view->key)) continue;
    if (size_ == capacity_) break;  // Out of memory in Reserve(): see Insert().
    if (item.words.meta & kLongAttribute) has_long_ = true;
    items_[size_++] = item;
  }
}

uint64_t CanonicalAttributes::ComputeHash() const noexcept {
  // Per-attribute hashes combined by addition: commutative, so the hash does
  // not depend on the order of the list (no sort needed before a lookup), and
  // the per-attribute multiplies run in parallel. The final mix spreads the
  // sum over the low bits the table indexes with.
  uint64_t h = 0;
  for (size_t i = 0; i < size_; ++i) h += HashWords(items_[i].words);
  return FinishHash(h, size_);
}

AttributeSet CanonicalAttributes::ToAttributeSet() const {
  std::vector<KeyValue> entries;
  entries.reserve(size_);
  for (size_t i = 0; i < size_; ++i) {
    entries.push_back(KeyValue{std::string(items_[i].view->key), items_[i].view->value.ToOwned()});
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
  const size_t n = attributes.size();
  size_t total = BlockHeaderBytes(n);
  for (size_t i = 0; i < n; ++i) {
    if (attributes.words(i).meta & kLongAttribute) {
      total += attributes[i].key.size() + PayloadBytes(attributes[i].value);
    }
  }
  if (n == 0) return;
  block_.reset(new uint8_t[total]);
  bytes_ = static_cast<uint32_t>(total);
  count_ = static_cast<uint32_t>(n);
  uint8_t* base = block_.get();
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

bool PackedAttributes::LongEquals(size_t j, const AttributeView& item) const noexcept {
  const uint8_t* base = block_.get();
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

bool PackedAttributes::EqualsAnyOrder(const CanonicalAttributes& attributes) const noexcept {
  const size_t n = count_;
  if (n != attributes.size()) return false;
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
                   BytesEqual(block_.get() + e[0], attributes[i].key.data(), e[1])) {
          if (!LongEquals(j, attributes[i])) return false;
          break;
        }
      }
      if (++j == n) j = 0;
    }
  }
  return true;
}

AttributeSet PackedAttributes::ToAttributeSet() const {
  const size_t n = count_;
  const uint8_t* base = block_.get();
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
    const uint64_t* w = words_base + 4 * i;
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
    const uint64_t* w = words_base + 4 * i;
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
