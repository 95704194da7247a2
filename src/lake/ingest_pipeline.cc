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
#include "cryptolake/lake/ledger.h"
#include "cryptolake/lake/partition.h"
#include "cryptolake/parquet/file_writer.h"
#include "ingest_metrics.h"

namespace cryptolake::lake {
namespace {

using archive::ArchiveFile;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kBronzePrefix = "bronze/";
// CSVs smaller than this are never sliced: thread start-up would cost more than it saves.
constexpr size_t kMinSliceBytes = 4 << 20;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string UtcNowIso() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One encoded Parquet file (or rejects file) ready to publish.
struct PendingObject {
  std::string key;
  std::string bytes;
  int64_t rows = 0;
};

// Result of converting one slice (or the whole CSV) and encoding its partitions.
struct SliceOutput {
  Status status;
  SilverConversion conversion;  // batches are released after encoding
  std::vector<PendingObject> parquet_files;
  // Time column range and unique-key monotonicity, for the cross-slice checks.
  bool has_rows = false;
  int64_t first_time = 0, last_time = 0;
  bool key_strictly_increasing = true;
  int64_t first_key = 0, last_key = 0;
};

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

// Converts `csv` and encodes every partition into Parquet bytes; slice >= 0 names slice files.
SliceOutput ConvertAndEncode(const ArchiveFile& file, const std::string& csv_name,
                             std::string_view csv, const ConvertOptions& convert_options,
                             const parquet::WriterOptions& writer_options,
                             const std::string& sha256, int slice) {
  SliceOutput out;
  Result<SilverConversion> conv = ConvertCsvToSilver(file, csv_name, csv, convert_options);
  if (!conv.ok()) {
    out.status = conv.status();
    return out;
  }
  out.conversion = std::move(conv).value();
  const DataTypeSchema& schema = *out.conversion.schema;
  const int time_col = schema.silver_schema.FindColumn(schema.rules.time_column);
  const int key_col = schema.rules.unique_key.empty()
                          ? -1
                          : schema.silver_schema.FindColumn(schema.rules.unique_key);
  bool first = true;
  for (SilverPartition& p : out.conversion.partitions) {
    const parquet::ColumnBatch& b = p.batch;
    if (b.num_rows() > 0) {
      if (time_col >= 0) {
        const auto& t = b.Int64(time_col);
        if (first) out.first_time = t.front();
        out.last_time = t.back();
      }
      if (key_col >= 0) {
        const auto& k = b.Int64(key_col);
        if (first)
          out.first_key = k.front();
        else if (k.front() <= out.last_key)
          out.key_strictly_increasing = false;
        for (size_t i = 1; i < k.size() && out.key_strictly_increasing; ++i) {
          if (k[i] <= k[i - 1]) out.key_strictly_increasing = false;
        }
        out.last_key = k.back();
      }
      first = false;
      out.has_rows = true;
    }
    parquet::FileWriter writer(schema.silver_schema, writer_options);
    writer.Append(b);
    Result<std::string> bytes = writer.Finish();
    if (!bytes.ok()) {
      out.status = bytes.status().WithContext("encoding " + p.partition_dir);
      return out;
    }
    out.parquet_files.push_back(PendingObject{p.partition_dir + SilverPartFileName(sha256, slice),
                                              std::move(bytes).value(),
                                              static_cast<int64_t>(b.num_rows())});
    p.batch = parquet::ColumnBatch();  // release memory early
  }
  return out;
}

// Cuts `csv` into up to `n` pieces at line starts (piece 0 keeps the header).
std::vector<std::string_view> SliceAtLines(std::string_view csv, int n) {
  std::vector<std::string_view> slices;
  size_t begin = 0;
  for (int i = 1; i < n; ++i) {
    size_t target = csv.size() * i / n;
    if (target <= begin) continue;
    size_t nl = csv.find('\n', target);
    if (nl == std::string_view::npos || nl + 1 >= csv.size()) break;
    slices.push_back(csv.substr(begin, nl + 1 - begin));
    begin = nl + 1;
  }
  slices.push_back(csv.substr(begin));
  return slices;
}

// Converts the CSV with up to `threads` threads. Slicing is only an optimisation: whenever a
// slice reports a problem (bad row, rejects, or a cross-slice ordering/uniqueness question the
// slices cannot answer alone) the whole file is converted again in one piece, so errors,
// line numbers and rejects are exactly those of a sequential run.
std::vector<SliceOutput> ConvertFile(const ArchiveFile& file, const std::string& csv_name,
                                     std::string_view csv, const ConvertOptions& convert_options,
                                     const parquet::WriterOptions& writer_options,
                                     const std::string& sha256, int threads) {
  if (threads > 1 && csv.size() >= kMinSliceBytes) {
    std::vector<std::string_view> slices = SliceAtLines(csv, threads);
    if (slices.size() > 1) {
      std::vector<SliceOutput> outs(slices.size());
      std::vector<std::thread> helpers;
      for (size_t i = 1; i < slices.size(); ++i) {
        helpers.emplace_back([&, i] {
          outs[i] = ConvertAndEncode(file, csv_name, slices[i], convert_options, writer_options,
                                     sha256, static_cast<int>(i));
        });
      }
      outs[0] =
          ConvertAndEncode(file, csv_name, slices[0], convert_options, writer_options, sha256, 0);
      for (auto& t : helpers) t.join();
      bool usable = true;
      const DataTypeSchema* schema = nullptr;
      const SliceOutput* prev = nullptr;
      for (const SliceOutput& s : outs) {
        if (!s.status.ok() || s.conversion.rows_rejected > 0 || !s.has_rows) {
          usable = false;
          break;
        }
        schema = s.conversion.schema;
        if (s.conversion.time_unit != outs[0].conversion.time_unit) usable = false;
        if (!schema->rules.unique_key.empty() && !s.key_strictly_increasing) usable = false;
        if (prev != nullptr) {
          if (schema->rules.time_non_decreasing && s.first_time < prev->last_time) usable = false;
          if (!schema->rules.unique_key.empty() && s.first_key <= prev->last_key) usable = false;
        }
        prev = &s;
      }
      if (usable) return outs;
    }
  }
  std::vector<SliceOutput> outs;
  outs.push_back(
      ConvertAndEncode(file, csv_name, csv, convert_options, writer_options, sha256, -1));
  return outs;
}

// `csv_buffer` is the worker's inflate buffer, reused from file to file (its pages stay mapped,
// so only the first file of a worker pays the page faults of a fresh buffer).
FileReport ProcessFile(RunContext& ctx, const ArchiveFile& file, int threads,
                       archive::InflateBuffer& csv_buffer) {
  const IngestOptions& o = ctx.options;
  FileReport r;
  r.archive_path = file.ZipPath();
  const std::string zip_path = file.ZipPath();
  const std::string sum_path = file.ChecksumPath();
  auto fail = [&](Status s) {
    r.outcome = FileOutcome::kFailed;
    r.error = std::move(s);
    return r;
  };

  // 1. The sidecar decides everything else, so it is the only thing fetched for a file the
  // ledger already holds at this digest.
  auto t_fetch = Clock::now();
  Result<std::string> sum = ctx.source.Fetch(sum_path);
  ctx.metrics.RecordDownload(SecondsSince(t_fetch), sum.ok());
  if (!sum.ok()) {
    if (sum.status().IsNotFound()) {
      return fail(Status::NotFound("missing day: " + zip_path +
                                   " has no .CHECKSUM in the archive (" + sum.status().message() +
                                   ")"));
    }
    return fail(sum.status().WithContext(sum_path));
  }
  r.bytes_downloaded += static_cast<int64_t>(sum->size());
  Result<std::string> expected = archive::ParseChecksumFile(*sum, file.ZipName());
  if (!expected.ok()) return fail(expected.status().WithContext(sum_path));
  r.sha256 = *expected;

  // 2. Ledger: same digest and all recorded files still there => nothing to do.
  Result<std::optional<LedgerEntry>> previous = ctx.ledger.Lookup(zip_path);
  if (!previous.ok()) return fail(previous.status());
  if (previous->has_value() && (*previous)->sha256 == r.sha256) {
    bool complete = true;
    for (const std::string& key : (*previous)->AllFiles()) {
      Result<bool> exists = ctx.lake.Exists(key);
      if (!exists.ok()) return fail(exists.status());
      if (!*exists) {
        complete = false;
        break;
      }
    }
    if (complete) {
      // A crash between recording this entry and deleting the files it superseded leaves those
      // behind; finish the job now (reads only, unless such a leftover exists).
      for (const std::string& key : (*previous)->superseded_files) {
        Result<bool> exists = ctx.lake.Exists(key);
        if (!exists.ok()) return fail(exists.status());
        if (*exists) {
          if (Status s = ctx.lake.Delete(key); !s.ok()) {
            return fail(s.WithContext("removing the superseded file " + key));
          }
        }
      }
      r.outcome = FileOutcome::kSkipped;
      r.rows = (*previous)->rows;
      r.rejected_rows = (*previous)->rejected_rows;
      r.silver_files = (*previous)->silver_files;
      r.reject_files = (*previous)->reject_files;
      return r;
    }
  }

  // 3. The zip: from bronze when the lake already holds this exact file, else downloaded.
  const std::string bronze_zip = std::string(kBronzePrefix) + zip_path;
  const std::string bronze_sum = std::string(kBronzePrefix) + sum_path;
  std::string zip;
  std::string actual;
  bool zip_in_bronze = false;
  if (Result<std::string> b = ctx.lake.Get(bronze_zip); b.ok()) {
    std::string digest = archive::Sha256Hex(*b);
    if (digest == r.sha256) {
      zip = std::move(b).value();
      actual = std::move(digest);
      zip_in_bronze = true;
    }
  }
  if (!zip_in_bronze) {
    t_fetch = Clock::now();
    Result<std::string> z = ctx.source.Fetch(zip_path);
    ctx.metrics.RecordDownload(SecondsSince(t_fetch), z.ok());
    if (!z.ok()) {
      if (z.status().IsNotFound()) {
        return fail(Status::NotFound("missing file: " + zip_path + " has a .CHECKSUM but no zip (" +
                                     z.status().message() + ")"));
      }
      return fail(z.status().WithContext(zip_path));
    }
    zip = std::move(z).value();
    r.bytes_downloaded += static_cast<int64_t>(zip.size());
  }

  // 4. Verify before anything is written, 5. store bronze (byte-identical; skipped when the lake
  // already holds it), 6. inflate. With a spare thread the hash and the bronze write overlap the
  // inflate: the inflated bytes stay in memory and are discarded unless the digest matches.
  // With one thread the bronze zip is written at once but published (fsync, rename, directory
  // fsync) only after the conversion, so the disk writes it back while this thread inflates and
  // parses instead of the thread waiting in fsync. It is still published before its .CHECKSUM
  // and before any silver file or ledger entry, and on every path once verified, as before.
  std::string csv_name;
  Status extract_status;
  bool extracted = false;
  std::unique_ptr<storage::PendingPut> bronze_pending;
  int64_t bronze_pending_bytes = 0;
  auto store_bronze = [&]() -> Status {
    if (bronze_pending != nullptr) {
      Status published = bronze_pending->Publish();
      bronze_pending.reset();
      CL_RETURN_IF_ERROR(published);
      r.bytes_written += bronze_pending_bytes;
    }
    if (Result<std::string> old = ctx.lake.Get(bronze_sum); !old.ok() || *old != *sum) {
      CL_RETURN_IF_ERROR(ctx.lake.Put(bronze_sum, *sum));
      r.bytes_written += static_cast<int64_t>(sum->size());
    }
    return Status::OK();
  };
  if (!zip_in_bronze && threads > 1) {
    bool verified = false;
    Status bronze_status;
    std::thread helper([&] {
      actual = archive::Sha256Hex(zip);
      verified = actual == r.sha256;
      if (verified) bronze_status = ctx.lake.Put(bronze_zip, zip);
    });
    extract_status = archive::ExtractSingleMemberInto(zip, &csv_buffer, &csv_name);
    helper.join();
    extracted = true;
    if (!verified) {
      return fail(Status::Corruption("checksum mismatch for " + zip_path + ": .CHECKSUM says " +
                                     r.sha256 + ", downloaded zip hashes to " + actual +
                                     "; nothing was written for this file"));
    }
    if (!bronze_status.ok()) return fail(bronze_status);
    r.bytes_written += static_cast<int64_t>(zip.size());
  } else {
    if (!zip_in_bronze) actual = archive::Sha256Hex(zip);
    if (Status v = archive::CompareDigests(file.ZipName(), r.sha256, actual); !v.ok()) {
      return fail(Status::Corruption("checksum mismatch for " + zip_path + ": .CHECKSUM says " +
                                     r.sha256 + ", downloaded zip hashes to " + actual +
                                     "; nothing was written for this file"));
    }
    if (!zip_in_bronze) {
      Result<std::unique_ptr<storage::PendingPut>> pending = ctx.lake.BeginPut(bronze_zip, zip);
      if (!pending.ok()) return fail(pending.status());
      bronze_pending = std::move(pending).value();
      bronze_pending_bytes = static_cast<int64_t>(zip.size());
    }
  }
  if (bronze_pending == nullptr) {
    if (Status s = store_bronze(); !s.ok()) return fail(s);
  }
  if (!extracted) extract_status = archive::ExtractSingleMemberInto(zip, &csv_buffer, &csv_name);
  if (!extract_status.ok()) {
    if (bronze_pending != nullptr) {
      if (Status s = store_bronze(); !s.ok()) return fail(s);
    }
    return fail(extract_status.WithContext(zip_path));
  }
  std::string().swap(zip);
  const std::string_view csv = csv_buffer.view();
  r.csv_bytes = static_cast<int64_t>(csv.size());
  ConvertOptions convert_options;
  convert_options.on_bad_rows = o.on_bad_rows;
  const parquet::WriterOptions writer_options = ParquetOptionsFor(o, zip_path, r.sha256, csv_name);
  std::vector<SliceOutput> slices =
      ConvertFile(file, csv_name, csv, convert_options, writer_options, r.sha256, threads);
  if (bronze_pending != nullptr) {
    if (Status s = store_bronze(); !s.ok()) return fail(s);
  }
  std::vector<PendingObject> objects;
  for (SliceOutput& s : slices) {
    if (!s.status.ok()) return fail(s.status.WithContext(zip_path));
    r.rows += s.conversion.rows_out;
    r.rejected_rows += s.conversion.rows_rejected;
    for (PendingObject& p : s.parquet_files) {
      r.silver_files.push_back(p.key);
      objects.push_back(std::move(p));
    }
    if (!s.conversion.rejects_csv.empty()) {
      std::string key =
          s.conversion.rejects_partition_dir + "rejects-" + r.sha256.substr(0, 16) + ".csv";
      r.reject_files.push_back(key);
      objects.push_back(PendingObject{key, std::move(s.conversion.rejects_csv), 0});
    }
  }

  // 7. Publish the new files (each Put is atomic), 8. commit in the ledger, then drop files of
  // an older version of this archive file that the new entry does not reference.
  for (const PendingObject& p : objects) {
    if (Status s = ctx.lake.Put(p.key, p.bytes); !s.ok()) return fail(s);
    r.bytes_written += static_cast<int64_t>(p.bytes.size());
  }
  LedgerEntry entry;
  entry.archive_path = zip_path;
  entry.sha256 = r.sha256;
  entry.silver_files = r.silver_files;
  entry.reject_files = r.reject_files;
  entry.rows = r.rows;
  entry.rejected_rows = r.rejected_rows;
  entry.ingested_at = UtcNowIso();
  entry.tool_version = std::string(kCryptolakeVersion);
  std::vector<std::string> to_delete;
  if (previous->has_value()) {
    std::vector<std::string> keep = entry.AllFiles();
    std::set<std::string> keep_set(keep.begin(), keep.end());
    for (const std::string& key : (*previous)->AllFiles()) {
      if (keep_set.insert(key).second) entry.superseded_files.push_back(key);
    }
    to_delete = entry.superseded_files;
    // Leftovers the previous entry superseded, in case a crash kept them (Delete of an absent
    // object is OK); they are not carried into the new entry.
    for (const std::string& key : (*previous)->superseded_files) {
      if (keep_set.insert(key).second) to_delete.push_back(key);
    }
  }
  const std::string entry_text = SerializeLedgerEntry(entry);
  if (Status s = ctx.ledger.Record(entry); !s.ok()) return fail(s);
  r.bytes_written += static_cast<int64_t>(entry_text.size());
  for (const std::string& key : to_delete) {
    if (Status s = ctx.lake.Delete(key); !s.ok()) {
      return fail(s.WithContext("ingested, but removing the superseded file " + key +
                                " failed (the next run removes it)"));
    }
  }
  r.outcome = FileOutcome::kIngested;
  return r;
}

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

std::string SilverPartFileName(std::string_view sha256, int slice) {
  std::string name = "part-";
  name += sha256.substr(0, 16);
  if (slice >= 0) {
    name += '-';
    name += std::to_string(slice);
  }
  name += ".parquet";
  return name;
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
  CL_ASSIGN_OR_RETURN(const DataTypeSchema* schema, FindDataTypeSchema(o.data_type, o.market));
  CL_RETURN_IF_ERROR(schema->CheckInterval(o.interval));

  archive::DiscoveryQuery query;
  query.market = o.market;
  query.period = o.period;
  query.data_type = o.data_type;
  query.interval = o.interval;
  query.symbols = o.symbols;
  query.all_symbols = o.all_symbols;
  query.start_date = o.start_date;
  query.end_date = o.end_date;
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

  IngestMetrics metrics(o.market, o.data_type);
  RunContext ctx{o, *source, *o.lake, Ledger(*o.lake), metrics};
  summary.files.resize(files.size());
  const int nfiles = static_cast<int>(files.size());
  const int workers = std::max(1, std::min(o.jobs, nfiles));
  std::atomic<int> next{0};
  std::mutex progress_mu;
  IngestProgress progress;
  progress.files_total = nfiles;

  auto work = [&](int worker) {
    // Threads left over when there are fewer files than jobs go to the files themselves.
    int threads = 1;
    if (nfiles > 0 && nfiles < o.jobs)
      threads = o.jobs / nfiles + (worker < o.jobs % nfiles ? 1 : 0);
    archive::InflateBuffer csv_buffer;
    for (int i = next.fetch_add(1); i < nfiles; i = next.fetch_add(1)) {
      ScopedActiveWorkflow active(metrics);
      FileReport report = ProcessFile(ctx, files[i], threads, csv_buffer);
      metrics.RecordFile(report);
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
  return summary;
}

}  // namespace cryptolake::lake
