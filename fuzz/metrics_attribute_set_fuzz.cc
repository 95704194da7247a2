// Fuzzes AttributeSet canonicalisation and hashing.
//
// The input is decoded into a list of KeyValues drawn from a small key
// alphabet (so duplicates are common) and all value types. Invariants:
//  - entries are strictly sorted by key (sorted and unique);
//  - for every key, Find() returns the value given LAST for it in the input;
//  - any reordering that keeps the relative order of equal keys (so "last"
//    stays last) produces an equal set with an equal Hash();
//  - a copy built from the canonical entries is equal and hashes equal.
// NaN doubles are replaced by 0.5 when decoding: NaN != NaN would make the
// set unequal to itself, which is IEEE semantics, not a canonicalisation bug.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "cryptolake/metrics/attribute_set.h"
#include "fuzz_check.h"

namespace {

using cryptolake::metrics::AttributeSet;
using cryptolake::metrics::AttributeValue;
using cryptolake::metrics::KeyValue;

using cryptolake::fuzz::Check;

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | Byte();
    return v;
  }
  double Double() {
    const uint64_t bits = U64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return std::isnan(d) ? 0.5 : d;
  }
  std::string String() {
    const size_t n = Byte() % 12;
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(Byte()));
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

AttributeValue DecodeValue(Reader& r) {
  const uint8_t type = r.Byte() % 8;
  const size_t n = r.Byte() % 4;
  switch (type) {
    case 0:
      return static_cast<bool>(r.Byte() & 1);
    case 1:
      return static_cast<int64_t>(r.U64());
    case 2:
      return r.Double();
    case 3:
      return r.String();
    case 4: {
      std::vector<bool> v;
      for (size_t i = 0; i < n; ++i) v.push_back(r.Byte() & 1);
      return v;
    }
    case 5: {
      std::vector<int64_t> v;
      for (size_t i = 0; i < n; ++i) v.push_back(static_cast<int64_t>(r.U64()));
      return v;
    }
    case 6: {
      std::vector<double> v;
      for (size_t i = 0; i < n; ++i) v.push_back(r.Double());
      return v;
    }
    default: {
      std::vector<std::string> v;
      for (size_t i = 0; i < n; ++i) v.push_back(r.String());
      return v;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r(data, size);
  const uint8_t shuffle_seed = r.Byte();
  std::vector<KeyValue> input;
  while (!r.done() && input.size() < 64) {
    // 16 possible keys, some of them prefixes of others, one empty.
    static const char* const kKeys[] = {"",  "a",  "aa", "ab", "b",  "ba",   "c", "exchange",
                                        "x", "x.", "y",  "z",  "zz", "\xff", "A", "symbol"};
    KeyValue kv;
    kv.key = kKeys[r.Byte() % 16];
    kv.value = DecodeValue(r);
    input.push_back(std::move(kv));
  }

  const AttributeSet set(input);

  // Sorted, unique.
  const auto& entries = set.entries();
  for (size_t i = 1; i < entries.size(); ++i) {
    Check(entries[i - 1].key < entries[i].key, "entries not strictly sorted");
  }
  // Last wins, checked against an independent model.
  std::map<std::string, AttributeValue> model;
  for (const KeyValue& kv : input) model[kv.key] = kv.value;
  Check(model.size() == set.size(), "size differs from model");
  for (const auto& [key, value] : model) {
    const AttributeValue* found = set.Find(key);
    Check(found != nullptr, "key missing");
    Check(*found == value, "wrong value for key (last must win)");
  }
  Check(set.Find("not-a-key") == nullptr, "found absent key");

  // Reorder whole key groups in a seed-dependent order; within a group the
  // input order is kept (stable sort, then reversal undone per group).
  std::vector<KeyValue> permuted = input;
  std::stable_sort(permuted.begin(), permuted.end(),
                   [shuffle_seed](const KeyValue& a, const KeyValue& b) {
                     auto rank = [shuffle_seed](const std::string& k) {
                       uint32_t h = shuffle_seed;
                       for (unsigned char c : k) h = h * 31 + c;
                       return (h * 2654435761u) ^ static_cast<uint32_t>(k.size());
                     };
                     const uint32_t ra = rank(a.key), rb = rank(b.key);
                     return ra != rb ? ra < rb : a.key < b.key;  // Equal keys adjacent.
                   });
  std::reverse(permuted.begin(), permuted.end());
  // Reversal flipped the order of equal keys; restore it per key group.
  for (size_t i = 0; i < permuted.size();) {
    size_t j = i;
    while (j < permuted.size() && permuted[j].key == permuted[i].key) ++j;
    std::reverse(permuted.begin() + i, permuted.begin() + j);
    i = j;
  }
  const AttributeSet again(permuted);
  Check(again == set, "reordered input gives a different set");
  Check(again.Hash() == set.Hash(), "reordered input gives a different hash");

  const AttributeSet copy(std::vector<KeyValue>(entries.begin(), entries.end()));
  Check(copy == set && copy.Hash() == set.Hash(), "canonical copy differs");
  return 0;
}
