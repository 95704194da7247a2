// RunPlan: the task graph of one `cryptolake run` (one shard), from a validated RunConfig.
//
// Per dataset x interval x archive file (symbol and day, or month) that this shard owns
// (shard.h), in this order and each depending on the one before it that the steps include:
//   ingest  (I/O pool)  RunIngest of that one file (explicit symbols: every date of the range,
//                       so a missing day is seen; "all": the files the source lists)
//   gaps    (I/O pool)  DetectGaps for the file's period only (a report; writes nothing)
//   fill    (I/O pool)  RunFill for the file's period only: klines, aggTrades, fundingRate
//   gold    (CPU pool)  BuildGoldPartition for the products built from the file: klines 1m ->
//                       klines + daily_summary, aggTrades/trades (daily) -> trade_bars,
//                       fundingRate -> funding (per month)
// A funding gold task also waits for the last ingest/gaps/fill task of every earlier month its
// trailing windows read (gold::FundingInputMonths) that the plan holds for the same market and
// symbol (always this shard's: the monthly shard key has no date), so it never checks its inputs
// while one of them is still being written. Tasks are ordered so dependencies come first.
// Task ids are "<step>/<market>/<data_type>/[<interval>/]<symbol>/<period>".
//
// Thread-safety: pure functions over a thread-safe ArchiveSource.
#ifndef CRYPTOLAKE_RUNNER_RUN_PLAN_H_
#define CRYPTOLAKE_RUNNER_RUN_PLAN_H_

#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/archive/archive_source.h"
#include "cryptolake/common/status.h"
#include "cryptolake/gold/gold_builder.h"
#include "cryptolake/runner/run_config.h"
#include "cryptolake/runner/task_executor.h"

namespace cryptolake::runner {

struct PlannedTask {
  std::string id;
  std::string step;  // "ingest", "gaps", "fill", "gold"
  archive::ArchiveFile file;
  TaskPool pool = TaskPool::kIo;
  std::vector<size_t> deps;
  std::vector<gold::GoldPartition> gold;  // the gold step's partitions
};

struct RunPlan {
  std::vector<PlannedTask> tasks;
  int files_owned = 0;      // archive files this shard handles
  int files_not_owned = 0;  // archive files other shards handle
  // One line per task: "<id>  [after <dep id>, ...]".
  std::string Format() const;
};

// The gold partitions built from one archive file (empty when none are).
std::vector<gold::GoldPartition> GoldPartitionsOf(const archive::ArchiveFile& file);

// Whether `cryptolake fill` can fill this file's type (klines, aggTrades; fundingRate on um/cm).
bool Fillable(const archive::ArchiveFile& file);

// Plans the run. `source` is listed only for datasets with symbols = "all" (it may be null when
// there are none). `today` ("YYYY-MM-DD", UTC) resolves "yesterday".
Result<RunPlan> PlanRun(const RunConfig& config, std::string_view today,
                        archive::ArchiveSource* source);

}  // namespace cryptolake::runner

#endif  // CRYPTOLAKE_RUNNER_RUN_PLAN_H_
