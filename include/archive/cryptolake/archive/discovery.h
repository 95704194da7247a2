// Discovery: which archive files exist for a market/type/symbol/date query.
//
// With an explicit symbol list, each symbol's folder is listed; with
// all_symbols, the data type's folder is listed for symbol prefixes first.
// Only .zip keys that have a .CHECKSUM sidecar are returned (the others are
// reported to the caller); keys whose date lies outside the range, or that do
// not parse as archive paths, are ignored. Results are sorted by ZipPath().
// CandidateFiles() generates the expected files by date without listing (for
// sources whose listing is stale or unavailable; a missing one then shows up
// as NotFound when fetched).
//
// Thread-safety: pure functions over a thread-safe ArchiveSource.
#ifndef CRYPTOLAKE_ARCHIVE_DISCOVERY_H_
#define CRYPTOLAKE_ARCHIVE_DISCOVERY_H_

#include <string>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/archive/archive_source.h"
#include "cryptolake/common/status.h"

namespace cryptolake::archive {

struct DiscoveryQuery {
  Market market = Market::kSpot;
  Period period = Period::kDaily;
  std::string data_type;  // "klines", "aggTrades", ...
  // The interval level of kline-class types ("1m"); empty for every other
  // type. Which types have one is the caller's knowledge (the lake's
  // DataTypeSchema::CheckInterval); here a non-empty interval simply adds the
  // path level.
  std::string interval;
  std::vector<std::string> symbols;  // Explicit symbols, or...
  bool all_symbols = false;          // ...every symbol found under the type's folder.
  // Inclusive range, both "YYYY-MM-DD". Monthly: every month overlapping it.
  std::string start_date;
  std::string end_date;
};

// InvalidArgument if the query is inconsistent (bad dates, start > end, no
// symbols and not all_symbols, a data type or interval that is not a plain
// name).
Status ValidateDiscoveryQuery(const DiscoveryQuery& query);

// Lists the source and returns the matching files that have a .CHECKSUM.
// Zip paths in range that lack one are appended to *zips_without_checksum
// when it is non-null. Listing errors are returned as is.
Result<std::vector<ArchiveFile>> DiscoverFiles(
    ArchiveSource& source, const DiscoveryQuery& query,
    std::vector<std::string>* zips_without_checksum = nullptr);

// The files the query would cover if every day (or month) existed, without
// listing. REQUIRES: !query.all_symbols (InvalidArgument otherwise).
Result<std::vector<ArchiveFile>> CandidateFiles(const DiscoveryQuery& query);

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_ARCHIVE_DISCOVERY_H_
