// TaskExecutor: runs a DAG of tasks on two bounded pools (I/O and CPU), with retries, jittered
// backoff, cooperative timeouts and failure isolation.
//
//   - A task runs when every task it depends on has finished with kSucceeded or kSkipped.
//   - At most `io_workers` I/O tasks and `cpu_workers` CPU tasks run at once (one thread each).
//   - A task function that returns an error is attempted again, up to `max_attempts` in all,
//     after a full-jitter backoff (common/backoff.h) of base `initial_backoff` doubling up to
//     `max_backoff`; InvalidArgument and Cancelled are not retried. While a task waits for its
//     retry it holds no worker.
//   - Timeouts are cooperative: TaskContext::cancelled() turns true when the attempt's
//     `task_timeout` has passed (or the run is aborted); a well-behaved task then stops without
//     publishing anything and returns Status::Cancelled, which the executor records as a
//     Timeout error (retried like any other). A task that ignores it runs on; a success returned
//     after the deadline counts (its work is done).
//   - A failed task never stops unrelated tasks; its dependents (transitively) finish kSkipped
//     with detail "dependency_failed" and an error naming the failed task.
//   - Stop (stop_requested() turns true, e.g. SIGTERM): nothing new starts; tasks not started (or
//     waiting for a retry) finish kCancelled "interrupted"; tasks in flight run to their end.
//
// Thread-safety: Run() may be called from one thread at a time per executor; callbacks are
// serialised (never two at once) and called from worker threads.
#ifndef CRYPTOLAKE_RUNNER_TASK_EXECUTOR_H_
#define CRYPTOLAKE_RUNNER_TASK_EXECUTOR_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"

namespace cryptolake::runner {

enum class TaskPool { kIo, kCpu };
// "io", "cpu".
std::string_view TaskPoolName(TaskPool pool);

enum class TaskOutcome { kSucceeded, kSkipped, kFailed, kCancelled };
// "succeeded", "skipped", "failed", "cancelled".
std::string_view TaskOutcomeName(TaskOutcome outcome);

// What a task function returns when it did not fail.
struct TaskResult {
  bool skipped = false;  // nothing to do (already in the lake, up to date)
  std::string detail;    // "ingested", "up_to_date", ...
  int64_t rows = 0;
  int64_t bytes_written = 0;
};

// Handed to each attempt of a task.
class TaskContext {
 public:
  TaskContext(std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* abort,
              int attempt)
      : deadline_(deadline), abort_(abort), attempt_(attempt) {}
  // True when the attempt should stop now (timeout passed or run aborted).
  bool cancelled() const {
    return (abort_ != nullptr && abort_->load(std::memory_order_relaxed)) ||
           std::chrono::steady_clock::now() >= deadline_;
  }
  int attempt() const { return attempt_; }  // 1-based

 private:
  std::chrono::steady_clock::time_point deadline_;
  const std::atomic<bool>* abort_;
  int attempt_;
};

using TaskFunction = std::function<Result<TaskResult>(const TaskContext&)>;

struct TaskSpec {
  std::string id;
  TaskPool pool = TaskPool::kIo;
  std::vector<size_t> deps;  // indexes of earlier tasks in the list
  TaskFunction fn;
};

struct TaskReport {
  std::string id;
  TaskOutcome outcome = TaskOutcome::kCancelled;
  std::string detail;
  int attempts = 0;
  double seconds = 0;  // wall time of all attempts (backoff waits excluded)
  int64_t rows = 0;
  int64_t bytes_written = 0;
  Status error;  // the last attempt's error (kFailed), or why it was skipped/cancelled
};

struct ExecutorOptions {
  int io_workers = 4;    // REQUIRES: >= 1
  int cpu_workers = 2;   // REQUIRES: >= 1
  int max_attempts = 3;  // REQUIRES: >= 1
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds task_timeout{600000};
  // Polled (about every 50 ms and between tasks): true = stop scheduling.
  std::function<bool()> stop_requested;
  // Set to make every running attempt's TaskContext::cancelled() true (optional).
  const std::atomic<bool>* abort = nullptr;
  // After each task finishes (any outcome), serialised.
  std::function<void(size_t index, const TaskReport&)> on_task_done;
  // Queue length changes per pool (ready tasks not yet running), serialised with the above.
  std::function<void(TaskPool, int64_t delta)> on_queue_change;
  // Each worker thread runs its loop inside this (e.g. to open a telemetry context); default
  // just calls it.
  std::function<void(const std::function<void()>& loop)> wrap_worker;
};

// Runs every task; returns one report per task, in the tasks' order. InvalidArgument when a
// dependency index does not point to an earlier task or the options are out of range.
Result<std::vector<TaskReport>> RunTasks(std::vector<TaskSpec> tasks,
                                         const ExecutorOptions& options);

}  // namespace cryptolake::runner

#endif  // CRYPTOLAKE_RUNNER_TASK_EXECUTOR_H_
