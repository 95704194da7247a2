// Attributes: the borrowed, allocation-free attribute list passed at a call
// site (`counter.Add(1, {{"symbol", sym}, {"n", int64_t{3}}})`).
//
// An AttributeValueView holds a bool, int64, double, string or a span of one
// of those, without owning any of it. Attributes is a view over a contiguous
// list of {key, value} pairs, normally an initializer_list that lives until
// the end of the full expression containing the call. The SDK treats the list
// as a set: order does not matter and, when a key appears more than once, the
// last occurrence wins. Only the first time an attribute set is seen does the
// SDK copy it into an owned AttributeSet (attribute_set.h).
//
// Thread-safety: plain views; the referenced data must stay alive and
// unmodified for the duration of the call that receives them.
#ifndef CRYPTOLAKE_METRICS_ATTRIBUTES_H_
#define CRYPTOLAKE_METRICS_ATTRIBUTES_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cryptolake/metrics/attribute_set.h"

namespace cryptolake::metrics {

// A non-owning attribute value. Integral types widen to int64, float to
// double, every string-like type to string_view.
class AttributeValueView {
 public:
  enum class Type : uint8_t {
    kBool,
    kInt64,
    kDouble,
    kString,
    kBoolArray,
    kInt64Array,
    kDoubleArray,
    kStringArray,
  };

  AttributeValueView(bool v) : type_(Type::kBool) { u_.b = v; }  // NOLINT: implicit by design
  template <typename I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>)
      AttributeValueView(I v)
      : type_(Type::kInt64) {  // NOLINT
    u_.i = static_cast<int64_t>(v);
  }
  AttributeValueView(double v) : type_(Type::kDouble) { u_.d = v; }  // NOLINT
  AttributeValueView(float v) : type_(Type::kDouble) { u_.d = v; }   // NOLINT
  AttributeValueView(std::string_view v) : type_(Type::kString) {
    SetSpan(v.data(), v.size());
  }                                                                                      // NOLINT
  AttributeValueView(const char* v) : AttributeValueView(std::string_view(v)) {}         // NOLINT
  AttributeValueView(const std::string& v) : AttributeValueView(std::string_view(v)) {}  // NOLINT
  AttributeValueView(std::span<const bool> v) : type_(Type::kBoolArray) {                // NOLINT
    SetSpan(v.data(), v.size());
  }
  AttributeValueView(std::span<const int64_t> v) : type_(Type::kInt64Array) {  // NOLINT
    SetSpan(v.data(), v.size());
  }
  AttributeValueView(std::span<const double> v) : type_(Type::kDoubleArray) {  // NOLINT
    SetSpan(v.data(), v.size());
  }
  AttributeValueView(std::span<const std::string_view> v)  // NOLINT
      : type_(Type::kStringArray) {
    SetSpan(v.data(), v.size());
  }

  Type type() const { return type_; }
  // REQUIRES: type() is the matching type. (Arrays: get<std::span<const E>>()
  // or Visit().)
  bool bool_value() const { return u_.b; }
  int64_t int64_value() const { return u_.i; }
  double double_value() const { return u_.d; }
  std::string_view string_value() const {
    return {static_cast<const char*>(u_.span.data), u_.span.size};
  }
  // The one switch over Type: calls f(std::type_identity<V>{}) with V the
  // view type of `type` (bool, int64_t, double, std::string_view, or
  // std::span<const E> of one of those) and returns what f returns (the
  // same type for every V).
  template <typename F>
  static decltype(auto) VisitType(Type type, F&& f);
  // Calls f(value) with the value as its view type (see VisitType).
  template <typename F>
  decltype(auto) Visit(F&& f) const {
    return VisitType(
        type_, [&](auto tag) -> decltype(auto) { return f(get<typename decltype(tag)::type>()); });
  }
  // The value as view type V. REQUIRES: V is the view type of type().
  template <typename V>
  V get() const {
    if constexpr (std::is_same_v<V, bool>) {
      return u_.b;
    } else if constexpr (std::is_same_v<V, int64_t>) {
      return u_.i;
    } else if constexpr (std::is_same_v<V, double>) {
      return u_.d;
    } else {
      return V(static_cast<const typename V::value_type*>(u_.span.data), u_.span.size);
    }
  }

  // Copies the value into the owned representation.
  AttributeValue ToOwned() const;
  // True when `owned` holds the same type and value.
  bool Equals(const AttributeValue& owned) const;

 private:
  void SetSpan(const void* data, size_t size) {
    u_.span.data = data;
    u_.span.size = size;
  }

  Type type_;
  union {
    bool b;
    int64_t i;
    double d;
    struct {
      const void* data;
      size_t size;
    } span;
  } u_;
};

template <typename F>
decltype(auto) AttributeValueView::VisitType(Type type, F&& f) {
  switch (type) {
    case Type::kBool:
      return f(std::type_identity<bool>{});
    case Type::kInt64:
      return f(std::type_identity<int64_t>{});
    case Type::kDouble:
      return f(std::type_identity<double>{});
    case Type::kString:
      return f(std::type_identity<std::string_view>{});
    case Type::kBoolArray:
      return f(std::type_identity<std::span<const bool>>{});
    case Type::kInt64Array:
      return f(std::type_identity<std::span<const int64_t>>{});
    case Type::kDoubleArray:
      return f(std::type_identity<std::span<const double>>{});
    case Type::kStringArray:
      return f(std::type_identity<std::span<const std::string_view>>{});
  }
  return f(std::type_identity<bool>{});  // Not reached: every Type is handled above.
}

// One borrowed key/value pair.
struct AttributeView {
  std::string_view key;
  AttributeValueView value;
};

// A borrowed list of attributes. Cheap to copy (pointer + size).
//
// Pass a braced list directly to the recording call. Do NOT keep one in a
// variable (`Attributes a = {{"k", 1}};` dangles: the list's array dies at
// the end of that statement); keep an array or vector of AttributeView instead:
//   const AttributeView attrs[] = {{"symbol", sym}, {"side", "buy"}};
//   counter.Add(1, attrs);
class Attributes {
 public:
  Attributes() = default;
  // The list's array lives until the end of the full expression that contains
  // the call receiving this view, which is all a recording call needs.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
  Attributes(std::initializer_list<AttributeView> list)  // NOLINT: implicit by design
      : data_(list.begin()), size_(list.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  Attributes(std::span<const AttributeView> list)  // NOLINT: implicit by design
      : data_(list.data()), size_(list.size()) {}
  template <size_t N>
  Attributes(const AttributeView (&list)[N])  // NOLINT: implicit by design
      : data_(list), size_(N) {}
  Attributes(const std::vector<AttributeView>& list)  // NOLINT: implicit by design
      : data_(list.data()), size_(list.size()) {}

  const AttributeView* begin() const { return data_; }
  const AttributeView* end() const { return data_ + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const AttributeView& operator[](size_t i) const { return data_[i]; }

 private:
  const AttributeView* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_ATTRIBUTES_H_
