// `cryptolake demo`: synthetic archive -> ingest -> summary -> a few rows read back -> gold.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "cryptolake/gold/gold_builder.h"
#include "cryptolake/lake/demo_archive.h"
#include "cryptolake/parquet/file_reader.h"
#include "cryptolake/storage/object_store.h"
#include "run_metrics.h"

namespace cryptolake::cli {
namespace {

namespace fs = std::filesystem;

std::string FormatMicros(int64_t us) {
  std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(us % 1'000'000));
  return buf;
}

std::string Cell(const parquet::ColumnBatch& b, size_t col, size_t row) {
  if (!b.IsValid(col, row)) return "null";
  switch (b.schema().columns[col].type) {
    case parquet::ColumnType::kBoolean:
      return b.Bool(col)[row] ? "true" : "false";
    case parquet::ColumnType::kInt32:
      return std::to_string(b.Int32(col)[row]);
    case parquet::ColumnType::kInt64:
      return std::to_string(b.Int64(col)[row]);
    case parquet::ColumnType::kTimestampMicros:
      return FormatMicros(b.Int64(col)[row]);
    case parquet::ColumnType::kString:
      return std::string(b.String(col)[row]);
    case parquet::ColumnType::kDouble: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.10g", b.Double(col)[row]);
      return buf;
    }
  }
  return "?";
}

// Reads the first silver file of the run back with parquet::FileReader and prints `rows` rows.
Status PrintSample(storage::ObjectStore& lake, const lake::IngestSummary& summary, size_t rows) {
  for (const lake::FileReport& f : summary.files) {
    if (f.silver_files.empty()) continue;
    const std::string& key = f.silver_files.front();
    CL_ASSIGN_OR_RETURN(std::string bytes, lake.Get(key));
    CL_ASSIGN_OR_RETURN(parquet::FileReader reader, parquet::FileReader::Open(std::move(bytes)));
    CL_ASSIGN_OR_RETURN(parquet::ColumnBatch batch, reader.ReadRowGroup(0));
    std::cout << "-- " << key << " (" << reader.num_rows() << " rows), first "
              << std::min(rows, batch.num_rows()) << ":\n";
    for (size_t r = 0; r < std::min(rows, batch.num_rows()); ++r) {
      std::cout << "   ";
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        std::cout << (c ? ", " : "") << batch.schema().columns[c].name << "=" << Cell(batch, c, r);
      }
      std::cout << "\n";
    }
    return Status::OK();
  }
  return Status::OK();
}

}  // namespace

CLI::App* AddDemoCommand(CLI::App& app, DemoFlags& f, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Offline tour: generate a synthetic Binance archive mirror in a temp directory (spot and\n"
      "USD-M 1m klines, COIN-M aggTrades, USD-M monthly fundingRate, all with .CHECKSUM files),\n"
      "ingest it into --lake exactly like `cryptolake ingest`, print the summary and a few rows\n"
      "read back from the Parquet files. No network, no server.");
  cmd->add_option("--lake", f.lake, "Lake directory to write")->capture_default_str();
  cmd->add_flag("--keep-archive", f.keep_archive,
                "Keep the generated archive mirror and print where it is");
  cmd->add_option("--jobs", f.jobs, "Worker threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_flag("--no-metrics", f.no_metrics, "Do not print the run's metrics at the end");
  AddMetricsFormatOption(cmd, &f.metrics_format);
  cmd->callback([&f, exit_code] { *exit_code = RunDemoCommand(f); });
  return cmd;
}

int RunDemoCommand(const DemoFlags& f) {
  std::string tmpl = (fs::temp_directory_path() / "cryptolake-demo-archive.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::cerr << "cryptolake demo: cannot create a temporary directory under "
              << fs::temp_directory_path() << "\n";
    return kExitFailed;
  }
  const fs::path archive_dir = tmpl;
  struct Cleanup {
    const fs::path& dir;
    bool keep;
    ~Cleanup() {
      std::error_code ec;
      if (!keep) fs::remove_all(dir, ec);
    }
  } cleanup{archive_dir, f.keep_archive};

  Result<lake::DemoArchive> demo = lake::GenerateDemoArchive(archive_dir);
  if (!demo.ok()) {
    std::cerr << "cryptolake demo: " << demo.status().ToString() << "\n";
    return kExitFailed;
  }
  std::cout << "Generated a synthetic archive mirror: " << demo->files.size() << " zip files, "
            << demo->csv_rows << " CSV rows"
            << (f.keep_archive ? " in " + archive_dir.string() : "") << "\n";
  Result<std::unique_ptr<storage::ObjectStore>> opened = storage::OpenObjectStore(f.lake);
  if (!opened.ok()) {
    std::cerr << "cryptolake demo: " << opened.status().message() << "\n";
    return kExitUsage;
  }
  std::unique_ptr<storage::ObjectStore> lake_store = std::move(opened).value();
  Result<MetricsFormat> metrics_format = ParseMetricsFormat(f.metrics_format);
  if (!metrics_format.ok()) {
    std::cerr << "cryptolake demo: " << metrics_format.status().message() << "\n";
    return kExitUsage;
  }
  RunMetrics metrics(/*keep_summary=*/!f.no_metrics, RunResource(demo->datasets, f.lake));
  int exit_code = kExitOk;
  for (const lake::DemoDataset& d : demo->datasets) {
    lake::IngestOptions o;
    o.source = archive_dir.string();
    o.lake = lake_store.get();
    o.query = d;
    o.jobs = f.jobs;
    o.on_progress = TerminalProgress();
    std::string title = "cryptolake ingest --market " + std::string(archive::MarketName(d.market)) +
                        " --period " + std::string(archive::PeriodName(d.period)) +
                        " --data-type " + d.data_type +
                        (d.interval.empty() ? "" : " --interval " + d.interval) + " --symbols ";
    for (size_t i = 0; i < d.symbols.size(); ++i) title += (i ? "," : "") + d.symbols[i];
    title += " --start " + d.start_date + " --end " + d.end_date;
    Result<lake::IngestSummary> summary = lake::RunIngest(o);
    if (!summary.ok()) {
      std::cerr << "cryptolake demo: " << summary.status().ToString() << "\n";
      return kExitFailed;
    }
    PrintSummary(*summary, title);
    if (!summary->ok()) exit_code = kExitFailed;
    if (Status s = PrintSample(*lake_store, *summary, 3); !s.ok()) {
      std::cerr << "cryptolake demo: reading back: " << s.ToString() << "\n";
      exit_code = kExitFailed;
    }
    std::cout << "\n";
  }
  // Gold from every demo dataset gold has a product for (1m klines, aggTrades, fundingRate).
  for (const lake::DemoDataset& d : demo->datasets) {
    const bool klines_1m = d.data_type == "klines" && d.interval == "1m";
    if (!klines_1m && d.data_type != "aggTrades" && d.data_type != "trades" &&
        d.data_type != "fundingRate") {
      continue;
    }
    gold::GoldRunOptions g;
    g.gold.lake = lake_store.get();
    g.query.lake = lake_store.get();
    g.query.market = std::string(archive::MarketName(d.market));
    g.query.source_type = d.data_type;
    g.query.symbols = d.symbols;
    g.query.start = d.start_date;
    g.query.end = d.end_date;
    g.jobs = f.jobs;
    Result<gold::GoldSummary> gold_summary = gold::RunGold(g);
    std::cout << "cryptolake gold --market " << g.query.market << " --data-type " << d.data_type
              << "\n";
    if (!gold_summary.ok()) {
      std::cerr << "cryptolake demo: gold: " << gold_summary.status().ToString() << "\n";
      exit_code = kExitFailed;
      continue;
    }
    std::cout << "  " << gold_summary->Format();
    if (!gold_summary->ok()) exit_code = kExitFailed;
  }
  std::cout
      << "\nLake written to " << lake_store->Describe()
      << " (bronze/, silver/, gold/, _ledger/, _gold/).\n"
      << "Query it, e.g. with DuckDB:\n"
      << "  SELECT symbol, count(*), min(ts_event), max(close) FROM read_parquet('" << f.lake
      << "/silver/klines/**/*.parquet', hive_partitioning=true) GROUP BY ALL;\n"
      << "  SELECT symbol, interval, count(*), count(*) FILTER (NOT complete) FROM read_parquet('"
      << f.lake << "/gold/klines/**/*.parquet', hive_partitioning=true) GROUP BY ALL;\n"
      << "See what it holds: cryptolake status --lake " << f.lake << "\n"
      << "Run the demo again: nothing is re-ingested (the ledger has every file).\n";
  if (!f.no_metrics) PrintMetrics(metrics, *metrics_format);
  return exit_code;
}

}  // namespace cryptolake::cli
