// RunConfig: what `cryptolake run` does, from a TOML file (docs/runner.md has the reference),
// the environment and command-line flags, in that order of increasing precedence:
//
//   file (LoadRunConfig)  <  environment (ApplyEnvironment)  <  flags (ApplyOverrides)
//
// then ValidateRunConfig. Errors are InvalidArgument and name the file, the key and, for
// problems the TOML parser or a value check can place, the line: "lake.toml:12: [run]
// workers and max_attempts must be 1..4096".
//
// Thread-safety: plain values and pure functions.
#ifndef CRYPTOLAKE_RUNNER_RUN_CONFIG_H_
#define CRYPTOLAKE_RUNNER_RUN_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/runner/shard.h"

namespace cryptolake::runner {

// One [[datasets]] entry.
struct DatasetConfig {
  std::string market = "um";
  std::string data_type = "klines";
  std::vector<std::string> intervals;  // kline-class types only; one dataset per interval
  std::vector<std::string> symbols;    // empty when all_symbols
  bool all_symbols = false;            // symbols = "all": every symbol the source lists
  std::string start;                   // "YYYY-MM-DD"
  std::string end = "yesterday";       // "YYYY-MM-DD" or "yesterday" (UTC)
  std::string period = "daily";        // "daily" | "monthly"
  int line = 0;                        // where the entry starts in the file (0 = unknown)
};

// [metrics]: defaults for the OTEL_* environment the metrics SDK reads (a real environment
// variable wins; see MetricsEnvironmentDefaults).
struct MetricsConfig {
  bool present = false;           // the file has a [metrics] table (otherwise nothing is defaulted)
  std::string exporter = "none";  // otlp | prometheus | console | none
  std::string endpoint;           // OTLP endpoint
  std::string protocol = "grpc";  // grpc | http/protobuf
  std::chrono::milliseconds interval{60000};
  std::string environment;  // deployment.environment.name ("" = the SDK's default)
  double high_volume_sample_rate = 1.0;
};

struct RunConfig {
  std::string config_path;  // the file read ("" when none)
  // [lake]
  std::string lake_url = "./lake";
  std::string source;  // "" = https://data.binance.vision
  // [run]
  std::vector<std::string> steps = {"ingest", "gaps", "fill", "gold"};
  int io_workers = 4;
  int cpu_workers = 2;
  int max_attempts = 3;
  std::chrono::milliseconds retry_initial_backoff{1000};
  std::chrono::milliseconds retry_max_backoff{30000};
  std::chrono::milliseconds task_timeout{600000};
  std::string summary_path = "collection_summary.json";
  std::string on_bad_rows = "fail";  // fail | quarantine
  std::vector<DatasetConfig> datasets;
  // [gold]
  std::vector<std::string> gold_intervals = {"5m", "15m", "1h", "4h", "1d"};
  MetricsConfig metrics;
  // Not in the file: --shard / CRYPTOLAKE_SHARD / JOB_COMPLETION_INDEX.
  ShardSpec shard;

  bool HasStep(std::string_view step) const;
};

// Parses TOML text; `path` names the file in messages. Unknown tables and keys are errors
// (a typo must not silently fall back to a default).
Result<RunConfig> LoadRunConfig(std::string_view toml_text, const std::string& path);
// Reads and parses the file at `path`.
Result<RunConfig> LoadRunConfigFile(const std::string& path);

// getenv-like: the value or nullptr.
using EnvLookup = std::function<const char*(const char*)>;

// CRYPTOLAKE_LAKE_URL, CRYPTOLAKE_SOURCE, CRYPTOLAKE_STEPS (comma list), CRYPTOLAKE_IO_WORKERS,
// CRYPTOLAKE_CPU_WORKERS, CRYPTOLAKE_MAX_ATTEMPTS, CRYPTOLAKE_TASK_TIMEOUT, CRYPTOLAKE_SUMMARY,
// CRYPTOLAKE_SHARD ("i/n"), JOB_COMPLETION_INDEX with CRYPTOLAKE_SHARD_COUNT (Kubernetes Indexed
// Jobs; CRYPTOLAKE_SHARD wins when both are set). Empty values count as unset. Errors name the
// variable.
Status ApplyEnvironment(const EnvLookup& env, RunConfig* config);

// Command-line values; set ones replace the config's.
struct RunOverrides {
  std::optional<std::string> lake_url, source, steps, summary_path, shard;
  std::optional<int> io_workers, cpu_workers, max_attempts, shard_count;
  std::optional<std::string> task_timeout;
  // JOB_COMPLETION_INDEX as seen by the program, for --shard-count.
  std::optional<int> job_completion_index;
};
// Errors name the flag.
Status ApplyOverrides(const RunOverrides& overrides, RunConfig* config);

// Checks ranges, names (steps, markets, data types, periods, intervals, exporter) and dates.
Status ValidateRunConfig(const RunConfig& config);

// "250ms", "1s", "10m", "2h" (a positive integer and a unit).
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// A dataset's inclusive date range with "yesterday" resolved against `today` ("YYYY-MM-DD",
// UTC; for a monthly dataset "yesterday" is the last day of the last complete month).
// InvalidArgument when a date does not parse or start > end.
struct DateRange {
  std::string start, end;
};
Result<DateRange> ResolveDates(const DatasetConfig& dataset, std::string_view today);
// Today's UTC date, "YYYY-MM-DD".
std::string UtcToday();

// The [metrics] section as OTEL_* variables (OTEL_METRICS_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_METRIC_EXPORT_INTERVAL, DEPLOYMENT_ENV,
// OTEL_HIGH_VOLUME_SAMPLE_RATE): the program sets each one the environment does not already set.
std::vector<std::pair<std::string, std::string>> MetricsEnvironmentDefaults(
    const MetricsConfig& metrics);

}  // namespace cryptolake::runner

#endif  // CRYPTOLAKE_RUNNER_RUN_CONFIG_H_
