// The subset of parquet-format's Thrift structures cryptolake reads and
// writes (FileMetaData, SchemaElement, RowGroup, ColumnChunk, ColumnMetaData,
// Statistics, PageHeader), with their compact-protocol serialisation.
// Field ids follow parquet-format's parquet.thrift; unknown fields are skipped
// when parsing.
//
// Thread-safety: plain values and free functions; no shared state.
#ifndef CRYPTOLAKE_SRC_PARQUET_PARQUET_FORMAT_H_
#define CRYPTOLAKE_SRC_PARQUET_PARQUET_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cryptolake/common/status.h"

namespace cryptolake::parquet::format {

// Physical types.
enum PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

// ConvertedType values used here.
enum ConvertedType : int32_t {
  kUtf8 = 0,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kInt_32 = 17,
  kInt_64 = 18,
};

// Codecs (CompressionCodec).
enum Codec : int32_t { kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6 };

// PageType.
enum PageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };

// Encoding numbers (same values as cryptolake::parquet::Encoding).
enum EncodingId : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kRleDictionary = 8,
};

// Which LogicalType union member is set (by its field id).
enum LogicalKind : int32_t {
  kNoLogical = 0,
  kStringLogical = 1,
  kTimestampLogical = 8,
  kIntLogical = 10
};
// TimeUnit union member.
enum TimeUnit : int32_t { kMillis = 1, kMicros = 2, kNanos = 3 };

struct Statistics {
  std::optional<std::string> max;  // legacy, signed order
  std::optional<std::string> min;
  std::optional<int64_t> null_count;
  std::optional<std::string> max_value;
  std::optional<std::string> min_value;
};

struct SchemaElement {
  std::optional<int32_t> type;
  std::optional<int32_t> type_length;
  std::optional<int32_t> repetition_type;
  std::string name;
  std::optional<int32_t> num_children;
  std::optional<int32_t> converted_type;
  int32_t logical = kNoLogical;
  bool ts_adjusted_to_utc = false;
  int32_t ts_unit = 0;
  int32_t int_bit_width = 0;
  bool int_signed = true;
};

struct ColumnMetaData {
  int32_t type = 0;
  std::vector<int32_t> encodings;
  std::vector<std::string> path_in_schema;
  int32_t codec = kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
};

struct ColumnChunk {
  std::optional<std::string> file_path;
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta_data;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  std::optional<int64_t> file_offset;
  std::optional<int64_t> total_compressed_size;
  std::optional<int16_t> ordinal;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
  std::optional<std::string> created_by;
  // Number of TYPE_ORDER column orders to write (one per leaf); 0 = none.
  int32_t type_defined_column_orders = 0;
};

struct DataPageHeader {
  int32_t num_values = 0;
  int32_t encoding = kPlain;
  int32_t definition_level_encoding = kRle;
  int32_t repetition_level_encoding = kRle;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  int32_t encoding = kPlain;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  int32_t encoding = kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
};

struct PageHeader {
  int32_t type = kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<DataPageHeader> data_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
  std::optional<DataPageHeaderV2> data_page_header_v2;
};

// Appends the compact serialisation.
void SerializeFileMetaData(const FileMetaData& md, std::string* out);
void SerializePageHeader(const PageHeader& h, std::string* out);

// Parses untrusted bytes; Corruption on malformed input.
Result<FileMetaData> ParseFileMetaData(std::string_view bytes);
// Parses a page header at the start of `bytes`; *header_size receives its length.
Status ParsePageHeader(std::string_view bytes, PageHeader* header, size_t* header_size);

}  // namespace cryptolake::parquet::format

#endif  // CRYPTOLAKE_SRC_PARQUET_PARQUET_FORMAT_H_
