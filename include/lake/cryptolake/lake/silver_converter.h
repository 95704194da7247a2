// ConvertCsvToSilver: turns one archive CSV (already extracted from its zip)
// into typed silver rows, validated and grouped by the UTC date of ts_event.
//
// The conversion is driven entirely by the data type's declaration
// (data_type_schema.h). Per file it:
//  - sniffs the header (csv_scanner.h) and checks its column count;
//  - decides the epoch time unit from the first epoch value: >= 1e15 means
//    microseconds, below means milliseconds (1e15 µs is 2001-09-09 and 1e15 ms
//    is year 33658, so the bands cannot be confused for real data). Every
//    later epoch value in the file must fall in the same band; a value from
//    the other band is a row error, never silently rescaled;
//  - parses every cell and validates every row: column count, cell syntax,
//    the declared rules (OHLC sanity, > 0, >= 0, non-decreasing time,
//    duplicate keys, rows inside the file's day/month);
//  - appends good rows to one parquet::ColumnBatch per UTC date.
// Error messages name the file, line (1-based, header counted), column and
// value, e.g. `BTCUSDT-1m-2022-09-05.csv line 17 column "high": value "abc" is
// not a number`.
//
// Bad rows: with BadRowPolicy::kFail the conversion returns the first error
// (Corruption). With kQuarantine, each bad row is copied verbatim with its line
// number and reason into SilverConversion::rejects_csv and counted, and the
// good rows continue. A file-level problem (wrong header, unknown type) fails
// under both policies.
//
// Thread-safety: ConvertCsvToSilver is reentrant; concurrent calls on
// different inputs are safe.
#ifndef CRYPTOLAKE_LAKE_SILVER_CONVERTER_H_
#define CRYPTOLAKE_LAKE_SILVER_CONVERTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/common/status.h"
#include "cryptolake/lake/data_type_schema.h"
#include "cryptolake/parquet/column_batch.h"

namespace cryptolake::lake {

enum class BadRowPolicy { kFail, kQuarantine };

// "fail", "quarantine".
std::string_view BadRowPolicyName(BadRowPolicy policy);
Result<BadRowPolicy> ParseBadRowPolicy(std::string_view name);

struct ConvertOptions {
  BadRowPolicy on_bad_rows = BadRowPolicy::kFail;
  // When the declaration asks for it, rows outside the archive file's day
  // (daily) or month (monthly) are errors. Switch off only for synthetic inputs
  // that deliberately span days.
  bool check_file_period = true;
};

enum class TimeUnit { kMilliseconds, kMicroseconds };

// The silver rows of one UTC date.
struct SilverPartition {
  std::string date;            // "YYYY-MM-DD"
  std::string partition_dir;   // SilverPartitionDir(...), ends in '/'
  parquet::ColumnBatch batch;  // schema = the data type's silver schema
};

struct SilverConversion {
  const DataTypeSchema* schema = nullptr;
  std::vector<SilverPartition> partitions;  // ascending date; no empty partition
  int64_t rows_in = 0;                      // data lines read (header excluded)
  int64_t rows_out = 0;                     // rows in partitions
  int64_t rows_rejected = 0;                // rows_in - rows_out
  // Quarantined rows as CSV: header "line,reason,row", then one record per bad
  // row (reason and row quoted, '"' doubled). Empty when nothing was rejected.
  std::string rejects_csv;
  // Where the rejects file belongs: the partition dir of the archive file's
  // date (first day of the month for monthly files).
  std::string rejects_partition_dir;
  bool had_header = false;
  TimeUnit time_unit = TimeUnit::kMilliseconds;  // of the epoch columns, when any
};

// Converts `csv_bytes` (the member named `csv_name`, used in messages) of
// archive file `file`. Errors: InvalidArgument for an unknown data type or
// unsafe partition names; Corruption for bad content (see above).
Result<SilverConversion> ConvertCsvToSilver(const archive::ArchiveFile& file,
                                            std::string_view csv_name, std::string_view csv_bytes,
                                            const ConvertOptions& options = {});

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_SILVER_CONVERTER_H_
