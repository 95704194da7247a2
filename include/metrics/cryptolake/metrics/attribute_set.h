// AttributeValue and AttributeSet: owned, canonical attribute sets.
//
// An AttributeSet is the form attributes take in exported data and in the
// SDK's series keys: entries sorted by key, each key at most once (when a key
// is given twice the last value wins). Two sets holding the same pairs in any
// input order compare equal and hash equal.
//
// The recording hot path does not build AttributeSets; it works on borrowed
// views (see attributes.h) and only materialises an AttributeSet the first
// time a series is seen.
//
// Thread-safety: values; const methods may be called concurrently.
#ifndef CRYPTOLAKE_METRICS_ATTRIBUTE_SET_H_
#define CRYPTOLAKE_METRICS_ATTRIBUTE_SET_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace cryptolake::metrics {

// The OpenTelemetry attribute value types: primitives and homogeneous arrays.
using AttributeValue =
    std::variant<bool, int64_t, double, std::string, std::vector<bool>, std::vector<int64_t>,
                 std::vector<double>, std::vector<std::string>>;

struct KeyValue {
  std::string key;
  AttributeValue value;

  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

class AttributeSet {
 public:
  AttributeSet() = default;
  // Canonicalises: sorts by key and removes duplicate keys, last one wins.
  explicit AttributeSet(std::vector<KeyValue> entries);
  AttributeSet(std::initializer_list<KeyValue> entries)
      : AttributeSet(std::vector<KeyValue>(entries)) {}

  const std::vector<KeyValue>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

  // Returns the value for `key` or nullptr.
  const AttributeValue* Find(std::string_view key) const;

  // Order-independent 64-bit hash of the set.
  uint64_t Hash() const;

  friend bool operator==(const AttributeSet&, const AttributeSet&) = default;

 private:
  std::vector<KeyValue> entries_;  // Sorted by key, unique keys.
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_ATTRIBUTE_SET_H_
