// ExecuteRun: runs a RunPlan on the task executor against one lake and returns the run's
// summary (which the caller writes with WriteRunSummary). Before any task it removes what killed
// runs left in the lake (ObjectStore::RemoveAbandonedWrites, once per run; an error there means
// the run cannot start).
//
// What each step's task does, and how its outcome is named (the summary's "detail"):
//   ingest  RunIngest of the one file (DiscoveryMode::kDates, jobs 1, cancellable before it
//           publishes): "ingested" | skipped "up_to_date" | skipped "not_in_archive" (the source
//           answered 404 for the file, FileReport::absent_from_archive; its absence is recorded
//           for gaps/fill) | failed (retried first; also any NotFound from the lake)
//   gaps    DetectGaps over the file's own period: skipped "no_gaps" | succeeded
//           "open_gaps=<n>" (a report; nothing is written)
//   fill    RunFill over the file's own period and symbol only, so rows REST returns for a
//           neighbouring period are dropped and never written into a partition another shard
//           owns: succeeded "filled" / "confirmed_empty" | skipped "no_gaps" | skipped
//           "not_fillable" | failed
//   gold    BuildGoldPartition for each of the file's partitions: succeeded "built" | skipped
//           "up_to_date" | skipped "no_input"
// Every write is one of the lake's atomic publishes under a name that depends only on the file
// or partition, committed by its ledger entry last, so a run killed at any point leaves nothing
// partial and the next run redoes exactly what is missing (docs/runner.md).
//
// Telemetry: the run is TrackWorkflowExecution("run"); every pool thread opens a
// WorkflowContextScope on it, each task attempt is a TrackDataProcessing scope (stage ingestion,
// gap_scan, fill or gold) and the pools' ready queues are reported with UpdateQueueSize
// ("run.io", "run.cpu").
//
// Thread-safety: one call at a time per lake object is not required (the lake is thread-safe);
// callbacks are serialised.
#ifndef CRYPTOLAKE_RUNNER_WORKFLOW_RUNNER_H_
#define CRYPTOLAKE_RUNNER_WORKFLOW_RUNNER_H_

#include <atomic>
#include <functional>
#include <string>

#include "cryptolake/common/status.h"
#include "cryptolake/runner/run_config.h"
#include "cryptolake/runner/run_plan.h"
#include "cryptolake/runner/run_summary.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::runner {

struct RunProgress {
  int tasks_done = 0;
  int tasks_total = 0;
  int files_done = 0;  // archive files whose every task finished
  int files_total = 0;
  int failed = 0;
  int64_t rows = 0;
  double seconds = 0;
  std::string last_task;

  double rows_per_second() const { return seconds > 0 ? static_cast<double>(rows) / seconds : 0; }
  // Remaining time at the pace so far (-1 when unknown).
  double eta_seconds() const;
  // "[3/10 files, 12/40 tasks] 1234 rows/s, ETA 0:42, 1 failed  <last task>".
  std::string Format() const;
};

struct RunEnvironment {
  storage::ObjectStore* lake = nullptr;  // REQUIRES: non-null, outlives the call
  std::string lake_display;              // URL without credentials, for the summary
  std::string run_id;
  std::string started_at;  // UTC ISO-8601 Z
  // Graceful stop: nothing new starts, in-flight tasks finish.
  std::function<bool()> stop_requested;
  // Makes in-flight tasks give up before they publish (optional).
  const std::atomic<bool>* abort = nullptr;
  std::function<void(const RunProgress&)> on_progress;
};

Result<RunSummary> ExecuteRun(const RunConfig& config, const RunPlan& plan,
                              const RunEnvironment& env);

// "2026-12-06T17:00:00Z" and "20261206T170000Z" for now.
std::string UtcNowIso();
std::string UtcNowCompact();

}  // namespace cryptolake::runner

#endif  // CRYPTOLAKE_RUNNER_WORKFLOW_RUNNER_H_
