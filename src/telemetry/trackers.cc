// Trackers record at the end of their scope, from the destructor, so every path out of a scope
// (return, exception, early exit) is counted once. Attribute lists are built on the stack: a
// tracker allocates only for the attribute values it was given.
#include "cryptolake/telemetry/trackers.h"

#include <array>
#include <atomic>
#include <utility>

#include "cryptolake/telemetry/semantic_conventions.h"

namespace cryptolake::telemetry {
namespace {

thread_local TrackedScope* tl_top = nullptr;
thread_local const TrackWorkflowExecution* tl_adopted = nullptr;

// A fixed-capacity attribute list; extra entries beyond capacity are dropped (the catalog's
// instruments carry at most 8 keys).
class AttrList {
 public:
  void Add(std::string_view key, metrics::AttributeValueView value) noexcept {
    if (n_ < list_.size()) list_[n_++] = {key, value};
  }
  void AddAll(const TrackerAttributes& extra) noexcept {
    for (const TrackerAttribute& a : extra) Add(a.key, std::string_view(a.value));
  }
  metrics::Attributes view() const noexcept {
    return metrics::Attributes(std::span<const metrics::AttributeView>(list_.data(), n_));
  }

 private:
  static constexpr size_t kCapacity = 16;
  template <size_t... I>
  static std::array<metrics::AttributeView, kCapacity> Blank(std::index_sequence<I...>) {
    return {{((void)I, metrics::AttributeView{std::string_view(), false})...}};
  }
  std::array<metrics::AttributeView, kCapacity> list_ =
      Blank(std::make_index_sequence<kCapacity>());
  size_t n_ = 0;
};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

TrackedScope::TrackedScope(std::string_view operation_kind, TrackerAttributes attributes) noexcept
    : operation_kind_(operation_kind),
      attributes_(std::move(attributes)),
      start_(std::chrono::steady_clock::now()),
      uncaught_at_start_(std::uncaught_exceptions()) {
  try {
    metrics_ = CryptoMetrics::Current();
  } catch (...) {
    // Without instruments the tracker still measures; it records nothing.
  }
  parent_ = tl_top;
  try {
    if (parent_ != nullptr) {
      workflow_name_ = parent_->workflow_name_;
      workflow_id_ = parent_->workflow_id_;
    } else if (tl_adopted != nullptr) {
      workflow_name_ = tl_adopted->name();
      workflow_id_ = tl_adopted->id();
    }
  } catch (...) {
    // Recorded without workflow.name.
  }
  tl_top = this;
  if (metrics_) metrics_->operations_active.Add(1, {{attr::kOperationKind, operation_kind_}});
}

// Scopes usually end innermost first. One that ends while scopes it encloses are still open
// (held in an optional or on the heap) is unlinked from the middle of the thread's chain, so
// no scope keeps a pointer to it.
TrackedScope::~TrackedScope() {
  Finish();
  if (tl_top == this) {
    tl_top = parent_;
    return;
  }
  for (TrackedScope* s = tl_top; s != nullptr; s = s->parent_) {
    if (s->parent_ == this) {
      s->parent_ = parent_;
      return;
    }
  }
}

void TrackedScope::Fail(std::string_view error_type) noexcept {
  if (failed_) return;
  failed_ = true;
  try {
    error_type_ = std::string(error_type.empty() ? kErrorTypeOther : error_type);
  } catch (...) {
    // error_type_ stays empty; recorded as failed without an error.type.
  }
}

void TrackedScope::SetStatus(const Status& status) noexcept {
  if (!status.ok()) Fail(ErrorTypeOf(status));
}

void TrackedScope::FailWithCurrentException() noexcept {
  Fail(ErrorTypeOf(std::current_exception()));
}

double TrackedScope::elapsed_seconds() const {
  return Seconds(std::chrono::steady_clock::now() - start_);
}

const std::string& TrackedScope::workflow_id() const { return workflow_id_; }

std::string_view TrackedScope::workflow_name() const { return workflow_name_; }

void TrackedScope::Finish() noexcept {
  if (finished_) return;
  finished_ = true;
  if (!failed_ && std::uncaught_exceptions() > uncaught_at_start_) Fail(kErrorTypeOther);
  if (!metrics_) return;
  metrics_->operations_active.Add(-1, {{attr::kOperationKind, operation_kind_}});
  if (failed_) {
    AttrList a;
    a.Add(attr::kErrorType, error_type_);
    a.Add(attr::kOperationKind, operation_kind_);
    if (!workflow_name().empty()) a.Add(attr::kWorkflowName, workflow_name());
    metrics_->errors.Add(1, a.view());
  }
}

void TrackedScope::RecordProcessing(std::string_view stage, double seconds,
                                    int64_t records) const noexcept {
  if (!metrics_) return;
  AttrList a;
  a.Add(attr::kStage, stage);
  a.Add(attr::kOutcome, failed_ ? outcome::kFailure : outcome::kSuccess);
  if (failed_) a.Add(attr::kErrorType, error_type_);
  if (!workflow_name().empty()) a.Add(attr::kWorkflowName, workflow_name());
  a.AddAll(attributes_);
  metrics_->processing_duration.Record(seconds, a.view());
  if (records >= 0 && !failed_) {
    AttrList t;
    t.Add(attr::kStage, stage);
    t.AddAll(attributes_);
    metrics_->processing_throughput.Record(static_cast<double>(records) / std::max(seconds, 1e-6),
                                           t.view());
  }
}

// --- TrackWorkflowExecution ---------------------------------------------------------------

TrackWorkflowExecution::TrackWorkflowExecution(std::string_view name, TrackerAttributes attributes)
    : TrackedScope(operation_kind::kWorkflow, std::move(attributes)) {
  static std::atomic<uint64_t> sequence{0};
  try {
    name_ = std::string(name);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    id_ = name_ + "_" + std::to_string(ms) + "_" + std::to_string(sequence.fetch_add(1) + 1);
  } catch (...) {
  }
  try {
    workflow_name_ = name_;
    workflow_id_ = id_;
  } catch (...) {
  }
  if (metrics_) metrics_->workflows_active.Add(1, {{attr::kWorkflowName, name_}});
}

TrackWorkflowExecution::~TrackWorkflowExecution() {
  const double seconds = elapsed_seconds();
  Finish();
  if (!metrics_) return;
  metrics_->workflows_active.Add(-1, {{attr::kWorkflowName, name_}});
  AttrList a;
  a.Add(attr::kWorkflowName, name_);
  a.Add(attr::kOutcome, failed_ ? outcome::kFailure : outcome::kSuccess);
  if (failed_) a.Add(attr::kErrorType, error_type_);
  a.AddAll(attributes_);
  metrics_->workflow_executions.Add(1, a.view());
  metrics_->workflow_duration.Record(seconds, a.view());
}

void TrackWorkflowExecution::RecordEvent(std::string_view event) const noexcept {
  if (metrics_) {
    metrics_->workflow_events.Add(1, {{attr::kWorkflowName, name_}, {attr::kEventName, event}});
  }
}

// --- TrackDataIngestion -------------------------------------------------------------------

TrackDataIngestion::TrackDataIngestion(std::string_view source, TrackerAttributes attributes)
    : TrackedScope(operation_kind::kIngestion, std::move(attributes)) {
  try {
    attributes_.push_back({attr::kSource, std::string(source)});
  } catch (...) {
  }
}

TrackDataIngestion::~TrackDataIngestion() {
  const double seconds = elapsed_seconds();
  Finish();
  RecordProcessing(stage::kIngestion, seconds, records_);
}

// --- TrackApiInteraction ------------------------------------------------------------------

TrackApiInteraction::TrackApiInteraction(std::string_view exchange, std::string_view endpoint,
                                         TrackerAttributes attributes)
    : TrackedScope(operation_kind::kApi, std::move(attributes)) {
  try {
    exchange_ = std::string(exchange);
    endpoint_ = std::string(endpoint);
  } catch (...) {
  }
}

void TrackApiInteraction::RecordRateLimitHit(std::string_view reason) noexcept {
  if (!metrics_) return;
  AttrList a;
  a.Add(attr::kExchange, exchange_);
  if (!server_.empty()) a.Add(attr::kServerAddress, server_);
  a.Add(attr::kRateLimitReason, reason);
  metrics_->api_rate_limit_hits.Add(1, a.view());
}

void TrackApiInteraction::RecordUsedWeight(int64_t used) noexcept {
  if (!metrics_) return;
  AttrList a;
  a.Add(attr::kExchange, exchange_);
  if (!server_.empty()) a.Add(attr::kServerAddress, server_);
  metrics_->api_used_weight.Record(used, a.view());
}

TrackApiInteraction::~TrackApiInteraction() {
  const double seconds = elapsed_seconds();
  Finish();
  if (!metrics_) return;
  AttrList a;
  a.Add(attr::kExchange, exchange_);
  a.Add(attr::kHttpMethod, method_);
  if (status_ > 0) a.Add(attr::kHttpStatusCode, static_cast<int64_t>(status_));
  if (!server_.empty()) a.Add(attr::kServerAddress, server_);
  a.Add(attr::kUrlTemplate, endpoint_);
  a.Add(attr::kOutcome, !outcome_.empty() ? outcome_
                        : failed_         ? outcome::kFailure
                                          : outcome::kSuccess);
  if (failed_) a.Add(attr::kErrorType, error_type_);
  a.AddAll(attributes_);
  metrics_->api_requests.Add(1, a.view());
  metrics_->api_request_duration.Record(seconds, a.view());
}

// --- TrackDataProcessing ------------------------------------------------------------------

TrackDataProcessing::TrackDataProcessing(std::string_view stage, TrackerAttributes attributes)
    : TrackedScope(operation_kind::kProcessing, std::move(attributes)) {
  try {
    stage_ = std::string(stage);
  } catch (...) {
  }
}

TrackDataProcessing::~TrackDataProcessing() {
  const double seconds = elapsed_seconds();
  Finish();
  RecordProcessing(stage_, seconds, records_);
}

// --- TrackStorageOperation ----------------------------------------------------------------

TrackStorageOperation::TrackStorageOperation(std::string_view op, TrackerAttributes attributes)
    : TrackedScope(operation_kind::kStorage, std::move(attributes)) {
  try {
    op_ = std::string(op);
  } catch (...) {
  }
}

TrackStorageOperation::~TrackStorageOperation() {
  const double seconds = elapsed_seconds();
  Finish();
  if (!metrics_) return;
  std::string_view backend, layer;
  for (const TrackerAttribute& x : attributes_) {
    if (x.key == attr::kStorageBackend) backend = x.value;
    if (x.key == attr::kLayer) layer = x.value;
  }
  AttrList a;
  a.Add(attr::kStorageOperation, op_);
  if (!backend.empty()) a.Add(attr::kStorageBackend, backend);
  a.Add(attr::kOutcome, failed_ ? outcome::kFailure : outcome::kSuccess);
  metrics_->storage_operation_duration.Record(seconds, a.view());
  if (failed_) a.Add(attr::kErrorType, error_type_);
  metrics_->storage_operations.Add(1, a.view());
  if (bytes_ >= 0 && !failed_) {
    AttrList s;
    s.Add(attr::kStorageOperation, op_);
    if (!backend.empty()) s.Add(attr::kStorageBackend, backend);
    if (!layer.empty()) s.Add(attr::kLayer, layer);
    metrics_->storage_object_size.Record(bytes_, s.view());
    if (bytes_ > 0 && !direction_.empty()) {
      AttrList b;
      if (!backend.empty()) b.Add(attr::kStorageBackend, backend);
      b.Add(attr::kIoDirection, direction_);
      metrics_->storage_bytes.Add(bytes_, b.view());
    }
  }
}

// --- WorkflowContextScope ----------------------------------------------------------------

WorkflowContextScope::WorkflowContextScope(const TrackWorkflowExecution* workflow) noexcept
    : previous_(tl_adopted) {
  tl_adopted = workflow;
}

WorkflowContextScope::~WorkflowContextScope() { tl_adopted = previous_; }

// --- Free functions -----------------------------------------------------------------------

void RecordDataBatch(int64_t records, int64_t bytes, const TrackerAttributes& attributes) noexcept {
  std::shared_ptr<CryptoMetrics> m;
  try {
    m = CryptoMetrics::Current();
  } catch (...) {
    return;
  }
  AttrList a;
  a.AddAll(attributes);
  if (records > 0) m->records_ingested.Add(records, a.view());
  if (bytes > 0) m->bytes_ingested.Add(bytes, a.view());
}

void UpdateQueueSize(std::string_view queue, int64_t delta) noexcept {
  std::shared_ptr<CryptoMetrics> m;
  try {
    m = CryptoMetrics::Current();
  } catch (...) {
    return;
  }
  m->queue_size.Add(delta, {{attr::kQueue, queue}});
}

}  // namespace cryptolake::telemetry
