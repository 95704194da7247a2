#include "dictionary_builder.h"

namespace cryptolake::parquet {

uint64_t StringDictionaryBuilder::Hash(std::string_view s) {
  // 8 bytes at a time with a multiply-xorshift mix; strings here are short
  // (symbols, exchange names), so this is a handful of multiplies per value.
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xC2B2AE3D27D4EB4Full);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  uint64_t tail = 0;
  if (i < s.size()) std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 29;
  return h;
}

void StringDictionaryBuilder::Reset(size_t capacity) {
  slots_.assign(capacity, 0);
  shift_ = 64 - __builtin_ctzll(capacity);
}

uint32_t StringDictionaryBuilder::Insert(std::string_view s, uint64_t h) {
  size_t mask = slots_.size() - 1;
  size_t pos = h >> shift_;
  while (true) {
    uint32_t slot = slots_[pos];
    if (slot == 0) break;
    if (hashes_[slot - 1] == h && keys_[slot - 1] == s) return slot - 1;
    pos = (pos + 1) & mask;
  }
  keys_.Append(s);
  hashes_.push_back(h);
  slots_[pos] = static_cast<uint32_t>(keys_.size());
  if (keys_.size() * 2 > slots_.size()) {
    Reset(slots_.size() * 2);
    mask = slots_.size() - 1;
    for (size_t i = 0; i < hashes_.size(); ++i) {
      size_t p = hashes_[i] >> shift_;
      while (slots_[p] != 0) p = (p + 1) & mask;
      slots_[p] = static_cast<uint32_t>(i + 1);
    }
  }
  return static_cast<uint32_t>(keys_.size() - 1);
}

namespace {
// Equality for the short strings typical here without a memcmp call.
inline bool SameBytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.size() > 16) return std::memcmp(a.data(), b.data(), a.size()) == 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
}  // namespace

bool StringDictionaryBuilder::Build(const char* bytes, const uint32_t* offsets, size_t n,
                                    size_t max_values, size_t max_bytes, uint32_t* indices) {
  keys_.Clear();
  hashes_.clear();
  Reset(1024);
  std::string_view last;
  uint32_t last_index = 0;
  for (size_t i = 0; i < n; ++i) {
    std::string_view v(bytes + offsets[i], offsets[i + 1] - offsets[i]);
    if (i == 0 || !SameBytes(v, last)) {
      last = v;
      last_index = Insert(v, Hash(v));
      if (keys_.size() > max_values || keys_.bytes().size() > max_bytes) return false;
    }
    indices[i] = last_index;
  }
  return true;
}

}  // namespace cryptolake::parquet
