#include "cryptolake/metrics/attributes.h"

#include <algorithm>

namespace cryptolake::metrics {

AttributeValue AttributeValueView::ToOwned() const {
  switch (type_) {
    case Type::kBool:
      return u_.b;
    case Type::kInt64:
      return u_.i;
    case Type::kDouble:
      return u_.d;
    case Type::kString:
      return std::string(string_value());
    case Type::kBoolArray: {
      auto a = bool_array();
      return std::vector<bool>(a.begin(), a.end());
    }
    case Type::kInt64Array: {
      auto a = int64_array();
      return std::vector<int64_t>(a.begin(), a.end());
    }
    case Type::kDoubleArray: {
      auto a = double_array();
      return std::vector<double>(a.begin(), a.end());
    }
    case Type::kStringArray: {
      std::vector<std::string> out;
      for (std::string_view s : string_array()) out.emplace_back(s);
      return out;
    }
  }
  return false;
}

bool AttributeValueView::Equals(const AttributeValue& owned) const {
  switch (type_) {
    case Type::kBool:
      return std::holds_alternative<bool>(owned) && std::get<bool>(owned) == u_.b;
    case Type::kInt64:
      return std::holds_alternative<int64_t>(owned) && std::get<int64_t>(owned) == u_.i;
    case Type::kDouble:
      return std::holds_alternative<double>(owned) && std::get<double>(owned) == u_.d;
    case Type::kString:
      return std::holds_alternative<std::string>(owned) &&
             std::get<std::string>(owned) == string_value();
    case Type::kBoolArray: {
      if (!std::holds_alternative<std::vector<bool>>(owned)) return false;
      const auto& v = std::get<std::vector<bool>>(owned);
      auto a = bool_array();
      return std::equal(v.begin(), v.end(), a.begin(), a.end());
    }
    case Type::kInt64Array: {
      if (!std::holds_alternative<std::vector<int64_t>>(owned)) return false;
      const auto& v = std::get<std::vector<int64_t>>(owned);
      auto a = int64_array();
      return std::equal(v.begin(), v.end(), a.begin(), a.end());
    }
    case Type::kDoubleArray: {
      if (!std::holds_alternative<std::vector<double>>(owned)) return false;
      const auto& v = std::get<std::vector<double>>(owned);
      auto a = double_array();
      return std::equal(v.begin(), v.end(), a.begin(), a.end());
    }
    case Type::kStringArray: {
      if (!std::holds_alternative<std::vector<std::string>>(owned)) return false;
      const auto& v = std::get<std::vector<std::string>>(owned);
      auto a = string_array();
      return std::equal(v.begin(), v.end(), a.begin(), a.end(),
                        [](const std::string& x, std::string_view y) { return x == y; });
    }
  }
  return false;
}

}  // namespace cryptolake::metrics
