#include "cryptolake/runner/workflow_runner.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

#include "cryptolake/common/version.h"
#include "cryptolake/lake/gap_detector.h"
#include "cryptolake/lake/gap_filler.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/rest/binance_rest_client.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"

namespace cryptolake::runner {
namespace {

using Clock = std::chrono::steady_clock;

std::string FormatUtc(const char* format) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), format, &tm);
  return buf;
}

// The discovery query that covers exactly one archive file.
archive::DiscoveryQuery OneFileQuery(const archive::ArchiveFile& f) {
  archive::DiscoveryQuery q;
  q.market = f.market;
  q.period = f.period;
  q.data_type = f.data_type;
  q.interval = f.interval;
  q.symbols = {f.symbol};
  q.start_date = f.period == archive::Period::kMonthly ? f.date + "-01" : f.date;
  q.end_date = q.start_date;
  return q;
}

std::string_view StageOf(const std::string& step) {
  if (step == "ingest") return telemetry::stage::kIngestion;
  if (step == "gaps") return telemetry::stage::kGapScan;
  if (step == "fill") return telemetry::stage::kFill;
  return telemetry::stage::kGold;
}

class StepRunner {
 public:
  StepRunner(const RunConfig& config, storage::ObjectStore* lake) : config_(config), lake_(lake) {}

  Result<TaskResult> Run(const PlannedTask& t, const TaskContext& ctx) {
    if (t.step == "ingest") return Ingest(t.file, ctx);
    if (t.step == "gaps") return Gaps(t.file);
    if (t.step == "fill") return Fill(t.file);
    return Gold(t, ctx);
  }

 private:
  Result<TaskResult> Ingest(const archive::ArchiveFile& f, const TaskContext& ctx) {
    lake::IngestOptions o;
    o.source = config_.source;
    o.lake = lake_;
    o.query = OneFileQuery(f);
    o.discovery = lake::DiscoveryMode::kDates;
    o.jobs = 1;
    CL_ASSIGN_OR_RETURN(o.on_bad_rows, lake::ParseBadRowPolicy(config_.on_bad_rows));
    o.cancelled = [&ctx] { return ctx.cancelled(); };
    o.remove_abandoned_writes = false;  // ExecuteRun did it once for the run
    CL_ASSIGN_OR_RETURN(lake::IngestSummary s, lake::RunIngest(o));
    if (s.files.size() != 1) {
      return Status::Internal("ingest of " + f.ZipPath() + " covered " +
                              std::to_string(s.files.size()) + " files");
    }
    const lake::FileReport& r = s.files[0];
    TaskResult out;
    switch (r.outcome) {
      case lake::FileOutcome::kIngested:
        out.detail = "ingested";
        out.rows = r.rows;
        out.bytes_written = r.bytes_written;
        return out;
      case lake::FileOutcome::kSkipped:
        out.skipped = true;
        out.detail = "up_to_date";
        return out;
      case lake::FileOutcome::kFailed:
        if (r.absent_from_archive) {
          // The archive does not have the file (yet): its absence is recorded, gaps and fill
          // see it as a missing day. Any other NotFound (the lake's) fails and is retried.
          out.skipped = true;
          out.detail = "not_in_archive";
          return out;
        }
        return r.error;
    }
    return Status::Internal("unknown ingest outcome");
  }

  Result<TaskResult> Gaps(const archive::ArchiveFile& f) {
    lake::GapQuery q;
    q.lake = lake_;
    q.query = OneFileQuery(f);
    CL_ASSIGN_OR_RETURN(lake::GapReport report, lake::DetectGaps(q));
    TaskResult out;
    const int open = report.open_gaps();
    out.skipped = open == 0;
    out.detail = open == 0 ? "no_gaps" : "open_gaps=" + std::to_string(open);
    return out;
  }

  // Fill over the file's own period: RunFill routes each REST row to the file of the query's
  // range whose period holds it and drops the others, so with a one-period range nothing is
  // ever written outside this file's own silver object (which this shard owns).
  Result<TaskResult> Fill(const archive::ArchiveFile& f) {
    lake::FillOptions o;
    o.gaps.lake = lake_;
    o.gaps.query = OneFileQuery(f);
    o.client = RestClient();
    o.jobs = 1;
    CL_ASSIGN_OR_RETURN(lake::FillSummary s, lake::RunFill(o));
    TaskResult out;
    if (s.files_failed > 0) {
      for (const lake::FillFileReport& r : s.files) {
        if (r.outcome == lake::FillOutcome::kFailed) return r.error;
      }
    }
    out.rows = s.rows_added;
    if (s.files_filled > 0) {
      out.detail = "filled";
    } else if (s.files_confirmed_empty > 0) {
      out.detail = "confirmed_empty";
    } else if (s.files_not_fillable > 0) {
      out.skipped = true;
      out.detail = "not_fillable";
    } else {
      out.skipped = true;
      out.detail = "no_gaps";
    }
    return out;
  }

  Result<TaskResult> Gold(const PlannedTask& t, const TaskContext& ctx) {
    gold::GoldOptions o;
    o.lake = lake_;
    o.intervals = config_.gold_intervals;
    o.cancelled = [&ctx] { return ctx.cancelled(); };
    TaskResult out;
    int built = 0, up_to_date = 0;
    for (const gold::GoldPartition& p : t.gold) {
      Result<gold::GoldPartitionReport> r = gold::BuildGoldPartition(p, o);
      if (!r.ok()) {
        return r.status().WithContext(std::string(gold::GoldProductName(p.product)) + " " +
                                      p.symbol + " " + p.period);
      }
      if (r->outcome == gold::GoldOutcome::kBuilt) {
        ++built;
        out.rows += r->output_rows;
        out.bytes_written += r->bytes_written;
      } else if (r->outcome == gold::GoldOutcome::kUpToDate) {
        ++up_to_date;
      }
    }
    if (built > 0) {
      out.detail = "built";
    } else {
      out.skipped = true;
      out.detail = up_to_date > 0 ? "up_to_date" : "no_input";
    }
    return out;
  }

  rest::BinanceRestClient* RestClient() {
    std::lock_guard<std::mutex> lock(mu_);
    if (rest_ == nullptr) {
      rest_ = std::make_unique<rest::BinanceRestClient>(rest::RestClientOptions::FromEnvironment());
    }
    return rest_.get();
  }

  const RunConfig& config_;
  storage::ObjectStore* lake_;
  std::mutex mu_;
  std::unique_ptr<rest::BinanceRestClient> rest_;  // shared by every fill task
};

}  // namespace

double RunProgress::eta_seconds() const {
  if (tasks_done == 0 || seconds <= 0) return -1;
  return seconds / tasks_done * (tasks_total - tasks_done);
}

std::string RunProgress::Format() const {
  char buf[256];
  const double eta = eta_seconds();
  char eta_text[32] = "?";
  if (eta >= 0) {
    const long s = static_cast<long>(eta + 0.5);
    std::snprintf(eta_text, sizeof(eta_text), "%ld:%02ld", s / 60, s % 60);
  }
  std::snprintf(buf, sizeof(buf), "[%d/%d files, %d/%d tasks] %.0f rows/s, ETA %s, %d failed  %s",
                files_done, files_total, tasks_done, tasks_total, rows_per_second(), eta_text,
                failed, last_task.c_str());
  return buf;
}

std::string UtcNowIso() { return FormatUtc("%Y-%m-%dT%H:%M:%SZ"); }
std::string UtcNowCompact() { return FormatUtc("%Y%m%dT%H%M%SZ"); }

Result<RunSummary> ExecuteRun(const RunConfig& config, const RunPlan& plan,
                              const RunEnvironment& env) {
  if (env.lake == nullptr) return Status::InvalidArgument("ExecuteRun needs a lake");
  const auto t0 = Clock::now();
  RunSummary summary;
  summary.run_id = env.run_id;
  summary.tool_version = std::string(kVersion);
  summary.config = config.config_path;
  summary.lake = env.lake_display;
  summary.shard = config.shard;
  summary.started_at = env.started_at.empty() ? UtcNowIso() : env.started_at;

  telemetry::TrackWorkflowExecution workflow("run");
  // What killed runs left (temp objects of dead processes; live runs' writes are never
  // touched) goes once, before any task; the ingest tasks skip their own cleanup.
  if (Status s = env.lake->RemoveAbandonedWrites(); !s.ok()) {
    workflow.SetStatus(s);
    return s.WithContext("cleaning up after killed runs");
  }
  StepRunner steps(config, env.lake);
  std::vector<TaskSpec> specs;
  specs.reserve(plan.tasks.size());
  for (const PlannedTask& t : plan.tasks) {
    TaskSpec s;
    s.id = t.id;
    s.pool = t.pool;
    s.deps = t.deps;
    s.fn = [&steps, &t](const TaskContext& ctx) -> Result<TaskResult> {
      telemetry::TrackDataProcessing scope(
          StageOf(t.step),
          {{telemetry::attr::kMarket, std::string(archive::MarketName(t.file.market))},
           {telemetry::attr::kDataType, t.file.data_type}});
      Result<TaskResult> r = steps.Run(t, ctx);
      scope.SetStatus(r.status());
      if (r.ok()) scope.SetRecordCount(r->rows);
      return r;
    };
    specs.push_back(std::move(s));
  }

  RunProgress progress;
  progress.tasks_total = static_cast<int>(plan.tasks.size());
  // A file is done when its last task (the one nothing of the same file depends on) is.
  std::vector<bool> last_of_file(plan.tasks.size(), true);
  for (const PlannedTask& t : plan.tasks) {
    for (size_t d : t.deps) last_of_file[d] = false;
  }
  for (bool last : last_of_file) progress.files_total += last ? 1 : 0;
  ExecutorOptions o;
  o.io_workers = config.io_workers;
  o.cpu_workers = config.cpu_workers;
  o.max_attempts = config.max_attempts;
  o.initial_backoff = config.retry_initial_backoff;
  o.max_backoff = config.retry_max_backoff;
  o.task_timeout = config.task_timeout;
  o.stop_requested = env.stop_requested;
  o.abort = env.abort;
  o.on_task_done = [&](size_t index, const TaskReport& r) {
    ++progress.tasks_done;
    if (last_of_file[index]) ++progress.files_done;
    if (r.outcome == TaskOutcome::kFailed) ++progress.failed;
    if (r.outcome == TaskOutcome::kSucceeded) progress.rows += r.rows;
    progress.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    progress.last_task = r.id;
    if (env.on_progress) env.on_progress(progress);
  };
  o.on_queue_change = [](TaskPool pool, int64_t delta) {
    telemetry::UpdateQueueSize(pool == TaskPool::kIo ? "run.io" : "run.cpu", delta);
  };
  o.wrap_worker = [&workflow](const std::function<void()>& loop) {
    telemetry::WorkflowContextScope in_run(&workflow);
    loop();
  };
  CL_ASSIGN_OR_RETURN(std::vector<TaskReport> reports, RunTasks(std::move(specs), o));

  // Stopped with work left undone (a stop after the last task started changes nothing).
  bool cancelled = false;
  for (const TaskReport& r : reports) cancelled |= r.outcome == TaskOutcome::kCancelled;
  summary.interrupted = cancelled && env.stop_requested && env.stop_requested();
  for (size_t i = 0; i < reports.size(); ++i) {
    const PlannedTask& t = plan.tasks[i];
    TaskRecord rec;
    rec.id = t.id;
    rec.step = t.step;
    rec.market = std::string(archive::MarketName(t.file.market));
    rec.data_type = t.file.data_type;
    rec.interval = t.file.interval;
    rec.symbol = t.file.symbol;
    rec.period = t.file.date;
    rec.report = std::move(reports[i]);
    summary.tasks.push_back(std::move(rec));
  }
  summary.finished_at = UtcNowIso();
  summary.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  for (const TaskRecord& t : summary.tasks) {
    if (t.report.outcome == TaskOutcome::kFailed) {
      workflow.SetStatus(t.report.error);
      break;
    }
  }
  if (summary.interrupted) workflow.SetStatus(Status::Cancelled("the run was stopped"));
  workflow.RecordEvent("run_completed");
  return summary;
}

}  // namespace cryptolake::runner
