// `cryptolake ingest`: flags -> IngestOptions -> RunIngest -> summary and exit code.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "commands.h"
#include "cryptolake/archive/archive_file.h"
#include "cryptolake/lake/data_type_schema.h"
#include "cryptolake/storage/object_store.h"
#include "run_metrics.h"

namespace cryptolake::cli {
namespace {

Result<parquet::Compression> ParseCompression(std::string_view name) {
  if (name == "zstd") return parquet::Compression::kZstd;
  if (name == "snappy") return parquet::Compression::kSnappy;
  if (name == "none" || name == "uncompressed") return parquet::Compression::kUncompressed;
  return Status::InvalidArgument("--compression must be zstd, snappy or none, got '" +
                                 std::string(name) + "'");
}

// "a, b or c".
std::string JoinChoices(const std::vector<std::string>& items, const char* last_sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? last_sep : ", ";
    out += items[i];
  }
  return out;
}

// Appends `items` to `out` as a comma-separated list wrapped at about 88 columns, each
// continuation line starting with `indent`.
void AppendWrapped(std::string* out, const std::vector<std::string>& items, size_t column,
                   const std::string& indent) {
  for (size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    if (i > 0 && column + 1 + item.size() > 88) {
      *out += "\n" + indent;
      column = indent.size();
    } else if (i > 0) {
      *out += ' ';
      ++column;
    }
    *out += item;
    column += item.size();
  }
}

}  // namespace

std::vector<std::string> MarketNames() {
  std::vector<std::string> names;
  for (archive::Market m : archive::kAllMarkets) names.emplace_back(archive::MarketName(m));
  return names;
}

// "--market" help: every market with its description, from archive::kAllMarkets.
std::string MarketHelp() {
  std::vector<std::string> items;
  for (archive::Market m : archive::kAllMarkets) {
    std::string name(archive::MarketName(m));
    std::string_view description = archive::MarketDescription(m);
    items.push_back(description == name ? name : name + " (" + std::string(description) + ")");
  }
  return "Market: " + JoinChoices(items, " or ");
}

// "--data-type" help: the declared data types per market (markets with the same list share a
// line), generated from the data-type table.
std::string DataTypeHelp() {
  std::vector<std::pair<std::string, std::vector<std::string>>> lines;  // markets -> types
  for (archive::Market m : archive::kAllMarkets) {
    std::vector<std::string> types;
    for (const lake::DataTypeSchema& s : lake::AllDataTypeSchemas()) {
      if (s.CsvColumns(m) == nullptr) continue;
      std::string t = s.data_type;
      if (!s.daily) t += " (monthly only)";
      if (!s.monthly) t += " (daily only)";
      types.push_back(std::move(t));
    }
    std::string market(archive::MarketName(m));
    if (!lines.empty() && lines.back().second == types) {
      lines.back().first += ", " + market;
    } else {
      lines.emplace_back(market, std::move(types));
    }
  }
  std::string help = "Archive data type, by the archive's own name:";
  for (const auto& [markets, types] : lines) {
    help += "\n  " + markets + ": ";
    AppendWrapped(&help, types, 4 + markets.size(), std::string(4 + markets.size(), ' '));
  }
  return help;
}

// "--interval" help, naming the kline-class types of the data-type table.
std::string IntervalHelp() {
  std::vector<std::string> kline_class;
  for (const lake::DataTypeSchema& s : lake::AllDataTypeSchemas()) {
    if (s.has_interval) kline_class.push_back(s.data_type);
  }
  std::string help =
      "Kline interval: 1s (spot) 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1mo.\n"
      "Required for ";
  AppendWrapped(&help, kline_class, 13, "");
  help += ";\nnot allowed for other types";
  return help;
}

std::function<void(const lake::IngestProgress&)> TerminalProgress() {
  if (!isatty(STDERR_FILENO)) return {};
  return [](const lake::IngestProgress& p) {
    std::fprintf(stderr, "\r\033[K%s", p.Format().c_str());
    if (p.files_done == p.files_total) std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  };
}

void PrintMetrics(RunMetrics& metrics, MetricsFormat format) {
  Result<std::string> text = metrics.CollectSummary(format);
  if (!text.ok()) {
    std::cerr << "cryptolake: collecting metrics failed: " << text.status().ToString() << "\n";
    return;
  }
  if (format == MetricsFormat::kTable) {
    std::cout << "== run metrics\n" << *text;
    if (!text->empty() && text->back() != '\n') std::cout << "\n";
  } else {
    std::cout << "== run metrics (OTLP/JSON ExportMetricsServiceRequest)\n" << *text << "\n";
  }
  std::cout.flush();
}

void AddMetricsFormatOption(CLI::App* cmd, std::string* format) {
  cmd->add_option("--metrics-format", *format,
                  "How the run's metrics are printed: table, otlp-json (one OTLP/JSON line) or\n"
                  "auto (table on a terminal, otlp-json otherwise)")
      ->check(CLI::IsMember({"auto", "table", "otlp-json"}))
      ->capture_default_str();
}

void AddQueryFlags(CLI::App* cmd, QueryFlags& f, const std::string& all_symbols_help) {
  cmd->add_option("--market", f.market, MarketHelp())
      ->required()
      ->check(CLI::IsMember(MarketNames()));
  cmd->add_option("--data-type", f.data_type, DataTypeHelp())->required();
  cmd->add_option("--interval", f.interval, IntervalHelp());
  auto* symbols =
      cmd->add_option("--symbols", f.symbols, "Comma-separated symbols, e.g. BTCUSDT,ETHUSDT")
          ->delimiter(',');
  auto* all = cmd->add_flag("--all-symbols", f.all_symbols, all_symbols_help);
  symbols->excludes(all);
  cmd->add_option("--start", f.start, "First date, YYYY-MM-DD (inclusive)")->required();
  cmd->add_option("--end", f.end, "Last date, YYYY-MM-DD (inclusive)")->required();
  cmd->add_option("--period", f.period,
                  "daily or monthly archive files (monthly: every month overlapping the dates)")
      ->check(CLI::IsMember({"daily", "monthly"}))
      ->capture_default_str();
}

Result<archive::DiscoveryQuery> ToDiscoveryQuery(const QueryFlags& f) {
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
  return q;
}

metrics::ServiceResourceOptions RunResource(const std::vector<archive::DiscoveryQuery>& queries,
                                            std::string_view lake_url) {
  std::vector<std::string> data_types;
  std::vector<std::string> markets;
  for (const archive::DiscoveryQuery& q : queries) {
    data_types.push_back(q.data_type);
    markets.emplace_back(archive::MarketName(q.market));
  }
  metrics::ServiceResourceOptions resource;
  resource.data_types = metrics::CommaList(data_types);
  resource.market_types = metrics::CommaList(markets);
  resource.storage_backend = metrics::StorageBackendOf(lake_url);
  return resource;
}

void PrintSummary(const lake::IngestSummary& summary, const std::string& title) {
  if (!title.empty()) std::cout << "== " << title << "\n";
  std::cout << summary.Format();
  std::cout.flush();
}

CLI::App* AddIngestCommand(CLI::App& app, IngestFlags& f, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Copy Binance public-archive files into the lake: verify each zip against its .CHECKSUM,\n"
      "keep it byte-identical under bronze/, and write typed Parquet under silver/.\n"
      "Flags mirror the archive path one to one, e.g. data/futures/um/daily/klines/BTCUSDT/1m/\n"
      "is --market um --period daily --data-type klines --symbols BTCUSDT --interval 1m.\n"
      "Re-running with the same flags writes nothing; republished archive files are re-ingested.\n"
      "Exit status: 0 all files ok or already ingested, 1 some file failed (listed in the\n"
      "summary), 2 usage error.");
  cmd->add_option("--source", f.source,
                  "Archive to read: a local directory mirroring the archive (contains data/...),\n"
                  "or an http(s) base URL. Default: https://data.binance.vision");
  cmd->add_option("--lake", f.lake, "Lake directory to write (created if missing)")->required();
  AddQueryFlags(cmd, f.query, "Every symbol the archive lists for this market and data type");
  cmd->add_option("--jobs", f.jobs, "Worker threads in total (downloads, parsing, encoding)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--on-bad-rows", f.on_bad_rows,
                  "fail: a bad row fails its file (error names file, line, column, value);\n"
                  "quarantine: bad rows go to rejects-<sha>.csv beside the partition")
      ->check(CLI::IsMember({"fail", "quarantine"}))
      ->capture_default_str();
  cmd->add_option("--compression", f.compression, "Parquet page compression: zstd, snappy or none")
      ->check(CLI::IsMember({"zstd", "snappy", "none"}))
      ->capture_default_str();
  cmd->add_option("--discover", f.discover,
                  "list: list the archive for existing files (default); dates: expect one file\n"
                  "per date/month and report missing ones as failures (explicit symbols only)")
      ->check(CLI::IsMember({"list", "dates"}))
      ->capture_default_str();
  cmd->add_flag("--quiet", f.quiet, "No progress line");
  cmd->add_flag("--print-metrics", f.print_metrics,
                "After the summary, print the run's metrics (records, bytes, files, download\n"
                "latency, active workflows); see --metrics-format. Export to a backend is\n"
                "configured with OTEL_* variables (docs/export.md)");
  AddMetricsFormatOption(cmd, &f.metrics_format);
  cmd->footer(
      "Examples:\n"
      "  cryptolake ingest --lake ./lake --market spot --data-type klines --interval 1m \\\n"
      "      --symbols BTCUSDT,ETHUSDT --start 2024-01-01 --end 2024-01-31 --jobs 4\n"
      "  cryptolake ingest --lake ./lake --market um --period monthly --data-type fundingRate \\\n"
      "      --all-symbols --start 2024-01-01 --end 2024-06-30\n"
      "  cryptolake ingest --source ./mirror --lake ./lake --market cm --data-type aggTrades \\\n"
      "      --symbols BTCUSD_PERP --start 2026-05-08 --end 2026-05-08 --on-bad-rows quarantine\n"
      "Layout of the lake, idempotency and exit codes: docs/lake-layout.md");
  cmd->callback([&f, exit_code] { *exit_code = RunIngestCommand(f); });
  return cmd;
}

int RunIngestCommand(const IngestFlags& f) {
  auto usage = [](const Status& s) {
    std::cerr << "cryptolake ingest: " << s.message() << "\n";
    return kExitUsage;
  };
  lake::IngestOptions o;
  o.source = f.source;
  Result<archive::DiscoveryQuery> query = ToDiscoveryQuery(f.query);
  if (!query.ok()) return usage(query.status());
  o.query = *std::move(query);
  o.jobs = f.jobs;
  o.discovery = f.discover == "dates" ? lake::DiscoveryMode::kDates : lake::DiscoveryMode::kList;
  Result<lake::BadRowPolicy> policy = lake::ParseBadRowPolicy(f.on_bad_rows);
  if (!policy.ok()) return usage(policy.status());
  o.on_bad_rows = *policy;
  Result<parquet::Compression> compression = ParseCompression(f.compression);
  if (!compression.ok()) return usage(compression.status());
  o.parquet.compression = *compression;
  Result<std::unique_ptr<storage::ObjectStore>> lake_store = storage::OpenObjectStore(f.lake);
  if (!lake_store.ok()) return usage(lake_store.status());
  o.lake = lake_store->get();
  if (!f.quiet) o.on_progress = TerminalProgress();

  Result<MetricsFormat> metrics_format = ParseMetricsFormat(f.metrics_format);
  if (!metrics_format.ok()) return usage(metrics_format.status());
  // Always: the OTEL_* environment may configure export even without --print-metrics.
  RunMetrics metrics(/*keep_summary=*/f.print_metrics, RunResource({o.query}, f.lake));
  Result<lake::IngestSummary> summary = lake::RunIngest(o);
  if (!summary.ok()) {
    std::cerr << "cryptolake ingest: " << summary.status().ToString() << "\n";
    return summary.status().IsInvalidArgument() ? kExitUsage : kExitFailed;
  }
  PrintSummary(*summary, "");
  if (f.print_metrics) PrintMetrics(metrics, *metrics_format);
  return summary->ok() ? kExitOk : kExitFailed;
}

}  // namespace cryptolake::cli
