#include "cryptolake/metrics/attributes.h"

#include <algorithm>
#include <type_traits>

namespace cryptolake::metrics {
namespace {

// The owned (AttributeValue) type of view type V.
template <typename V>
struct Owned {
  using type = V;  // bool, int64_t, double
};
template <>
struct Owned<std::string_view> {
  using type = std::string;
};
template <typename E>
struct Owned<std::span<const E>> {
  using type = std::vector<typename Owned<E>::type>;
};

template <typename V>
inline constexpr bool kIsSpan =
    !std::is_same_v<typename Owned<V>::type, V> && !std::is_same_v<V, std::string_view>;

}  // namespace

AttributeValue AttributeValueView::ToOwned() const {
  return Visit([](auto v) -> AttributeValue {
    using V = decltype(v);
    using O = typename Owned<V>::type;
    if constexpr (kIsSpan<V>) {
      return O(v.begin(), v.end());
    } else {
      return O(v);
    }
  });
}

bool AttributeValueView::Equals(const AttributeValue& owned) const {
  return Visit([&owned](auto v) {
    using V = decltype(v);
    const auto* o = std::get_if<typename Owned<V>::type>(&owned);
    if (o == nullptr) return false;
    if constexpr (kIsSpan<V>) {
      return std::equal(o->begin(), o->end(), v.begin(), v.end(),
                        [](const auto& x, const auto& y) { return x == y; });
    } else {
      return *o == v;
    }
  });
}

}  // namespace cryptolake::metrics
