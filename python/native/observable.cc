// The observable instruments: Python callables run at collection time.
//
// The SDK runs an instrument's callbacks on the collecting thread (a periodic reader's thread,
// the Prometheus scrape, or the caller of force_flush/shutdown, which has released the GIL) while
// it holds that instrument's callback mutex. Each Python callback takes the GIL for its run. So
// that no thread ever waits for that mutex while holding the GIL (the collector would then wait
// for the GIL in turn: a deadlock), every call that takes it from Python (adding or removing a
// callback) releases the GIL first.
//
// A callback returns an iterable of (value, attributes) pairs (attributes: a dict or None; a
// one-element (value,) is allowed too), or an object with `value` and `attributes` attributes.
// Whatever goes wrong in it (an exception, a result of the wrong shape, a bad attribute) is
// reported through sys.unraisablehook (printed to stderr by default) and its observations so far
// are kept: one broken callback never stops the collection nor the program.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "native.h"

namespace cryptolake::python {
namespace {

thread_local bool tl_in_callback = false;

// Marks this thread as running an observable callback for the life of the object.
class InCallback {
 public:
  InCallback() : previous_(tl_in_callback) { tl_in_callback = true; }
  ~InCallback() { tl_in_callback = previous_; }
  InCallback(const InCallback&) = delete;
  InCallback& operator=(const InCallback&) = delete;

 private:
  bool previous_;
};

// A Python callable owned from C++. Dropping the last reference takes the GIL; once the
// interpreter is going away the reference is leaked instead (the process is ending).
class PyCallback {
 public:
  PyCallback(py::object callable, std::string instrument)
      : callable_(std::move(callable)), instrument_(std::move(instrument)) {}
  ~PyCallback() {
    if (PythonAlive() && Py_IsInitialized()) {
      py::gil_scoped_acquire gil;
      callable_ = py::object();
    } else {
      callable_.release();
    }
  }
  PyCallback(const PyCallback&) = delete;
  PyCallback& operator=(const PyCallback&) = delete;

  template <typename T>
  void Run(metrics::ObserverResult<T>& result) const {
    if (!PythonAlive()) return;
    py::gil_scoped_acquire gil;
    InCallback marker;
    try {
      py::object observations = callable_();
      if (observations.is_none()) return;
      for (py::handle item : observations) Observe(item, result);
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable(("cryptolake observable callback of " + instrument_).c_str());
    } catch (const std::exception& e) {
      // pybind11's own exceptions (type_error from an attribute, cast_error): raise them as
      // Python exceptions so they are reported the same way.
      PyErr_SetString(PyExc_TypeError, e.what());
      py::error_already_set err;
      err.discard_as_unraisable(("cryptolake observable callback of " + instrument_).c_str());
    }
  }

 private:
  template <typename T>
  static void Observe(py::handle item, metrics::ObserverResult<T>& result) {
    py::object value;  // owned: an attribute accessor's result dies with its statement
    py::object attributes = py::none();
    if (PyTuple_Check(item.ptr()) || PyList_Check(item.ptr())) {
      py::sequence pair = py::reinterpret_borrow<py::sequence>(item);
      if (pair.size() != 1 && pair.size() != 2) {
        throw py::type_error("an observation is (value, attributes), got a sequence of " +
                             std::to_string(pair.size()));
      }
      value = pair[0];
      if (pair.size() == 2) attributes = pair[1];
    } else if (py::hasattr(item, "value")) {
      value = item.attr("value");
      if (py::hasattr(item, "attributes")) attributes = item.attr("attributes");
    } else {
      throw py::type_error("an observation is a (value, attributes) tuple");
    }
    AttributeConverter attrs(attributes);
    T v;
    bool ok;
    if constexpr (std::is_same_v<T, double>) {
      ok = ToDouble(value, &v);
    } else {
      ok = ToInt64(value, &v);
    }
    if (ok) result.Observe(v, attrs.view());
  }

  py::object callable_;
  std::string instrument_;
};

// The Python-visible observable instrument: its name and handle; its callbacks stay registered
// while the provider that created it lives, whether or not Python keeps this object.
template <template <typename> class Handle>
struct Observable {
  std::string name;
  bool is_double = false;
  Handle<int64_t> int_handle;
  Handle<double> double_handle;

  metrics::CallbackId AddCallback(py::object callable) const {
    if (!PyCallable_Check(callable.ptr())) throw py::type_error("a callback must be callable");
    auto cb = std::make_shared<PyCallback>(std::move(callable), name);
    py::gil_scoped_release release;  // See the header comment.
    if (is_double) {
      return double_handle.AddCallback(
          [cb](metrics::ObserverResult<double>& result) { cb->Run(result); });
    }
    return int_handle.AddCallback(
        [cb](metrics::ObserverResult<int64_t>& result) { cb->Run(result); });
  }
  bool RemoveCallback(metrics::CallbackId id) const {
    py::gil_scoped_release release;  // Waits for a running collection.
    return is_double ? double_handle.RemoveCallback(id) : int_handle.RemoveCallback(id);
  }
};

template <template <typename> class Handle>
void RegisterObservableClass(py::module_& m, const char* name, const char* doc) {
  using Obs = Observable<Handle>;
  py::class_<Obs>(m, name, doc)
      .def_readonly("name", &Obs::name)
      .def_property_readonly("value_type",
                             [](const Obs& o) { return o.is_double ? "double" : "int"; })
      .def_property_readonly("enabled",
                             [](const Obs& o) {
                               return o.is_double ? o.double_handle.enabled()
                                                  : o.int_handle.enabled();
                             })
      .def("add_callback", &Obs::AddCallback, py::arg("callback"),
           "Registers `callback` (run at every collection); returns its id (0 when the "
           "instrument is a no-op).")
      .def("remove_callback", &Obs::RemoveCallback, py::arg("callback_id"),
           "Unregisters a callback; once this returns it is not running and will not run again.");
}

template <template <typename> class Handle, typename MakeInt, typename MakeDouble>
Observable<Handle> CreateObservable(const std::string& name, py::handle callbacks,
                                    const std::string& value_type, MakeInt make_int,
                                    MakeDouble make_double) {
  Observable<Handle> out;
  out.name = name;
  std::vector<py::object> list;
  if (!callbacks.is_none()) {
    if (PyCallable_Check(callbacks.ptr())) {
      list.push_back(py::reinterpret_borrow<py::object>(callbacks));
    } else {
      for (py::handle cb : callbacks) list.push_back(py::reinterpret_borrow<py::object>(cb));
    }
  }
  for (const py::object& cb : list) {
    if (!PyCallable_Check(cb.ptr())) throw py::type_error("callbacks must be callables");
  }
  if (ParseValueType(value_type) == metrics::InstrumentValueType::kDouble) {
    out.is_double = true;
    out.double_handle = make_double();
  } else {
    out.int_handle = make_int();
  }
  for (py::object& cb : list) out.AddCallback(std::move(cb));
  return out;
}

}  // namespace

void RegisterObservableFactories(py::module_& m, MeterClass& meter) {
  RegisterObservableClass<metrics::ObservableCounter>(
      m, "ObservableCounter", "A monotonic sum observed by callbacks (cumulative totals).");
  RegisterObservableClass<metrics::ObservableUpDownCounter>(
      m, "ObservableUpDownCounter", "A non-monotonic sum observed by callbacks (totals).");
  RegisterObservableClass<metrics::ObservableGauge>(m, "ObservableGauge",
                                                    "A current value observed by callbacks.");
  constexpr const char* kDoc =
      "`callbacks`: a callable or a list of callables taking no argument and returning an "
      "iterable of (value, attributes) pairs, run at every collection on the SDK's thread.";
  meter.def(
      "create_observable_counter",
      [](metrics::Meter& meter, const std::string& name, py::handle callbacks,
         const std::string& unit, const std::string& description, const std::string& value_type) {
        metrics::InstrumentOptions o{.unit = unit, .description = description};
        return CreateObservable<metrics::ObservableCounter>(
            name, callbacks, value_type,
            [&] { return meter.CreateInt64ObservableCounter(name, o); },
            [&] { return meter.CreateDoubleObservableCounter(name, o); });
      },
      py::arg("name"), py::arg("callbacks") = py::none(), py::arg("unit") = "",
      py::arg("description") = "", py::arg("value_type") = "int", kDoc);
  meter.def(
      "create_observable_up_down_counter",
      [](metrics::Meter& meter, const std::string& name, py::handle callbacks,
         const std::string& unit, const std::string& description, const std::string& value_type) {
        metrics::InstrumentOptions o{.unit = unit, .description = description};
        return CreateObservable<metrics::ObservableUpDownCounter>(
            name, callbacks, value_type,
            [&] { return meter.CreateInt64ObservableUpDownCounter(name, o); },
            [&] { return meter.CreateDoubleObservableUpDownCounter(name, o); });
      },
      py::arg("name"), py::arg("callbacks") = py::none(), py::arg("unit") = "",
      py::arg("description") = "", py::arg("value_type") = "int", kDoc);
  meter.def(
      "create_observable_gauge",
      [](metrics::Meter& meter, const std::string& name, py::handle callbacks,
         const std::string& unit, const std::string& description, const std::string& value_type) {
        metrics::InstrumentOptions o{.unit = unit, .description = description};
        return CreateObservable<metrics::ObservableGauge>(
            name, callbacks, value_type, [&] { return meter.CreateInt64ObservableGauge(name, o); },
            [&] { return meter.CreateDoubleObservableGauge(name, o); });
      },
      py::arg("name"), py::arg("callbacks") = py::none(), py::arg("unit") = "",
      py::arg("description") = "", py::arg("value_type") = "int", kDoc);
}

bool InsideObservableCallback() { return tl_in_callback; }

}  // namespace cryptolake::python
