// Silver conversion driver: cuts the CSV into chunks of whole lines, parses
// them (in parallel when threads > 1, admitted in file order so the result is
// the sequential one), encodes each chunk as one row group and writes the
// groups in order.
#include "cryptolake/lake/silver_converter.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "chunk_converter.h"
#include "cryptolake/archive/inflate_buffer.h"
#include "cryptolake/archive/zip_member_stream.h"
#include "cryptolake/lake/csv_scanner.h"
#include "cryptolake/lake/partition.h"
#include "silver_plan.h"

namespace cryptolake::lake {

std::string_view BadRowPolicyName(BadRowPolicy policy) {
  return policy == BadRowPolicy::kFail ? "fail" : "quarantine";
}

std::string_view RowSourceName(RowSource source) {
  return source == RowSource::kArchive ? "archive" : "rest";
}

Result<BadRowPolicy> ParseBadRowPolicy(std::string_view name) {
  if (name == "fail") return BadRowPolicy::kFail;
  if (name == "quarantine") return BadRowPolicy::kQuarantine;
  return Status::InvalidArgument("bad-row policy \"" + std::string(name) +
                                 "\" is not one of: fail, quarantine");
}

namespace {

using internal::ChunkConverter;
using internal::ChunkCounts;
using internal::ParseState;
using internal::SilverPlan;

constexpr size_t kReadBlock = size_t{1} << 20;
constexpr std::string_view kRejectsHeader = "line,reason,row\n";

// Reads up to n bytes into dst; 0 at the end.
using ReadFn = std::function<Result<size_t>(char* dst, size_t n)>;

// Cuts the CSV stream into chunks of `lines_per_chunk` complete lines.
class ChunkReader {
 public:
  ChunkReader(ReadFn read, int64_t lines_per_chunk)
      : read_(std::move(read)), lines_per_chunk_(lines_per_chunk) {}

  // Reads the first line and sniffs the header (CsvScanner's rule).
  Status Start(bool* has_header, std::string* header) {
    while ((carry_.size() == 0 || std::memchr(carry_.data(), '\n', carry_.size()) == nullptr) &&
           !eof_) {
      CL_RETURN_IF_ERROR(Fill(&carry_));
    }
    CsvScanner scanner(carry_.view());
    *has_header = scanner.has_header();
    header->assign(scanner.header());
    const size_t data_start = carry_.size() - scanner.remaining_bytes();
    if (data_start > 0 && carry_.size() > data_start) {
      std::memmove(carry_.data(), carry_.data() + data_start, carry_.size() - data_start);
    }
    CL_RETURN_IF_ERROR(carry_.Resize(carry_.size() - data_start));
    next_line_ = *has_header ? 2 : 1;
    return Status::OK();
  }

  // The next chunk's lines into *out (reused); false at the end.
  Result<bool> Next(archive::InflateBuffer* out, int64_t* first_line) {
    CL_RETURN_IF_ERROR(out->Resize(carry_.size()));
    if (carry_.size() > 0) std::memcpy(out->data(), carry_.data(), carry_.size());
    CL_RETURN_IF_ERROR(carry_.Resize(0));
    int64_t lines = 0;
    size_t scanned = 0;
    for (;;) {
      while (lines < lines_per_chunk_ && scanned < out->size()) {
        const void* nl = std::memchr(out->data() + scanned, '\n', out->size() - scanned);
        if (nl == nullptr) break;
        ++lines;
        scanned = static_cast<const char*>(nl) - out->data() + 1;
      }
      if (lines == lines_per_chunk_) {
        const size_t rest = out->size() - scanned;
        CL_RETURN_IF_ERROR(carry_.Resize(rest));
        if (rest > 0) std::memcpy(carry_.data(), out->data() + scanned, rest);
        CL_RETURN_IF_ERROR(out->Resize(scanned));
        break;
      }
      if (eof_) {
        if (scanned < out->size()) ++lines;  // a last line without a line end
        break;
      }
      CL_RETURN_IF_ERROR(Fill(out));
    }
    if (out->size() == 0) return false;
    *first_line = next_line_;
    next_line_ += lines;
    return true;
  }

  int64_t bytes_read() const { return bytes_read_; }

 private:
  Status Fill(archive::InflateBuffer* buf) {
    const size_t old = buf->size();
    // Geometric growth: a chunk's buffer is mapped a handful of times, then reused.
    if (old + kReadBlock > buf->capacity()) {
      CL_RETURN_IF_ERROR(buf->Reserve(std::max(old + kReadBlock, 2 * buf->capacity())));
    }
    CL_RETURN_IF_ERROR(buf->Resize(old + kReadBlock));
    CL_ASSIGN_OR_RETURN(size_t n, read_(buf->data() + old, kReadBlock));
    CL_RETURN_IF_ERROR(buf->Resize(old + n));
    bytes_read_ += static_cast<int64_t>(n);
    if (n == 0) eof_ = true;
    return Status::OK();
  }

  ReadFn read_;
  const int64_t lines_per_chunk_;
  archive::InflateBuffer carry_;  // read, not yet handed out
  bool eof_ = false;
  int64_t next_line_ = 1;
  int64_t bytes_read_ = 0;
};

// One thread's reusable state.
struct Worker {
  Worker(const SilverPlan& plan, const archive::ArchiveFile& file, std::string_view csv_name,
         const ConvertOptions& options, const parquet::WriterOptions& writer_options)
      : converter(plan, file, csv_name, options),
        encoder(plan.schema->silver_schema, writer_options) {}
  ChunkConverter converter;
  parquet::RowGroupEncoder encoder;
  archive::InflateBuffer text;
  ParseState local;
  ChunkCounts counts;
  std::string rejects;
};

using BatchFn = std::function<void(const parquet::ColumnBatch&)>;

Result<ConversionStats> ConvertStream(const archive::ArchiveFile& file, std::string csv_name,
                                      ReadFn read, const ConvertOptions& options,
                                      const parquet::WriterOptions& writer_options, int threads,
                                      const SilverSinks& sinks, const BatchFn& on_batch) {
  CL_ASSIGN_OR_RETURN(const DataTypeSchema* schema,
                      FindDataTypeSchema(file.data_type, file.market));
  const std::vector<CsvColumnSpec>* csv = schema->CsvColumns(file.market);
  if (csv->size() > static_cast<size_t>(internal::kMaxCsvColumns)) {
    return Status::Internal("data type " + schema->data_type + " declares too many columns");
  }
  CL_RETURN_IF_ERROR(schema->CheckInterval(file.interval, file.market));
  CL_RETURN_IF_ERROR(PartitionKeyOf(file).status());
  if (options.rows_per_row_group <= 0) {
    return Status::InvalidArgument("rows_per_row_group must be positive");
  }
  if (options.on_bad_rows == BadRowPolicy::kQuarantine && sinks.parquet != nullptr &&
      sinks.rejects == nullptr) {
    return Status::InvalidArgument("quarantine needs a rejects sink");
  }
  const SilverPlan plan = internal::CompileSilverPlan(*schema, *csv);
  const int num_cols = static_cast<int>(plan.cols.size());

  ConversionStats stats;
  stats.schema = schema;
  stats.csv_name = std::move(csv_name);
  ChunkReader reader(std::move(read), options.rows_per_row_group);
  std::string header;
  CL_RETURN_IF_ERROR(reader.Start(&stats.had_header, &header));
  if (stats.had_header) {
    std::string_view unused[1];
    size_t found = SplitCsvFields(header, unused);
    if (found != static_cast<size_t>(num_cols) || ContainsQuote(header)) {
      std::string msg = stats.csv_name;
      std::string shown = header.size() > 80 ? header.substr(0, 80) + "..." : header;
      msg += " line 1: header \"" + shown + "\" has " + std::to_string(found) + " columns; " +
             schema->data_type + " on market " + std::string(archive::MarketName(file.market)) +
             " has " + std::to_string(num_cols);
      if (ContainsQuote(header)) msg += " and the archive's CSV format has no quoting";
      return Status::Corruption(msg);
    }
  }

  std::unique_ptr<parquet::FileWriter> writer;
  if (sinks.parquet != nullptr) {
    writer =
        std::make_unique<parquet::FileWriter>(schema->silver_schema, writer_options, sinks.parquet);
  }
  const bool time_rule = schema->rules.time_non_decreasing;
  std::mutex read_mu;  // the reader: one chunk cut at a time
  bool read_stopped = false;
  int64_t next_chunk = 0;
  std::mutex mu;  // turns, the file's state, totals, the sinks
  std::condition_variable turn_cv;
  int64_t commit_turn = 0, write_turn = 0;
  Status failed;
  ParseState file_state;
  bool rejects_started = false;

  auto fail = [&](Status s) {
    std::lock_guard<std::mutex> lock(mu);
    if (failed.ok()) failed = std::move(s);
    turn_cv.notify_all();
  };
  auto wait_turn = [&](const int64_t& turn, int64_t idx) {
    std::unique_lock<std::mutex> lock(mu);
    turn_cv.wait(lock, [&] { return turn == idx || !failed.ok(); });
    return failed.ok();
  };
  auto run = [&](Worker& w) {
    for (;;) {
      int64_t idx = 0, first_line = 0;
      Status read_status;
      {
        std::lock_guard<std::mutex> lock(read_mu);
        if (read_stopped) return;
        idx = next_chunk++;
        Result<bool> got = reader.Next(&w.text, &first_line);
        if (!got.ok()) {
          read_status = got.status();
          read_stopped = true;
        } else if (!*got) {
          read_stopped = true;
          return;
        }
      }
      const std::string_view text = w.text.view();
      // Parse ahead with a fresh state; admitted below if it matches the
      // sequential parse.
      bool parsed_alone = false;
      if (threads > 1 && read_status.ok()) {
        w.local = ParseState();
        w.rejects.clear();
        Status st = w.converter.Convert(text, first_line, &w.local, &w.counts, &w.rejects);
        parsed_alone = st.ok() && w.counts.rows_rejected == 0;
      }
      if (!wait_turn(commit_turn, idx)) return;
      if (!read_status.ok()) return fail(read_status.WithContext(stats.csv_name));
      // This thread owns file_state until it advances commit_turn.
      if (parsed_alone && file_state.CanAppend(w.local, time_rule)) {
        file_state.AppendState(w.local);
      } else {
        w.rejects.clear();
        Status st = w.converter.Convert(text, first_line, &file_state, &w.counts, &w.rejects);
        if (!st.ok()) return fail(st);
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        stats.rows_in += w.counts.rows_in;
        stats.rows_out += w.counts.rows_out;
        stats.rows_rejected += w.counts.rows_rejected;
        if (!w.rejects.empty() && sinks.rejects != nullptr) {
          Status st;
          if (!rejects_started) st = sinks.rejects->Append(kRejectsHeader);
          rejects_started = true;
          if (st.ok()) st = sinks.rejects->Append(w.rejects);
          if (!st.ok() && failed.ok()) failed = st;
        }
        if (!failed.ok()) {
          turn_cv.notify_all();
          return;
        }
        ++commit_turn;
        turn_cv.notify_all();
      }
      const parquet::ColumnBatch& batch = w.converter.batch();
      parquet::EncodedRowGroup encoded;
      if (writer != nullptr && batch.num_rows() > 0) {
        Result<parquet::EncodedRowGroup> e = w.encoder.Encode(batch);
        if (!e.ok()) return fail(e.status().WithContext("encoding " + stats.csv_name));
        encoded = std::move(e).value();
      }
      if (!wait_turn(write_turn, idx)) return;
      if (batch.num_rows() > 0) {
        if (writer != nullptr) {
          writer->AppendEncoded(std::move(encoded));
          if (!writer->status().ok()) return fail(writer->status());
          ++stats.row_groups;
        }
        if (on_batch) on_batch(batch);
      }
      std::lock_guard<std::mutex> lock(mu);
      ++write_turn;
      turn_cv.notify_all();
    }
  };
  {
    std::vector<std::unique_ptr<Worker>> workers;
    for (int t = 0; t < std::max(1, threads); ++t) {
      workers.push_back(
          std::make_unique<Worker>(plan, file, stats.csv_name, options, writer_options));
    }
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < workers.size(); ++t) helpers.emplace_back(run, std::ref(*workers[t]));
    run(*workers[0]);
    for (std::thread& t : helpers) t.join();
  }
  CL_RETURN_IF_ERROR(failed);
  stats.csv_bytes = reader.bytes_read();
  stats.time_unit = file_state.unit_micros ? TimeUnit::kMicroseconds : TimeUnit::kMilliseconds;
  if (file_state.have_prev) stats.last_event_micros = file_state.prev_ts;
  if (stats.rows_in == 0) {
    return Status::Corruption(stats.csv_name + " has no data rows" +
                              (stats.had_header ? " (only a header)" : " (the file is empty)") +
                              "; an archive file without rows is never committed");
  }
  if (writer != nullptr) {
    Result<std::string> rest = writer->Finish();
    if (!rest.ok()) return rest.status().WithContext("encoding " + stats.csv_name);
  }
  return stats;
}

}  // namespace

Result<ConversionStats> ConvertZipToSilver(const archive::ArchiveFile& file,
                                           archive::ZipMemberStream& member,
                                           const ConvertOptions& options,
                                           const parquet::WriterOptions& writer_options,
                                           int threads, const SilverSinks& sinks) {
  if (sinks.parquet == nullptr) return Status::InvalidArgument("SilverSinks.parquet is not set");
  return ConvertStream(
      file, member.name(), [&member](char* dst, size_t n) { return member.Read(dst, n); }, options,
      writer_options, threads, sinks, nullptr);
}

Result<SilverConversion> ConvertCsvToSilver(const archive::ArchiveFile& file,
                                            std::string_view csv_name, std::string_view csv_bytes,
                                            const ConvertOptions& options) {
  CL_ASSIGN_OR_RETURN(const DataTypeSchema* schema,
                      FindDataTypeSchema(file.data_type, file.market));
  SilverConversion out;
  out.batch = parquet::ColumnBatch(schema->silver_schema);
  size_t pos = 0;
  auto read = [&](char* dst, size_t n) -> Result<size_t> {
    size_t k = std::min(n, csv_bytes.size() - pos);
    if (k > 0) std::memcpy(dst, csv_bytes.data() + pos, k);
    pos += k;
    return k;
  };
  StringSink rejects;
  SilverSinks sinks;
  sinks.rejects = &rejects;
  CL_ASSIGN_OR_RETURN(
      static_cast<ConversionStats&>(out),
      ConvertStream(file, std::string(csv_name), read, options, parquet::WriterOptions(),
                    /*threads=*/1, sinks, [&](const parquet::ColumnBatch& b) {
                      out.batch.AppendRows(b, 0, b.num_rows());
                    }));
  out.rejects_csv = rejects.Release();
  CL_ASSIGN_OR_RETURN(PartitionKey key, PartitionKeyOf(file));
  out.partition_dir = SilverPartitionDir(key);
  return out;
}

}  // namespace cryptolake::lake
