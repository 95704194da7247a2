// Test-only: PackedAttributes, a packed attribute set that owns its block
// (the SDK keeps blocks inside its series, see packed_attributes.h).
#ifndef CRYPTOLAKE_SRC_METRICS_SDK_PACKED_ATTRIBUTES_TEST_UTIL_H_
#define CRYPTOLAKE_SRC_METRICS_SDK_PACKED_ATTRIBUTES_TEST_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "canonical_attributes.h"
#include "cryptolake/metrics/attribute_set.h"
#include "cryptolake/metrics/attributes.h"
#include "packed_attributes.h"

namespace cryptolake::metrics::internal {

// Views onto an AttributeSet's owned values; keeps the temporaries
// vector<bool> and string arrays need.
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

// An owned packed attribute set (one heap block).
class PackedAttributes {
 public:
  PackedAttributes() = default;
  explicit PackedAttributes(const CanonicalAttributes& attributes) {
    if (attributes.size() == 0) return;
    const size_t bytes = PackedAttributesView::BlockBytes(attributes);
    block_.reset(new uint64_t[bytes / 8]);
    PackedAttributesView::Pack(attributes, reinterpret_cast<uint8_t*>(block_.get()));
    count_ = static_cast<uint32_t>(attributes.size());
  }
  explicit PackedAttributes(const AttributeSet& attributes) {
    OwnedViews views(attributes);
    CanonicalAttributes canonical{Attributes(std::span<const AttributeView>(views.views))};
    *this = PackedAttributes(canonical);
  }

  PackedAttributesView view() const {
    return {reinterpret_cast<const uint8_t*>(block_.get()), count_};
  }
  size_t size() const { return count_; }
  bool Equals(const CanonicalAttributes& attributes) const noexcept {
    return view().Equals(attributes);
  }
  AttributeSet ToAttributeSet() const { return view().ToAttributeSet(); }

 private:
  std::unique_ptr<uint64_t[]> block_;  // uint64_t: the block's 8-byte alignment.
  uint32_t count_ = 0;
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_SDK_PACKED_ATTRIBUTES_TEST_UTIL_H_
