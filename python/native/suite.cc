// The telemetry layer from Python: suite() (CryptoMetrics::Current()'s instruments as the handle
// classes of instruments.cc), catalog(), known_error_types(), high_volume_sample_rate().
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>

#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/error_type.h"
#include "cryptolake/telemetry/instrument_catalog.h"
#include "native.h"

namespace cryptolake::python {
namespace {

using telemetry::CryptoMetrics;

// The Python object behind suite(): one attribute per synchronous catalog instrument (set when it
// is built, so reading one is a plain attribute lookup), named as CryptoMetrics' members. The two
// observable gauges (data_freshness, process_memory_usage) are left out: their callbacks belong
// to CryptoMetrics; observe_newest_event() feeds the first, the second needs nothing.
struct Suite {
  std::shared_ptr<CryptoMetrics> metrics;
};

py::object MakeSuite(std::shared_ptr<CryptoMetrics> cm) {
  py::object suite = py::cast(Suite{cm});
  const CryptoMetrics& c = *cm;
#define CL_SUITE_MEMBER(member) suite.attr(#member) = py::cast(Wrap(std::string(#member), c.member))
  CL_SUITE_MEMBER(records_ingested);
  CL_SUITE_MEMBER(bytes_ingested);
  CL_SUITE_MEMBER(records_rejected);
  CL_SUITE_MEMBER(files_processed);
  CL_SUITE_MEMBER(processing_duration);
  CL_SUITE_MEMBER(processing_throughput);
  CL_SUITE_MEMBER(record_age);
  CL_SUITE_MEMBER(archive_download_duration);
  CL_SUITE_MEMBER(api_requests);
  CL_SUITE_MEMBER(api_request_duration);
  CL_SUITE_MEMBER(api_rate_limit_hits);
  CL_SUITE_MEMBER(api_used_weight);
  CL_SUITE_MEMBER(storage_operations);
  CL_SUITE_MEMBER(storage_operation_duration);
  CL_SUITE_MEMBER(storage_object_size);
  CL_SUITE_MEMBER(storage_bytes);
  CL_SUITE_MEMBER(storage_requests);
  CL_SUITE_MEMBER(layer_bytes_stored);
  CL_SUITE_MEMBER(queue_size);
  CL_SUITE_MEMBER(workflows_active);
  CL_SUITE_MEMBER(operations_active);
  CL_SUITE_MEMBER(workflow_executions);
  CL_SUITE_MEMBER(workflow_duration);
  CL_SUITE_MEMBER(workflow_events);
  CL_SUITE_MEMBER(errors);
  CL_SUITE_MEMBER(gaps_found);
  CL_SUITE_MEMBER(gaps_missing_duration);
  CL_SUITE_MEMBER(fill_records);
  CL_SUITE_MEMBER(fill_files);
#undef CL_SUITE_MEMBER
  return suite;
}

// suite(): the object of CryptoMetrics::Current(), rebuilt only when that changes (a new global
// provider). Guarded by the GIL. The cached object is never destroyed at exit (the interpreter
// may be gone by then).
py::object CurrentSuite() {
  static py::object* cached = nullptr;
  static CryptoMetrics* cached_metrics = nullptr;
  std::shared_ptr<CryptoMetrics> current = CryptoMetrics::Current();
  if (cached == nullptr || cached_metrics != current.get()) {
    // The old object (if any) holds its CryptoMetrics, so its address cannot be reused while
    // it is cached.
    py::object fresh = MakeSuite(current);
    if (cached == nullptr) cached = new py::object();
    *cached = std::move(fresh);
    cached_metrics = current.get();
  }
  return *cached;
}

const char* KindName(metrics::InstrumentKind kind) {
  switch (kind) {
    case metrics::InstrumentKind::kCounter:
      return "counter";
    case metrics::InstrumentKind::kUpDownCounter:
      return "up_down_counter";
    case metrics::InstrumentKind::kHistogram:
      return "histogram";
    case metrics::InstrumentKind::kGauge:
      return "gauge";
    case metrics::InstrumentKind::kObservableCounter:
      return "observable_counter";
    case metrics::InstrumentKind::kObservableUpDownCounter:
      return "observable_up_down_counter";
    case metrics::InstrumentKind::kObservableGauge:
      return "observable_gauge";
  }
  return "unknown";
}

py::list Catalog() {
  py::list out;
  for (const telemetry::InstrumentSpec& spec : telemetry::InstrumentCatalog()) {
    py::dict d;
    d["name"] = std::string(spec.name);
    d["kind"] = KindName(spec.kind);
    d["value_type"] = spec.value_type == metrics::InstrumentValueType::kDouble ? "double" : "int";
    d["unit"] = std::string(spec.unit);
    d["description"] = std::string(spec.description);
    py::list keys;
    for (std::string_view k : spec.attribute_keys) keys.append(std::string(k));
    d["attribute_keys"] = keys;
    py::list bounds;
    for (double b : spec.bucket_boundaries) bounds.append(b);
    d["bucket_boundaries"] = bounds;
    d["high_volume"] = spec.high_volume;
    out.append(d);
  }
  return out;
}

}  // namespace

void RegisterSuite(py::module_& m) {
  py::class_<Suite>(m, "Suite", py::dynamic_attr(),
                    "The crypto instrument suite (the catalog's instruments on the global "
                    "provider); get it with suite().")
      .def(
          "record_record_age",
          [](const Suite& s, double seconds, py::handle attributes) {
            AttributeConverter attrs(attributes);
            s.metrics->RecordRecordAge(seconds, attrs.view());
          },
          py::arg("seconds"), py::arg("attributes") = py::none(),
          "Records one record's age in the record-age histogram, sampled per "
          "OTEL_HIGH_VOLUME_SAMPLE_RATE.")
      .def(
          "observe_newest_event",
          [](const Suite& s, std::string market, std::string data_type, std::string symbol,
             std::string interval, int64_t event_micros) {
            s.metrics->ObserveNewestEvent(
                telemetry::StreamKey{std::move(market), std::move(data_type), std::move(symbol),
                                     std::move(interval)},
                event_micros);
          },
          py::arg("market"), py::arg("data_type"), py::arg("symbol"), py::arg("interval"),
          py::arg("event_micros"),
          "Tells the data-freshness gauge that this stream holds an event at `event_micros` "
          "(microseconds since the epoch; the newest is kept).")
      .def_property_readonly("high_volume_sample_rate",
                             [](const Suite& s) { return s.metrics->high_volume_sample_rate(); });
  m.def("suite", &CurrentSuite,
        "The crypto instrument suite on the current global provider (re-created when the "
        "provider changes: take it when a unit of work starts).");
  m.def("catalog", &Catalog,
        "Every catalog instrument: dicts of name, kind, value_type, unit, description, "
        "attribute_keys, bucket_boundaries, high_volume.");
  m.def(
      "known_error_types",
      [] {
        py::list out;
        for (std::string_view t : telemetry::KnownErrorTypes()) out.append(std::string(t));
        return out;
      },
      "The error.type values the classification produces.");
  m.def(
      "high_volume_sample_rate", [] { return telemetry::HighVolumeSampleRateFromEnvironment(); },
      "OTEL_HIGH_VOLUME_SAMPLE_RATE from the environment (1.0 when unset or unparsable, "
      "clamped to [0, 1]).");
}

}  // namespace cryptolake::python
