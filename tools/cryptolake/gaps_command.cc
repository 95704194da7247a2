// `cryptolake gaps`: what a lake is missing, from silver and the ledger (lake/gap_detector.h).
#include <unistd.h>

#include <iostream>
#include <string>

#include "commands.h"
#include "cryptolake/archive/archive_file.h"
#include "cryptolake/lake/gap_detector.h"
#include "cryptolake/storage/object_store.h"
#include "run_metrics.h"

namespace cryptolake::cli {

void AddGapQueryFlags(CLI::App* cmd, GapFlags& f) {
  cmd->add_option("--lake", f.lake, "Lake: a directory, file:///path or s3://bucket/prefix")
      ->required();
  AddQueryFlags(cmd, f.query, "Every symbol the lake's silver holds for this market and data type");
  cmd->add_flag("--print-metrics", f.print_metrics,
                "After the report, print the run's metrics (see --metrics-format)");
  AddMetricsFormatOption(cmd, &f.metrics_format);
}

Result<GapRun> PrepareGapRun(const GapFlags& f) {
  GapRun run;
  CL_ASSIGN_OR_RETURN(run.query.query, ToDiscoveryQuery(f.query));
  CL_RETURN_IF_ERROR(archive::ValidateDiscoveryQuery(run.query.query));
  CL_ASSIGN_OR_RETURN(run.metrics_format, ParseMetricsFormat(f.metrics_format));
  CL_ASSIGN_OR_RETURN(run.lake, storage::OpenObjectStore(f.lake));
  run.query.lake = run.lake.get();
  return run;
}

CLI::App* AddGapsCommand(CLI::App& app, GapFlags& f, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "gaps",
      "Find what the lake is missing, from silver and the ledger (bronze is not read):\n"
      "missing days (with why: not in the archive's listing, 404, no .CHECKSUM, not yet\n"
      "published, or never ingested), missing kline bars, duplicate or out-of-order times,\n"
      "aggTrade/trade id discontinuities, missing funding rows. Ranges are half-open\n"
      "[start, end) in UTC. Exit status: 0 no open gap, 1 open gaps found, 2 usage error,\n"
      "3 the lake could not be read.");
  AddGapQueryFlags(cmd, f);
  cmd->add_flag("--json", f.json,
                "Print JSON (ranges in µs since the epoch and ISO-8601) instead of a table");
  cmd->footer(
      "Example:\n"
      "  cryptolake gaps --lake ./lake --market spot --data-type klines --interval 1m \\\n"
      "      --symbols BTCUSDT --start 2024-01-01 --end 2024-01-31\n"
      "Then `cryptolake fill` with the same flags fetches the open gaps from Binance's REST API.");
  cmd->callback([&f, exit_code] { *exit_code = RunGapsCommand(f); });
  return cmd;
}

int RunGapsCommand(const GapFlags& f) {
  auto usage = [](const Status& s) {
    std::cerr << "cryptolake gaps: " << s.message() << "\n";
    return kExitUsage;
  };
  Result<GapRun> run = PrepareGapRun(f);
  if (!run.ok()) return usage(run.status());
  const lake::GapQuery& gq = run->query;

  RunMetrics metrics(/*keep_summary=*/f.print_metrics, RunResource({run->query.query}, f.lake));
  Result<lake::GapReport> report = lake::DetectGaps(gq);
  if (!report.ok()) {
    std::cerr << "cryptolake gaps: " << report.status().ToString() << "\n";
    return report.status().IsInvalidArgument() ? kExitUsage : kExitCheckFailed;
  }
  std::cout << (f.json ? report->FormatJson(gq) : report->FormatTable());
  std::cout.flush();
  if (f.print_metrics) PrintMetrics(metrics, run->metrics_format);
  return report->open_gaps() == 0 ? kExitOk : kExitGapsFound;
}

}  // namespace cryptolake::cli
