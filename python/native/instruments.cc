// The synchronous instruments, their bound handles and the Meter, as Python classes.
//
// Recording never raises for a bad value (ignored, as the C++ API ignores a negative counter
// increment); only a bad attribute (a non-str key, a value of another type) raises TypeError, at
// the conversion that precedes the record. The record itself runs under the GIL: the C++
// instruments are thread-safe and a record costs nanoseconds, so releasing and re-taking the GIL
// around it would cost more than it could ever let other threads gain.
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "native.h"

namespace cryptolake::python {
namespace {

std::string_view Utf8(py::handle str) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(str.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();
  return {data, static_cast<size_t>(size)};
}

[[noreturn]] void BadAttribute(std::string_view key, py::handle value) {
  throw py::type_error("attribute '" + std::string(key) +
                       "': values must be str, int, float, bool or a list of one of those, not " +
                       std::string(py::str(py::type::handle_of(value).attr("__name__"))));
}

int64_t AttributeInt(py::handle value, std::string_view key) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0 || (v == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    throw py::type_error("attribute '" + std::string(key) + "': int does not fit in 64 bits");
  }
  return v;
}

}  // namespace

AttributeConverter::AttributeConverter(py::handle attributes) {
  if (attributes.is_none()) return;
  py::handle dict = attributes;
  if (!PyDict_Check(attributes.ptr())) {
    if (!py::hasattr(attributes, "items")) {
      throw py::type_error("attributes must be a dict (or a mapping), not " +
                           std::string(py::str(py::type::handle_of(attributes).attr("__name__"))));
    }
    mapping_ = py::dict(py::reinterpret_borrow<py::object>(attributes));
    dict = mapping_;
  }
  views_.reserve(static_cast<size_t>(PyDict_Size(dict.ptr())));
  PyObject* key = nullptr;
  PyObject* value = nullptr;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict.ptr(), &pos, &key, &value)) {
    if (!PyUnicode_Check(key)) {
      throw py::type_error("attribute keys must be str, not " +
                           std::string(py::str(py::type::handle_of(key).attr("__name__"))));
    }
    std::string_view k = Utf8(key);
    if (PyBool_Check(value)) {
      views_.push_back({k, metrics::AttributeValueView(value == Py_True)});
    } else if (PyLong_Check(value)) {
      views_.push_back({k, metrics::AttributeValueView(AttributeInt(value, k))});
    } else if (PyFloat_Check(value)) {
      views_.push_back({k, metrics::AttributeValueView(PyFloat_AS_DOUBLE(value))});
    } else if (PyUnicode_Check(value)) {
      views_.push_back({k, metrics::AttributeValueView(Utf8(value))});
    } else if (PyList_Check(value) || PyTuple_Check(value)) {
      views_.push_back({k, ConvertList(value, k)});
    } else {
      BadAttribute(k, value);
    }
  }
}

metrics::AttributeValueView AttributeConverter::ConvertList(py::handle list, std::string_view key) {
  py::sequence seq = py::reinterpret_borrow<py::sequence>(list);
  const size_t n = seq.size();
  if (n == 0) {
    strings_.emplace_back();
    return metrics::AttributeValueView(std::span<const std::string_view>(strings_.back()));
  }
  py::handle first = seq[0];
  auto all = [&](auto check) {
    for (size_t i = 0; i < n; ++i) {
      if (!check(seq[i].ptr())) {
        throw py::type_error("attribute '" + std::string(key) +
                             "': a list value must hold one type (str, int, float or bool)");
      }
    }
  };
  if (PyBool_Check(first.ptr())) {
    all([](PyObject* o) { return PyBool_Check(o); });
    bools_.push_back(std::make_unique<bool[]>(n));
    for (size_t i = 0; i < n; ++i) bools_.back()[i] = seq[i].ptr() == Py_True;
    return metrics::AttributeValueView(std::span<const bool>(bools_.back().get(), n));
  }
  if (PyLong_Check(first.ptr())) {
    all([](PyObject* o) { return PyLong_Check(o) && !PyBool_Check(o); });
    auto& v = ints_.emplace_back();
    for (size_t i = 0; i < n; ++i) v.push_back(AttributeInt(seq[i], key));
    return metrics::AttributeValueView(std::span<const int64_t>(v));
  }
  if (PyFloat_Check(first.ptr())) {
    all([](PyObject* o) { return PyFloat_Check(o); });
    auto& v = doubles_.emplace_back();
    for (size_t i = 0; i < n; ++i) v.push_back(PyFloat_AS_DOUBLE(seq[i].ptr()));
    return metrics::AttributeValueView(std::span<const double>(v));
  }
  if (PyUnicode_Check(first.ptr())) {
    all([](PyObject* o) { return PyUnicode_Check(o); });
    auto& v = strings_.emplace_back();
    for (size_t i = 0; i < n; ++i) v.push_back(Utf8(seq[i]));
    return metrics::AttributeValueView(std::span<const std::string_view>(v));
  }
  BadAttribute(key, first);
}

bool ToInt64(py::handle value, int64_t* out) {
  PyObject* o = value.ptr();
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow != 0 || (v == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      return false;
    }
    *out = v;
    return true;
  }
  if (PyFloat_Check(o)) {
    double d = PyFloat_AS_DOUBLE(o);
    // The range check also rejects NaN.
    if (!(d > -9.2233720368547758e18 && d < 9.2233720368547758e18)) return false;
    *out = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

bool ToDouble(py::handle value, double* out) {
  PyObject* o = value.ptr();
  if (PyFloat_Check(o)) {
    *out = PyFloat_AS_DOUBLE(o);
    return true;
  }
  if (PyLong_Check(o)) {
    double d = PyLong_AsDouble(o);
    if (d == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      return false;
    }
    *out = d;
    return true;
  }
  return false;
}

metrics::InstrumentValueType ParseValueType(const std::string& value_type) {
  if (value_type == "int") return metrics::InstrumentValueType::kInt64;
  if (value_type == "double" || value_type == "float") return metrics::InstrumentValueType::kDouble;
  throw py::value_error("value_type must be \"int\" or \"double\", not \"" + value_type + "\"");
}

namespace {

// Records `value` with `attributes` through Add (sums) or Record (histograms, gauges).
template <template <typename> class Handle, typename Rec>
void RecordSync(const SyncInstrument<Handle>& inst, py::handle value, py::handle attributes,
                Rec rec) {
  AttributeConverter attrs(attributes);
  if (inst.is_double) {
    double v;
    if (ToDouble(value, &v)) rec(inst.double_handle, v, attrs.view());
  } else {
    int64_t v;
    if (ToInt64(value, &v)) rec(inst.int_handle, v, attrs.view());
  }
}

template <template <typename> class Bound, typename Rec>
void RecordBound(const BoundInstrument<Bound>& inst, py::handle value, Rec rec) {
  if (inst.is_double) {
    double v;
    if (ToDouble(value, &v)) rec(inst.double_handle, v);
  } else {
    int64_t v;
    if (ToInt64(value, &v)) rec(inst.int_handle, v);
  }
}

template <template <typename> class Handle, template <typename> class Bound>
BoundInstrument<Bound> Bind(const SyncInstrument<Handle>& inst, py::handle attributes) {
  AttributeConverter attrs(attributes);
  BoundInstrument<Bound> out;
  out.is_double = inst.is_double;
  if (inst.is_double) {
    out.double_handle = inst.double_handle.Bind(attrs.view());
  } else {
    out.int_handle = inst.int_handle.Bind(attrs.view());
  }
  return out;
}

template <template <typename> class Handle>
bool Enabled(const SyncInstrument<Handle>& inst) {
  return inst.is_double ? inst.double_handle.enabled() : inst.int_handle.enabled();
}

// Registers one instrument class `name` with method `method` ("add" or "record") and its bound
// class "Bound<name>".
template <template <typename> class Handle, template <typename> class Bound, bool kIsAdd>
void RegisterSync(py::module_& m, const char* name, const char* doc) {
  using Inst = SyncInstrument<Handle>;
  using BoundInst = BoundInstrument<Bound>;
  const char* method = kIsAdd ? "add" : "record";
  const std::string bound_name = std::string("Bound") + name;
  py::class_<BoundInst> bound(m, bound_name.c_str(),
                              "An instrument bound to one attribute set: the fast path.");
  if constexpr (kIsAdd) {
    bound.def(
        method,
        [](const BoundInst& b, py::handle value) {
          RecordBound(b, value, [](const auto& h, auto v) { h.Add(v); });
        },
        py::arg("value"), "Adds `value` (ignored when it is not a valid number).");
  } else {
    bound.def(
        method,
        [](const BoundInst& b, py::handle value) {
          RecordBound(b, value, [](const auto& h, auto v) { h.Record(v); });
        },
        py::arg("value"), "Records `value` (ignored when it is not a valid number).");
  }
  bound.def_property_readonly("enabled", [](const BoundInst& b) {
    return b.is_double ? b.double_handle.enabled() : b.int_handle.enabled();
  });

  py::class_<Inst> cls(m, name, doc);
  if constexpr (kIsAdd) {
    cls.def(
        method,
        [](const Inst& inst, py::handle value, py::handle attributes) {
          RecordSync(inst, value, attributes,
                     [](const auto& h, auto v, metrics::Attributes a) { h.Add(v, a); });
        },
        py::arg("value"), py::arg("attributes") = py::none(),
        "Adds `value` for `attributes` (a dict). A value that is not a valid number is ignored; "
        "a bad attribute raises TypeError.");
  } else {
    cls.def(
        method,
        [](const Inst& inst, py::handle value, py::handle attributes) {
          RecordSync(inst, value, attributes,
                     [](const auto& h, auto v, metrics::Attributes a) { h.Record(v, a); });
        },
        py::arg("value"), py::arg("attributes") = py::none(),
        "Records `value` for `attributes` (a dict). A value that is not a valid number is "
        "ignored; a bad attribute raises TypeError.");
  }
  cls.def("bind", &Bind<Handle, Bound>, py::arg("attributes") = py::none(),
          "A handle bound to `attributes`; its add/record skips the attribute lookup.");
  cls.def_readonly("name", &Inst::name);
  cls.def_property_readonly("value_type",
                            [](const Inst& inst) { return inst.is_double ? "double" : "int"; });
  cls.def_property_readonly("enabled", &Enabled<Handle>,
                            "False for a no-op instrument (no SDK, or an invalid name).");
  cls.def("__repr__", [name](const Inst& inst) {
    return std::string("<cryptolake._native.") + name + " " + inst.name +
           (inst.is_double ? " double" : " int") + ">";
  });
}

metrics::InstrumentOptions Options(const std::string& unit, const std::string& description) {
  metrics::InstrumentOptions options;
  options.unit = unit;
  options.description = description;
  return options;
}

template <template <typename> class Handle, typename MakeInt, typename MakeDouble>
SyncInstrument<Handle> Create(const std::string& name, const std::string& value_type,
                              MakeInt make_int, MakeDouble make_double) {
  SyncInstrument<Handle> out;
  out.name = name;
  if (ParseValueType(value_type) == metrics::InstrumentValueType::kDouble) {
    out.is_double = true;
    out.double_handle = make_double();
  } else {
    out.int_handle = make_int();
  }
  return out;
}

}  // namespace

void RegisterInstruments(py::module_& m) {
  RegisterSync<metrics::Counter, metrics::BoundCounter, true>(
      m, "Counter", "A monotonic sum; negative increments and NaN are ignored.");
  RegisterSync<metrics::UpDownCounter, metrics::BoundUpDownCounter, true>(m, "UpDownCounter",
                                                                          "A non-monotonic sum.");
  RegisterSync<metrics::Histogram, metrics::BoundHistogram, false>(
      m, "Histogram",
      "A distribution of non-negative values; negative values and NaN are ignored.");
  RegisterSync<metrics::Gauge, metrics::BoundGauge, false>(
      m, "Gauge", "The current value (synchronous gauge).");

  MeterClass meter(m, "Meter",
                   "Creates the instruments of one instrumentation scope (get_meter()).");
  meter.def(
      "create_counter",
      [](metrics::Meter& meter, const std::string& name, const std::string& unit,
         const std::string& description, const std::string& value_type) {
        auto o = Options(unit, description);
        return Create<metrics::Counter>(
            name, value_type, [&] { return meter.CreateInt64Counter(name, o); },
            [&] { return meter.CreateDoubleCounter(name, o); });
      },
      py::arg("name"), py::arg("unit") = "", py::arg("description") = "",
      py::arg("value_type") = "int");
  meter.def(
      "create_up_down_counter",
      [](metrics::Meter& meter, const std::string& name, const std::string& unit,
         const std::string& description, const std::string& value_type) {
        auto o = Options(unit, description);
        return Create<metrics::UpDownCounter>(
            name, value_type, [&] { return meter.CreateInt64UpDownCounter(name, o); },
            [&] { return meter.CreateDoubleUpDownCounter(name, o); });
      },
      py::arg("name"), py::arg("unit") = "", py::arg("description") = "",
      py::arg("value_type") = "int");
  meter.def(
      "create_histogram",
      [](metrics::Meter& meter, const std::string& name, const std::string& unit,
         const std::string& description, const std::string& value_type,
         std::optional<std::vector<double>> boundaries) {
        auto o = Options(unit, description);
        if (boundaries) o.advisory_bucket_boundaries = *boundaries;
        return Create<metrics::Histogram>(
            name, value_type, [&] { return meter.CreateInt64Histogram(name, o); },
            [&] { return meter.CreateDoubleHistogram(name, o); });
      },
      py::arg("name"), py::arg("unit") = "", py::arg("description") = "",
      py::arg("value_type") = "int", py::arg("boundaries") = py::none(),
      "`boundaries`: advisory explicit bucket boundaries (strictly increasing).");
  meter.def(
      "create_gauge",
      [](metrics::Meter& meter, const std::string& name, const std::string& unit,
         const std::string& description, const std::string& value_type) {
        auto o = Options(unit, description);
        return Create<metrics::Gauge>(
            name, value_type, [&] { return meter.CreateInt64Gauge(name, o); },
            [&] { return meter.CreateDoubleGauge(name, o); });
      },
      py::arg("name"), py::arg("unit") = "", py::arg("description") = "",
      py::arg("value_type") = "int");
  RegisterObservableFactories(m, meter);
}

}  // namespace cryptolake::python
