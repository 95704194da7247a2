// JsonFields: typed access to the fields of one small JSON object the lake stores (ledger
// entries, gap records), for parsers that treat the text as untrusted: each getter reports
// absence or a wrong type as false, and Bad() builds the Corruption naming the object.
// Internal to the lake layer.
#ifndef CRYPTOLAKE_SRC_LAKE_JSON_FIELDS_H_
#define CRYPTOLAKE_SRC_LAKE_JSON_FIELDS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"

namespace cryptolake::lake::internal {

// Parses `json`; `what` prefixes every Bad() message ("ledger entry _ledger/x.json").
class JsonFields {
 public:
  JsonFields(std::string_view json, std::string what) : what_(std::move(what)) {
    j_ = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  }
  bool is_object() const { return !j_.is_discarded() && j_.is_object(); }
  const nlohmann::json& json() const { return j_; }
  Status Bad(std::string_view why) const {
    return Status::Corruption(what_ + ": " + std::string(why));
  }
  bool Str(const char* name, std::string* out) const { return StrIn(j_, name, out); }
  bool Num(const char* name, int64_t* out) const { return NumIn(j_, name, out); }
  // Appends the strings of the array `name`; false when it is absent, not an array, or holds
  // anything but strings.
  bool StrList(const char* name, std::vector<std::string>* out) const {
    auto it = j_.find(name);
    if (it == j_.end() || !it->is_array()) return false;
    for (const auto& v : *it) {
      if (!v.is_string()) return false;
      out->push_back(v.get<std::string>());
    }
    return true;
  }

  static bool StrIn(const nlohmann::json& j, const char* name, std::string* out) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  }
  static bool NumIn(const nlohmann::json& j, const char* name, int64_t* out) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_number_integer()) return false;
    *out = it->get<int64_t>();
    return true;
  }

 private:
  std::string what_;
  nlohmann::json j_;
};

}  // namespace cryptolake::lake::internal

#endif  // CRYPTOLAKE_SRC_LAKE_JSON_FIELDS_H_
