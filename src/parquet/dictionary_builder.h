// Dictionary builders for the writer: map each value of a column chunk to a
// dense index, using a flat open-addressing hash table (no per-value
// allocation). Building stops, returning false, once the dictionary exceeds its
// limits, so the writer can fall back to PLAIN cheaply.
//
// Thread-safety: single-threaded values; one builder per writer.
#ifndef CRYPTOLAKE_SRC_PARQUET_DICTIONARY_BUILDER_H_
#define CRYPTOLAKE_SRC_PARQUET_DICTIONARY_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "cryptolake/parquet/column_batch.h"

namespace cryptolake::parquet {

// Keys are the bit patterns of fixed-width values (uint32_t or uint64_t), so
// doubles are distinguished by bits (-0.0 != 0.0, NaNs kept as written).
template <typename Key>
class FixedDictionaryBuilder {
 public:
  // Indexes values[0..n) into indices[0..n). Returns false when more than
  // max_values distinct values appear.
  // T is the value type (same size as Key); values are read through memcpy.
  template <typename T>
  bool Build(const T* values, size_t n, size_t max_values, uint32_t* indices) {
    static_assert(sizeof(T) == sizeof(Key));
    keys_.clear();
    Reset(1024);
    if (n == 0) return true;
    Key last = KeyOf(values[0]);
    uint32_t last_index = Insert(last);
    indices[0] = last_index;
    for (size_t i = 1; i < n; ++i) {
      const Key v = KeyOf(values[i]);
      if (v != last) {  // runs of equal values skip the hash table
        last = v;
        last_index = Insert(v);
        if (keys_.size() > max_values) return false;
      }
      indices[i] = last_index;
    }
    return keys_.size() <= max_values;
  }
  const std::vector<Key>& keys() const { return keys_; }

 private:
  template <typename T>
  static Key KeyOf(const T& v) {
    Key k;
    std::memcpy(&k, &v, sizeof(Key));
    return k;
  }
  static uint64_t Hash(Key k) { return static_cast<uint64_t>(k) * 0x9E3779B97F4A7C15ull; }
  void Reset(size_t capacity) {
    slots_.assign(capacity, 0);
    shift_ = 64 - __builtin_ctzll(capacity);
  }
  uint32_t Insert(Key k) {
    size_t mask = slots_.size() - 1;
    size_t pos = Hash(k) >> shift_;
    while (true) {
      uint32_t s = slots_[pos];
      if (s == 0) break;
      if (keys_[s - 1] == k) return s - 1;
      pos = (pos + 1) & mask;
    }
    keys_.push_back(k);
    slots_[pos] = static_cast<uint32_t>(keys_.size());
    if (keys_.size() * 2 > slots_.size()) Grow();
    return static_cast<uint32_t>(keys_.size() - 1);
  }
  void Grow() {
    Reset(slots_.size() * 2);
    size_t mask = slots_.size() - 1;
    for (size_t i = 0; i < keys_.size(); ++i) {
      size_t pos = Hash(keys_[i]) >> shift_;
      while (slots_[pos] != 0) pos = (pos + 1) & mask;
      slots_[pos] = static_cast<uint32_t>(i + 1);
    }
  }

  std::vector<uint32_t> slots_;  // 0 = empty, else index + 1
  std::vector<Key> keys_;
  int shift_ = 54;
};

// Strings: value k is bytes[offsets[k] .. offsets[k+1]).
class StringDictionaryBuilder {
 public:
  // Returns false when more than max_values distinct values or more than
  // max_bytes of distinct string bytes appear.
  bool Build(const char* bytes, const uint32_t* offsets, size_t n, size_t max_values,
             size_t max_bytes, uint32_t* indices);
  const StringColumn& keys() const { return keys_; }

 private:
  static uint64_t Hash(std::string_view s);
  void Reset(size_t capacity);
  uint32_t Insert(std::string_view s, uint64_t h);

  std::vector<uint32_t> slots_;
  std::vector<uint64_t> hashes_;  // per key
  StringColumn keys_;
  int shift_ = 54;
};

}  // namespace cryptolake::parquet

#endif  // CRYPTOLAKE_SRC_PARQUET_DICTIONARY_BUILDER_H_
