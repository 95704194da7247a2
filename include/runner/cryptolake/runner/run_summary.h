// RunSummary: the record of one `cryptolake run` (one shard), written twice: to a local file
// (collection_summary.json by default) and into the lake as _runs/<run_id>.json, a new object per
// run and shard that no other process ever writes. Schema (keys in this order): run_id,
// tool_version, config, lake, shard{index,count}, started_at, finished_at, seconds, outcome,
// totals{tasks,succeeded,skipped,failed,cancelled,rows,bytes_written,rows_per_second},
// steps{<step>{succeeded,skipped,failed,cancelled,rows}}, tasks[{id, step, market, data_type,
// interval, symbol, period, outcome, detail, attempts, seconds, rows, error}]. docs/runner.md.
//
// Thread-safety: plain values and pure functions (WriteRunSummary writes the two objects).
#ifndef CRYPTOLAKE_RUNNER_RUN_SUMMARY_H_
#define CRYPTOLAKE_RUNNER_RUN_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/runner/shard.h"
#include "cryptolake/runner/task_executor.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::runner {

struct TaskRecord {
  std::string id, step, market, data_type, interval, symbol, period;
  TaskReport report;
};

struct RunSummary {
  std::string run_id;
  std::string tool_version;
  std::string config;  // the config file's path, or ""
  std::string lake;    // URL without credentials
  ShardSpec shard;
  std::string started_at, finished_at;  // UTC ISO-8601 with Z
  double seconds = 0;
  bool interrupted = false;  // stopped (signal) with tasks left cancelled
  std::vector<TaskRecord> tasks;

  // "interrupted" when the run was stopped, else "succeeded" (no task failed), "failed" (tasks
  // failed and none succeeded or was skipped), or "partial".
  std::string Outcome() const;
  int Count(TaskOutcome outcome) const;
  int64_t Rows() const;          // rows of succeeded tasks
  int64_t BytesWritten() const;  // bytes of succeeded tasks
  // The JSON document (pretty-printed, keys in schema order).
  std::string ToJson() const;
  // One human line per failed task plus totals.
  std::string Format() const;
};

// "<UTC start YYYYMMDDTHHMMSSZ>-<8 lowercase hex>" + "-shard<i>of<n>" when sharded.
std::string MakeRunId(std::string_view compact_utc_start, const ShardSpec& shard);

// _runs/<run_id>.json.
std::string RunRecordKey(const std::string& run_id);

// Puts the summary into the lake (one atomic object) and, when local_path is not empty, writes
// the local file atomically (temp file + rename). Both are attempted; the first error returns.
Status WriteRunSummary(const RunSummary& summary, storage::ObjectStore* lake,
                       const std::string& local_path);

}  // namespace cryptolake::runner

#endif  // CRYPTOLAKE_RUNNER_RUN_SUMMARY_H_
