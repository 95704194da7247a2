// Gap filling: fetches exactly the open gaps that gap detection finds (gap_detector.h) from
// Binance's REST API and writes the rows into silver, with the same schema and validation as
// archive rows and `source` = "rest".
//
// What is fillable, and from where (rest/binance_rest_client.h):
//   klines (spot, um, cm)       missing_day, missing_bars   by open time
//   aggTrades (spot, um, cm)    missing_day                 by transact time
//                               id_gap                      by id [first_id, last_id]
//   fundingRate (um, cm)        missing_day (month), missing_rows   by funding time
// Duplicates and out-of-order rows are data errors REST cannot fix: they are reported, never
// "filled". Other data types are reported as not fillable.
//
// Per archive file (day or month) with open fillable gaps:
//   1. fetch every gap's range (the REST client paginates, shares one weight budget between all
//      threads and backs off on 429/418; a failed fetch fails this file only);
//   2. route each fetched row to the archive file whose period holds its event time (an id gap
//      at a day boundary may hold rows of the day before); rows outside the query's range are
//      dropped;
//   3. for each file receiving rows: render them as archive CSV lines, convert them with the
//      archive's parser and rules (ConvertOptions::source = kRest), merge them with the rows the
//      silver object already has (by the type's unique key; existing rows win a tie), and publish
//      the merged object with one atomic write under the SAME key an archive ingest uses. A reader
//      sees the object before or after the fill, never a part;
//   4. record the fill (gap_records.h: the ranges filled and the ranges REST confirmed empty).
//      A range REST returns nothing for is recorded as confirmed empty, so re-running fill when
//      nothing is left to fill makes no request at all.
// When the archive later publishes (or republishes) the file, ingesting it replaces the object
// with archive rows only and deletes the fill record: archive rows win, nothing is duplicated.
//
// Concurrency: `jobs` threads work on different symbols; the REST client is shared. Before
// publishing, a fill re-reads the file's ledger entry and gives up (the next run redoes it) when
// an ingest committed a new version meanwhile, so a fill never resurrects a replaced version.
//
// Thread-safety: RunFill is reentrant.
#ifndef CRYPTOLAKE_LAKE_GAP_FILLER_H_
#define CRYPTOLAKE_LAKE_GAP_FILLER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/lake/gap_detector.h"
#include "cryptolake/parquet/file_writer.h"

namespace cryptolake::rest {
class BinanceRestClient;
}

namespace cryptolake::lake {

struct FillOptions {
  GapQuery gaps;  // lake + what to check
  // REQUIRES: non-null, outlives the call. Shared by all threads.
  rest::BinanceRestClient* client = nullptr;
  int jobs = 1;  // REQUIRES: >= 1
  parquet::WriterOptions parquet;
  int64_t rows_per_row_group = 262'144;
};

enum class FillOutcome { kFilled, kConfirmedEmpty, kNotFillable, kFailed };
// "filled", "confirmed_empty", "not_fillable", "failed".
std::string_view FillOutcomeName(FillOutcome outcome);

struct FillFileReport {
  std::string archive_path;
  std::string silver_file;
  FillOutcome outcome = FillOutcome::kFailed;
  Status error;            // non-OK iff kFailed
  int gaps = 0;            // open gaps of the file
  int64_t rows_added = 0;  // rows REST added to this file (also rows routed here from a neighbour)
  int64_t requests = 0;    // REST requests made for its gaps
};

struct FillSummary {
  GapReport before;                   // what detection found
  std::vector<FillFileReport> files;  // files with open gaps, by path
  int64_t rows_added = 0;
  int64_t requests = 0;
  int files_filled = 0, files_confirmed_empty = 0, files_not_fillable = 0, files_failed = 0;
  double seconds = 0;

  bool ok() const { return files_failed == 0; }
  std::string Format() const;
};

// Detects and fills (see above). Returns an error only when the run cannot start (bad query,
// lake unreadable); per-file failures are in the summary.
Result<FillSummary> RunFill(const FillOptions& options);

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_GAP_FILLER_H_
