// Shared pieces of the extension module cryptolake._native (docs/python.md): the Python wrappers
// of the metrics API's instrument handles, the conversion of Python attribute dicts, and the
// registration functions module.cc calls.
//
// GIL: every function here runs with the GIL held unless it says otherwise. Recording keeps the
// GIL (converting the attribute dict needs it and the record itself is a few nanoseconds of
// thread-safe C++); exporting (force_flush, shutdown) releases it; observable callbacks, which run
// on the SDK's collecting thread, take it (observable.cc).
#ifndef CRYPTOLAKE_PYTHON_NATIVE_NATIVE_H_
#define CRYPTOLAKE_PYTHON_NATIVE_NATIVE_H_

#include <pybind11/pybind11.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "cryptolake/metrics/attributes.h"
#include "cryptolake/metrics/instruments.h"
#include "cryptolake/metrics/meter.h"

namespace cryptolake::python {

namespace py = pybind11;

// A Python attribute dict as borrowed metrics::Attributes. Keys must be str; values str, int,
// float, bool or a list/tuple of one of those (homogeneous; an empty list is an empty string
// array). Anything else raises TypeError (py::type_error). The views point into the dict's
// objects: keep the dict alive and unmodified while the result is used (the GIL is held).
class AttributeConverter {
 public:
  // `attributes` is None or a dict.
  explicit AttributeConverter(py::handle attributes);
  ~AttributeConverter() = default;
  AttributeConverter(const AttributeConverter&) = delete;
  AttributeConverter& operator=(const AttributeConverter&) = delete;

  metrics::Attributes view() const { return metrics::Attributes(views_); }

 private:
  metrics::AttributeValueView ConvertList(py::handle list, std::string_view key);

  py::object mapping_;  // A non-dict mapping copied into a dict.
  std::vector<metrics::AttributeView> views_;
  // Storage of list values (only allocated when a value is a list).
  std::deque<std::vector<int64_t>> ints_;
  std::deque<std::vector<double>> doubles_;
  std::deque<std::vector<std::string_view>> strings_;
  std::deque<std::unique_ptr<bool[]>> bools_;
};

// A Python number as a recorded value. False (nothing to record) for anything that is not an
// int, float or bool, for an int that does not fit in int64 and, for int64 instruments, for a
// float that is NaN or infinite (a finite float is truncated toward zero). Never raises.
bool ToInt64(py::handle value, int64_t* out);
bool ToDouble(py::handle value, double* out);

// "int" -> kInt64, "double" (or "float") -> kDouble; ValueError otherwise.
metrics::InstrumentValueType ParseValueType(const std::string& value_type);

// One synchronous instrument of either value type (Counter, UpDownCounter, Histogram, Gauge
// templates of the metrics API).
template <template <typename> class Handle>
struct SyncInstrument {
  std::string name;
  bool is_double = false;
  Handle<int64_t> int_handle;
  Handle<double> double_handle;
};

template <template <typename> class Bound>
struct BoundInstrument {
  bool is_double = false;
  Bound<int64_t> int_handle;
  Bound<double> double_handle;
};

using Counter = SyncInstrument<metrics::Counter>;
using UpDownCounter = SyncInstrument<metrics::UpDownCounter>;
using Histogram = SyncInstrument<metrics::Histogram>;
using Gauge = SyncInstrument<metrics::Gauge>;

// Wrappers of existing handles (the suite's members).
template <template <typename> class Handle, typename T>
SyncInstrument<Handle> Wrap(std::string name, Handle<T> handle) {
  SyncInstrument<Handle> out;
  out.name = std::move(name);
  if constexpr (std::is_same_v<T, double>) {
    out.is_double = true;
    out.double_handle = std::move(handle);
  } else {
    out.int_handle = std::move(handle);
  }
  return out;
}

// Registration, called once from PYBIND11_MODULE.
void RegisterInstruments(py::module_& m);  // instruments.cc: handles, bound handles, Meter.
void RegisterProvider(py::module_& m);     // provider.cc: init, flush, shutdown, get_meter.
void RegisterSuite(py::module_& m);        // suite.cc: suite(), catalog(), known_error_types().

// The observable instrument classes, and their factories on the Meter class (observable.cc).
using MeterClass = py::class_<metrics::Meter, std::shared_ptr<metrics::Meter>>;
void RegisterObservableFactories(py::module_& m, MeterClass& meter);

// Thread-safety of the Python callbacks: false once the interpreter is shutting down (set by the
// module's atexit hook, provider.cc); observable callbacks then report nothing instead of taking
// the GIL of an interpreter that is going away.
bool PythonAlive();

// True on a thread that is running a Python observable callback right now (a collection is in
// progress on it): force_flush() and shutdown() refuse to run there.
bool InsideObservableCallback();

}  // namespace cryptolake::python

#endif  // CRYPTOLAKE_PYTHON_NATIVE_NATIVE_H_
