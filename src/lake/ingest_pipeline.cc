#include "cryptolake/lake/ingest_pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/discovery.h"
#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/data_type_schema.h"
#include "cryptolake/lake/gap_records.h"
#include "cryptolake/lake/ledger.h"
#include "cryptolake/lake/partition.h"
#include "cryptolake/parquet/file_writer.h"
#include "ingest_metrics.h"
#include "zip_spool.h"

namespace cryptolake::lake {
namespace {

using archive::ArchiveFile;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kBronzePrefix = "bronze/";

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Records that the archive lacks `file` (unless the same cause is already recorded, so re-runs
// write nothing). A period that ended less than a day before now is "not yet published": the
// archive publishes a daily file the day after, a monthly one in the first days of the next month.
Status RecordAbsence(storage::ObjectStore& lake, const ArchiveFile& file, AbsenceCause cause) {
  CL_ASSIGN_OR_RETURN(auto bounds, ArchivePeriodMicros(file));
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t grace = file.period == archive::Period::kDaily ? kMicrosPerDay : 3 * kMicrosPerDay;
  if (cause != AbsenceCause::kNoChecksum && bounds.second + grace > now_us) {
    cause = AbsenceCause::kNotYetPublished;
  }
  CL_ASSIGN_OR_RETURN(std::optional<AbsenceRecord> old, LookupAbsence(lake, file.ZipPath()));
  if (old && old->cause == cause) return Status::OK();
  AbsenceRecord record{file.ZipPath(), cause, UtcNowText()};
  return lake.Put(AbsenceKey(record.archive_path), SerializeAbsenceRecord(record));
}

struct RunContext {
  const IngestOptions& options;
  archive::ArchiveSource& source;
  storage::ObjectStore& lake;
  Ledger ledger;
  IngestMetrics& metrics;
};

parquet::WriterOptions ParquetOptionsFor(const IngestOptions& o, const std::string& archive_path,
                                         const std::string& sha256, const std::string& csv_name) {
  parquet::WriterOptions w = o.parquet;
  w.key_value_metadata = {
      {"cryptolake.source.archive_path", archive_path},
      {"cryptolake.source.sha256", sha256},
      {"cryptolake.source.csv", csv_name},
      {"cryptolake.version", std::string(kCryptolakeVersion)},
  };
  w.created_by = "cryptolake version " + std::string(kCryptolakeVersion);
  return w;
}

// Copies the object `key` into `sink` a block at a time: NotFound if absent.
Status CopyObject(storage::ObjectStore& store, const std::string& key, ByteSink* sink) {
  constexpr uint64_t kBlock = uint64_t{8} << 20;
  for (uint64_t offset = 0;; offset += kBlock) {
    CL_ASSIGN_OR_RETURN(std::string block, store.GetRange(key, offset, kBlock));
    CL_RETURN_IF_ERROR(sink->Append(block));
    if (block.size() < kBlock) return Status::OK();
  }
}

// Ingests one archive file. The steps, in this order, are what makes a crash at
// any point safe (docs/lake-layout.md, "Crash consistency"):
//   FetchChecksum -> SkipIfCommitted -> FetchZip -> Verify -> Convert (temp objects only)
//   -> PublishSilver -> StoreBronze -> Commit (ledger) -> RemoveSuperseded.
class FileIngest {
 public:
  FileIngest(RunContext& ctx, const ArchiveFile& file, int threads)
      : ctx_(ctx), file_(file), threads_(threads) {
    r_.archive_path = file.ZipPath();
  }

  FileReport Run() {
    Status st = RunSteps();
    if (!st.ok()) {
      r_.outcome = FileOutcome::kFailed;
      r_.error = std::move(st);
    }
    return std::move(r_);
  }

 private:
  Status RunSteps() {
    CL_RETURN_IF_ERROR(FetchChecksum());
    CL_ASSIGN_OR_RETURN(bool committed, SkipIfCommitted());
    if (committed) {
      r_.outcome = FileOutcome::kSkipped;
      return Status::OK();
    }
    CL_RETURN_IF_ERROR(CheckCancelled());
    CL_RETURN_IF_ERROR(FetchZip());
    CL_RETURN_IF_ERROR(CheckCancelled());
    CL_RETURN_IF_ERROR(Verify());
    CL_RETURN_IF_ERROR(Convert());
    // The last point to give up: from here on the file is published and committed.
    CL_RETURN_IF_ERROR(CheckCancelled());
    CL_RETURN_IF_ERROR(PublishSilver());
    CL_RETURN_IF_ERROR(StoreBronze());
    CL_RETURN_IF_ERROR(Commit());
    CL_RETURN_IF_ERROR(RemoveSuperseded());
    r_.outcome = FileOutcome::kIngested;
    return Status::OK();
  }

  std::string ZipPath() const { return file_.ZipPath(); }

  // Cancelled before anything of this file is published: unpublished writers discard their
  // temp objects when destroyed.
  Status CheckCancelled() const {
    if (ctx_.options.cancelled && ctx_.options.cancelled()) {
      return Status::Cancelled(ZipPath() + ": cancelled before publishing; nothing was written");
    }
    return Status::OK();
  }

  // 1. The sidecar decides everything else, so it is the only thing fetched for a file the
  // ledger already holds at this digest.
  Status FetchChecksum() {
    const std::string sum_path = file_.ChecksumPath();
    auto t0 = Clock::now();
    Result<std::string> sum = ctx_.source.Fetch(sum_path);
    ctx_.metrics.RecordDownload(SecondsSince(t0), sum.ok());
    if (!sum.ok()) {
      if (sum.status().IsNotFound()) {
        r_.absent_from_archive = true;
        return Status::NotFound("missing day: " + ZipPath() + " has no .CHECKSUM in the archive (" +
                                sum.status().message() + ")");
      }
      return sum.status().WithContext(sum_path);
    }
    checksum_file_ = std::move(sum).value();
    r_.bytes_downloaded += static_cast<int64_t>(checksum_file_.size());
    Result<std::string> expected = archive::ParseChecksumFile(checksum_file_, file_.ZipName());
    if (!expected.ok()) return expected.status().WithContext(sum_path);
    r_.sha256 = *expected;
    return Status::OK();
  }

  // 2. Ledger: same digest and all recorded files still there => nothing to do, except
  // finishing the removal of superseded files a crash interrupted.
  Result<bool> SkipIfCommitted() {
    CL_ASSIGN_OR_RETURN(previous_, ctx_.ledger.Lookup(ZipPath()));
    if (!previous_.has_value() || previous_->sha256 != r_.sha256) return false;
    for (const std::string& key : previous_->AllFiles()) {
      CL_ASSIGN_OR_RETURN(bool exists, ctx_.lake.Exists(key));
      if (!exists) return false;
    }
    for (const std::string& key : previous_->superseded_files) {
      CL_ASSIGN_OR_RETURN(bool exists, ctx_.lake.Exists(key));
      if (exists) {
        CL_RETURN_IF_ERROR(
            ctx_.lake.Delete(key).WithContext("removing the superseded file " + key));
      }
    }
    r_.rows = previous_->rows;
    r_.rejected_rows = previous_->rejected_rows;
    r_.silver_files = previous_->silver_files;
    r_.reject_files = previous_->reject_files;
    return true;
  }

  // 3. The zip, into a local spool file (never whole in memory): from bronze when the lake
  // already holds this exact file, else downloaded. Hashed while it streams in.
  Status FetchZip() {
    CL_ASSIGN_OR_RETURN(spool_, internal::ZipSpool::Create());
    if (Status b = CopyObject(ctx_.lake, BronzeZipKey(), spool_.get()); b.ok()) {
      actual_sha256_ = spool_->TakeSha256();
      if (actual_sha256_ == r_.sha256) {
        zip_in_bronze_ = true;
        return Status::OK();
      }
    } else if (!b.IsNotFound()) {
      return b.WithContext("reading the bronze copy");
    }
    auto t0 = Clock::now();
    Status z = ctx_.source.FetchTo(ZipPath(), spool_.get());
    ctx_.metrics.RecordDownload(SecondsSince(t0), z.ok());
    if (!z.ok()) {
      if (z.IsNotFound()) {
        r_.absent_from_archive = true;
        return Status::NotFound("missing file: " + ZipPath() + " has a .CHECKSUM but no zip (" +
                                z.message() + ")");
      }
      return z.WithContext(ZipPath());
    }
    actual_sha256_ = spool_->TakeSha256();
    r_.bytes_downloaded += static_cast<int64_t>(spool_->size());
    return Status::OK();
  }

  // 4. Nothing is written for a zip whose digest does not match its sidecar. The bronze copy
  // starts its way to disk now (a temp object, published only in StoreBronze).
  Status Verify() {
    if (!zip_in_bronze_) {
      if (Status v = archive::CompareDigests(file_.ZipName(), r_.sha256, actual_sha256_); !v.ok()) {
        return Status::Corruption("checksum mismatch for " + ZipPath() + ": .CHECKSUM says " +
                                  r_.sha256 + ", downloaded zip hashes to " + actual_sha256_ +
                                  "; nothing was written for this file");
      }
      CL_ASSIGN_OR_RETURN(bronze_writer_, ctx_.lake.NewWriter(BronzeZipKey()));
      CL_RETURN_IF_ERROR(spool_->CopyTo(bronze_writer_.get()));
    }
    return Status::OK();
  }

  // 5. Inflate, parse, validate and encode into temp objects (nothing visible yet).
  Status Convert() {
    CL_ASSIGN_OR_RETURN(PartitionKey key, PartitionKeyOf(file_));
    silver_key_ = SilverObjectKey(key, file_);
    rejects_key_ = SilverRejectsKey(key, file_);
    CL_ASSIGN_OR_RETURN(silver_writer_, ctx_.lake.NewWriter(silver_key_));
    if (ctx_.options.on_bad_rows == BadRowPolicy::kQuarantine) {
      CL_ASSIGN_OR_RETURN(rejects_writer_, ctx_.lake.NewWriter(rejects_key_));
    }
    ConvertOptions convert_options;
    convert_options.on_bad_rows = ctx_.options.on_bad_rows;
    convert_options.rows_per_row_group = ctx_.options.rows_per_row_group;
    const internal::ZipSpool* spool = spool_.get();
    Result<std::unique_ptr<archive::ZipMemberStream>> member = archive::ZipMemberStream::OpenAt(
        spool->size(), [spool](uint64_t offset, uint64_t length, std::string* out) {
          return spool->ReadAt(offset, length, out);
        });
    if (!member.ok()) return member.status().WithContext(ZipPath());
    const parquet::WriterOptions writer_options =
        ParquetOptionsFor(ctx_.options, ZipPath(), r_.sha256, (*member)->name());
    SilverSinks sinks;
    sinks.parquet = silver_writer_.get();
    sinks.rejects = rejects_writer_.get();
    telemetry::TrackDataProcessing convert(
        telemetry::stage::kConvert,
        {{telemetry::attr::kMarket, std::string(archive::MarketName(file_.market))},
         {telemetry::attr::kDataType, file_.data_type}});
    Result<ConversionStats> stats =
        ConvertZipToSilver(file_, **member, convert_options, writer_options, threads_, sinks);
    convert.SetStatus(stats.status());
    if (!stats.ok()) return stats.status().WithContext(ZipPath());
    convert.SetRecordCount(stats->rows_in);
    r_.csv_bytes = stats->csv_bytes;
    r_.rows = stats->rows_out;
    r_.rejected_rows = stats->rows_rejected;
    r_.newest_event_micros = stats->last_event_micros;
    return Status::OK();
  }

  // 6. One atomic publish per object: the silver object replaces the previous version whole.
  Status PublishSilver() {
    if (rejects_writer_ != nullptr && r_.rejected_rows > 0) {
      r_.bytes_written += static_cast<int64_t>(rejects_writer_->bytes_appended());
      CL_RETURN_IF_ERROR(rejects_writer_->Publish());
      r_.reject_files.push_back(rejects_key_);
    }
    rejects_writer_.reset();  // unpublished: its temp file goes
    r_.bytes_written += static_cast<int64_t>(silver_writer_->bytes_appended());
    CL_RETURN_IF_ERROR(silver_writer_->Publish());
    silver_writer_.reset();
    r_.silver_files.push_back(silver_key_);
    return Status::OK();
  }

  // 7. Bronze changes only after silver holds the new version: a republished zip that fails
  // conversion never replaces the bronze zip silver was built from.
  Status StoreBronze() {
    if (bronze_writer_ != nullptr) {
      r_.bytes_written += static_cast<int64_t>(bronze_writer_->bytes_appended());
      CL_RETURN_IF_ERROR(bronze_writer_->Publish());
      bronze_writer_.reset();
    }
    if (Result<std::string> old = ctx_.lake.Get(BronzeChecksumKey());
        !old.ok() || *old != checksum_file_) {
      CL_RETURN_IF_ERROR(ctx_.lake.Put(BronzeChecksumKey(), checksum_file_));
      r_.bytes_written += static_cast<int64_t>(checksum_file_.size());
    }
    spool_.reset();
    return Status::OK();
  }

  // 8. The ledger entry is the commit point.
  Status Commit() {
    LedgerEntry entry;
    entry.archive_path = ZipPath();
    entry.sha256 = r_.sha256;
    entry.silver_files = r_.silver_files;
    entry.reject_files = r_.reject_files;
    entry.rows = r_.rows;
    entry.rejected_rows = r_.rejected_rows;
    entry.ingested_at = UtcNowText();
    entry.tool_version = std::string(kCryptolakeVersion);
    if (previous_.has_value()) {
      std::vector<std::string> keep = entry.AllFiles();
      std::set<std::string> keep_set(keep.begin(), keep.end());
      for (const std::string& key : previous_->AllFiles()) {
        if (keep_set.insert(key).second) entry.superseded_files.push_back(key);
      }
      to_delete_ = entry.superseded_files;
      // Leftovers the previous entry superseded, in case a crash kept them (Delete of an absent
      // object is OK); they are not carried into the new entry.
      for (const std::string& key : previous_->superseded_files) {
        if (keep_set.insert(key).second) to_delete_.push_back(key);
      }
    }
    // The archive has the file now: rows a REST fill added to an earlier version of its silver
    // object are gone with it (archive rows win), and the archive is no longer missing it.
    to_delete_.push_back(FillKey(ZipPath()));
    to_delete_.push_back(AbsenceKey(ZipPath()));
    CL_ASSIGN_OR_RETURN(int64_t entry_bytes, ctx_.ledger.Record(entry));
    r_.bytes_written += entry_bytes;
    return Status::OK();
  }

  // 9. Files of the previous version that the new entry does not list (e.g. a rejects file the
  // new version does not have, or part files of an older lake layout).
  Status RemoveSuperseded() {
    for (const std::string& key : to_delete_) {
      if (Status s = ctx_.lake.Delete(key); !s.ok()) {
        return s.WithContext("ingested, but removing the superseded file " + key +
                             " failed (the next run removes it)");
      }
    }
    return Status::OK();
  }

  std::string BronzeZipKey() const { return std::string(kBronzePrefix) + file_.ZipPath(); }
  std::string BronzeChecksumKey() const {
    return std::string(kBronzePrefix) + file_.ChecksumPath();
  }

  RunContext& ctx_;
  const ArchiveFile& file_;
  const int threads_;
  FileReport r_;
  std::string checksum_file_;
  std::optional<LedgerEntry> previous_;
  std::unique_ptr<internal::ZipSpool> spool_;
  std::string actual_sha256_;
  bool zip_in_bronze_ = false;
  std::unique_ptr<storage::ObjectWriter> bronze_writer_;
  std::string silver_key_, rejects_key_;
  std::unique_ptr<storage::ObjectWriter> silver_writer_, rejects_writer_;
  std::vector<std::string> to_delete_;
};

std::string FormatCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string FormatBytes(int64_t bytes) {
  char buf[32];
  if (bytes < 1000) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  } else if (bytes < 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.1f kB", bytes / 1e3);
  } else if (bytes < int64_t{1000} * 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GB", bytes / 1e9);
  }
  return buf;
}

}  // namespace

std::string_view FileOutcomeName(FileOutcome outcome) {
  switch (outcome) {
    case FileOutcome::kIngested:
      return "ingested";
    case FileOutcome::kSkipped:
      return "skipped";
    case FileOutcome::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string IngestProgress::Format() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, "[%d/%d files] ", files_done, files_total);
  std::string out = buf;
  out += FormatCount(rows);
  out += " rows, ";
  out += FormatBytes(bytes_in);
  std::snprintf(buf, sizeof buf, " in, %.1fs  ", seconds);
  out += buf;
  out += last_file;
  return out;
}

double IngestSummary::rows_per_second() const {
  return seconds > 0 ? static_cast<double>(rows) / seconds : 0.0;
}

std::string IngestSummary::Format() const {
  std::string s;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "files:      %d ingested, %d skipped (already in the lake), %d failed\n",
                files_ingested, files_skipped, files_failed);
  s += buf;
  s += "rows:       " + FormatCount(rows) + " written to silver, " + FormatCount(rejected_rows) +
       " rejected\n";
  s += "bytes:      " + FormatBytes(bytes_downloaded) + " downloaded, " + FormatBytes(csv_bytes) +
       " CSV parsed, " + FormatBytes(bytes_written) + " written to the lake\n";
  std::snprintf(buf, sizeof buf, "time:       %.3f s, %s rows/s, %.1f MB/s of CSV\n", seconds,
                FormatCount(static_cast<int64_t>(rows_per_second())).c_str(),
                seconds > 0 ? csv_bytes / 1e6 / seconds : 0.0);
  s += buf;
  for (const std::string& z : zips_without_checksum) {
    s += "not ingested (no .CHECKSUM in the archive): " + z + "\n";
  }
  for (const FileReport& f : files) {
    if (f.outcome == FileOutcome::kFailed) {
      s += "FAILED " + f.archive_path + ": " + f.error.ToString() + "\n";
    }
  }
  return s;
}

Result<IngestSummary> RunIngest(const IngestOptions& o) {
  const auto t0 = Clock::now();
  if (o.lake == nullptr) return Status::InvalidArgument("IngestOptions.lake is not set");
  if (o.jobs < 1) return Status::InvalidArgument("--jobs must be at least 1");
  if (o.rows_per_row_group < 1) return Status::InvalidArgument("rows_per_row_group must be >= 1");
  CL_ASSIGN_OR_RETURN(const DataTypeSchema* schema,
                      FindDataTypeSchema(o.query.data_type, o.query.market));
  CL_RETURN_IF_ERROR(schema->CheckInterval(o.query.interval, o.query.market));

  // What killed runs left behind (temp objects of dead processes) goes first; live runs'
  // writes are never touched.
  if (o.remove_abandoned_writes) {
    CL_RETURN_IF_ERROR(
        o.lake->RemoveAbandonedWrites().WithContext("cleaning up after killed runs"));
  }

  const archive::DiscoveryQuery& query = o.query;
  CL_RETURN_IF_ERROR(archive::ValidateDiscoveryQuery(query));
  CL_ASSIGN_OR_RETURN(std::unique_ptr<archive::ArchiveSource> source,
                      archive::OpenArchiveSource(o.source, o.source_options));

  IngestSummary summary;
  std::vector<ArchiveFile> files;
  if (o.discovery == DiscoveryMode::kList) {
    Result<std::vector<ArchiveFile>> found =
        archive::DiscoverFiles(*source, query, &summary.zips_without_checksum);
    if (!found.ok()) return found.status().WithContext("listing " + source->Describe());
    files = std::move(found).value();
  } else {
    CL_ASSIGN_OR_RETURN(files, archive::CandidateFiles(query));
  }

  // Files the query asks for that the listing does not have are recorded as absent, so gap
  // detection can say why a day is missing (explicit symbols only: with --all-symbols the
  // expected set is unknown).
  if (o.discovery == DiscoveryMode::kList && !query.all_symbols) {
    CL_ASSIGN_OR_RETURN(std::vector<ArchiveFile> expected, archive::CandidateFiles(query));
    std::set<std::string> listed,
        no_checksum(summary.zips_without_checksum.begin(), summary.zips_without_checksum.end());
    for (const ArchiveFile& f : files) listed.insert(f.ZipPath());
    for (const ArchiveFile& f : expected) {
      if (listed.count(f.ZipPath()) != 0) continue;
      const AbsenceCause cause = no_checksum.count(f.ZipPath()) != 0 ? AbsenceCause::kNoChecksum
                                                                     : AbsenceCause::kNotInListing;
      CL_RETURN_IF_ERROR(RecordAbsence(*o.lake, f, cause).WithContext("recording a missing file"));
    }
  }

  IngestMetrics metrics(o.query.market, o.query.data_type);
  telemetry::TrackWorkflowExecution workflow("ingest");
  workflow.RecordEvent("discovery_completed");
  RunContext ctx{o, *source, *o.lake, Ledger(*o.lake), metrics};
  summary.files.resize(files.size());
  const int nfiles = static_cast<int>(files.size());
  const int workers = std::max(1, std::min(o.jobs, nfiles));
  std::atomic<int> next{0};
  std::mutex progress_mu;
  IngestProgress progress;
  progress.files_total = nfiles;

  auto work = [&](int worker) {
    telemetry::WorkflowContextScope in_workflow(&workflow);
    // Threads left over when there are fewer files than jobs go to the files themselves.
    int threads = 1;
    if (nfiles > 0 && nfiles < o.jobs)
      threads = o.jobs / nfiles + (worker < o.jobs % nfiles ? 1 : 0);
    for (int i = next.fetch_add(1); i < nfiles; i = next.fetch_add(1)) {
      telemetry::UpdateQueueSize(kIngestQueue, -1);
      telemetry::TrackDataIngestion ingestion(
          telemetry::source::kArchive, StreamAttributes(files[i], telemetry::source::kArchive));
      FileReport report;
      if (o.cancelled && o.cancelled()) {
        report.archive_path = files[i].ZipPath();
        report.outcome = FileOutcome::kFailed;
        report.error = Status::Cancelled(report.archive_path + ": cancelled before it started");
      } else {
        report = FileIngest(ctx, files[i], threads).Run();
      }
      if (report.outcome == FileOutcome::kFailed && report.absent_from_archive) {
        // The archive answered 404 for the file (its sidecar or zip). A NotFound from the lake
        // (e.g. a multipart upload the store lost) is no absence and records nothing.
        if (Status s = RecordAbsence(*o.lake, files[i], AbsenceCause::kHttpNotFound); !s.ok()) {
          report.error =
              report.error.WithContext("recording its absence also failed: " + s.ToString());
        }
      }
      metrics.RecordFile(files[i], report);
      ingestion.SetStatus(report.error);
      if (report.outcome == FileOutcome::kIngested) ingestion.SetRecordCount(report.rows);
      std::lock_guard<std::mutex> lock(progress_mu);
      progress.files_done++;
      if (report.outcome == FileOutcome::kIngested) progress.rows += report.rows;
      progress.bytes_in += report.bytes_downloaded;
      progress.seconds = SecondsSince(t0);
      progress.last_file = report.archive_path;
      summary.files[i] = std::move(report);
      if (o.on_progress) o.on_progress(progress);
    }
  };
  telemetry::UpdateQueueSize(kIngestQueue, nfiles);
  std::vector<std::thread> threads;
  for (int w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (auto& t : threads) t.join();

  for (const FileReport& f : summary.files) {
    switch (f.outcome) {
      case FileOutcome::kIngested:
        summary.files_ingested++;
        break;
      case FileOutcome::kSkipped:
        summary.files_skipped++;
        break;
      case FileOutcome::kFailed:
        summary.files_failed++;
        break;
    }
    if (f.outcome == FileOutcome::kIngested) {
      summary.rows += f.rows;
      summary.rejected_rows += f.rejected_rows;
      summary.csv_bytes += f.csv_bytes;
    }
    summary.bytes_downloaded += f.bytes_downloaded;
    summary.bytes_written += f.bytes_written;
  }
  summary.seconds = SecondsSince(t0);
  for (const FileReport& f : summary.files) {
    if (f.outcome == FileOutcome::kFailed) {
      workflow.SetStatus(f.error);  // the first failure names the run's error.type
      break;
    }
  }
  return summary;
}

}  // namespace cryptolake::lake
