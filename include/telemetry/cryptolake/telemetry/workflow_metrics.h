// WorkflowMetrics: the predecessor's @dataclass WorkflowMetrics (crypto_lakehouse.core.metrics),
// the summary of one workflow execution. Same 8 fields in the same order, so aggregate
// initialisation reads like the dataclass's positional constructor:
//
//   WorkflowMetrics{"IngestWorkflow", "completed", t0, t1, WorkflowDuration(t0, t1), results,
//                   collector.get_metrics_json(), config}
//
// Mapping from the Python dataclass:
//   workflow_name: str                  std::string
//   execution_state: str                std::string ("initialized" | "running" | "completed" |
//                                       "failed"; not checked, as in Python)
//   start_time/end_time: datetime|None  std::optional<double>, seconds since the epoch (Python
//                                       held a naive local datetime.now(); epoch seconds carry
//                                       the same instant without a time zone)
//   duration: float|None                std::optional<double> seconds; None when either time is
//                                       missing (WorkflowDuration computes it)
//   results: Dict[str, Any]             LegacyFields (flat: scalar values)
//   metrics_data: Dict[str, Any]        std::string holding a JSON object: the collector's
//                                       get_metrics_json(), or {"error": "..."} for the failed
//                                       variant (nested data, hence JSON text); "" means {}
//   config_snapshot: Dict[str, Any]     LegacyFields (flat: scalar values)
// operator== compares field-wise like the dataclass's __eq__ (dict fields ignore key order;
// metrics_data compares as text).
//
// Thread-safety: a plain value type.
#ifndef CRYPTOLAKE_TELEMETRY_WORKFLOW_METRICS_H_
#define CRYPTOLAKE_TELEMETRY_WORKFLOW_METRICS_H_

#include <optional>
#include <string>
#include <string_view>

#include "cryptolake/telemetry/legacy_fields.h"

namespace cryptolake::telemetry {

struct WorkflowMetrics {
  std::string workflow_name;
  std::string execution_state;
  std::optional<double> start_time;
  std::optional<double> end_time;
  std::optional<double> duration;
  LegacyFields results;
  std::string metrics_data;
  LegacyFields config_snapshot;

  // {"workflow_name": ..., "execution_state": ..., "start_time": <number|null>, "end_time": ...,
  // "duration": ..., "results": {...}, "metrics_data": <metrics_data verbatim, or {} when
  // empty>, "config_snapshot": {...}} in field order, formatted like CollectorMetrics::ToJson.
  // metrics_data is embedded as given: it must hold one JSON value.
  std::string ToJson() const;

  bool operator==(const WorkflowMetrics&) const = default;
};

// end - start when both are set, else nullopt (the predecessor's duration rule).
std::optional<double> WorkflowDuration(std::optional<double> start_time,
                                       std::optional<double> end_time);

// The predecessor's failed-execution record (WorkflowExecutor.execute_workflows_parallel):
// state "failed", start_time = end_time = `now`, duration 0, no results, metrics_data
// {"error": error_message}, the workflow's configuration.
WorkflowMetrics FailedWorkflowMetrics(std::string_view workflow_name,
                                      std::string_view error_message, double now,
                                      LegacyFields config_snapshot);

}  // namespace cryptolake::telemetry

#endif  // CRYPTOLAKE_TELEMETRY_WORKFLOW_METRICS_H_
