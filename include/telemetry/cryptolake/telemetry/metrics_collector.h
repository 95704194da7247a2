// MetricsCollector: the Python predecessor's MetricsCollector (crypto_lakehouse.core.metrics), kept
// call-compatible and now backed by the catalog's OpenTelemetry instruments. See
// docs/observability/compatibility.md for the full contract and every choice made where the
// predecessor's three "compatible" collectors disagree.
//
// Legacy state, exactly as the predecessor kept it:
//   start_workflow(name)  sets metrics.workflow_name and metrics.start_time (epoch seconds);
//                         never clears events, errors or end_time
//   end_workflow()        sets metrics.end_time (no check that a workflow was started)
//   record_event(e)       appends {event, timestamp, attrs...}
//   record_error(e)       appends {error, timestamp, attrs...}
//   get_metrics()         {metrics, events, errors, otel_enabled[, otel_metrics_active]}
// The superset: start_workflow returns an id "<name>_<epoch ms>" ("_<n>" appended, n = 2, 3...,
// when this collector issued that id in the same millisecond or it is still running);
// end_workflow(name_or_id) also ends the workflow on the OpenTelemetry side; events and errors
// carry attributes.
//
// OpenTelemetry (when enabled), on the CryptoMetrics of the global provider taken at
// construction:
//   start_workflow             cryptolake.workflow.active +1 {workflow.name}
//   end_workflow(name_or_id)   cryptolake.workflow.active -1; cryptolake.workflow.executions +1
//                              and cryptolake.workflow.duration (s) {workflow.name, outcome
//                              (failure when an error was recorded since that start), error.type
//                              (of the first such error)}
//   record_event               cryptolake.workflow.events {workflow.name, event.name}; an event
//                              whose name contains "ingested" (any case) also calls
//                              RecordDataBatch(attrs records_count (default 1), data_size_bytes
//                              (default 0))
//   record_error               cryptolake.errors {error.type, operation.kind=workflow,
//                              workflow.name}
// The error message never becomes an attribute. workflow.name is attrs["workflow_name"] when
// given as a string, else the name of the latest start_workflow, else absent. error.type is
// attrs["error_type"] when it is one of KnownErrorTypes() or a short identifier ([a-z0-9_],
// 1..32 chars), else "_OTHER".
//
// Fallback: with enable_otel = false, when CryptoMetrics::Current() throws, or when the global
// provider at construction is the no-op one (its instruments report enabled() == false) the
// collector keeps only the legacy state, silently, and reports otel_enabled = false. The choice
// is made once, at construction (as the predecessor built its instruments in __init__): build
// the collector after the program installs the SDK.
//
// Differences from the predecessor: get_metrics() returns a snapshot, not live objects (call it
// again to see later recordings; mutating the result does not change the collector). Events and
// errors are never dropped (the predecessor's lists were unbounded too).
//
// Thread-safety: unlike the predecessor, every method may be called concurrently; one mutex
// guards the state and the recording of the instruments.
#ifndef CRYPTOLAKE_TELEMETRY_METRICS_COLLECTOR_H_
#define CRYPTOLAKE_TELEMETRY_METRICS_COLLECTOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/legacy_fields.h"

namespace cryptolake::telemetry {

struct MetricsCollectorOptions {
  bool enable_otel = true;
  // Wall clock in seconds since the epoch (timestamps, ids). Empty: the system clock.
  std::function<double()> wall_clock = {};
  // Monotonic clock in seconds (workflow.duration). Empty: std::chrono::steady_clock.
  std::function<double()> monotonic_clock = {};
};

// The predecessor's self.metrics dict: only the keys that were set.
struct LegacyWorkflowState {
  std::optional<std::string> workflow_name;
  std::optional<double> start_time;  // epoch seconds
  std::optional<double> end_time;    // epoch seconds
  // Dict insertion order: true when end_time was set before the first start_workflow, so the
  // JSON lists end_time first.
  bool end_time_first = false;
  bool operator==(const LegacyWorkflowState&) const = default;
};

struct LegacyEvent {
  std::string event;
  double timestamp = 0;     // epoch seconds
  LegacyFields attributes;  // never holds the keys "event" or "timestamp"
  bool operator==(const LegacyEvent&) const = default;
};

struct LegacyError {
  std::string error;
  double timestamp = 0;     // epoch seconds
  LegacyFields attributes;  // never holds the keys "error" or "timestamp"
  bool operator==(const LegacyError&) const = default;
};

// get_metrics(): the predecessor's dict as plain structs.
struct CollectorMetrics {
  LegacyWorkflowState metrics;
  std::vector<LegacyEvent> events;
  std::vector<LegacyError> errors;
  bool otel_enabled = false;
  bool otel_metrics_active = false;  // true iff otel_enabled; in the JSON only when true

  // {"metrics": {...}, "events": [...], "errors": [...], "otel_enabled": ...[,
  // "otel_metrics_active": true]}, formatted as Python's json.dumps would (", " and ": "
  // separators, non-ASCII escaped as \uXXXX, floats as repr()). Non-finite doubles in attributes
  // become null (Python would write NaN/Infinity, which is not JSON).
  std::string ToJson() const;
  bool operator==(const CollectorMetrics&) const = default;
};

class MetricsCollector {
 public:
  explicit MetricsCollector(MetricsCollectorOptions options = {});
  // Workflows still running leave cryptolake.workflow.active (-1); no execution is recorded.
  ~MetricsCollector();
  MetricsCollector(const MetricsCollector&) = delete;
  MetricsCollector& operator=(const MetricsCollector&) = delete;

  // Sets metrics.workflow_name/start_time and starts a workflow; returns its id.
  std::string start_workflow(std::string_view workflow_name);
  // Legacy: sets metrics.end_time only (no OpenTelemetry recording).
  void end_workflow();
  // Sets metrics.end_time, then ends the running workflow whose id is `name_or_id`, else the
  // latest started running workflow of that name, recording its execution. Unknown: end_time
  // only.
  void end_workflow(std::string_view name_or_id);
  void record_event(std::string_view event, const LegacyFields& attrs = {});
  void record_error(std::string_view error, const LegacyFields& attrs = {});

  CollectorMetrics get_metrics() const;
  // get_metrics().ToJson().
  std::string get_metrics_json() const;
  bool otel_enabled() const { return metrics_ != nullptr; }

 private:
  struct Running {
    std::string name;
    double start_monotonic = 0;
    uint64_t sequence = 0;  // start order, to find the latest of a name
    std::optional<std::string> first_error_type;
  };

  double Now() const;
  double NowMonotonic() const;
  // Sets metrics.end_time. REQUIRES: mu_ held.
  void SetEndTime();
  // workflow.name for an event/error: see the header comment. REQUIRES: mu_ held.
  std::string WorkflowNameFor(const LegacyFields& attrs) const;

  const MetricsCollectorOptions options_;
  std::shared_ptr<CryptoMetrics> metrics_;  // null: legacy only

  mutable std::mutex mu_;
  CollectorMetrics state_;                  // guarded by mu_ (flags fixed at construction)
  std::map<std::string, Running> running_;  // by id; guarded by mu_
  // Per workflow name: the epoch millisecond of the latest id and how many ids used it.
  std::map<std::string, std::pair<int64_t, uint64_t>, std::less<>> last_id_;  // guarded by mu_
  uint64_t next_sequence_ = 0;                                                // guarded by mu_
};

// error.type for a legacy record_error: `error_type` when it is one of KnownErrorTypes() or a
// short identifier ([a-z0-9_], 1..32 chars), else "_OTHER". The returned view points into
// `error_type` or into static storage.
std::string_view LegacyErrorType(std::string_view error_type);

}  // namespace cryptolake::telemetry

#endif  // CRYPTOLAKE_TELEMETRY_METRICS_COLLECTOR_H_
