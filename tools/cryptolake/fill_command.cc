// `cryptolake fill`: fetch the lake's open gaps from Binance's REST API into silver
// (lake/gap_filler.h).
#include <iostream>
#include <string>

#include "commands.h"
#include "cryptolake/lake/gap_filler.h"
#include "cryptolake/rest/binance_rest_client.h"
#include "cryptolake/storage/object_store.h"
#include "run_metrics.h"

namespace cryptolake::cli {

CLI::App* AddFillCommand(CLI::App& app, GapFlags& f, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "fill",
      "Fill the lake's open gaps (what `cryptolake gaps` reports) from Binance's public REST\n"
      "API: klines (spot, um, cm), aggTrades (spot, um, cm) and fundingRate (um, cm). Rows go\n"
      "through the archive's parser and checks into the same silver objects, marked\n"
      "source=rest; the archive replaces them when it publishes the day. Requests stay under\n"
      "Binance's request-weight limits (shared by all --jobs) and honour 429/418 Retry-After.\n"
      "Ranges REST has no rows for are recorded, so a re-run with nothing to fill sends no\n"
      "request. Base URLs: CRYPTOLAKE_BINANCE_SPOT_URL, _UM_URL, _CM_URL.\n"
      "Exit status: 0 every open gap filled or confirmed empty, 1 some file failed or is not\n"
      "fillable, 2 usage error, 3 the lake could not be read.");
  AddGapQueryFlags(cmd, f);
  cmd->add_option("--jobs", f.jobs, "Worker threads (symbols are filled in parallel)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->footer(
      "Example:\n"
      "  cryptolake fill --lake ./lake --market spot --data-type klines --interval 1m \\\n"
      "      --symbols BTCUSDT --start 2024-01-01 --end 2024-01-31");
  cmd->callback([&f, exit_code] { *exit_code = RunFillCommand(f); });
  return cmd;
}

int RunFillCommand(const GapFlags& f) {
  auto usage = [](const Status& s) {
    std::cerr << "cryptolake fill: " << s.message() << "\n";
    return kExitUsage;
  };
  Result<GapRun> run = PrepareGapRun(f);
  if (!run.ok()) return usage(run.status());

  RunMetrics metrics(/*keep_summary=*/f.print_metrics, RunResource({run->query.query}, f.lake));
  rest::BinanceRestClient client(rest::RestClientOptions::FromEnvironment());
  lake::FillOptions o;
  o.gaps = run->query;
  o.client = &client;
  o.jobs = f.jobs;
  Result<lake::FillSummary> summary = lake::RunFill(o);
  if (!summary.ok()) {
    std::cerr << "cryptolake fill: " << summary.status().ToString() << "\n";
    return summary.status().IsInvalidArgument() ? kExitUsage : kExitCheckFailed;
  }
  std::cout << summary->Format();
  std::cout.flush();
  if (f.print_metrics) PrintMetrics(metrics, run->metrics_format);
  return summary->ok() && summary->files_not_fillable == 0 ? kExitOk : kExitFailed;
}

}  // namespace cryptolake::cli
