// The `cryptolake` command-line tool's subcommands.
//
// Each subcommand registers its flags on a CLI11 app and runs after parsing. Run functions return
// the process exit code: 0 when everything succeeded, 1 when some archive file failed (the summary
// names it) or the run could not complete, 2 for a usage error (bad flag values).
//
// Thread-safety: used from main() only.
#ifndef CRYPTOLAKE_TOOLS_CRYPTOLAKE_COMMANDS_H_
#define CRYPTOLAKE_TOOLS_CRYPTOLAKE_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cryptolake/lake/gap_detector.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/metrics/net/service_resource.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// The archive query flags `ingest`, `gaps` and `fill` share.
struct QueryFlags {
  std::string market;
  std::string data_type;
  std::string interval;
  std::vector<std::string> symbols;
  bool all_symbols = false;
  std::string start;
  std::string end;
  std::string period = "daily";
};

// Registers --market, --data-type, --interval, --symbols / --all-symbols (described by
// `all_symbols_help`), --start, --end and --period on `cmd`.
void AddQueryFlags(CLI::App* cmd, QueryFlags& flags, const std::string& all_symbols_help);

// Flags -> query: InvalidArgument when neither --symbols nor --all-symbols is given or the market
// or period is unknown. The rest (dates, names) is checked by archive::ValidateDiscoveryQuery.
Result<archive::DiscoveryQuery> ToDiscoveryQuery(const QueryFlags& flags);

// What a run over `queries` into the lake at `lake_url` handles, for its resource attributes:
// the queries' data types and markets (archive names, each once) and the lake's storage backend.
metrics::ServiceResourceOptions RunResource(const std::vector<archive::DiscoveryQuery>& queries,
                                            std::string_view lake_url);

struct IngestFlags {
  std::string source;
  std::string lake;
  QueryFlags query;
  int jobs = 1;
  std::string on_bad_rows = "fail";
  std::string compression = "zstd";
  std::string discover = "list";
  bool quiet = false;
  bool print_metrics = false;
  std::string metrics_format = "auto";
};

// Adds `ingest` to `app`; its callback stores the exit code in *exit_code.
CLI::App* AddIngestCommand(CLI::App& app, IngestFlags& flags, int* exit_code);
int RunIngestCommand(const IngestFlags& flags);

struct DemoFlags {
  std::string lake = "./demo-lake";
  bool keep_archive = false;
  int jobs = 2;
  bool no_metrics = false;
  std::string metrics_format = "auto";
};

CLI::App* AddDemoCommand(CLI::App& app, DemoFlags& flags, int* exit_code);
int RunDemoCommand(const DemoFlags& flags);

// Flags shared by `gaps` and `fill`.
struct GapFlags {
  std::string lake;
  QueryFlags query;
  bool json = false;
  int jobs = 2;
  bool print_metrics = false;
  std::string metrics_format = "auto";
};

// `gaps` exit codes: 0 no open gap, 1 open gaps found, 2 usage error, 3 the lake could not be
// checked (unreadable object, store error).
inline constexpr int kExitGapsFound = 1;
inline constexpr int kExitCheckFailed = 3;

CLI::App* AddGapsCommand(CLI::App& app, GapFlags& flags, int* exit_code);
int RunGapsCommand(const GapFlags& flags);
CLI::App* AddFillCommand(CLI::App& app, GapFlags& flags, int* exit_code);
int RunFillCommand(const GapFlags& flags);

// `validate` (validate_command.cc): the observability checklist. Exit 0 when no check failed
// (skips allowed), 1 when one failed, 2 for a usage error.
struct ValidateFlags {
  std::string endpoint;
  std::string protocol;
  bool json = false;
  int timeout_ms = 5000;
};
CLI::App* AddValidateCommand(CLI::App& app, ValidateFlags& flags, int* exit_code);
int RunValidateCommand(const ValidateFlags& flags);

// `status` (status_command.cc): what the lake holds. Exit 0 scanned, 1 some records unreadable,
// 2 usage error, 3 the lake could not be read or the --html file not written.
struct StatusFlags {
  std::string lake;
  bool json = false;
  std::string html;
  bool check_gaps = false;
  int runs = 10;
  int jobs = 8;
};
CLI::App* AddStatusCommand(CLI::App& app, StatusFlags& flags, int* exit_code);
int RunStatusCommand(const StatusFlags& flags);
// `gold` (gold_command.cc): build gold from silver. Exit 0 every partition built or up to date,
// 1 some partition failed, 2 usage error.
struct GoldFlags {
  std::string lake;
  std::string market;
  std::string data_type = "klines";
  std::vector<std::string> symbols;
  bool all_symbols = false;
  std::string start, end;
  std::vector<std::string> intervals = {"5m", "15m", "1h", "4h", "1d"};
  int jobs = 1;
  bool force = false;
  bool json = false;
  std::string compression = "zstd";
};
CLI::App* AddGoldCommand(CLI::App& app, GoldFlags& flags, int* exit_code);
int RunGoldCommand(const GoldFlags& flags);

// Registers the flags `gaps` and `fill` share on `cmd`.
void AddGapQueryFlags(CLI::App* cmd, GapFlags& flags);

// Help texts shared by the commands.
std::vector<std::string> MarketNames();
std::string MarketHelp();
std::string DataTypeHelp();
std::string IntervalHelp();

// Prints the summary of a run to stdout and failures to stderr; used by both commands.
void PrintSummary(const lake::IngestSummary& summary, const std::string& title);

// Prints the run's metrics under a heading, as a table or one OTLP/JSON line.
class RunMetrics;
enum class MetricsFormat;
void PrintMetrics(RunMetrics& metrics, MetricsFormat format);

// What `gaps` and `fill` parse and open before they run: the checked query on the opened lake
// and the metrics format. InvalidArgument (a usage error) when a flag is bad or the lake URL
// cannot be opened.
struct GapRun {
  std::unique_ptr<storage::ObjectStore> lake;
  lake::GapQuery query;  // query.lake points into `lake`
  MetricsFormat metrics_format;
};
Result<GapRun> PrepareGapRun(const GapFlags& flags);

// Adds --metrics-format to `cmd`, storing into `*format`.
void AddMetricsFormatOption(CLI::App* cmd, std::string* format);

// A progress callback printing one refreshing line to stderr when it is a terminal; empty
// function otherwise.
std::function<void(const lake::IngestProgress&)> TerminalProgress();

// `run` (run_command.cc): the configured workflow (docs/runner.md). Exit 0 every task
// succeeded or had nothing to do, 1 some task failed, 2 usage or config error, 130/143 stopped
// by SIGINT/SIGTERM.
struct RunFlags {
  std::string config;
  std::string lake, source, steps, task_timeout, summary, shard;
  int io_workers = 0, cpu_workers = 0, max_attempts = 0, shard_count = 0;  // 0 = not given
  bool dry_run = false;
  bool quiet = false;
};
CLI::App* AddRunCommand(CLI::App& app, RunFlags& flags, int* exit_code);
int RunRunCommand(const RunFlags& flags);

}  // namespace cryptolake::cli

#endif  // CRYPTOLAKE_TOOLS_CRYPTOLAKE_COMMANDS_H_
