// conformance_runner: runs one conformance scenario (test/conformance/README.md)
// through cryptolake's metrics SDK and prints the normalised collections as
// JSON: {"collects": [...], "violations": [...]}. compare.js compares them
// with what the OpenTelemetry JS SDK produced for the same scenario.
//
//   conformance_runner <scenario.json>
//
// Exit status: 0 when the scenario ran (whatever it produced), 2 on a
// malformed scenario or an SDK error.

#include <cmath>
#include <cstdint>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cryptolake/metrics/attributes.h"
#include "cryptolake/metrics/instruments.h"
#include "cryptolake/metrics/meter.h"
#include "cryptolake/metrics/sdk/aggregation.h"
#include "cryptolake/metrics/sdk/diagnostics.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/metrics/sdk/metric_exporter.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "cryptolake/metrics/sdk/view.h"
#include "normalised_output.h"

namespace cryptolake::conformance {
namespace {

using nlohmann::json;
namespace m = cryptolake::metrics;

[[noreturn]] void Fail(const std::string& message) { throw std::runtime_error(message); }

double ParseDouble(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "NaN") return std::nan("");
    if (s == "Infinity" || s == "+Infinity") return HUGE_VAL;
    if (s == "-Infinity") return -HUGE_VAL;
    if (s == "-0") return -0.0;
  }
  Fail("not a number: " + v.dump());
}

int64_t ParseInt(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  Fail("an int instrument needs an integer value, got " + v.dump());
}

std::optional<m::InstrumentKind> ParseKind(const std::string& kind) {
  static const std::map<std::string, m::InstrumentKind> kKinds = {
      {"counter", m::InstrumentKind::kCounter},
      {"up_down_counter", m::InstrumentKind::kUpDownCounter},
      {"histogram", m::InstrumentKind::kHistogram},
      {"gauge", m::InstrumentKind::kGauge},
      {"observable_counter", m::InstrumentKind::kObservableCounter},
      {"observable_up_down_counter", m::InstrumentKind::kObservableUpDownCounter},
      {"observable_gauge", m::InstrumentKind::kObservableGauge},
  };
  auto it = kKinds.find(kind);
  if (it == kKinds.end()) return std::nullopt;
  return it->second;
}

// An owned attribute list from a scenario (object or [key, value] pairs),
// with the borrowed views the API takes pointing into it. Not copyable: the
// views point into its own storage.
class OwnedAttributes {
 public:
  explicit OwnedAttributes(const json& attrs) {
    if (attrs.is_null()) return;
    std::vector<std::pair<std::string, json>> pairs;
    if (attrs.is_array()) {
      for (const json& p : attrs) pairs.emplace_back(p.at(0).get<std::string>(), p.at(1));
    } else {
      for (auto it = attrs.begin(); it != attrs.end(); ++it)
        pairs.emplace_back(it.key(), it.value());
    }
    for (auto& [key, value] : pairs) {
      keys_.push_back(key);
      views_.push_back({keys_.back(), ToView(value)});
    }
  }
  OwnedAttributes(const OwnedAttributes&) = delete;
  OwnedAttributes& operator=(const OwnedAttributes&) = delete;

  m::Attributes view() const { return m::Attributes(std::span<const m::AttributeView>(views_)); }

 private:
  m::AttributeValueView ToView(const json& v) {
    if (v.is_boolean()) return m::AttributeValueView(v.get<bool>());
    if (v.is_number_integer()) return m::AttributeValueView(v.get<int64_t>());
    if (v.is_number_float()) return m::AttributeValueView(v.get<double>());
    if (v.is_string()) {
      strings_.push_back(v.get<std::string>());
      return m::AttributeValueView(std::string_view(strings_.back()));
    }
    if (v.is_array() && !v.empty()) {
      if (v[0].is_string()) {
        auto& views = string_arrays_.emplace_back();
        for (const json& e : v) {
          strings_.push_back(e.get<std::string>());
          views.push_back(strings_.back());
        }
        return m::AttributeValueView(std::span<const std::string_view>(views));
      }
      if (v[0].is_boolean()) {
        auto& arr = bool_arrays_.emplace_back(std::make_unique<bool[]>(v.size()));
        for (size_t i = 0; i < v.size(); ++i) arr[i] = v[i].get<bool>();
        return m::AttributeValueView(std::span<const bool>(arr.get(), v.size()));
      }
      if (v[0].is_number_integer()) {
        auto& arr = int_arrays_.emplace_back();
        for (const json& e : v) arr.push_back(e.get<int64_t>());
        return m::AttributeValueView(std::span<const int64_t>(arr));
      }
      auto& arr = double_arrays_.emplace_back();
      for (const json& e : v) arr.push_back(e.get<double>());
      return m::AttributeValueView(std::span<const double>(arr));
    }
    Fail("unsupported attribute value " + v.dump());
  }

  std::deque<std::string> keys_;
  std::deque<std::string> strings_;
  std::deque<std::vector<std::string_view>> string_arrays_;
  std::deque<std::unique_ptr<bool[]>> bool_arrays_;
  std::deque<std::vector<int64_t>> int_arrays_;
  std::deque<std::vector<double>> double_arrays_;
  std::vector<m::AttributeView> views_;
};

// A reader applying the scenario's temporality preference, optionally
// overridden per instrument kind.
class ScenarioReader final : public m::MetricReader {
 public:
  ScenarioReader(m::TemporalityPreference preference,
                 std::map<m::InstrumentKind, m::AggregationTemporality> overrides)
      : preference_(preference), overrides_(std::move(overrides)) {}
  m::AggregationTemporality TemporalityFor(m::InstrumentKind kind) const override {
    auto it = overrides_.find(kind);
    if (it != overrides_.end()) return it->second;
    return m::TemporalityFor(preference_, kind);
  }

 private:
  m::TemporalityPreference preference_;
  std::map<m::InstrumentKind, m::AggregationTemporality> overrides_;
};

m::Aggregation ParseAggregation(const json& a) {
  const std::string type = a.at("type").get<std::string>();
  const bool record_min_max = a.value("record_min_max", true);
  if (type == "default") return m::Aggregation::Default();
  if (type == "drop") return m::Aggregation::Drop();
  if (type == "sum") return m::Aggregation::Sum();
  if (type == "last_value") return m::Aggregation::LastValue();
  if (type == "explicit_bucket_histogram") {
    if (!a.contains("boundaries"))
      return m::Aggregation::DefaultExplicitBucketHistogram(record_min_max);
    std::vector<double> bounds;
    for (const json& b : a.at("boundaries")) bounds.push_back(ParseDouble(b));
    return m::Aggregation::ExplicitBucketHistogram(std::move(bounds), record_min_max);
  }
  if (type == "base2_exponential_bucket_histogram") {
    return m::Aggregation::Base2ExponentialHistogram(a.value("max_size", 160),
                                                     a.value("max_scale", 20), record_min_max);
  }
  Fail("unknown aggregation type " + type);
}

m::View ParseView(const json& v) {
  m::View view;
  const json sel = v.value("selector", json::object());
  const json stream = v.value("stream", json::object());
  view.selector.name = sel.value("instrument_name", "");
  if (sel.contains("instrument_kind")) {
    auto kind = ParseKind(sel["instrument_kind"].get<std::string>());
    if (!kind) Fail("unknown instrument kind in view: " + sel.dump());
    view.selector.kind = *kind;
  }
  if (sel.contains("instrument_unit"))
    view.selector.unit = sel["instrument_unit"].get<std::string>();
  if (sel.contains("meter_name")) view.selector.meter_name = sel["meter_name"].get<std::string>();
  if (sel.contains("meter_version")) {
    view.selector.meter_version = sel["meter_version"].get<std::string>();
  }
  if (sel.contains("meter_schema_url")) {
    view.selector.meter_schema_url = sel["meter_schema_url"].get<std::string>();
  }
  view.stream.name = stream.value("name", "");
  view.stream.description = stream.value("description", "");
  if (stream.contains("attribute_keys")) {
    view.stream.attribute_keys = stream["attribute_keys"].get<std::vector<std::string>>();
  }
  if (stream.contains("exclude_keys")) {
    view.stream.excluded_attribute_keys = stream["exclude_keys"].get<std::vector<std::string>>();
  }
  if (stream.contains("aggregation"))
    view.stream.aggregation = ParseAggregation(stream["aggregation"]);
  view.stream.cardinality_limit = stream.value("cardinality_limit", 0);
  return view;
}

// One observation list a callback reports at every collection.
struct Observations {
  std::vector<json> values;
  std::vector<std::unique_ptr<OwnedAttributes>> attributes;

  void Set(const json& list) {
    values.clear();
    attributes.clear();
    for (const json& o : list) {
      values.push_back(o.at("value"));
      attributes.push_back(std::make_unique<OwnedAttributes>(o.value("attributes", json())));
    }
  }
};

struct Instrument {
  m::InstrumentKind kind;
  bool is_int = true;
  // Synchronous instruments: one recorder per value type.
  std::function<void(int64_t, m::Attributes)> record_int;
  std::function<void(double, m::Attributes)> record_double;
  // Asynchronous instruments.
  std::function<m::CallbackId(std::shared_ptr<Observations>)> add_callback;
  std::function<bool(m::CallbackId)> remove_callback;
};

template <typename T, typename Handle>
void BindObservable(Instrument& inst, Handle handle) {
  inst.add_callback = [handle](std::shared_ptr<Observations> obs) {
    return handle.AddCallback([obs](m::ObserverResult<T>& result) {
      for (size_t i = 0; i < obs->values.size(); ++i) {
        if constexpr (std::is_same_v<T, int64_t>) {
          result.Observe(ParseInt(obs->values[i]), obs->attributes[i]->view());
        } else {
          result.Observe(ParseDouble(obs->values[i]), obs->attributes[i]->view());
        }
      }
    });
  };
  inst.remove_callback = [handle](m::CallbackId id) { return handle.RemoveCallback(id); };
}

Instrument CreateInstrument(m::Meter& meter, const json& spec) {
  const std::string kind_name = spec.at("kind").get<std::string>();
  auto kind = ParseKind(kind_name);
  if (!kind) Fail("unknown instrument kind " + kind_name);
  Instrument inst;
  inst.kind = *kind;
  inst.is_int = spec.value("value_type", "int") != "double";
  const std::string name = spec.at("name").get<std::string>();
  m::InstrumentOptions options;
  options.unit = spec.value("unit", "");
  options.description = spec.value("description", "");
  if (spec.contains("advisory")) {
    const json& adv = spec["advisory"];
    if (adv.contains("explicit_bucket_boundaries")) {
      for (const json& b : adv["explicit_bucket_boundaries"]) {
        options.advisory_bucket_boundaries.push_back(ParseDouble(b));
      }
    }
    if (adv.contains("attribute_keys")) {
      options.advisory_attribute_keys = adv["attribute_keys"].get<std::vector<std::string>>();
    }
  }
  switch (*kind) {
    case m::InstrumentKind::kCounter:
      if (inst.is_int) {
        auto c = meter.CreateInt64Counter(name, options);
        inst.record_int = [c](int64_t v, m::Attributes a) { c.Add(v, a); };
      } else {
        auto c = meter.CreateDoubleCounter(name, options);
        inst.record_double = [c](double v, m::Attributes a) { c.Add(v, a); };
      }
      break;
    case m::InstrumentKind::kUpDownCounter:
      if (inst.is_int) {
        auto c = meter.CreateInt64UpDownCounter(name, options);
        inst.record_int = [c](int64_t v, m::Attributes a) { c.Add(v, a); };
      } else {
        auto c = meter.CreateDoubleUpDownCounter(name, options);
        inst.record_double = [c](double v, m::Attributes a) { c.Add(v, a); };
      }
      break;
    case m::InstrumentKind::kHistogram:
      if (inst.is_int) {
        auto h = meter.CreateInt64Histogram(name, options);
        inst.record_int = [h](int64_t v, m::Attributes a) { h.Record(v, a); };
      } else {
        auto h = meter.CreateDoubleHistogram(name, options);
        inst.record_double = [h](double v, m::Attributes a) { h.Record(v, a); };
      }
      break;
    case m::InstrumentKind::kGauge:
      if (inst.is_int) {
        auto g = meter.CreateInt64Gauge(name, options);
        inst.record_int = [g](int64_t v, m::Attributes a) { g.Record(v, a); };
      } else {
        auto g = meter.CreateDoubleGauge(name, options);
        inst.record_double = [g](double v, m::Attributes a) { g.Record(v, a); };
      }
      break;
    case m::InstrumentKind::kObservableCounter:
      if (inst.is_int) {
        BindObservable<int64_t>(inst, meter.CreateInt64ObservableCounter(name, options));
      } else {
        BindObservable<double>(inst, meter.CreateDoubleObservableCounter(name, options));
      }
      break;
    case m::InstrumentKind::kObservableUpDownCounter:
      if (inst.is_int) {
        BindObservable<int64_t>(inst, meter.CreateInt64ObservableUpDownCounter(name, options));
      } else {
        BindObservable<double>(inst, meter.CreateDoubleObservableUpDownCounter(name, options));
      }
      break;
    case m::InstrumentKind::kObservableGauge:
      if (inst.is_int) {
        BindObservable<int64_t>(inst, meter.CreateInt64ObservableGauge(name, options));
      } else {
        BindObservable<double>(inst, meter.CreateDoubleObservableGauge(name, options));
      }
      break;
  }
  return inst;
}

json RunScenario(const json& scenario) {
  const std::string preference_text = scenario.value("temporality", "cumulative");
  Result<m::TemporalityPreference> preference = m::ParseTemporalityPreference(preference_text);
  if (!preference.ok()) Fail("bad temporality " + preference_text);
  std::map<m::InstrumentKind, m::AggregationTemporality> overrides;
  if (scenario.contains("temporality_overrides")) {
    for (auto it = scenario["temporality_overrides"].begin();
         it != scenario["temporality_overrides"].end(); ++it) {
      auto kind = ParseKind(it.key());
      if (!kind) Fail("bad temporality override " + it.key());
      overrides[*kind] = it.value() == "delta" ? m::AggregationTemporality::kDelta
                                               : m::AggregationTemporality::kCumulative;
    }
  }
  auto reader = std::make_shared<ScenarioReader>(*preference, std::move(overrides));
  m::SdkMeterProviderOptions options;
  options.readers.push_back(reader);
  for (const json& v : scenario.value("views", json::array()))
    options.views.push_back(ParseView(v));
  if (scenario.contains("cardinality_limit")) {
    options.cardinality_limit = scenario["cardinality_limit"].get<int32_t>();
  }
  auto provider = std::make_shared<m::SdkMeterProvider>(std::move(options));

  std::map<std::string, Instrument> instruments;
  for (const json& spec : scenario.value("instruments", json::array())) {
    auto meter =
        provider->GetMeter(spec.value("meter", "conformance"), spec.value("meter_version", ""));
    instruments.emplace(spec.at("id").get<std::string>(), CreateInstrument(*meter, spec));
  }
  auto find = [&](const json& id) -> Instrument& {
    auto it = instruments.find(id.get<std::string>());
    if (it == instruments.end()) Fail("unknown instrument " + id.dump());
    return it->second;
  };

  struct Callback {
    Instrument* instrument;
    m::CallbackId id;
    std::shared_ptr<Observations> observations;
  };
  std::map<std::string, Callback> callbacks;
  NormalisedOutput output;
  for (const json& step : scenario.value("steps", json::array())) {
    if (step.contains("record")) {
      Instrument& inst = find(step["record"]);
      OwnedAttributes attrs(step.value("attributes", json()));
      if (inst.record_int) {
        inst.record_int(ParseInt(step.at("value")), attrs.view());
      } else if (inst.record_double) {
        inst.record_double(ParseDouble(step.at("value")), attrs.view());
      } else {
        Fail("record on an asynchronous instrument: " + step.dump());
      }
    } else if (step.contains("add_callback")) {
      Instrument& inst = find(step.at("instrument"));
      if (!inst.add_callback) Fail("add_callback on a synchronous instrument: " + step.dump());
      auto obs = std::make_shared<Observations>();
      obs->Set(step.value("observations", json::array()));
      m::CallbackId id = inst.add_callback(obs);
      if (id == 0) Fail("AddCallback returned 0 for " + step.dump());
      callbacks[step["add_callback"].get<std::string>()] = {&inst, id, obs};
    } else if (step.contains("observe")) {
      auto it = callbacks.find(step["observe"].get<std::string>());
      if (it == callbacks.end()) Fail("unknown callback in " + step.dump());
      it->second.observations->Set(step.value("observations", json::array()));
    } else if (step.contains("remove_callback")) {
      auto it = callbacks.find(step["remove_callback"].get<std::string>());
      if (it == callbacks.end()) Fail("unknown callback in " + step.dump());
      if (!it->second.instrument->remove_callback(it->second.id)) {
        Fail("RemoveCallback returned false for " + step.dump());
      }
      callbacks.erase(it);
    } else if (step.contains("collect")) {
      m::ResourceMetrics data;
      Status status = reader->Collect(&data);
      if (!status.ok()) Fail("Collect failed: " + status.ToString());
      output.AddCollection(data);
    } else {
      Fail("unknown step " + step.dump());
    }
  }
  (void)provider->Shutdown();
  return json{{"collects", output.collects()}, {"violations", output.violations()}};
}

}  // namespace
}  // namespace cryptolake::conformance

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: conformance_runner <scenario.json>\n";
    return 2;
  }
  // Diagnostics go to stderr, never into the JSON on stdout.
  cryptolake::metrics::SetDiagnosticHandler([](const cryptolake::metrics::Diagnostic& d) {
    std::cerr << "diagnostic " << d.event << ": " << d.message << "\n";
  });
  try {
    std::ifstream in(argv[1]);
    if (!in) {
      std::cerr << "cannot open " << argv[1] << "\n";
      return 2;
    }
    const nlohmann::json scenario = nlohmann::json::parse(in);
    std::cout << cryptolake::conformance::RunScenario(scenario).dump(1) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "conformance_runner: " << e.what() << "\n";
    return 2;
  }
}
