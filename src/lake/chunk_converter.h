// ChunkConverter: parses and validates a run of complete CSV lines of one
// archive file into a silver ColumnBatch (one future row group).
//
// What carries from line to line across a whole file -- the epoch time unit,
// the previous time (non-decreasing rule) and the unique keys seen -- lives in
// a ParseState the caller passes in. A file is converted exactly by feeding
// its chunks in order with one state. Chunks may also be parsed ahead in
// parallel, each with a fresh state, and then admitted by CanAppend():
// when it holds, the chunk's rows, errors and rejects are exactly what the
// sequential parse would give, and AppendState() advances the file's state;
// otherwise the chunk is parsed again with the file's state.
//
// Error messages name the file, line (1-based, header counted), column and
// value: `BTCUSDT-1m-2022-09-05.csv line 17 column "high": value "abc" is not
// a number`.
//
// Thread-safety: a ChunkConverter (and its batch) is used by one thread at a
// time; converters of one file may run on different threads.
#ifndef CRYPTOLAKE_LAKE_CHUNK_CONVERTER_H_
#define CRYPTOLAKE_LAKE_CHUNK_CONVERTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/common/status.h"
#include "cryptolake/lake/silver_converter.h"
#include "cryptolake/parquet/column_batch.h"
#include "silver_plan.h"
#include "unique_key_tracker.h"

namespace cryptolake::lake::internal {

// What one file's parse carries from line to line.
struct ParseState {
  bool unit_known = false;
  bool unit_micros = false;
  int64_t unit_line = 0;  // the line whose value decided the unit
  bool have_prev = false;
  int64_t prev_ts = 0;
  int64_t prev_line = 0;
  bool have_first = false;
  int64_t first_ts = 0;  // time of the first accepted row
  UniqueKeyTracker keys;

  // True when a chunk parsed alone with `chunk` (a fresh state) and no
  // rejected row gives the same result as parsed after this state.
  bool CanAppend(const ParseState& chunk, bool time_non_decreasing) const;
  // Advances this state past a chunk CanAppend() admitted.
  void AppendState(const ParseState& chunk);
};

struct ChunkCounts {
  int64_t rows_in = 0;        // data lines read
  int64_t rows_out = 0;       // rows appended to the batch
  int64_t rows_rejected = 0;  // rows_in - rows_out (quarantined)
};

class ChunkConverter {
 public:
  // REQUIRES: plan, file and options outlive the converter.
  ChunkConverter(const SilverPlan& plan, const archive::ArchiveFile& file,
                 std::string_view csv_name, const ConvertOptions& options);

  // Converts the complete lines in `text` (the first is line `first_line`)
  // into batch(), which is cleared first. Under kQuarantine bad rows are
  // appended to *rejects as CSV records line,reason,row (the caller writes
  // the header line once per file) and counted; under
  // kFail the first bad row returns Corruption.
  Status Convert(std::string_view text, int64_t first_line, ParseState* state, ChunkCounts* counts,
                 std::string* rejects);

  const parquet::ColumnBatch& batch() const { return batch_; }

 private:
  template <typename V>
  struct Sink {
    int csv = 0;  // source CSV column
    V* values = nullptr;
    std::vector<uint8_t>* validity = nullptr;  // only for empty_is_null cells
  };

  bool ParseRow(std::string_view line);
  bool ValidateRow(const ParseState& state);
  void AcceptRow(ParseState* state);
  void FillDerivedColumns();

  bool FailColumn(int col, std::string reason);
  bool FailRow(std::string reason) { return FailColumn(-1, std::move(reason)); }
  bool FailField(int col, const char* field_start, const char* line_end);
  bool FailColumnCount(std::string_view line);
  bool ToMicros(int col, int64_t value, int64_t* out);
  std::string ErrorText() const;     // "column "x": reason" or "reason"
  std::string ErrorMessage() const;  // "<csv> line N " + ErrorText()

  const SilverPlan& plan_;
  const archive::ArchiveFile& file_;
  std::string_view csv_name_;
  const ConvertOptions& options_;
  int num_cols_ = 0;
  CsvFieldKind kinds_[kMaxCsvColumns];
  bool empty_is_null_[kMaxCsvColumns];

  bool check_period_ = false;
  int64_t period_begin_ = 0, period_end_ = 0;  // µs, [begin, end)
  Status period_status_;

  // Per row being parsed.
  const char* limit_ = nullptr;  // end of the chunk (see field_parsers.h)
  ParseState* state_ = nullptr;  // during Convert()
  int64_t line_number_ = 0;
  int error_column_ = -1;
  std::string error_reason_;
  int64_t ints_[kMaxCsvColumns];  // kInt64, kEpochTime (µs), kDateTimeText (µs)
  double doubles_[kMaxCsvColumns];
  uint8_t bools_[kMaxCsvColumns];
  uint8_t present_[kMaxCsvColumns];  // 0 for an empty_is_null cell that was empty
  std::string_view texts_[kMaxCsvColumns];

  parquet::ColumnBatch batch_;
  std::vector<Sink<std::vector<int64_t>>> ints_sinks_;
  std::vector<Sink<std::vector<double>>> double_sinks_;
  std::vector<Sink<std::vector<uint8_t>>> bool_sinks_;
  std::vector<Sink<parquet::StringColumn>> string_sinks_;
};

}  // namespace cryptolake::lake::internal

#endif  // CRYPTOLAKE_LAKE_CHUNK_CONVERTER_H_
