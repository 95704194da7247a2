// FileReader: reads Parquet files that cryptolake writes, and flat files from
// other writers that use the same subset.
//
// Supported: flat schemas whose columns map to a ColumnType (BOOLEAN, INT32,
// INT64, DOUBLE, BYTE_ARRAY; TIMESTAMP(MICROS) or TIMESTAMP(MILLIS) INT64 is
// read as kTimestampMicros, millis scaled), REQUIRED or OPTIONAL; data page v1
// and v2, dictionary pages; encodings PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY,
// RLE (levels, booleans), DELTA_BINARY_PACKED; codecs UNCOMPRESSED, SNAPPY,
// ZSTD. Anything else is reported as an error, never guessed.
//
// The reader treats the bytes as untrusted: truncated files, bad magic, bad
// lengths and garbage Thrift give a Status (Corruption or InvalidArgument), never
// a crash or an unbounded allocation. It is fuzzed (fuzz/parquet_reader_fuzz.cc).
//
// Thread-safety: after Open() returns, a FileReader is immutable; its const
// methods may be called from several threads at once.
#ifndef CRYPTOLAKE_PARQUET_FILE_READER_H_
#define CRYPTOLAKE_PARQUET_FILE_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/parquet/column_batch.h"
#include "cryptolake/parquet/file_writer.h"
#include "cryptolake/parquet/schema.h"

namespace cryptolake::parquet {

// Parquet encodings by their format number.
enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

// Metadata of one column chunk, as stored in the footer.
struct ColumnChunkInfo {
  Compression codec = Compression::kUncompressed;
  std::vector<Encoding> encodings;
  int64_t num_values = 0;  // including nulls
  int64_t total_compressed_size = 0;
  int64_t total_uncompressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  // Statistics; raw PLAIN-encoded bytes as in the file (little-endian numbers,
  // string bytes). Absent when the writer did not write them.
  std::optional<int64_t> null_count;
  std::optional<std::string> min_value;
  std::optional<std::string> max_value;
};

class FileReader {
 public:
  // Parses the footer of `file_bytes` (the complete file) and keeps the bytes.
  static Result<FileReader> Open(std::string file_bytes);

  FileReader(FileReader&&) noexcept;
  FileReader& operator=(FileReader&&) noexcept;
  ~FileReader();

  const Schema& schema() const;
  int64_t num_rows() const;
  int num_row_groups() const;
  int64_t row_group_num_rows(int row_group) const;
  const std::string& created_by() const;
  const std::vector<std::pair<std::string, std::string>>& key_value_metadata() const;

  // REQUIRES: 0 <= row_group < num_row_groups(), 0 <= col < schema().num_columns().
  const ColumnChunkInfo& column_chunk(int row_group, int col) const;

  // Decodes one row group / all row groups into a batch with schema().
  Result<ColumnBatch> ReadRowGroup(int row_group) const;
  Result<ColumnBatch> ReadAll() const;

 private:
  struct Impl;
  explicit FileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cryptolake::parquet

#endif  // CRYPTOLAKE_PARQUET_FILE_READER_H_
