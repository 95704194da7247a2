// FileWriter: builds one complete Parquet file in memory from ColumnBatches.
//
// Usage (LevelDB TableBuilder style):
//   FileWriter writer(schema, options);
//   for (...) writer.Append(batch);          // errors are sticky in status()
//   CL_ASSIGN_OR_RETURN(std::string bytes, writer.Finish());
// or writer.Abandon() to drop everything. The caller stores the bytes (e.g.
// through the object store's atomic publish), so no partial file is visible.
//
// What is written: flat schema (see schema.h), row groups of
// options.row_group_rows rows, data page v1 (or v2 when data_page_v2), per
// column chunk either dictionary encoding (PLAIN dictionary page +
// RLE_DICTIONARY data pages) or, when the dictionary would grow too large,
// PLAIN (or DELTA_BINARY_PACKED for int64 columns when
// options.delta_for_int64 and it is smaller). Definition levels of nullable
// columns are RLE/bit-packed hybrid. Every chunk carries statistics (min_value,
// max_value, null_count; legacy min/max where their sort order is the same;
// doubles ignore NaN), pages are compressed with options.compression.
//
// Streaming: given a ByteSink, the writer hands every completed row group to
// the sink and forgets it, so memory holds at most one row group (plus the
// footer metadata) whatever the file's size; Finish() then appends the footer
// to the sink and returns "".
//
// Parallel encoding: RowGroupEncoder turns one batch into an EncodedRowGroup
// independently of any file (one encoder per thread); FileWriter::
// AppendEncoded() places encoded groups into the file in the order appended.
// A file built from encoded groups is byte-identical to one built by Append()
// with row_group_rows equal to each batch's size.
//
// Thread-safety: a FileWriter or RowGroupEncoder is used by one thread at a
// time. Distinct writers and encoders are independent and may run
// concurrently.
#ifndef CRYPTOLAKE_PARQUET_FILE_WRITER_H_
#define CRYPTOLAKE_PARQUET_FILE_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cryptolake/common/byte_sink.h"
#include "cryptolake/common/status.h"
#include "cryptolake/common/version.h"
#include "cryptolake/parquet/column_batch.h"
#include "cryptolake/parquet/schema.h"

namespace cryptolake::parquet {

// Page compression codec.
enum class Compression { kUncompressed, kSnappy, kZstd };

// "uncompressed", "snappy", "zstd".
std::string_view CompressionName(Compression c);

struct WriterOptions {
  Compression compression = Compression::kZstd;
  int zstd_level = 1;
  // Rows per row group (the last one may be smaller). REQUIRES: > 0.
  int64_t row_group_rows = 1'048'576;
  // Target uncompressed size of one data page. REQUIRES: > 0.
  int64_t page_bytes = 1 << 20;
  // Try dictionary encoding; a chunk falls back to plain when its dictionary
  // exceeds dictionary_max_bytes or dictionary_max_values distinct values.
  bool enable_dictionary = true;
  int64_t dictionary_max_bytes = 1 << 20;
  int64_t dictionary_max_values = 1 << 16;
  // Non-dictionary int64/timestamp chunks use DELTA_BINARY_PACKED when it is
  // smaller than PLAIN (DuckDB, Arrow, hyparquet read it).
  bool delta_for_int64 = true;
  bool data_page_v2 = false;
  // Written as the file's key_value_metadata, in this order.
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
  std::string created_by = "cryptolake version " CRYPTOLAKE_VERSION_STRING;
};

class FileWriter;
class RowGroupEncoder;

// One row group encoded by a RowGroupEncoder, waiting for its place in a file.
// Move-only.
class EncodedRowGroup {
 public:
  EncodedRowGroup();
  ~EncodedRowGroup();
  EncodedRowGroup(EncodedRowGroup&&) noexcept;
  EncodedRowGroup& operator=(EncodedRowGroup&&) noexcept;

  int64_t num_rows() const;
  size_t byte_size() const;  // encoded (compressed) bytes of its column chunks

 private:
  friend class FileWriter;
  friend class RowGroupEncoder;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

class FileWriter {
 public:
  // `sink` null: the file is returned by Finish(). Otherwise bytes go to
  // `sink` as row groups complete; REQUIRES: `sink` outlives the writer.
  FileWriter(Schema schema, WriterOptions options, ByteSink* sink = nullptr);
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  FileWriter(FileWriter&&) noexcept;
  FileWriter& operator=(FileWriter&&) noexcept;

  // Appends every row of `batch`. A batch whose schema differs from the
  // writer's, or that fails ColumnBatch::Validate(), makes status() non-OK;
  // after that every call is a no-op and Finish() returns the error.
  void Append(const ColumnBatch& batch);

  // Appends a row group encoded by a RowGroupEncoder built with this
  // writer's schema and options. REQUIRES: no rows from Append() are waiting
  // for their row group (keep to one of the two ways per file).
  void AppendEncoded(EncodedRowGroup group);

  // First error seen, or OK.
  Status status() const;

  // Flushes the last row group, writes the footer and returns the whole file
  // (PAR1 ... footer, footer length, PAR1). An empty file (no rows) is valid.
  // REQUIRES: neither Finish() nor Abandon() was called before
  // (otherwise FailedPrecondition).
  Result<std::string> Finish();

  // Drops all buffered data; later Append/Finish fail with FailedPrecondition.
  void Abandon();

  int64_t rows_written() const;
  const Schema& schema() const;

 private:
  friend class RowGroupEncoder;
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Encodes whole batches as row groups, for FileWriter::AppendEncoded. Keeps
// its scratch buffers from batch to batch.
class RowGroupEncoder {
 public:
  RowGroupEncoder(Schema schema, WriterOptions options);
  ~RowGroupEncoder();
  RowGroupEncoder(RowGroupEncoder&&) noexcept;
  RowGroupEncoder& operator=(RowGroupEncoder&&) noexcept;

  // The whole batch as one row group (options.row_group_rows is not used).
  Result<EncodedRowGroup> Encode(const ColumnBatch& batch);

 private:
  std::unique_ptr<FileWriter::Impl> impl_;
};

}  // namespace cryptolake::parquet

#endif  // CRYPTOLAKE_PARQUET_FILE_WRITER_H_
