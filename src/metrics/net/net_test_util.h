// Test helpers shared by the metrics_net tests: a fake environment for
// FromEnvironment()/MetricsSetup, and a diagnostics capture.
#ifndef CRYPTOLAKE_METRICS_NET_NET_TEST_UTIL_H_
#define CRYPTOLAKE_METRICS_NET_NET_TEST_UTIL_H_

#include <map>
#include <string>
#include <vector>

#include "cryptolake/metrics/net/otlp_exporter_options.h"
#include "cryptolake/metrics/sdk/diagnostics.h"

namespace cryptolake::metrics {

// A fixed set of environment variables; lookup() must not outlive it.
struct FakeEnvironment {
  std::map<std::string, std::string> vars;
  EnvironmentLookup lookup() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

// Collects "event: message" of every diagnostic while alive.
class DiagnosticCapture {
 public:
  DiagnosticCapture() {
    SetDiagnosticHandler([this](const Diagnostic& d) {
      messages.push_back(std::string(d.event) + ": " + std::string(d.message));
    });
  }
  ~DiagnosticCapture() { SetDiagnosticHandler(nullptr); }
  DiagnosticCapture(const DiagnosticCapture&) = delete;
  DiagnosticCapture& operator=(const DiagnosticCapture&) = delete;

  std::vector<std::string> messages;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_NET_NET_TEST_UTIL_H_
