// `cryptolake status`: what the lake holds, per dataset (lake/lake_inventory.h), as a table,
// JSON, or a self-contained HTML page (status_html.h).
#include <fstream>
#include <iostream>
#include <string>

#include "commands.h"
#include "cryptolake/lake/lake_inventory.h"
#include "cryptolake/storage/object_store.h"
#include "status_html.h"

namespace cryptolake::cli {

CLI::App* AddStatusCommand(CLI::App& app, StatusFlags& f, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "status",
      "What the lake holds: per dataset (market, data type, interval, symbol) the days held in\n"
      "bronze, silver and gold, rows, bytes, missing days and their causes, quarantined rows,\n"
      "what REST filled, and the last run naming it; then the last runs' throughput. One scan\n"
      "of the lake's keys (plus its small JSON records). Exit status: 0 scanned, 1 scanned but\n"
      "some records could not be read (listed), 2 usage error, 3 the lake could not be read or\n"
      "the --html file not written.");
  cmd->add_option("--lake", f.lake, "Lake: a directory, file:///path or s3://bucket/prefix")
      ->required();
  cmd->add_flag("--json", f.json, "Print JSON (schema in docs/status.md) instead of the table");
  cmd->add_option("--html", f.html,
                  "Also write a self-contained HTML page (coverage calendar per dataset, "
                  "runs' throughput) to this file");
  cmd->add_flag("--check-gaps", f.check_gaps,
                "Also look for missing bars / ids inside the days held (reads every silver "
                "object's time columns, like `cryptolake gaps`)");
  cmd->add_option("--runs", f.runs, "How many of the newest runs to show")
      ->check(CLI::Range(0, 100000))
      ->default_val(10);
  cmd->add_option("--jobs", f.jobs, "Threads reading the lake's JSON records at once")
      ->check(CLI::Range(1, 256))
      ->default_val(8);
  cmd->footer(
      "Example:\n"
      "  cryptolake status --lake ./lake --html status.html");
  cmd->callback([&f, exit_code] { *exit_code = RunStatusCommand(f); });
  return cmd;
}

int RunStatusCommand(const StatusFlags& f) {
  Result<std::unique_ptr<storage::ObjectStore>> store = storage::OpenObjectStore(f.lake);
  if (!store.ok()) {
    std::cerr << "cryptolake status: " << store.status().message() << "\n";
    return kExitUsage;
  }
  lake::InventoryOptions options;
  options.check_gaps = f.check_gaps;
  options.max_runs = f.runs;
  options.jobs = f.jobs;
  Result<lake::LakeInventory> inv = lake::ScanLake(**store, options);
  if (!inv.ok()) {
    std::cerr << "cryptolake status: " << inv.status().ToString() << "\n";
    return kExitCheckFailed;
  }
  std::cout << (f.json ? inv->FormatJson() : inv->FormatTable());
  std::cout.flush();
  if (!f.html.empty()) {
    std::ofstream out(f.html, std::ios::binary | std::ios::trunc);
    out << RenderStatusHtml(*inv);
    out.close();
    if (!out) {
      std::cerr << "cryptolake status: cannot write " << f.html << "\n";
      return kExitCheckFailed;
    }
    std::cerr << "cryptolake status: wrote " << f.html << "\n";
  }
  for (const std::string& p : inv->problems) std::cerr << "cryptolake status: " << p << "\n";
  return inv->problems.empty() ? kExitOk : kExitFailed;
}

}  // namespace cryptolake::cli
