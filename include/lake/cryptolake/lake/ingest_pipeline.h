// IngestPipeline: archive -> bronze -> silver, for one `cryptolake ingest` invocation.
//
// Before anything else, RunIngest() removes temp objects that killed runs left in the lake
// (ObjectStore::RemoveAbandonedWrites; live runs' writes are left alone). Then, for every
// archive file the query covers:
//   1. fetches the .CHECKSUM sidecar (a 404 is a failed file: "missing day", with
//      FileReport::absent_from_archive set and an _absent record written);
//   2. looks the file up in the ledger: same digest and every recorded file present => skipped,
//      nothing else is read or written (this is what makes re-runs write nothing);
//   3. takes the zip from the lake's bronze copy when that copy matches the digest, otherwise
//      downloads it;
//   4. verifies SHA-256(zip) against the sidecar: a mismatch fails the file with an error naming
//      it and both digests, and nothing is written for it;
//   5. streams the CSV out of the zip, converts it (parse + validate; bad rows fail the file, or
//      go to a rejects file with BadRowPolicy::kQuarantine) and encodes it into a temp object;
//      a file with no data rows fails;
//   6. publishes the archive file's one silver object with one atomic write:
//        silver/<type>/market=<m>/symbol=<S>/[interval=<i>/](date=YYYY-MM-DD|month=YYYY-MM)/<zip
//        stem>.parquet
//      (the name depends only on the archive path, so a republished file replaces it whole;
//      key-value metadata names the source archive path, its SHA-256 and the cryptolake
//      version), plus <zip stem>.rejects.csv beside it;
//   7. stores bronze/<archive path> (zip and .CHECKSUM, byte-identical; skipped when identical)
//      only now, so bronze keeps the zip silver was built from until a new version converted;
//   8. records the ledger entry (the commit point), then deletes files of the previous version
//      that the new entry no longer lists.
// A failed file never stops the run; the summary lists it and ok() turns false.
// docs/lake-layout.md explains the layout and the crash-consistency argument.
//
// Threads: `jobs` worker threads in total. With more files than jobs, each worker takes whole
// files. When the run has fewer files than jobs, the idle workers help convert the big files:
// row groups are parsed and encoded in parallel and written in order into the one object, which
// is byte-identical whatever `jobs` is.
//
// Metrics (through the cryptolake metrics API only, the global MeterProvider): counters
// cryptolake.ingest.records, cryptolake.ingest.bytes{direction}, cryptolake.ingest.files{outcome},
// histogram cryptolake.ingest.download.duration (s), updowncounter
// cryptolake.ingest.active_workflows.
//
// Thread-safety: RunIngest() may be called concurrently, from threads or processes, also on one
// lake and the same archive files (with any `jobs`): every object is published atomically under
// a name that does not depend on the run, so readers never see a partial or duplicated file;
// concurrent runs may redo each other's work.
#ifndef CRYPTOLAKE_LAKE_INGEST_PIPELINE_H_
#define CRYPTOLAKE_LAKE_INGEST_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/archive/archive_source.h"
#include "cryptolake/archive/discovery.h"
#include "cryptolake/common/status.h"
#include "cryptolake/common/version.h"
#include "cryptolake/lake/silver_converter.h"  // BadRowPolicy
#include "cryptolake/parquet/file_writer.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::lake {

// The version written into ledger entries and Parquet metadata.
inline constexpr std::string_view kCryptolakeVersion = cryptolake::kVersion;

// How the run finds its archive files.
enum class DiscoveryMode {
  kList,   // ListObjects on the source (directories are walked): only files that exist.
  kDates,  // Every date of the range (explicit symbols only): a missing day fails as NotFound.
};

struct IngestProgress {
  int files_done = 0;
  int files_total = 0;
  int64_t rows = 0;
  int64_t bytes_in = 0;
  double seconds = 0;
  std::string last_file;

  // One status line, "[3/10 files] 1,234,567 rows, 12.3 MB in, 4.5s  <last file>", with the
  // same number formats as IngestSummary::Format().
  std::string Format() const;
};

struct IngestOptions {
  // Archive base: "" (https://data.binance.vision), an http(s) mirror, or a local directory.
  std::string source;
  archive::SourceOptions source_options;
  // The lake. REQUIRES: non-null and outlives the call.
  storage::ObjectStore* lake = nullptr;

  // What to ingest: market, period, data type, interval (kline-class types only), symbols or
  // all symbols, inclusive date range.
  archive::DiscoveryQuery query;
  DiscoveryMode discovery = DiscoveryMode::kList;

  int jobs = 1;  // Worker threads in total. REQUIRES: >= 1.
  BadRowPolicy on_bad_rows = BadRowPolicy::kFail;
  parquet::WriterOptions parquet;  // key_value_metadata is filled per file by the pipeline.
  // CSV lines per Parquet row group; bounds memory (about this many rows per thread in flight).
  int64_t rows_per_row_group = 262'144;

  // Called from worker threads (serialised by the pipeline) after each file finishes.
  std::function<void(const IngestProgress&)> on_progress;

  // Cooperative cancellation (optional; called from worker threads). Checked before each file
  // and between a file's steps up to its first publish: once true, files not yet publishing fail
  // with Status::Cancelled and publish nothing (their temp objects are discarded); a file that
  // already started publishing finishes, so it is committed whole.
  std::function<bool()> cancelled;

  // Whether RunIngest starts by removing what killed runs left (ObjectStore::
  // RemoveAbandonedWrites). A caller that runs many ingests on one lake (the workflow runner:
  // one per archive file) sets it false and cleans up once itself; on S3 that saves a LIST per
  // call.
  bool remove_abandoned_writes = true;
};

enum class FileOutcome { kIngested, kSkipped, kFailed };

// "ingested", "skipped", "failed".
std::string_view FileOutcomeName(FileOutcome outcome);

struct FileReport {
  std::string archive_path;
  FileOutcome outcome = FileOutcome::kFailed;
  Status error;  // Non-OK iff outcome == kFailed.
  // The archive does not have the file: its .CHECKSUM or its zip answered NotFound (a 404).
  // Only then is an _absent record written (gap_records.h); a NotFound from the lake (e.g. an S3
  // upload that vanished) is an ordinary failure and leaves this false. Implies kFailed.
  bool absent_from_archive = false;
  std::string sha256;
  int64_t rows = 0;
  int64_t rejected_rows = 0;
  int64_t bytes_downloaded = 0;  // .CHECKSUM + zip bytes fetched from the source.
  int64_t csv_bytes = 0;         // Uncompressed CSV bytes converted.
  int64_t bytes_written = 0;     // Bytes put into the lake (bronze + silver + rejects + ledger).
  // Event time (µs) of the file's last silver row, the newest (archive rows are in time order);
  // -1 when nothing was converted.
  int64_t newest_event_micros = -1;
  std::vector<std::string> silver_files;
  std::vector<std::string> reject_files;
};

struct IngestSummary {
  int files_ingested = 0;
  int files_skipped = 0;
  int files_failed = 0;
  int64_t rows = 0;
  int64_t rejected_rows = 0;
  int64_t bytes_downloaded = 0;
  int64_t csv_bytes = 0;
  int64_t bytes_written = 0;
  double seconds = 0;
  std::vector<FileReport> files;  // In archive-path order.
  // Zips found by listing without a .CHECKSUM sidecar (not ingested; reported, not failed).
  std::vector<std::string> zips_without_checksum;

  bool ok() const { return files_failed == 0; }
  int files_total() const { return files_ingested + files_skipped + files_failed; }
  // Rows converted per second of wall time (0 when nothing ran).
  double rows_per_second() const;
  // A multi-line human summary: counts, rows, bytes, duration, throughput, then one line per
  // failed file with its error.
  std::string Format() const;
};

// Runs the ingest. Returns an error only when the run cannot start (invalid options, source
// cannot be opened, listing fails); per-file problems are in the summary.
Result<IngestSummary> RunIngest(const IngestOptions& options);

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_INGEST_PIPELINE_H_
