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
  cmd->add_option("--market", f.market, MarketHelp())
      ->required()
      ->check(CLI::IsMember(MarketNames()));
  cmd->add_option("--data-type", f.data_type, DataTypeHelp())->required();
  cmd->add_option("--interval", f.interval, IntervalHelp());
  auto* symbols =
      cmd->add_option("--symbols", f.symbols, "Comma-separated symbols, e.g. BTCUSDT,ETHUSDT")
          ->delimiter(',');
  auto* all = cmd->add_flag("--all-symbols", f.all_symbols,
                            "Every symbol the lake's silver holds for this market and data type");
  symbols->excludes(all);
  cmd->add_option("--start", f.start, "First date, YYYY-MM-DD (inclusive)")->required();
  cmd->add_option("--end", f.end, "Last date, YYYY-MM-DD (inclusive)")->required();
  cmd->add_option("--period", f.period,
                  "daily or monthly archive files (monthly: every month overlapping the dates)")
      ->check(CLI::IsMember({"daily", "monthly"}))
      ->capture_default_str();
  cmd->add_flag("--print-metrics", f.print_metrics,
                "After the report, print the run's metrics (see --metrics-format)");
  AddMetricsFormatOption(cmd, &f.metrics_format);
}

Result<archive::DiscoveryQuery> GapDiscoveryQuery(const GapFlags& f) {
  if (f.symbols.empty() && !f.all_symbols) {
    return Status::InvalidArgument("give --symbols A,B or --all-symbols");
  }
  archive::DiscoveryQuery q;
  CL_ASSIGN_OR_RETURN(q.market, archive::ParseMarket(f.market));
  CL_ASSIGN_OR_RETURN(q.period, archive::ParsePeriod(f.period));
  q.data_type = f.data_type;
  q.interval = f.interval;
  q.symbols = f.symbols;
  q.all_symbols = f.all_symbols;
  q.start_date = f.start;
  q.end_date = f.end;
  CL_RETURN_IF_ERROR(archive::ValidateDiscoveryQuery(q));
  return q;
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
  Result<archive::DiscoveryQuery> query = GapDiscoveryQuery(f);
  if (!query.ok()) return usage(query.status());
  Result<MetricsFormat> metrics_format = ParseMetricsFormat(f.metrics_format);
  if (!metrics_format.ok()) return usage(metrics_format.status());
  Result<std::unique_ptr<storage::ObjectStore>> lake = storage::OpenObjectStore(f.lake);
  if (!lake.ok()) return usage(lake.status());

  RunMetrics metrics(/*keep_summary=*/f.print_metrics);
  lake::GapQuery gq;
  gq.lake = lake->get();
  gq.query = *query;
  Result<lake::GapReport> report = lake::DetectGaps(gq);
  if (!report.ok()) {
    std::cerr << "cryptolake gaps: " << report.status().ToString() << "\n";
    return report.status().IsInvalidArgument() ? kExitUsage : kExitCheckFailed;
  }
  std::cout << (f.json ? report->FormatJson(gq) : report->FormatTable());
  std::cout.flush();
  if (f.print_metrics) PrintMetrics(metrics, *metrics_format);
  return report->open_gaps() == 0 ? kExitOk : kExitGapsFound;
}

}  // namespace cryptolake::cli
