#include "cryptolake/lake/silver_converter.h"

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>

#include "cryptolake/lake/csv_scanner.h"
#include "cryptolake/lake/partition.h"
#include "field_parsers.h"

namespace cryptolake::lake {

std::string_view BadRowPolicyName(BadRowPolicy policy) {
  return policy == BadRowPolicy::kFail ? "fail" : "quarantine";
}

Result<BadRowPolicy> ParseBadRowPolicy(std::string_view name) {
  if (name == "fail") return BadRowPolicy::kFail;
  if (name == "quarantine") return BadRowPolicy::kQuarantine;
  return Status::InvalidArgument("bad-row policy \"" + std::string(name) +
                                 "\" is not one of: fail, quarantine");
}

namespace {

using parquet::ColumnBatch;
using parquet::ColumnType;

// Wide enough for every declared layout (klines have 12 columns).
constexpr int kMaxCsvColumns = 32;
// Epoch values at or above this are microseconds, below it milliseconds.
constexpr int64_t kMicrosThreshold = INT64_C(1'000'000'000'000'000);
// Upper bound of plausible epoch microseconds (year 33658).
constexpr int64_t kMicrosLimit = INT64_C(1'000'000'000'000'000'000);
constexpr size_t kMaxValueInMessage = 80;

struct CompiledColumn {
  const CsvColumnSpec* spec = nullptr;
  int silver = -1;  // silver column index, -1 when not stored
  bool silver_nullable = false;
};

// A data type's declaration resolved for one market: rule columns as CSV
// column indices, so row checks index parsed values directly.
struct Plan {
  const DataTypeSchema* schema = nullptr;
  std::vector<CompiledColumn> cols;
  std::vector<int> mapped;  // CSV indices with silver >= 0, in CSV order
  int time_csv = -1;
  int unique_csv = -1;
  int open_csv = -1, high_csv = -1, low_csv = -1, close_csv = -1;
  std::vector<int> positive_csv;
  std::vector<int> non_negative_csv;
};

Plan Compile(const DataTypeSchema& schema, const std::vector<CsvColumnSpec>& csv) {
  Plan plan;
  plan.schema = &schema;
  auto csv_index_of = [&](std::string_view silver_name) {
    for (size_t i = 0; i < csv.size(); ++i) {
      if (csv[i].silver_name == silver_name) return static_cast<int>(i);
    }
    return -1;
  };
  for (const CsvColumnSpec& c : csv) {
    CompiledColumn cc;
    cc.spec = &c;
    if (!c.silver_name.empty()) {
      cc.silver = schema.silver_schema.FindColumn(c.silver_name);
      cc.silver_nullable = schema.silver_schema.columns[cc.silver].nullable;
      plan.mapped.push_back(static_cast<int>(plan.cols.size()));
    }
    plan.cols.push_back(cc);
  }
  const ValidationRules& r = schema.rules;
  plan.time_csv = csv_index_of(r.time_column);
  if (!r.unique_key.empty()) plan.unique_csv = csv_index_of(r.unique_key);
  if (r.ohlc) {
    plan.open_csv = csv_index_of("open");
    plan.high_csv = csv_index_of("high");
    plan.low_csv = csv_index_of("low");
    plan.close_csv = csv_index_of("close");
  }
  for (const std::string& name : r.positive) {
    if (int i = csv_index_of(name); i >= 0) plan.positive_csv.push_back(i);
  }
  for (const std::string& name : r.non_negative) {
    if (int i = csv_index_of(name); i >= 0) plan.non_negative_csv.push_back(i);
  }
  return plan;
}

// Parsed values of the current row, indexed by CSV column.
struct RowValues {
  int64_t ints[kMaxCsvColumns];  // kInt64, kEpochTime (µs), kDateTimeText (µs)
  double doubles[kMaxCsvColumns];
  uint8_t bools[kMaxCsvColumns];
  uint8_t present[kMaxCsvColumns];  // 0 for an empty_is_null cell that was empty
  std::string_view texts[kMaxCsvColumns];
};

// Where a partition's mapped CSV columns append their values, grouped by
// value type so AcceptRow runs one tight loop per type instead of a switch
// per column.
template <typename V>
struct Sink {
  int csv = 0;  // source CSV column
  V* values = nullptr;
  std::vector<uint8_t>* validity = nullptr;  // only for empty_is_null cells
};

struct PartitionBuilder {
  int64_t day = 0;
  ColumnBatch batch;
  std::vector<Sink<std::vector<int64_t>>> ints;
  std::vector<Sink<std::vector<double>>> doubles;
  std::vector<Sink<std::vector<uint8_t>>> bools;
  std::vector<Sink<parquet::StringColumn>> strings;
};

// Asks the kernel to back a large, not yet touched buffer with transparent
// huge pages (the system default here is "madvise"): filling ~200 MB of fresh
// column memory per big file otherwise costs one page fault per 4 KiB.
// Only whole 2 MiB pages inside the buffer are advised; failure is harmless.
void AdviseHugePages(const void* data, size_t bytes) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (bytes < 2 * kHuge) return;
  uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

template <typename T>
void AdviseHugePages(const std::vector<T>& v) {
  AdviseHugePages(v.data(), v.capacity() * sizeof(T));
}

std::string Quoted(std::string_view value) {
  std::string out = "\"";
  if (value.size() > kMaxValueInMessage) {
    out.append(value.substr(0, kMaxValueInMessage));
    out += "...";
  } else {
    out.append(value);
  }
  out += '"';
  return out;
}

void AppendCsvQuoted(std::string* out, std::string_view value) {
  *out += '"';
  for (char c : value) {
    if (c == '"') *out += '"';
    *out += c;
  }
  *out += '"';
}

std::string FormatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

class Converter {
 public:
  Converter(const Plan& plan, const archive::ArchiveFile& file, std::string_view csv_name,
            const ConvertOptions& options)
      : plan_(plan), file_(file), csv_name_(csv_name), options_(options) {
    for (size_t c = 0; c < plan.cols.size(); ++c) {
      kinds_[c] = plan.cols[c].spec->kind;
      empty_is_null_[c] = plan.cols[c].spec->empty_is_null;
    }
  }

  Result<SilverConversion> Run(std::string_view bytes);

 private:
  bool ParseRow(std::string_view line);
  bool ValidateRow();
  void AcceptRow();
  PartitionBuilder* PartitionFor(int64_t day);
  void FinishPartition(PartitionBuilder* part);
  Status SetUpPeriod();

  bool FailColumn(int col, std::string reason) {
    error_column_ = col;
    error_reason_ = std::move(reason);
    return false;
  }
  bool FailRow(std::string reason) { return FailColumn(-1, std::move(reason)); }
  bool FailField(int col, const char* field_start, const char* line_end);
  bool FailColumnCount(std::string_view line);
  bool ToMicros(int col, const char* field_start, int64_t value, int64_t* out);
  bool ContainsKeyBefore(int64_t key);

  std::string ErrorText() const;     // "column "x": reason" or "reason"
  std::string ErrorMessage() const;  // "<csv> line N " + ErrorText() with ':' joining

  const Plan& plan_;
  // Per CSV column, copied flat from the plan for the hot loop.
  CsvFieldKind kinds_[kMaxCsvColumns];
  bool empty_is_null_[kMaxCsvColumns];
  const char* limit_ = nullptr;  // end of the whole CSV buffer (see field_parsers.h)
  const archive::ArchiveFile& file_;
  std::string_view csv_name_;
  const ConvertOptions& options_;
  int num_cols_ = 0;

  RowValues row_;
  int64_t line_number_ = 0;
  int error_column_ = -1;
  std::string error_reason_;

  // Time unit: decided by the first epoch value.
  bool unit_known_ = false;
  bool unit_micros_ = false;
  int64_t unit_line_ = 0;

  bool check_period_ = false;
  int64_t period_begin_ = 0, period_end_ = 0;  // µs, [begin, end)
  int64_t period_days_ = 1;

  bool have_prev_ = false;
  int64_t prev_ts_ = 0;
  int64_t prev_line_ = 0;
  int64_t max_key_ = 0;
  bool have_key_ = false;
  // Built lazily the first time a key is not above every previous key.
  std::unique_ptr<std::unordered_set<int64_t>> seen_keys_;

  std::vector<std::unique_ptr<PartitionBuilder>> parts_;
  PartitionBuilder* current_ = nullptr;
  size_t reserve_rows_ = 0;

  SilverConversion out_;
};

Status Converter::SetUpPeriod() {
  const std::string& date = file_.date;
  int64_t begin_day;
  if (file_.period == archive::Period::kDaily) {
    CL_ASSIGN_OR_RETURN(begin_day, ParseDate(date));
    period_days_ = 1;
  } else {
    CL_ASSIGN_OR_RETURN(begin_day, ParseDate(date.size() == 7 ? date + "-01" : date));
    int year = std::atoi(date.substr(0, 4).c_str());
    int month = std::atoi(date.substr(5, 2).c_str());
    period_days_ = DaysInMonth(year, month);
  }
  period_begin_ = begin_day * kMicrosPerDay;
  period_end_ = (begin_day + period_days_) * kMicrosPerDay;
  check_period_ = options_.check_file_period && plan_.schema->rules.time_within_file_period;
  return Status::OK();
}

std::string Converter::ErrorText() const {
  if (error_column_ < 0) return error_reason_;
  return "column \"" + plan_.cols[error_column_].spec->name + "\": " + error_reason_;
}

std::string Converter::ErrorMessage() const {
  std::string msg(csv_name_);
  msg += " line ";
  msg += std::to_string(line_number_);
  msg += error_column_ < 0 ? ": " : " ";
  msg += ErrorText();
  return msg;
}

bool Converter::FailColumnCount(std::string_view line) {
  std::string_view unused[1];
  size_t found = SplitCsvFields(line, unused);
  if (line.empty())
    return FailRow("empty line; expected " + std::to_string(num_cols_) + " columns");
  return FailRow("expected " + std::to_string(num_cols_) + " columns, found " +
                 std::to_string(found));
}

bool Converter::FailField(int col, const char* field_start, const char* line_end) {
  const char* comma =
      static_cast<const char*>(std::memchr(field_start, ',', line_end - field_start));
  std::string_view value(field_start, (comma != nullptr ? comma : line_end) - field_start);
  if (ContainsQuote(value)) {
    return FailColumn(
        col, "value " + Quoted(value) + " is quoted; the archive's CSV format has no quoting");
  }
  if (value.empty()) return FailColumn(col, "value is empty");
  const char* what = "";
  switch (plan_.cols[col].spec->kind) {
    case CsvFieldKind::kInt64:
      what = " is not an integer";
      break;
    case CsvFieldKind::kDecimal:
      what = " is not a number";
      break;
    case CsvFieldKind::kBool:
      what = " is not a boolean (true/false/True/False)";
      break;
    case CsvFieldKind::kEpochTime:
      what = " is not an integer epoch time";
      break;
    case CsvFieldKind::kDateTimeText:
      what = " is not a datetime YYYY-MM-DD HH:MM:SS";
      break;
    case CsvFieldKind::kText:
    case CsvFieldKind::kIgnore:
      what = " is not valid";
      break;
  }
  return FailColumn(col, "value " + Quoted(value) + what);
}

bool Converter::ToMicros(int col, const char* field_start, int64_t value, int64_t* out) {
  if (!unit_known_) {
    unit_known_ = true;
    unit_micros_ = value >= kMicrosThreshold;
    unit_line_ = line_number_;
  }
  if (unit_micros_) {
    if (value >= kMicrosThreshold && value < kMicrosLimit) {
      *out = value;
      return true;
    }
  } else if (value >= 0 && value < kMicrosThreshold) {
    *out = value * 1000;
    return true;
  }
  std::string reason = "time " + std::to_string(value);
  if (value < 0) {
    reason += " is negative";
  } else {
    reason += std::string(" is not in ") + (unit_micros_ ? "microseconds" : "milliseconds") +
              " like the file's first time value (line " + std::to_string(unit_line_) +
              "); mixed time units";
  }
  return FailColumn(col, std::move(reason));
}

bool Converter::ParseRow(std::string_view line) {
  const char* p = line.data();
  const char* const end = p + line.size();
  const int n = num_cols_;
  if (line.empty()) return FailColumnCount(line);
  for (int c = 0; c < n; ++c) {
    const char* const field_start = p;
    const char* q = nullptr;
    switch (kinds_[c]) {
      case CsvFieldKind::kInt64:
        q = internal::ParseInt64Fast(p, end, limit_, &row_.ints[c]);
        break;
      case CsvFieldKind::kDecimal:
        if (empty_is_null_[c] && (p == end || *p == ',')) {
          row_.present[c] = 0;
          row_.doubles[c] = 0;
          q = p;
        } else {
          row_.present[c] = 1;
          // Finite by construction (ParseDecimal rejects overflow), so no
          // check here waits on the division in the fast path.
          q = internal::ParseDecimalFast(p, end, limit_, &row_.doubles[c]);
        }
        break;
      case CsvFieldKind::kBool:
        q = internal::ParseBool(p, end, &row_.bools[c]);
        break;
      case CsvFieldKind::kEpochTime: {
        int64_t raw;
        q = internal::ParseInt64Fast(p, end, limit_, &raw);
        if (q != nullptr && (q == end || *q == ',')) {
          // Fast path once the file's unit is known; ToMicros decides and
          // reports.
          if (unit_known_ && !unit_micros_ && static_cast<uint64_t>(raw) < kMicrosThreshold) {
            row_.ints[c] = raw * 1000;
          } else if (unit_known_ && unit_micros_ && raw >= kMicrosThreshold && raw < kMicrosLimit) {
            row_.ints[c] = raw;
          } else if (!ToMicros(c, field_start, raw, &row_.ints[c])) {
            return false;
          }
        }
        break;
      }
      case CsvFieldKind::kDateTimeText:
        q = internal::ParseDateTimeText(p, end, &row_.ints[c]);
        break;
      case CsvFieldKind::kText:
      case CsvFieldKind::kIgnore: {
        const char* comma = static_cast<const char*>(std::memchr(p, ',', end - p));
        q = comma != nullptr ? comma : end;
        if (std::memchr(p, '"', q - p) != nullptr) return FailField(c, field_start, end);
        row_.texts[c] = std::string_view(p, q - p);
        break;
      }
    }
    if (q == nullptr) return FailField(c, field_start, end);
    if (c + 1 < n) {
      if (q == end) {
        // The value ended the line early: too few columns, unless the cell
        // itself is malformed (then its syntax is the clearer message).
        return FailColumnCount(line);
      }
      if (*q != ',') return FailField(c, field_start, end);
      p = q + 1;
    } else if (q != end) {
      if (*q == ',') return FailColumnCount(line);
      return FailField(c, field_start, end);
    }
  }
  return true;
}

bool Converter::ContainsKeyBefore(int64_t key) {
  if (seen_keys_ == nullptr) {
    // First out-of-order key: index every key accepted so far (slow path; the
    // archive's ids and kline times normally only grow).
    seen_keys_ = std::make_unique<std::unordered_set<int64_t>>();
    const std::string& silver_name = plan_.cols[plan_.unique_csv].spec->silver_name;
    for (const auto& part : parts_) {
      int col = part->batch.schema().FindColumn(silver_name);
      for (int64_t k : part->batch.Int64(col)) seen_keys_->insert(k);
    }
  }
  return seen_keys_->count(key) != 0;
}

bool Converter::ValidateRow() {
  const Plan& p = plan_;
  const int64_t ts = row_.ints[p.time_csv];
  if (check_period_ && (ts < period_begin_ || ts >= period_end_)) {
    std::string period = file_.period == archive::Period::kDaily ? "day " : "month ";
    return FailColumn(p.time_csv, "time " + FormatDate(DayOfMicros(ts)) +
                                      " is outside the file's " + period + file_.date);
  }
  if (p.schema->rules.time_non_decreasing && have_prev_ && ts < prev_ts_) {
    return FailColumn(p.time_csv, "time goes backwards: " + std::to_string(ts) + " µs is before " +
                                      std::to_string(prev_ts_) + " µs of line " +
                                      std::to_string(prev_line_));
  }
  for (int c : p.positive_csv) {
    const bool is_double = p.cols[c].spec->kind == CsvFieldKind::kDecimal;
    if (is_double ? (row_.present[c] && !(row_.doubles[c] > 0)) : row_.ints[c] <= 0) {
      return FailColumn(
          c, "value " + (is_double ? FormatNumber(row_.doubles[c]) : std::to_string(row_.ints[c])) +
                 " must be > 0");
    }
  }
  for (int c : p.non_negative_csv) {
    const bool is_double = p.cols[c].spec->kind == CsvFieldKind::kDecimal;
    if (is_double ? (row_.present[c] && row_.doubles[c] < 0) : row_.ints[c] < 0) {
      return FailColumn(
          c, "value " + (is_double ? FormatNumber(row_.doubles[c]) : std::to_string(row_.ints[c])) +
                 " must be >= 0");
    }
  }
  if (p.open_csv >= 0) {
    const double open = row_.doubles[p.open_csv], high = row_.doubles[p.high_csv];
    const double low = row_.doubles[p.low_csv], close = row_.doubles[p.close_csv];
    if (high < open || high < close || low > open || low > close || low > high) {
      int col = high < open || high < close ? p.high_csv : p.low_csv;
      return FailColumn(col, "OHLC violation: open " + FormatNumber(open) + " high " +
                                 FormatNumber(high) + " low " + FormatNumber(low) + " close " +
                                 FormatNumber(close) +
                                 " (need high >= max(open, close), low <= min(open, close))");
    }
  }
  if (p.unique_csv >= 0) {
    const int64_t key = row_.ints[p.unique_csv];
    if (have_key_ && key <= max_key_ && (key == max_key_ || ContainsKeyBefore(key))) {
      return FailColumn(p.unique_csv, "duplicate " + p.cols[p.unique_csv].spec->silver_name + " " +
                                          std::to_string(key));
    }
  }
  return true;
}

PartitionBuilder* Converter::PartitionFor(int64_t day) {
  for (auto& part : parts_) {
    if (part->day == day) return part.get();
  }
  auto part = std::make_unique<PartitionBuilder>();
  part->day = day;
  part->batch = ColumnBatch(plan_.schema->silver_schema);
  part->batch.Reserve(reserve_rows_);
  for (size_t i = 0; i < plan_.schema->silver_columns.size(); ++i) {
    switch (plan_.schema->silver_columns[i].column.type) {
      case ColumnType::kInt64:
      case ColumnType::kTimestampMicros:
        AdviseHugePages(part->batch.Int64(i));
        break;
      case ColumnType::kDouble:
        AdviseHugePages(part->batch.Double(i));
        break;
      case ColumnType::kBoolean:
        AdviseHugePages(part->batch.Bool(i));
        break;
      case ColumnType::kInt32:
        AdviseHugePages(part->batch.Int32(i));
        break;
      case ColumnType::kString:
        AdviseHugePages(part->batch.String(i).offsets());
        break;
    }
    if (plan_.schema->silver_columns[i].column.nullable) {
      part->batch.Validity(i).reserve(reserve_rows_);
      AdviseHugePages(part->batch.Validity(i));
    }
  }
  for (int c : plan_.mapped) {
    const CompiledColumn& cc = plan_.cols[c];
    std::vector<uint8_t>* validity =
        cc.spec->empty_is_null ? &part->batch.Validity(cc.silver) : nullptr;
    switch (cc.spec->kind) {
      case CsvFieldKind::kInt64:
      case CsvFieldKind::kEpochTime:
      case CsvFieldKind::kDateTimeText:
        part->ints.push_back({c, &part->batch.Int64(cc.silver), nullptr});
        break;
      case CsvFieldKind::kDecimal:
        part->doubles.push_back({c, &part->batch.Double(cc.silver), validity});
        break;
      case CsvFieldKind::kBool:
        part->bools.push_back({c, &part->batch.Bool(cc.silver), nullptr});
        break;
      case CsvFieldKind::kText:
        part->strings.push_back({c, &part->batch.String(cc.silver), nullptr});
        break;
      case CsvFieldKind::kIgnore:
        break;
    }
  }
  parts_.push_back(std::move(part));
  return parts_.back().get();
}

void Converter::AcceptRow() {
  const int64_t ts = row_.ints[plan_.time_csv];
  const int64_t day = DayOfMicros(ts);
  if (current_ == nullptr || current_->day != day) current_ = PartitionFor(day);
  PartitionBuilder& part = *current_;
  for (const auto& sink : part.ints) sink.values->push_back(row_.ints[sink.csv]);
  for (const auto& sink : part.doubles) {
    sink.values->push_back(row_.doubles[sink.csv]);
    if (sink.validity != nullptr) sink.validity->push_back(row_.present[sink.csv]);
  }
  for (const auto& sink : part.bools) sink.values->push_back(row_.bools[sink.csv]);
  for (const auto& sink : part.strings) sink.values->Append(row_.texts[sink.csv]);
  have_prev_ = true;
  prev_ts_ = ts;
  prev_line_ = line_number_;
  if (plan_.unique_csv >= 0) {
    const int64_t key = row_.ints[plan_.unique_csv];
    if (!have_key_ || key > max_key_) max_key_ = key;
    have_key_ = true;
    if (seen_keys_ != nullptr) seen_keys_->insert(key);
  }
  ++out_.rows_out;
}

// A column with the same value in every row: the repeated form, O(1) memory,
// which the Parquet writer encodes as a one-entry dictionary directly.
void FillConstant(parquet::StringColumn* col, std::string_view value, size_t rows) {
  col->AppendRepeated(value, rows);
}

void Converter::FinishPartition(PartitionBuilder* part) {
  ColumnBatch& batch = part->batch;
  const size_t rows = batch.ColumnSize(
      static_cast<size_t>(plan_.schema->silver_schema.FindColumn(plan_.schema->rules.time_column)));
  const auto& silver = plan_.schema->silver_columns;
  std::vector<uint8_t> filled_by_csv(silver.size(), 0);
  std::vector<uint8_t> csv_nullable_cells(silver.size(), 0);
  for (int c : plan_.mapped) {
    filled_by_csv[plan_.cols[c].silver] = 1;
    if (plan_.cols[c].spec->empty_is_null) csv_nullable_cells[plan_.cols[c].silver] = 1;
  }
  const bool kline_class = archive::IsKlineClass(file_.data_type);
  for (size_t i = 0; i < silver.size(); ++i) {
    const SilverColumnSpec& spec = silver[i];
    const bool nullable = spec.column.nullable;
    switch (spec.fill) {
      case SilverFill::kCsv:
        if (filled_by_csv[i]) {
          // Present in every row unless the cell itself may be empty.
          if (nullable && !csv_nullable_cells[i]) batch.Validity(i).assign(rows, 1);
        } else {
          // This market's archive has no such column: null everywhere.
          switch (spec.column.type) {
            case ColumnType::kDouble:
              batch.Double(i).assign(rows, 0.0);
              break;
            case ColumnType::kInt64:
            case ColumnType::kTimestampMicros:
              batch.Int64(i).assign(rows, 0);
              break;
            case ColumnType::kInt32:
              batch.Int32(i).assign(rows, 0);
              break;
            case ColumnType::kBoolean:
              batch.Bool(i).assign(rows, 0);
              break;
            case ColumnType::kString:
              FillConstant(&batch.String(i), "", rows);
              break;
          }
          batch.Validity(i).assign(rows, 0);
        }
        break;
      case SilverFill::kExchange:
        FillConstant(&batch.String(i), "binance", rows);
        break;
      case SilverFill::kMarket:
        FillConstant(&batch.String(i), archive::MarketName(file_.market), rows);
        break;
      case SilverFill::kSymbol:
        FillConstant(&batch.String(i), file_.symbol, rows);
        break;
      case SilverFill::kInterval:
        FillConstant(&batch.String(i), kline_class ? std::string_view(file_.interval) : "", rows);
        if (nullable) batch.Validity(i).assign(rows, kline_class ? 1 : 0);
        break;
      case SilverFill::kSideFromIsBuyerMaker: {
        const std::vector<uint8_t>& maker =
            batch.Bool(plan_.schema->silver_schema.FindColumn("is_buyer_maker"));
        parquet::StringColumn& side = batch.String(i);
        side.Reserve(rows, rows * 4);
        AdviseHugePages(side.bytes().data(), side.bytes().capacity());
        AdviseHugePages(side.offsets());
        // The buyer was the resting (maker) order, so the aggressor sold.
        for (size_t r = 0; r < rows; ++r) side.Append(maker[r] ? "sell" : "buy");
        break;
      }
    }
  }
}

Result<SilverConversion> Converter::Run(std::string_view bytes) {
  num_cols_ = static_cast<int>(plan_.cols.size());
  limit_ = bytes.data() + bytes.size();
  out_.schema = plan_.schema;
  CL_RETURN_IF_ERROR(SetUpPeriod());

  CsvScanner scanner(bytes);
  out_.had_header = scanner.has_header();
  if (scanner.has_header()) {
    std::string_view header = scanner.header();
    std::string_view unused[1];
    size_t found = SplitCsvFields(header, unused);
    if (found != static_cast<size_t>(num_cols_) || ContainsQuote(header)) {
      std::string msg(csv_name_);
      msg += " line 1: header " + Quoted(header) + " has " + std::to_string(found) + " columns; " +
             plan_.schema->data_type + " on market " +
             std::string(archive::MarketName(file_.market)) + " has " + std::to_string(num_cols_);
      if (ContainsQuote(header)) msg += " and the archive's CSV format has no quoting";
      return Status::Corruption(msg);
    }
  }
  {
    // Size partitions from the average length of the first lines (archive rows
    // have similar widths), never assuming rows shorter than two bytes per
    // column, spread over the days a monthly file covers.
    std::string_view rest = bytes.substr(bytes.size() - scanner.remaining_bytes());
    size_t sampled_bytes = 0, sampled_lines = 0;
    while (sampled_lines < 64 && sampled_bytes < rest.size()) {
      size_t nl = rest.find('\n', sampled_bytes);
      sampled_bytes = nl == std::string_view::npos ? rest.size() : nl + 1;
      ++sampled_lines;
    }
    size_t line_len = sampled_lines == 0 ? 1 : sampled_bytes / sampled_lines;
    line_len = std::max(line_len, static_cast<size_t>(2 * num_cols_));
    // 25% headroom: a reallocation copies whole columns, while reserved but
    // untouched memory costs nothing.
    size_t est = rest.size() / line_len * 5 / 4 + 16;
    reserve_rows_ = check_period_ ? est / static_cast<size_t>(period_days_) + 16 : 1024;
  }

  std::string_view line;
  while (scanner.NextLine(&line)) {
    line_number_ = scanner.line_number();
    ++out_.rows_in;
    if (ParseRow(line) && ValidateRow()) {
      AcceptRow();
      continue;
    }
    if (options_.on_bad_rows == BadRowPolicy::kFail) return Status::Corruption(ErrorMessage());
    // A rejected row must not decide the file's time unit, just as it does not count for
    // ordering or keys: otherwise one quarantined row with a corrupt time (e.g. a ms value in
    // a µs file) would reject every good row after it as "mixed time units".
    if (unit_known_ && unit_line_ == line_number_) unit_known_ = false;
    if (out_.rejects_csv.empty()) out_.rejects_csv = "line,reason,row\n";
    out_.rejects_csv += std::to_string(line_number_);
    out_.rejects_csv += ',';
    AppendCsvQuoted(&out_.rejects_csv, ErrorText());
    out_.rejects_csv += ',';
    AppendCsvQuoted(&out_.rejects_csv, line);
    out_.rejects_csv += '\n';
    ++out_.rows_rejected;
  }
  out_.time_unit = unit_micros_ ? TimeUnit::kMicroseconds : TimeUnit::kMilliseconds;

  std::sort(parts_.begin(), parts_.end(),
            [](const auto& a, const auto& b) { return a->day < b->day; });
  PartitionKey key;
  key.data_type = file_.data_type;
  key.market = std::string(archive::MarketName(file_.market));
  key.symbol = file_.symbol;
  if (archive::IsKlineClass(file_.data_type)) key.interval = file_.interval;
  key.date = FormatDate(period_begin_ / kMicrosPerDay);
  out_.rejects_partition_dir = SilverPartitionDir(key);
  for (auto& part : parts_) {
    FinishPartition(part.get());
    SilverPartition sp;
    sp.date = FormatDate(part->day);
    key.date = sp.date;
    sp.partition_dir = SilverPartitionDir(key);
    sp.batch = std::move(part->batch);
    out_.partitions.push_back(std::move(sp));
  }
  return std::move(out_);
}

}  // namespace

Result<SilverConversion> ConvertCsvToSilver(const archive::ArchiveFile& file,
                                            std::string_view csv_name, std::string_view csv_bytes,
                                            const ConvertOptions& options) {
  CL_ASSIGN_OR_RETURN(const DataTypeSchema* schema,
                      FindDataTypeSchema(file.data_type, file.market));
  const std::vector<CsvColumnSpec>* csv = schema->CsvColumns(file.market);
  if (csv->size() > static_cast<size_t>(kMaxCsvColumns)) {
    return Status::Internal("data type " + schema->data_type + " declares too many columns");
  }
  PartitionKey key;
  key.data_type = file.data_type;
  key.market = std::string(archive::MarketName(file.market));
  key.symbol = file.symbol;
  if (archive::IsKlineClass(file.data_type)) {
    if (file.interval.empty()) {
      return Status::InvalidArgument(file.data_type + " file " + std::string(csv_name) +
                                     " has no interval");
    }
    key.interval = file.interval;
  }
  if (!archive::IsValidArchiveDate(file.period, file.date)) {
    return Status::InvalidArgument("archive file " + std::string(csv_name) + " has bad date \"" +
                                   file.date + "\"");
  }
  key.date = "1970-01-01";  // the real dates come from the rows
  CL_RETURN_IF_ERROR(ValidatePartitionKey(key));

  Plan plan = Compile(*schema, *csv);
  Converter converter(plan, file, csv_name, options);
  return converter.Run(csv_bytes);
}

}  // namespace cryptolake::lake
