// Demo archive: a realistic synthetic Binance archive mirror, generated locally.
//
// GenerateDemoArchive() writes, under a directory, files laid out exactly like
// data.binance.vision (data/{spot|futures/um|futures/cm}/...), each zip holding one CSV in the real
// archive's format, with a correct .CHECKSUM sidecar ("<sha256>  <zip name>\n"):
//   - spot klines 1m, daily, no header, timestamps in microseconds (spot since 2025-01-01);
//   - USD-M klines 1m, daily, with the futures header row, timestamps in milliseconds;
//   - COIN-M aggTrades, daily, with header, milliseconds, lowercase true/false;
//   - USD-M fundingRate, monthly, with header (calc_time,funding_interval_hours,last_funding_rate).
// Prices follow a seeded geometric random walk per symbol, so every candle is consistent
// (low <= open, close <= high), ids increase and times never go backwards. The same options
// always produce byte-identical files. `cryptolake demo` ingests these with no network access.
//
// Thread-safety: GenerateDemoArchive() touches only its directory; concurrent calls on different
// directories are independent.
#ifndef CRYPTOLAKE_LAKE_DEMO_ARCHIVE_H_
#define CRYPTOLAKE_LAKE_DEMO_ARCHIVE_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/archive/discovery.h"
#include "cryptolake/common/status.h"

namespace cryptolake::lake {

struct DemoArchiveOptions {
  uint64_t seed = 20260430;
  // First UTC day generated ("YYYY-MM-DD") and how many consecutive days. The monthly
  // fundingRate file covers the month of first_day.
  std::string first_day = "2026-04-29";
  int days = 2;
  // COIN-M aggTrades rows per day.
  int agg_trades_per_day = 20000;
};

// One ingest the demo archive is meant for: the arguments of `cryptolake ingest` that cover a
// group of generated files.
// One ingest of the demo archive: exactly what `cryptolake ingest` takes.
using DemoDataset = archive::DiscoveryQuery;

struct DemoArchive {
  std::vector<archive::ArchiveFile> files;  // Every zip written (each has a .CHECKSUM).
  std::vector<DemoDataset> datasets;        // The ingests that cover all of them.
  int64_t csv_rows = 0;                     // Data rows over all CSVs (headers excluded).
};

// Writes the demo archive under `dir` (created if missing; existing files with the same names are
// replaced). InvalidArgument for bad options (days < 1, unparsable first_day, days crossing a
// month end are fine); IOError naming the file when writing fails.
Result<DemoArchive> GenerateDemoArchive(const std::filesystem::path& dir,
                                        const DemoArchiveOptions& options = {});

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_DEMO_ARCHIVE_H_
