// `cryptolake gold`: silver -> gold (gold/gold_builder.h), incremental through the gold ledger.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "cryptolake/gold/gold_builder.h"
#include "cryptolake/storage/object_store.h"
#include "run_metrics.h"

namespace cryptolake::cli {
namespace {

nlohmann::ordered_json PartitionJson(const gold::GoldPartition& p) {
  nlohmann::ordered_json j;
  j["product"] = std::string(gold::GoldProductName(p.product));
  j["market"] = p.market;
  j["symbol"] = p.symbol;
  j["source_type"] = p.source_type;
  j["period"] = p.period;
  return j;
}

std::string SummaryJson(const GoldFlags& f, const gold::GoldSummary& s) {
  nlohmann::ordered_json j;
  j["lake"] = f.lake;
  j["market"] = f.market;
  j["data_type"] = f.data_type;
  j["start"] = f.start;
  j["end"] = f.end;
  j["built"] = s.built;
  j["up_to_date"] = s.up_to_date;
  j["no_input"] = s.no_input;
  j["failed"] = s.failures.size();
  j["output_rows"] = s.output_rows;
  j["bytes_written"] = s.bytes_written;
  j["seconds"] = s.seconds;
  nlohmann::ordered_json parts = nlohmann::ordered_json::array();
  for (const gold::GoldPartitionReport& r : s.partitions) {
    nlohmann::ordered_json e = PartitionJson(r.partition);
    e["outcome"] = std::string(gold::GoldOutcomeName(r.outcome));
    e["input_rows"] = r.input_rows;
    e["output_rows"] = r.output_rows;
    e["bytes_written"] = r.bytes_written;
    e["incomplete_buckets"] = r.incomplete_buckets;
    e["gold_files"] = r.gold_files;
    parts.push_back(std::move(e));
  }
  j["partitions"] = std::move(parts);
  nlohmann::ordered_json failures = nlohmann::ordered_json::array();
  for (const auto& [p, status] : s.failures) {
    nlohmann::ordered_json e = PartitionJson(p);
    e["error"] = status.ToString();
    failures.push_back(std::move(e));
  }
  j["failures"] = std::move(failures);
  return j.dump(2) + "\n";
}

}  // namespace

CLI::App* AddGoldCommand(CLI::App& app, GoldFlags& f, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "gold",
      "Build gold tables from silver (docs/gold.md): klines resampled from 1m to --intervals\n"
      "plus one daily summary per day (--data-type klines), 1m trade bars (aggTrades or\n"
      "trades), daily funding aggregates per month (fundingRate). Only partitions whose silver\n"
      "inputs changed since the last build are rebuilt (the _gold/ ledger). Exit status: 0 every\n"
      "partition built or up to date, 1 some partition failed, 2 usage error.");
  cmd->add_option("--lake", f.lake, "Lake: a directory, file:///path or s3://bucket/prefix")
      ->required();
  cmd->add_option("--market", f.market, "spot, um or cm")
      ->required()
      ->check(CLI::IsMember({"spot", "um", "cm"}));
  cmd->add_option("--data-type", f.data_type,
                  "Silver input: klines, aggTrades, trades, fundingRate")
      ->check(CLI::IsMember({"klines", "aggTrades", "trades", "fundingRate"}))
      ->capture_default_str();
  auto* symbols =
      cmd->add_option("--symbols", f.symbols, "Comma-separated symbols, e.g. BTCUSDT,ETHUSDT")
          ->delimiter(',');
  auto* all = cmd->add_flag("--all-symbols", f.all_symbols, "Every symbol silver holds");
  symbols->excludes(all);
  cmd->add_option("--start", f.start, "First date, YYYY-MM-DD (inclusive)")->required();
  cmd->add_option("--end", f.end, "Last date, YYYY-MM-DD (inclusive; months overlapping count)")
      ->required();
  cmd->add_option("--intervals", f.intervals, "Kline intervals to build from 1m")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--jobs", f.jobs, "Worker threads (partitions are built in parallel)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_flag("--force", f.force, "Rebuild partitions the gold ledger says are up to date");
  cmd->add_flag("--json", f.json, "Print the summary as JSON");
  cmd->add_option("--compression", f.compression, "Parquet page compression: zstd, snappy, none")
      ->check(CLI::IsMember({"zstd", "snappy", "none"}))
      ->capture_default_str();
  cmd->footer(
      "Example:\n"
      "  cryptolake gold --lake ./lake --market um --data-type klines --symbols BTCUSDT \\\n"
      "      --start 2024-03-01 --end 2024-03-31");
  cmd->callback([&f, exit_code] { *exit_code = RunGoldCommand(f); });
  return cmd;
}

int RunGoldCommand(const GoldFlags& f) {
  auto usage = [](const std::string& message) {
    std::cerr << "cryptolake gold: " << message << "\n";
    return kExitUsage;
  };
  if (f.symbols.empty() && !f.all_symbols) return usage("give --symbols A,B or --all-symbols");
  Result<std::unique_ptr<storage::ObjectStore>> lake = storage::OpenObjectStore(f.lake);
  if (!lake.ok()) return usage(lake.status().message());
  archive::DiscoveryQuery resource_query;
  resource_query.data_type = f.data_type;
  if (Result<archive::Market> m = archive::ParseMarket(f.market); m.ok()) {
    resource_query.market = *m;
  }
  RunMetrics metrics(/*keep_summary=*/false, RunResource({resource_query}, f.lake));

  gold::GoldRunOptions o;
  o.gold.lake = lake->get();
  o.gold.intervals = f.intervals;
  o.gold.force = f.force;
  o.gold.parquet.compression = f.compression == "snappy" ? parquet::Compression::kSnappy
                               : f.compression == "none" ? parquet::Compression::kUncompressed
                                                         : parquet::Compression::kZstd;
  o.query = gold::GoldQuery{lake->get(), f.market, f.data_type, f.symbols, f.start, f.end};
  o.jobs = f.jobs;
  Result<gold::GoldSummary> summary = gold::RunGold(o);
  if (!summary.ok()) {
    if (summary.status().IsInvalidArgument()) return usage(summary.status().message());
    std::cerr << "cryptolake gold: " << summary.status().ToString() << "\n";
    return kExitFailed;
  }
  if (f.json) {
    std::cout << SummaryJson(f, *summary);
  } else {
    std::cout << summary->Format();
  }
  std::cout.flush();
  return summary->ok() ? kExitOk : kExitFailed;
}

}  // namespace cryptolake::cli
