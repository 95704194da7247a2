// The compatible MetricsCollector. The legacy state mirrors the predecessor's three containers;
// the OpenTelemetry side keeps one entry per running workflow (by id) so that end_workflow can
// measure the duration and tell whether an error happened in between.
//
// Choices and their reasons:
// - The OTel decision is taken once in the constructor, like the predecessor's __init__, so
//   otel_enabled never changes under a caller and a collector never records into two providers.
// - Running workflows are tracked only when OTel is on (nothing else needs them) and at most
//   kMaxRunning at once: callers that only ever use the legacy end_workflow() would otherwise grow
//   the table forever. The oldest entry is abandoned (workflow.active -1, no execution).
// - Durations use a monotonic clock; the wall clock can step.
#include "cryptolake/telemetry/metrics_collector.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "cryptolake/telemetry/error_type.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"
#include "legacy_json.h"

namespace cryptolake::telemetry {
namespace {

constexpr size_t kMaxRunning = 1024;

bool IsShortIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool ContainsIngested(std::string_view event) {
  constexpr std::string_view kNeedle = "ingested";
  if (event.size() < kNeedle.size()) return false;
  for (size_t i = 0; i + kNeedle.size() <= event.size(); ++i) {
    bool match = true;
    for (size_t k = 0; k < kNeedle.size() && match; ++k) {
      char c = event[i + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      match = c == kNeedle[k];
    }
    if (match) return true;
  }
  return false;
}

// An integer keyword argument: int64 as is, a finite double truncated, else `fallback`.
int64_t IntField(const LegacyFields& attrs, std::string_view key, int64_t fallback) {
  const LegacyValue* v = attrs.Find(key);
  if (v == nullptr) return fallback;
  if (const auto* i = std::get_if<int64_t>(v)) return *i;
  if (const auto* d = std::get_if<double>(v)) {
    if (std::isfinite(*d) && std::fabs(*d) < 9.0e18) return static_cast<int64_t>(*d);
  }
  return fallback;
}

// attrs without the keys the legacy record itself owns.
LegacyFields WithoutKeys(const LegacyFields& attrs, std::string_view a, std::string_view b) {
  LegacyFields out;
  for (const LegacyField& f : attrs) {
    if (f.key != a && f.key != b) out.Set(f.key, f.value);
  }
  return out;
}

}  // namespace

std::string_view LegacyErrorType(std::string_view error_type) {
  for (std::string_view known : KnownErrorTypes()) {
    if (known == error_type) return known;
  }
  return IsShortIdentifier(error_type) ? error_type : kErrorTypeOther;
}

MetricsCollector::MetricsCollector(MetricsCollectorOptions options) : options_(std::move(options)) {
  if (options_.enable_otel) {
    std::shared_ptr<CryptoMetrics> m;
    try {
      m = CryptoMetrics::Current();
    } catch (...) {
      // The SDK could not start: legacy only, silently (the predecessor logged a warning).
    }
    // Instruments of the no-op provider are disabled handles.
    if (m != nullptr && m->records_ingested.enabled()) metrics_ = std::move(m);
  }
  state_.otel_enabled = metrics_ != nullptr;
  state_.otel_metrics_active = metrics_ != nullptr;
}

MetricsCollector::~MetricsCollector() {
  if (metrics_ == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, run] : running_) {
    metrics_->workflows_active.Add(-1, {{attr::kWorkflowName, run.name}});
  }
}

double MetricsCollector::Now() const {
  if (options_.wall_clock) return options_.wall_clock();
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double MetricsCollector::NowMonotonic() const {
  if (options_.monotonic_clock) return options_.monotonic_clock();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string MetricsCollector::WorkflowNameFor(const LegacyFields& attrs) const {
  const std::string* given = attrs.FindString("workflow_name");
  if (given != nullptr && !given->empty()) return *given;
  return state_.metrics.workflow_name.value_or("");
}

std::string MetricsCollector::start_workflow(std::string_view workflow_name) {
  std::lock_guard<std::mutex> lock(mu_);
  const double now = Now();
  state_.metrics.workflow_name = std::string(workflow_name);
  state_.metrics.start_time = now;

  // The predecessor's design id: f"{name}_{int(time.time() * 1000)}".
  const auto ms = static_cast<int64_t>(now * 1000.0);
  auto last = last_id_.find(workflow_name);
  if (last == last_id_.end()) {
    last = last_id_.emplace(std::string(workflow_name), std::make_pair(ms, uint64_t{0})).first;
  }
  uint64_t count = last->second.first == ms ? last->second.second + 1 : 1;
  const std::string base = std::string(workflow_name) + "_" + std::to_string(ms);
  std::string id = count > 1 ? base + "_" + std::to_string(count) : base;
  while (running_.count(id) != 0) id = base + "_" + std::to_string(++count);
  last->second = {ms, count};

  if (metrics_ != nullptr) {
    if (running_.size() >= kMaxRunning) {
      auto oldest = std::min_element(running_.begin(), running_.end(), [](auto& a, auto& b) {
        return a.second.sequence < b.second.sequence;
      });
      metrics_->workflows_active.Add(-1, {{attr::kWorkflowName, oldest->second.name}});
      running_.erase(oldest);
    }
    running_[id] = Running{std::string(workflow_name), NowMonotonic(), next_sequence_++, {}};
    metrics_->workflows_active.Add(1, {{attr::kWorkflowName, workflow_name}});
  }
  return id;
}

void MetricsCollector::end_workflow() {
  std::lock_guard<std::mutex> lock(mu_);
  SetEndTime();
}

void MetricsCollector::SetEndTime() {
  LegacyWorkflowState& m = state_.metrics;
  // A dict keeps first-insertion order: end_time leads when no start has set the other keys.
  if (!m.end_time.has_value() && !m.workflow_name.has_value()) m.end_time_first = true;
  m.end_time = Now();
}

void MetricsCollector::end_workflow(std::string_view name_or_id) {
  std::lock_guard<std::mutex> lock(mu_);
  SetEndTime();
  if (metrics_ == nullptr) return;
  auto it = running_.find(std::string(name_or_id));
  if (it == running_.end()) {
    for (auto r = running_.begin(); r != running_.end(); ++r) {
      if (r->second.name != name_or_id) continue;
      if (it == running_.end() || r->second.sequence > it->second.sequence) it = r;
    }
  }
  if (it == running_.end()) return;  // never started, or already ended: legacy end_time only
  const Running& run = it->second;
  const double seconds = std::max(0.0, NowMonotonic() - run.start_monotonic);
  const bool failed = run.first_error_type.has_value();
  std::vector<metrics::AttributeView> a = {
      {attr::kWorkflowName, run.name},
      {attr::kOutcome, failed ? outcome::kFailure : outcome::kSuccess}};
  if (failed) a.push_back({attr::kErrorType, *run.first_error_type});
  metrics_->workflows_active.Add(-1, {{attr::kWorkflowName, run.name}});
  metrics_->workflow_executions.Add(1, a);
  metrics_->workflow_duration.Record(seconds, a);
  running_.erase(it);
}

void MetricsCollector::record_event(std::string_view event, const LegacyFields& attrs) {
  std::lock_guard<std::mutex> lock(mu_);
  state_.events.push_back(
      LegacyEvent{std::string(event), Now(), WithoutKeys(attrs, "event", "timestamp")});
  if (metrics_ == nullptr) return;
  const std::string workflow = WorkflowNameFor(attrs);
  std::vector<metrics::AttributeView> a = {{attr::kEventName, event}};
  if (!workflow.empty()) a.push_back({attr::kWorkflowName, workflow});
  metrics_->workflow_events.Add(1, a);

  if (ContainsIngested(event)) {
    // The predecessor's hook filled in market=binance, symbol=BTCUSDT... when absent; made-up
    // stream attributes would mislabel the data, so only the ones given are passed on.
    TrackerAttributes stream;
    const std::pair<std::string_view, std::string_view> keys[] = {{"exchange", attr::kExchange},
                                                                  {"market", attr::kMarket},
                                                                  {"data_type", attr::kDataType},
                                                                  {"symbol", attr::kSymbol},
                                                                  {"source", attr::kSource}};
    for (const auto& [legacy_key, key] : keys) {
      const std::string* v = attrs.FindString(legacy_key);
      if (v != nullptr) stream.push_back({key, *v});
    }
    RecordDataBatch(IntField(attrs, "records_count", 1), IntField(attrs, "data_size_bytes", 0),
                    stream);
  }
}

void MetricsCollector::record_error(std::string_view error, const LegacyFields& attrs) {
  std::lock_guard<std::mutex> lock(mu_);
  state_.errors.push_back(
      LegacyError{std::string(error), Now(), WithoutKeys(attrs, "error", "timestamp")});
  if (metrics_ == nullptr) return;
  const std::string* given_type = attrs.FindString("error_type");
  // Owned: the view may point into `attrs`, and running workflows keep it.
  const std::string error_type(LegacyErrorType(given_type != nullptr ? *given_type : ""));
  for (auto& [id, run] : running_) {
    if (!run.first_error_type.has_value()) run.first_error_type = error_type;
  }
  const std::string workflow = WorkflowNameFor(attrs);
  std::vector<metrics::AttributeView> a = {{attr::kErrorType, error_type},
                                           {attr::kOperationKind, operation_kind::kWorkflow}};
  if (!workflow.empty()) a.push_back({attr::kWorkflowName, workflow});
  metrics_->errors.Add(1, a);
}

CollectorMetrics MetricsCollector::get_metrics() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::string MetricsCollector::get_metrics_json() const { return get_metrics().ToJson(); }

std::string CollectorMetrics::ToJson() const {
  namespace lj = legacy_json;
  std::string out = "{";
  bool first = true;
  lj::AppendKey(&out, "metrics", &first);
  out.push_back('{');
  bool in_first = true;
  auto end_time = [&] {
    if (!metrics.end_time.has_value()) return;
    lj::AppendKey(&out, "end_time", &in_first);
    lj::AppendDouble(&out, *metrics.end_time);
  };
  if (metrics.end_time_first) end_time();
  if (metrics.workflow_name.has_value()) {
    lj::AppendKey(&out, "workflow_name", &in_first);
    lj::AppendString(&out, *metrics.workflow_name);
  }
  if (metrics.start_time.has_value()) {
    lj::AppendKey(&out, "start_time", &in_first);
    lj::AppendDouble(&out, *metrics.start_time);
  }
  if (!metrics.end_time_first) end_time();
  out.push_back('}');

  lj::AppendKey(&out, "events", &first);
  out.push_back('[');
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out.append(", ");
    out.append("{\"event\": ");
    lj::AppendString(&out, events[i].event);
    out.append(", \"timestamp\": ");
    lj::AppendDouble(&out, events[i].timestamp);
    bool member_first = false;
    lj::AppendMembers(&out, events[i].attributes, &member_first);
    out.push_back('}');
  }
  out.push_back(']');

  lj::AppendKey(&out, "errors", &first);
  out.push_back('[');
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) out.append(", ");
    out.append("{\"error\": ");
    lj::AppendString(&out, errors[i].error);
    out.append(", \"timestamp\": ");
    lj::AppendDouble(&out, errors[i].timestamp);
    bool member_first = false;
    lj::AppendMembers(&out, errors[i].attributes, &member_first);
    out.push_back('}');
  }
  out.push_back(']');

  lj::AppendKey(&out, "otel_enabled", &first);
  out.append(otel_enabled ? "true" : "false");
  if (otel_enabled) {
    lj::AppendKey(&out, "otel_metrics_active", &first);
    out.append(otel_metrics_active ? "true" : "false");
  }
  out.push_back('}');
  return out;
}

}  // namespace cryptolake::telemetry
