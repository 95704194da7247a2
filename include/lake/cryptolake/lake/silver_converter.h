// Silver conversion: one archive CSV -> typed silver rows, validated, into
// one Parquet object per archive file.
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
//  - cuts the rows into row groups of ConvertOptions::rows_per_row_group CSV
//    lines each, so the Parquet bytes depend only on the input, never on the
//    number of threads.
// Error messages name the file, line (1-based, header counted), column and
// value, e.g. `BTCUSDT-1m-2022-09-05.csv line 17 column "high": value "abc" is
// not a number`. A file without data rows is an error (Corruption).
//
// Bad rows: with BadRowPolicy::kFail the conversion returns the first error
// (Corruption). With kQuarantine, each bad row is copied verbatim with its line
// number and reason into the rejects CSV and counted, and the good rows
// continue. A file-level problem (wrong header, unknown type) fails under both
// policies.
//
// ConvertZipToSilver streams: the zip member is inflated, parsed and encoded a
// row group at a time, and the Parquet bytes go to a ByteSink as each group
// completes, so memory is bounded by threads x one row group whatever the
// file's size. With threads > 1, row groups are parsed and encoded in
// parallel and written in order; the output is byte-identical to threads = 1.
//
// Thread-safety: both functions are reentrant; concurrent calls on different
// inputs are safe.
#ifndef CRYPTOLAKE_LAKE_SILVER_CONVERTER_H_
#define CRYPTOLAKE_LAKE_SILVER_CONVERTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/archive/zip_member_stream.h"
#include "cryptolake/common/byte_sink.h"
#include "cryptolake/common/status.h"
#include "cryptolake/lake/data_type_schema.h"
#include "cryptolake/parquet/column_batch.h"
#include "cryptolake/parquet/file_writer.h"

namespace cryptolake::lake {

enum class BadRowPolicy { kFail, kQuarantine };

// "fail", "quarantine".
std::string_view BadRowPolicyName(BadRowPolicy policy);
Result<BadRowPolicy> ParseBadRowPolicy(std::string_view name);

// Where a file's rows came from: the archive's CSV, or Binance's REST API (gap fill, whose
// responses are rendered as archive CSV lines and go through the same parser and validation).
// Stored in every silver row's `source` column.
enum class RowSource { kArchive, kRest };

// "archive", "rest".
std::string_view RowSourceName(RowSource source);

struct ConvertOptions {
  BadRowPolicy on_bad_rows = BadRowPolicy::kFail;
  RowSource source = RowSource::kArchive;
  // When the declaration asks for it, rows outside the archive file's day
  // (daily) or month (monthly) are errors. Switch off only for synthetic inputs
  // that deliberately span days.
  bool check_file_period = true;
  // CSV data lines per row group (the last group may be shorter; quarantined
  // lines leave a group shorter). Bounds memory: about this many rows per
  // thread are held at once. REQUIRES: > 0.
  int64_t rows_per_row_group = 262'144;
};

enum class TimeUnit { kMilliseconds, kMicroseconds };

// What converting one file found.
struct ConversionStats {
  const DataTypeSchema* schema = nullptr;
  std::string csv_name;       // the zip member's name
  int64_t csv_bytes = 0;      // uncompressed CSV bytes
  int64_t rows_in = 0;        // data lines read (header excluded)
  int64_t rows_out = 0;       // rows written to silver
  int64_t rows_rejected = 0;  // rows_in - rows_out
  int64_t row_groups = 0;
  bool had_header = false;
  TimeUnit time_unit = TimeUnit::kMilliseconds;  // of the epoch columns, when any
  int64_t last_event_micros = -1;  // time (µs) of the last row written, -1 when none
};

// Where a file's silver rows go.
struct SilverSinks {
  // The Parquet file. REQUIRED.
  ByteSink* parquet = nullptr;
  // Quarantined rows as CSV: header "line,reason,row", then one record per bad
  // row (reason and row quoted, '"' doubled). Nothing is appended when no row
  // is rejected. REQUIRED under kQuarantine; unused under kFail.
  ByteSink* rejects = nullptr;
};

// Inflates the zip member `member` (opened by the caller, from memory or from a spool file) and
// converts it (see above) into one Parquet file written to sinks.parquet with `writer_options`
// (whose row_group_rows is not used: options.rows_per_row_group decides). On error the sinks hold
// partial output that the caller must discard.
// Errors: InvalidArgument for an unknown data type or unsafe partition names; Corruption for a
// damaged zip or bad content.
Result<ConversionStats> ConvertZipToSilver(const archive::ArchiveFile& file,
                                           archive::ZipMemberStream& member,
                                           const ConvertOptions& options,
                                           const parquet::WriterOptions& writer_options,
                                           int threads, const SilverSinks& sinks);

// The in-memory form, for tests and tools: every row of the CSV in one batch.
// (The stats, plus what the streaming form sends to its sinks.)
struct SilverConversion : ConversionStats {
  parquet::ColumnBatch batch;  // schema = the data type's silver schema
  std::string rejects_csv;     // as SilverSinks::rejects; empty when nothing was rejected
  std::string partition_dir;   // SilverPartitionDir() of the file
};

// Converts `csv_bytes` (the member named `csv_name`, used in messages) of
// archive file `file`. Same rules and errors as ConvertZipToSilver.
Result<SilverConversion> ConvertCsvToSilver(const archive::ArchiveFile& file,
                                            std::string_view csv_name, std::string_view csv_bytes,
                                            const ConvertOptions& options = {});

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_SILVER_CONVERTER_H_
