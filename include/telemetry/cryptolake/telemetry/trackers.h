// RAII trackers: the plan's context managers (track_workflow_execution, track_data_ingestion,
// track_api_interaction, track_data_processing, track_storage_operation, record_data_batch) in
// C++. A tracker measures one scope of work and records, when it ends:
//
//   TrackWorkflowExecution(name)      workflow.executions, workflow.duration {workflow.name,
//                                     outcome, error.type}; workflow.active while it runs;
//                                     RecordEvent(e): workflow.events
//   TrackDataIngestion(source)        data.processing.duration {processing.stage=ingestion}
//   TrackApiInteraction(exch, tmpl)   api.requests, api.request.duration {http.*, url.template..}
//   TrackDataProcessing(stage, attrs) data.processing.duration (+ .throughput after
//                                     SetRecordCount)
//   TrackStorageOperation(op, attrs)  storage.operations, storage.operation.duration
//                                     (+ storage.object.size after SetBytes)
//   RecordDataBatch(records, bytes)   data.records.ingested, data.bytes.ingested (no scope)
//
// Every tracker keeps operations.active {operation.kind} while it runs and, on failure, adds one
// to cryptolake.errors {error.type, operation.kind, workflow.name}.
//
// Failure: call Fail(error_type) or SetStatus(status) explicitly, or let an exception leave the
// scope. Run(fn) runs fn inside the tracker and, if it throws, records error.type from the
// exception's type (error_type.h) and rethrows the same exception object unchanged. A scope left
// by an exception without Run() is recorded as failed with error.type `_OTHER` (a destructor
// cannot see the exception). Trackers never throw: recording is noexcept and allocation failures
// inside a tracker are swallowed.
//
// Nesting: trackers on one thread form a stack. A nested tracker inherits the innermost
// workflow's name as workflow.name on its error and processing series, and workflow_id() of any
// tracker returns that workflow's id ("" outside a workflow). Work handed to another thread does
// not inherit unless that thread opens a WorkflowContextScope.
//
// Attribute keys given to a tracker must be semantic_conventions.h constants (string_views to
// static storage); values are copied.
//
// Thread-safety: a tracker belongs to the thread that created it and must be destroyed on it (in
// any order); different trackers may run on any threads at once.
#ifndef CRYPTOLAKE_TELEMETRY_TRACKERS_H_
#define CRYPTOLAKE_TELEMETRY_TRACKERS_H_

#include <chrono>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/error_type.h"

namespace cryptolake::telemetry {

// One attribute for a tracker: a static key and an owned value.
struct TrackerAttribute {
  std::string_view key;
  std::string value;
};
using TrackerAttributes = std::vector<TrackerAttribute>;

class TrackedScope {
 public:
  TrackedScope(const TrackedScope&) = delete;
  TrackedScope& operator=(const TrackedScope&) = delete;

  // Marks the scope failed with this error.type (the first failure wins). A bounded value:
  // error_type.h's kinds, a TrackedError kind, or an HTTP status code ("503").
  void Fail(std::string_view error_type) noexcept;
  // Fails with ErrorTypeOf(status) when status is not OK; does nothing otherwise.
  void SetStatus(const Status& status) noexcept;
  // Inside a catch block: fails with the in-flight exception's type.
  void FailWithCurrentException() noexcept;

  // Runs fn() in this scope: an exception is recorded by type and rethrown unchanged.
  template <typename Fn>
  decltype(auto) Run(Fn&& fn) {
    try {
      return std::forward<Fn>(fn)();
    } catch (...) {
      FailWithCurrentException();
      throw;
    }
  }

  bool failed() const { return failed_; }
  std::string_view error_type() const { return error_type_; }
  double elapsed_seconds() const;
  // The innermost enclosing workflow's id on this thread ("" when none).
  const std::string& workflow_id() const;

 protected:
  TrackedScope(std::string_view operation_kind, TrackerAttributes attributes) noexcept;
  ~TrackedScope();
  // Called once by the subclass's destructor; records the common series.
  void Finish() noexcept;
  std::string_view workflow_name() const;
  // data.processing.duration {processing.stage, outcome, error.type, workflow.name, attributes}
  // and, for a successful scope with records >= 0, data.processing.throughput.
  void RecordProcessing(std::string_view stage, double seconds, int64_t records) const noexcept;

  std::shared_ptr<CryptoMetrics> metrics_;
  std::string_view operation_kind_;
  TrackerAttributes attributes_;
  std::chrono::steady_clock::time_point start_;
  int uncaught_at_start_ = 0;
  bool failed_ = false;
  bool finished_ = false;
  std::string error_type_;  // Copied: callers may pass a formatted HTTP status code.
  TrackedScope* parent_ = nullptr;
  // The innermost workflow's name and id (copies: a scope may outlive the workflow it was opened
  // in, e.g. when destroyed out of order).
  std::string workflow_name_;
  std::string workflow_id_;
};

class TrackWorkflowExecution : public TrackedScope {
 public:
  explicit TrackWorkflowExecution(std::string_view name, TrackerAttributes attributes = {});
  ~TrackWorkflowExecution();
  // "<name>_<epoch ms>_<sequence>": unique in the process, sortable by start.
  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  // Counts a named event of this workflow: workflow.events {workflow.name, event.name}. `event`
  // is a constant of the program ("discovery_completed"), never data or free text.
  void RecordEvent(std::string_view event) const noexcept;

 private:
  friend class TrackedScope;
  std::string name_;
  std::string id_;
};

class TrackDataIngestion : public TrackedScope {
 public:
  // source: lakehouse.source (archive | rest) or a program's own source name.
  explicit TrackDataIngestion(std::string_view source, TrackerAttributes attributes = {});
  ~TrackDataIngestion();
  // Records handled in the scope: adds a data.processing.throughput point when it succeeds.
  void SetRecordCount(int64_t records) { records_ = records; }

 private:
  int64_t records_ = -1;
};

class TrackApiInteraction : public TrackedScope {
 public:
  // endpoint: url.template ("/api/v3/klines"), never a URL with a query string.
  TrackApiInteraction(std::string_view exchange, std::string_view endpoint,
                      TrackerAttributes attributes = {});
  ~TrackApiInteraction();
  void SetServerAddress(std::string_view host) { server_ = host; }
  void SetMethod(std::string_view method) { method_ = method; }
  // The HTTP status of the answer (0 = none arrived).
  void SetHttpStatus(int status) { status_ = status; }
  // A finer outcome than success/failure ("rate_limited", "server_error"...; bounded set).
  void SetOutcome(std::string_view outcome) { outcome_ = outcome; }
  // reason: http_429 | http_418 | code_-1003.
  void RecordRateLimitHit(std::string_view reason) noexcept;
  void RecordUsedWeight(int64_t used) noexcept;

 private:
  std::string exchange_, endpoint_, server_;
  std::string_view method_ = "GET";
  std::string_view outcome_;
  int status_ = 0;
};

class TrackDataProcessing : public TrackedScope {
 public:
  explicit TrackDataProcessing(std::string_view stage, TrackerAttributes attributes = {});
  ~TrackDataProcessing();
  void SetRecordCount(int64_t records) { records_ = records; }

 private:
  std::string stage_;
  int64_t records_ = -1;
};

class TrackStorageOperation : public TrackedScope {
 public:
  // op: storage.operation (storage_op::), attributes typically storage.backend, lakehouse.layer.
  explicit TrackStorageOperation(std::string_view op, TrackerAttributes attributes = {});
  ~TrackStorageOperation();
  // Bytes moved by the operation: storage.bytes and the object-size histogram.
  void SetBytes(int64_t bytes, std::string_view io_direction) {
    bytes_ = bytes;
    direction_ = io_direction;
  }

 private:
  std::string op_;
  int64_t bytes_ = -1;
  std::string_view direction_;
};

// Makes trackers created on this thread, while it lives, belong to `workflow` (created on another
// thread) when no tracker of this thread encloses them. REQUIRES: `workflow` outlives it.
class WorkflowContextScope {
 public:
  explicit WorkflowContextScope(const TrackWorkflowExecution* workflow) noexcept;
  ~WorkflowContextScope();
  WorkflowContextScope(const WorkflowContextScope&) = delete;
  WorkflowContextScope& operator=(const WorkflowContextScope&) = delete;

 private:
  const TrackWorkflowExecution* previous_;
};

// Adds `records` and `bytes` to data.records.ingested / data.bytes.ingested with `attributes`
// (typically crypto.market, crypto.data_type, crypto.symbol, lakehouse.source).
void RecordDataBatch(int64_t records, int64_t bytes, const TrackerAttributes& attributes) noexcept;

// Adds `delta` to cryptolake.queue.size {queue.name}.
void UpdateQueueSize(std::string_view queue, int64_t delta) noexcept;

}  // namespace cryptolake::telemetry

#endif  // CRYPTOLAKE_TELEMETRY_TRACKERS_H_
