// The checks of `cryptolake validate`: the observability plan's validation checklist (4.2) as
// code. Each check runs in-process against the real SDK, exporters and pipeline, and returns one
// CheckResult: pass, fail or skip with a one-line detail. The runner (validate_command.cc) times
// them, catches exceptions and prints the table or JSON.
//
//   configuration          MetricsSetup from the OTEL_* environment (+ flags): the exporters that
//                          run, the export interval, the resource (service.name present)
//   otlp_connectivity      one test batch to the OTLP endpoint, diagnosed (validate_diagnosis.h);
//                          skip without an endpoint
//   prometheus_endpoint    our Prometheus exporter on 127.0.0.1:<ephemeral>, scraped over HTTP
//   backward_compatibility the legacy MetricsCollector sequence and its JSON
//   instruments            every catalog instrument gets a point; every tracker records
//   error_handling         exporters to a closed port and to an unparsable URL return within a
//                          bound and never throw
//   overhead               ns per recording, SDK vs no-op provider (pass below 1 us)
//   environment            the plan's development/production examples parse as intended
//   scalability            4 threads, 100k measurements, 10k series: RSS growth, throughput, p95
//   end_to_end             a small real ingest whose metrics reach the endpoint; skip without one
//
// Checks that install a global MeterProvider restore the no-op provider before returning.
// Secrets: no check prints a header value (OTEL_EXPORTER_OTLP_HEADERS may hold Basic auth).
//
// Thread-safety: run the checks one at a time, from one thread.
#ifndef CRYPTOLAKE_TOOLS_CRYPTOLAKE_VALIDATE_CHECKS_H_
#define CRYPTOLAKE_TOOLS_CRYPTOLAKE_VALIDATE_CHECKS_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/metrics/net/otlp_exporter_options.h"

namespace cryptolake::cli {

enum class CheckStatus { kPass, kFail, kSkip };
std::string_view CheckStatusName(CheckStatus status);  // "pass" | "fail" | "skip"

struct CheckResult {
  std::string name;
  CheckStatus status = CheckStatus::kPass;
  std::string detail;  // One line.
  double duration_ms = 0;
};

// What the checks share: the environment with the command's flags laid over it, and the bound
// on network waits.
struct ValidateContext {
  // --endpoint / --protocol ("" = from the environment).
  std::string endpoint;
  std::string protocol;
  std::chrono::milliseconds timeout{5000};
  // Set by CheckOtlpConnectivity: whether the test export was delivered.
  bool connectivity_ok = false;

  // The process environment, except that a non-empty `endpoint` answers
  // OTEL_EXPORTER_OTLP_ENDPOINT (and hides OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) and a non-empty
  // `protocol` answers OTEL_EXPORTER_OTLP_PROTOCOL (hiding the _METRICS_ variant). The returned
  // lookup refers to this context, which must outlive it.
  metrics::EnvironmentLookup Env() const;
  // Whether an OTLP endpoint is configured (flag or environment).
  bool HasEndpoint() const;
};

CheckResult CheckConfiguration(ValidateContext& ctx);
CheckResult CheckOtlpConnectivity(ValidateContext& ctx);
CheckResult CheckPrometheusEndpoint(ValidateContext& ctx);
CheckResult CheckBackwardCompatibility(ValidateContext& ctx);
CheckResult CheckInstruments(ValidateContext& ctx);
CheckResult CheckErrorHandling(ValidateContext& ctx);
CheckResult CheckOverhead(ValidateContext& ctx);
CheckResult CheckEnvironment(ValidateContext& ctx);
CheckResult CheckScalability(ValidateContext& ctx);
CheckResult CheckEndToEnd(ValidateContext& ctx);

// The checks in the order they run.
struct CheckSpec {
  std::string_view name;
  CheckResult (*run)(ValidateContext& ctx);
};
const std::vector<CheckSpec>& AllChecks();

// Helpers shared by the check files.
namespace validate_internal {
// A 127.0.0.1 TCP port nothing listens on right now (bound, then closed), or 0.
int ClosedLoopbackPort();
// A value for display with " | ' \n stripped to keep a line a line.
std::string OneLine(std::string_view text);
CheckResult Pass(std::string detail);
CheckResult Fail(std::string detail);
CheckResult Skip(std::string detail);
}  // namespace validate_internal

}  // namespace cryptolake::cli

#endif  // CRYPTOLAKE_TOOLS_CRYPTOLAKE_VALIDATE_CHECKS_H_
