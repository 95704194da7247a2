#include "cryptolake/telemetry/workflow_metrics.h"

#include <utility>

#include "legacy_json.h"

namespace cryptolake::telemetry {

std::string WorkflowMetrics::ToJson() const {
  namespace lj = legacy_json;
  std::string out = "{";
  bool first = true;
  lj::AppendKey(&out, "workflow_name", &first);
  lj::AppendString(&out, workflow_name);
  lj::AppendKey(&out, "execution_state", &first);
  lj::AppendString(&out, execution_state);
  lj::AppendKey(&out, "start_time", &first);
  lj::AppendOptionalDouble(&out, start_time);
  lj::AppendKey(&out, "end_time", &first);
  lj::AppendOptionalDouble(&out, end_time);
  lj::AppendKey(&out, "duration", &first);
  lj::AppendOptionalDouble(&out, duration);
  lj::AppendKey(&out, "results", &first);
  lj::AppendObject(&out, results);
  lj::AppendKey(&out, "metrics_data", &first);
  out.append(metrics_data.empty() ? std::string_view("{}") : std::string_view(metrics_data));
  lj::AppendKey(&out, "config_snapshot", &first);
  lj::AppendObject(&out, config_snapshot);
  out.push_back('}');
  return out;
}

std::optional<double> WorkflowDuration(std::optional<double> start_time,
                                       std::optional<double> end_time) {
  if (!start_time.has_value() || !end_time.has_value()) return std::nullopt;
  return *end_time - *start_time;
}

// The predecessor called datetime.now() twice (start, then end); one instant is used for both,
// so duration 0 agrees with end - start.
WorkflowMetrics FailedWorkflowMetrics(std::string_view workflow_name,
                                      std::string_view error_message, double now,
                                      LegacyFields config_snapshot) {
  std::string metrics_data = "{";
  bool first = true;
  legacy_json::AppendKey(&metrics_data, "error", &first);
  legacy_json::AppendString(&metrics_data, error_message);
  metrics_data.push_back('}');
  return WorkflowMetrics{
      std::string(workflow_name), "failed", now, now, 0.0, {}, std::move(metrics_data),
      std::move(config_snapshot)};
}

}  // namespace cryptolake::telemetry
