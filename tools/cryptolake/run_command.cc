// `cryptolake run`: config file < environment < flags -> plan -> task graph -> summary
// (runner/workflow_runner.h). Signals: the first SIGINT/SIGTERM stops scheduling and lets
// in-flight tasks finish, then the summary is written with outcome "interrupted" and the process
// exits 130/143; a second one exits at once (safe too: every lake write is an atomic publish
// and the next run redoes what is missing).
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "commands.h"
#include "cryptolake/archive/archive_source.h"
#include "cryptolake/runner/run_config.h"
#include "cryptolake/runner/run_plan.h"
#include "cryptolake/runner/run_summary.h"
#include "cryptolake/runner/workflow_runner.h"
#include "cryptolake/storage/object_store.h"
#include "run_metrics.h"

namespace cryptolake::cli {
namespace {

std::atomic<int> g_signal{0};

extern "C" void OnStopSignal(int sig) {
  const int saved_errno = errno;  // write() below may change it under the interrupted code
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, sig)) {
    // Second signal: leave now. Nothing partial is visible (atomic publishes), and temp objects
    // of this process are removed by the next run.
    _exit(128 + sig);
  }
  static const char kMsg[] =
      "\ncryptolake run: stopping: no new tasks start, running ones finish (signal again to "
      "exit at once)\n";
  ssize_t ignored = write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
  (void)ignored;
  errno = saved_errno;
}

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// A line on a terminal, refreshed on every task and every second in between (so rows/s and ETA
// move during long tasks); plain lines (every 10 s, on each new failure, at the end) otherwise.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {
    if (quiet_ || !tty_) return;
    ticker_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!done_) {
        cv_.wait_for(lock, std::chrono::seconds(1));
        if (done_ || !started_) continue;
        last_.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        std::fprintf(stderr, "\r\033[K%s", last_.Format().c_str());
        std::fflush(stderr);
      }
    });
  }
  ~ProgressPrinter() { Stop(); }

  void Update(const runner::RunProgress& p) {
    if (quiet_) return;
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (!started_) {
      started_ = true;
      start_ = now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(p.seconds));
    }
    last_ = p;
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", p.Format().c_str());
    } else if (p.failed != last_failed_ || now - last_line_ >= std::chrono::seconds(10) ||
               p.tasks_done == p.tasks_total) {
      std::fprintf(stderr, "%s\n", p.Format().c_str());
      last_line_ = now;
      last_failed_ = p.failed;
    }
    std::fflush(stderr);
  }

  // Ends the refreshing line (before the summary is printed).
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (done_) return;
      done_ = true;
      if (tty_ && started_) std::fprintf(stderr, "\r\033[K%s\n", last_.Format().c_str());
    }
    cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
  }

 private:
  const bool quiet_;
  const bool tty_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool started_ = false;
  std::chrono::steady_clock::time_point start_{};
  runner::RunProgress last_;
  std::chrono::steady_clock::time_point last_line_{};
  int last_failed_ = 0;
  std::thread ticker_;
};

Result<runner::RunConfig> LoadConfig(const RunFlags& f) {
  runner::RunConfig config;
  if (!f.config.empty()) {
    CL_ASSIGN_OR_RETURN(config, runner::LoadRunConfigFile(f.config));
  }
  // Shard flags replace the environment's shard settings altogether (--shard-count reads only
  // JOB_COMPLETION_INDEX), so a half-set environment is no error then.
  const bool shard_flags = !f.shard.empty() || f.shard_count > 0;
  CL_RETURN_IF_ERROR(runner::ApplyEnvironment(
      [shard_flags](const char* n) -> const char* {
        const std::string_view name(n);
        if (shard_flags && (name == "CRYPTOLAKE_SHARD" || name == "JOB_COMPLETION_INDEX" ||
                            name == "CRYPTOLAKE_SHARD_COUNT")) {
          return nullptr;
        }
        return std::getenv(n);
      },
      &config));
  runner::RunOverrides o;
  if (!f.lake.empty()) o.lake_url = f.lake;
  if (!f.source.empty()) o.source = f.source;
  if (!f.steps.empty()) o.steps = f.steps;
  if (!f.task_timeout.empty()) o.task_timeout = f.task_timeout;
  if (!f.summary.empty()) o.summary_path = f.summary;
  if (!f.shard.empty()) o.shard = f.shard;
  if (f.io_workers > 0) o.io_workers = f.io_workers;
  if (f.cpu_workers > 0) o.cpu_workers = f.cpu_workers;
  if (f.max_attempts > 0) o.max_attempts = f.max_attempts;
  if (f.shard_count > 0) {
    o.shard_count = f.shard_count;
    if (const char* index = std::getenv("JOB_COMPLETION_INDEX"); index != nullptr && *index) {
      const std::string_view text(index);
      int value = -1;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
        return Status::InvalidArgument("JOB_COMPLETION_INDEX '" + std::string(text) +
                                       "' is not a shard index (0, 1, ...)");
      }
      o.job_completion_index = value;
    }
  }
  CL_RETURN_IF_ERROR(runner::ApplyOverrides(o, &config));
  CL_RETURN_IF_ERROR(runner::ValidateRunConfig(config));
  return config;
}

}  // namespace

CLI::App* AddRunCommand(CLI::App& app, RunFlags& f, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run the configured workflow: for every archive file of the configured datasets, ingest\n"
      "it, report its gaps, fill them from REST and build its gold tables, as a task graph on\n"
      "bounded I/O and CPU pools with retries and timeouts. Resumable: a re-run (also after a\n"
      "crash or kill) does only what is missing. Writes collection_summary.json and\n"
      "_runs/<run id>.json into the lake. Values: flags > CRYPTOLAKE_* environment > file.\n"
      "Exit status: 0 all tasks ok, 1 some task failed, 2 usage/config error, 130/143 stopped\n"
      "by SIGINT/SIGTERM.");
  cmd->add_option("--config", f.config, "The TOML run config (docs/runner.md)");
  cmd->add_option("--lake", f.lake, "Lake directory or s3://bucket/prefix ([lake] url)");
  cmd->add_option("--source", f.source, "Archive base: local dir or http(s) URL ([lake] source)");
  cmd->add_option("--steps", f.steps, "Comma list of ingest,gaps,fill,gold ([run] steps)");
  cmd->add_option("--io-workers", f.io_workers, "I/O pool threads ([run] io_workers)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--cpu-workers", f.cpu_workers, "CPU pool threads ([run] cpu_workers)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--max-attempts", f.max_attempts, "Attempts per task ([run] max_attempts)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--task-timeout", f.task_timeout, "Per-attempt timeout, e.g. 10m ([run])");
  cmd->add_option("--summary", f.summary, "Local summary file ([run] summary)");
  cmd->add_option("--shard", f.shard, "This process's share of the work: i/n (0-based)");
  cmd->add_option("--shard-count", f.shard_count,
                  "Shard count; the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed "
                  "Jobs)")
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("--dry-run", f.dry_run, "Print the plan (tasks and dependencies) and exit");
  cmd->add_flag("--quiet", f.quiet, "No progress output");
  cmd->footer(
      "Examples:\n"
      "  cryptolake run --config deploy/config/development.toml\n"
      "  cryptolake run --config lake.toml --shard 2/4 --steps ingest,gold\n"
      "Reference: docs/runner.md");
  cmd->callback([&f, exit_code] { *exit_code = RunRunCommand(f); });
  return cmd;
}

namespace {
int RunConfigured(const RunFlags& f);
}  // namespace

int RunRunCommand(const RunFlags& f) {
  // Every failure path returns a Status; an exception here is a bug, reported as a failed run
  // rather than an abort.
  try {
    return RunConfigured(f);
  } catch (const std::exception& e) {
    std::cerr << "cryptolake run: internal error: " << e.what() << "\n";
    return kExitFailed;
  }
}

namespace {
int RunConfigured(const RunFlags& f) {
  auto usage = [](const Status& s) {
    std::cerr << "cryptolake run: " << s.message() << "\n";
    return kExitUsage;
  };
  Result<runner::RunConfig> config = LoadConfig(f);
  if (!config.ok()) return usage(config.status());
  Result<std::unique_ptr<storage::ObjectStore>> lake = storage::OpenObjectStore(config->lake_url);
  if (!lake.ok()) return usage(lake.status());

  std::unique_ptr<archive::ArchiveSource> source;
  for (const runner::DatasetConfig& d : config->datasets) {
    if (!d.all_symbols) continue;
    Result<std::unique_ptr<archive::ArchiveSource>> s =
        archive::OpenArchiveSource(config->source, archive::SourceOptions{});
    if (!s.ok()) return usage(s.status());
    source = std::move(s).value();
    break;
  }
  Result<runner::RunPlan> plan = runner::PlanRun(*config, runner::UtcToday(), source.get());
  if (!plan.ok()) {
    std::cerr << "cryptolake run: planning failed: " << plan.status().ToString() << "\n";
    return plan.status().IsInvalidArgument() ? kExitUsage : kExitFailed;
  }
  if (f.dry_run) {
    std::cout << "# shard " << config->shard.index << "/" << config->shard.count << ": "
              << plan->files_owned << " archive files (" << plan->files_not_owned
              << " belong to other shards), " << plan->tasks.size() << " tasks\n"
              << plan->Format();
    return kExitOk;
  }

  // [metrics] are defaults: a variable the environment already sets wins.
  for (const auto& [name, value] : runner::MetricsEnvironmentDefaults(config->metrics)) {
    setenv(name.c_str(), value.c_str(), /*overwrite=*/0);
  }
  std::vector<archive::DiscoveryQuery> queries;
  for (const runner::DatasetConfig& d : config->datasets) {
    archive::DiscoveryQuery q;
    if (Result<archive::Market> m = archive::ParseMarket(d.market); m.ok()) q.market = *m;
    q.data_type = d.data_type;
    queries.push_back(std::move(q));
  }
  RunMetrics metrics(/*keep_summary=*/false, RunResource(queries, config->lake_url));

  InstallSignalHandlers();
  ProgressPrinter printer(f.quiet);
  runner::RunEnvironment env;
  env.lake = lake->get();
  env.lake_display = config->lake_url;
  env.started_at = runner::UtcNowIso();
  env.run_id = runner::MakeRunId(runner::UtcNowCompact(), config->shard);
  env.stop_requested = [] { return g_signal.load() != 0; };
  env.on_progress = [&printer](const runner::RunProgress& p) { printer.Update(p); };
  if (!f.quiet) {
    std::cerr << "cryptolake run " << env.run_id << ": " << plan->tasks.size() << " tasks over "
              << plan->files_owned << " archive files into " << config->lake_url << "\n";
  }
  Result<runner::RunSummary> summary = runner::ExecuteRun(*config, *plan, env);
  printer.Stop();
  if (!summary.ok()) {
    std::cerr << "cryptolake run: " << summary.status().ToString() << "\n";
    return kExitFailed;
  }
  Status written = runner::WriteRunSummary(*summary, lake->get(), config->summary_path);
  std::cout << summary->Format();
  std::cout << "summary: " << config->summary_path << " and "
            << runner::RunRecordKey(summary->run_id) << " in the lake\n";
  std::cout.flush();
  if (!written.ok()) {
    std::cerr << "cryptolake run: writing the summary failed: " << written.ToString() << "\n";
  }
  if (summary->interrupted) return 128 + g_signal.load();
  if (!written.ok()) return kExitFailed;
  return summary->Outcome() == "succeeded" ? kExitOk : kExitFailed;
}
}  // namespace

}  // namespace cryptolake::cli
