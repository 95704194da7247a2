// libFuzzer target for the Parquet reader: any byte string is opened as a
// Parquet file and, when the footer parses, every row group is decoded.
// The reader must return a Status for malformed input, never crash, hang or
// allocate without bound (row groups above kMaxRows are skipped here because a
// valid RLE run can legitimately describe millions of values in a few bytes).
#include <cstddef>
#include <cstdint>
#include <string>

#include "cryptolake/parquet/file_reader.h"

namespace {
constexpr int64_t kMaxRows = 1 << 20;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cryptolake::parquet::FileReader;
  auto reader = FileReader::Open(std::string(reinterpret_cast<const char*>(data), size));
  if (!reader.ok()) return 0;
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    for (size_t c = 0; c < reader->schema().num_columns(); ++c) {
      (void)reader->column_chunk(g, static_cast<int>(c));
    }
    if (reader->row_group_num_rows(g) > kMaxRows) continue;
    auto batch = reader->ReadRowGroup(g);
    if (batch.ok() && !batch->Validate().ok()) __builtin_trap();  // decoded batches are consistent
  }
  return 0;
}
