// LegacyFields: the predecessor's keyword arguments and flat result dicts in C++ - a string-keyed
// map of scalar values (string, int64, double, bool) that keeps insertion order, so a JSON
// rendering lists keys the way a Python dict would. Setting an existing key replaces its value in
// place (a dict keeps the first insertion's position).
//
// A value is chosen by overload resolution of std::variant: "text" and std::string are strings,
// int and int64_t are integers, double is a double, true/false are bools. Unsigned 64-bit
// integers do not convert implicitly (cast them to int64_t).
//
// Thread-safety: a plain value type; no internal synchronisation.
#ifndef CRYPTOLAKE_TELEMETRY_LEGACY_FIELDS_H_
#define CRYPTOLAKE_TELEMETRY_LEGACY_FIELDS_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cryptolake::telemetry {

using LegacyValue = std::variant<std::string, int64_t, double, bool>;

struct LegacyField {
  std::string key;
  LegacyValue value;
  bool operator==(const LegacyField&) const = default;
};

class LegacyFields {
 public:
  LegacyFields() = default;
  // Later duplicates of a key replace the earlier value (as in a dict literal).
  LegacyFields(std::initializer_list<LegacyField> fields);

  // Inserts `key` at the end, or replaces its value where it stands.
  void Set(std::string_view key, LegacyValue value);
  // The value of `key`, or nullptr.
  const LegacyValue* Find(std::string_view key) const;
  // The string value of `key`, or nullptr when absent or not a string.
  const std::string* FindString(std::string_view key) const;

  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  std::vector<LegacyField>::const_iterator begin() const { return fields_.begin(); }
  std::vector<LegacyField>::const_iterator end() const { return fields_.end(); }

  // Equal when both hold the same keys with the same values, in any order (Python's dict
  // equality). Unlike Python, values of different types never compare equal (1 != 1.0 != true).
  bool operator==(const LegacyFields& other) const;

 private:
  std::vector<LegacyField> fields_;
};

}  // namespace cryptolake::telemetry

#endif  // CRYPTOLAKE_TELEMETRY_LEGACY_FIELDS_H_
