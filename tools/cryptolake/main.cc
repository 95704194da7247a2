// cryptolake: the command-line entry point (`cryptolake ingest`, `demo`, `gaps`, `fill`,
// `validate`, `status`, `gold`, `run`).
#include <CLI/CLI.hpp>

#include "commands.h"
#include "cryptolake/common/version.h"

int main(int argc, char** argv) {
  CLI::App app(
      "cryptolake: a Binance market-data lakehouse.\n"
      "Copies files of the Binance public data archive (data.binance.vision) into a lake:\n"
      "bronze/ keeps each verified zip byte-identical, silver/ holds typed, Hive-partitioned\n"
      "Parquet that DuckDB, Polars or Spark read directly, on local disk or S3 (s3://).\n"
      "`gaps` finds what the lake is missing; `fill` fetches it from Binance's REST API.\n"
      "`gold` derives gold tables from silver. `status` shows what the lake holds.\n"
      "`run` does all of it from a TOML config (docs/runner.md).\n"
      "`validate` checks the metrics/observability setup.\n"
      "Start with `cryptolake demo`.",
      "cryptolake");
  app.require_subcommand(1);
  app.set_version_flag("--version", "cryptolake " CRYPTOLAKE_VERSION_STRING);
  int exit_code = cryptolake::cli::kExitOk;
  cryptolake::cli::IngestFlags ingest_flags;
  cryptolake::cli::DemoFlags demo_flags;
  cryptolake::cli::AddIngestCommand(app, ingest_flags, &exit_code);
  cryptolake::cli::AddDemoCommand(app, demo_flags, &exit_code);
  cryptolake::cli::GapFlags gaps_flags;
  cryptolake::cli::AddGapsCommand(app, gaps_flags, &exit_code);
  cryptolake::cli::GapFlags fill_flags;
  cryptolake::cli::AddFillCommand(app, fill_flags, &exit_code);
  cryptolake::cli::ValidateFlags validate_flags;
  cryptolake::cli::AddValidateCommand(app, validate_flags, &exit_code);
  cryptolake::cli::StatusFlags status_flags;
  cryptolake::cli::AddStatusCommand(app, status_flags, &exit_code);
  cryptolake::cli::GoldFlags gold_flags;
  cryptolake::cli::AddGoldCommand(app, gold_flags, &exit_code);
  cryptolake::cli::RunFlags run_flags;
  cryptolake::cli::AddRunCommand(app, run_flags, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse problem is a usage error (exit 2).
    int rc = app.exit(e);
    return rc == 0 ? cryptolake::cli::kExitOk : cryptolake::cli::kExitUsage;
  }
  return exit_code;
}
