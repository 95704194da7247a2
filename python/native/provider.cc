// The process's metrics SDK as Python sees it: init_from_environment() builds a MetricsSetup
// from the OTEL_* environment (as the `cryptolake` CLI does) and installs its provider as the
// global one; force_flush() and shutdown() export with the GIL released.
//
// State: one MetricsSetup per process, behind a mutex that is never held while waiting for the
// GIL (init holds it with the GIL but calls no Python; flush and shutdown release the GIL first
// and hold it only to copy or take the setup), so collection threads that run Python callbacks
// cannot deadlock against it. The state is never destroyed: the module's atexit hook shuts the
// SDK down while the interpreter still runs, and a static destructor after the interpreter is
// gone must not run Python callbacks.
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/net/metrics_setup.h"
#include "cryptolake/metrics/net/service_resource.h"
#include "native.h"

namespace cryptolake::python {
namespace {

struct SdkState {
  std::mutex mu;
  bool initialized = false;  // init_from_environment ran since the last shutdown.
  std::shared_ptr<metrics::MetricsSetup> setup;  // Null: no SDK (disabled or failed).
};

SdkState& State() {
  static SdkState* state = new SdkState;  // Never destroyed (see the header comment).
  return *state;
}

std::atomic<bool> g_python_alive{true};

// ServiceResourceAttributes with service.name replaced by `service_name` when given (still a
// default: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over it).
metrics::AttributeSet DefaultResource(const std::optional<std::string>& service_name) {
  metrics::AttributeSet defaults =
      metrics::ServiceResourceAttributes(metrics::ServiceResourceOptions{});
  if (!service_name || service_name->empty()) return defaults;
  std::vector<metrics::KeyValue> entries = defaults.entries();
  for (metrics::KeyValue& kv : entries) {
    if (kv.key == "service.name") kv.value = *service_name;
  }
  return metrics::AttributeSet(std::move(entries));
}

bool SdkEnabledLocked(const SdkState& s) {
  return s.setup != nullptr && s.setup->provider() != nullptr;
}

bool InitFromEnvironment(const std::optional<std::string>& service_name) {
  SdkState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.initialized) return SdkEnabledLocked(s);
  s.initialized = true;
  metrics::MetricsSetupOptions options;
  options.default_resource_attributes = DefaultResource(service_name);
  // stdout belongs to the Python program.
  options.console = stderr;
  Result<std::unique_ptr<metrics::MetricsSetup>> setup =
      metrics::MetricsSetup::Create(std::move(options));
  if (!setup.ok()) {
    // Only a programming error gets here (MetricsSetup never fails for configuration); the
    // program keeps running with the no-op provider.
    std::fprintf(stderr, "cryptolake: metrics disabled: %s\n", setup.status().ToString().c_str());
    return false;
  }
  if ((*setup)->provider() == nullptr) return false;  // OTEL_SDK_DISABLED=true.
  s.setup = std::move(*setup);
  metrics::SetMeterProvider(s.setup->provider());
  return true;
}

bool SdkEnabled() {
  SdkState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  return SdkEnabledLocked(s);
}

std::vector<std::string> ActiveExporters() {
  SdkState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.setup == nullptr) return {};
  return s.setup->active_exporters();
}

// force_flush() and shutdown() collect: run from an observable callback they would start a
// collection inside the one that called the callback.
void RefuseInsideCallback() {
  if (InsideObservableCallback()) {
    throw std::runtime_error(
        "cryptolake: force_flush() and shutdown() cannot run inside an observable callback "
        "(the callback runs inside a collection)");
  }
}

bool ForceFlush(int64_t timeout_ms) {
  RefuseInsideCallback();
  py::gil_scoped_release release;
  std::shared_ptr<metrics::MetricsSetup> setup;
  {
    std::lock_guard<std::mutex> lock(State().mu);
    setup = State().setup;
  }
  if (setup == nullptr) return true;  // Nothing to export.
  return setup->ForceFlush(std::chrono::milliseconds(timeout_ms)).ok();
}

bool Shutdown(int64_t timeout_ms) {
  RefuseInsideCallback();
  py::gil_scoped_release release;
  std::shared_ptr<metrics::MetricsSetup> setup;
  {
    std::lock_guard<std::mutex> lock(State().mu);
    setup = std::move(State().setup);
    State().setup = nullptr;
    State().initialized = false;
    if (setup != nullptr) metrics::SetMeterProvider(nullptr);
  }
  if (setup == nullptr) return true;  // Already shut down, or never started.
  Status status = setup->Shutdown(std::chrono::milliseconds(timeout_ms));
  // Destroyed here, without the GIL: the provider's Python callbacks take it to drop their
  // references.
  setup.reset();
  return status.ok();
}

}  // namespace

bool PythonAlive() { return g_python_alive.load(std::memory_order_acquire); }

void RegisterProvider(py::module_& m) {
  m.def("init_from_environment", &InitFromEnvironment, py::arg("service_name") = py::none(),
        "Builds the metrics SDK from the OTEL_* environment and installs it as the global "
        "provider. Idempotent until shutdown(). Returns True when an SDK provider runs, False "
        "when OTEL_SDK_DISABLED=true or the SDK could not start; never raises for "
        "configuration problems. `service_name` replaces the default service.name "
        "(crypto-data-lakehouse); OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES still win.");
  m.def("sdk_enabled", &SdkEnabled, "True when an SDK provider is installed and running.");
  m.def("active_exporters", &ActiveExporters,
        "One line per running exporter (\"otlp/http http://...\", \"console\"), never "
        "credentials.");
  m.def("force_flush", &ForceFlush, py::arg("timeout_ms") = 5000,
        "Collects and exports now (GIL released while exporting). True on success or when no "
        "SDK runs.");
  m.def("shutdown", &Shutdown, py::arg("timeout_ms") = 5000,
        "Final collect and export, then stops the SDK and restores the no-op provider (GIL "
        "released). Idempotent. Instruments created before keep working as no-ops.");
  m.def(
      "get_meter",
      [](const std::string& name, const std::string& version) {
        return metrics::GetMeterProvider()->GetMeter(name, version);
      },
      py::arg("name"), py::arg("version") = "",
      "The meter of scope (name, version) on the current global provider (a no-op provider "
      "until init_from_environment() succeeds).");
  // Shut down while the interpreter still runs (atexit hooks run last-registered first, so a
  // hook registered by code importing this module runs before this one), then stop observable
  // callbacks from taking the GIL of a finalizing interpreter.
  py::module_::import("atexit").attr("register")(py::cpp_function([] {
    Shutdown(5000);
    g_python_alive.store(false, std::memory_order_release);
  }));
}

}  // namespace cryptolake::python
