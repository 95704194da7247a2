#include "chunk_converter.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "cryptolake/lake/csv_scanner.h"
#include "cryptolake/lake/partition.h"
#include "field_parsers.h"

// Switches over CsvFieldKind / SilverFill have no `default:`: a new kind fails to compile
// until each one handles it.
#pragma GCC diagnostic error "-Wswitch"

namespace cryptolake::lake::internal {
namespace {

using parquet::ColumnType;

// Epoch values at or above this are microseconds, below it milliseconds.
constexpr int64_t kMicrosThreshold = INT64_C(1'000'000'000'000'000);
// Upper bound of plausible epoch microseconds (year 33658).
constexpr int64_t kMicrosLimit = INT64_C(1'000'000'000'000'000'000);
constexpr size_t kMaxValueInMessage = 80;

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

}  // namespace

bool ParseState::CanAppend(const ParseState& chunk, bool time_non_decreasing) const {
  if (chunk.unit_known && unit_known && chunk.unit_micros != unit_micros) return false;
  if (time_non_decreasing && have_prev && chunk.have_first && chunk.first_ts < prev_ts) {
    return false;
  }
  if (!keys.empty() && !chunk.keys.empty() && chunk.keys.min() <= keys.max()) return false;
  return true;
}

void ParseState::AppendState(const ParseState& chunk) {
  if (!unit_known && chunk.unit_known) {
    unit_known = true;
    unit_micros = chunk.unit_micros;
    unit_line = chunk.unit_line;
  }
  if (chunk.have_prev) {
    have_prev = true;
    prev_ts = chunk.prev_ts;
    prev_line = chunk.prev_line;
  }
  if (!have_first && chunk.have_first) {
    have_first = true;
    first_ts = chunk.first_ts;
  }
  keys.Append(chunk.keys);
}

ChunkConverter::ChunkConverter(const SilverPlan& plan, const archive::ArchiveFile& file,
                               std::string_view csv_name, const ConvertOptions& options)
    : plan_(plan),
      file_(file),
      csv_name_(csv_name),
      options_(options),
      batch_(plan.schema->silver_schema) {
  num_cols_ = static_cast<int>(plan.cols.size());
  for (int c = 0; c < num_cols_; ++c) {
    kinds_[c] = plan.cols[c].spec->kind;
    empty_is_null_[c] = plan.cols[c].spec->empty_is_null;
  }
  // The file's day or month, for the rule that rows stay inside it.
  Result<int64_t> begin_day =
      ParseDate(file.period == archive::Period::kDaily ? file.date : file.date + "-01");
  if (!begin_day.ok()) {
    period_status_ = begin_day.status();
  } else {
    int64_t days = 1;
    if (file.period == archive::Period::kMonthly) {
      days = DaysInMonth(std::atoi(file.date.substr(0, 4).c_str()),
                         std::atoi(file.date.substr(5, 2).c_str()));
    }
    period_begin_ = *begin_day * kMicrosPerDay;
    period_end_ = (*begin_day + days) * kMicrosPerDay;
  }
  check_period_ = options.check_file_period && plan.schema->rules.time_within_file_period;
  // Value sinks: where each mapped CSV column appends, grouped by value type
  // so AcceptRow runs one tight loop per type instead of a switch per column.
  for (int c : plan.mapped) {
    const CompiledColumn& cc = plan.cols[c];
    std::vector<uint8_t>* validity = cc.spec->empty_is_null ? &batch_.Validity(cc.silver) : nullptr;
    switch (cc.spec->kind) {
      case CsvFieldKind::kInt64:
      case CsvFieldKind::kEpochTime:
      case CsvFieldKind::kDateTimeText:
      case CsvFieldKind::kDateText:
        ints_sinks_.push_back({c, &batch_.Int64(cc.silver), nullptr});
        break;
      case CsvFieldKind::kDecimal:
        double_sinks_.push_back({c, &batch_.Double(cc.silver), validity});
        break;
      case CsvFieldKind::kBool:
        bool_sinks_.push_back({c, &batch_.Bool(cc.silver), nullptr});
        break;
      case CsvFieldKind::kText:
        string_sinks_.push_back({c, &batch_.String(cc.silver), nullptr});
        break;
      case CsvFieldKind::kIgnore:
      case CsvFieldKind::kHourOfDay:  // added to the time column, stored nowhere else
        break;
    }
  }
}

bool ChunkConverter::FailColumn(int col, std::string reason) {
  error_column_ = col;
  error_reason_ = std::move(reason);
  return false;
}

std::string ChunkConverter::ErrorText() const {
  if (error_column_ < 0) return error_reason_;
  return "column \"" + plan_.cols[error_column_].spec->name + "\": " + error_reason_;
}

std::string ChunkConverter::ErrorMessage() const {
  std::string msg(csv_name_);
  msg += " line ";
  msg += std::to_string(line_number_);
  msg += error_column_ < 0 ? ": " : " ";
  msg += ErrorText();
  return msg;
}

bool ChunkConverter::FailColumnCount(std::string_view line) {
  std::string_view unused[1];
  size_t found = SplitCsvFields(line, unused);
  if (line.empty())
    return FailRow("empty line; expected " + std::to_string(num_cols_) + " columns");
  return FailRow("expected " + std::to_string(num_cols_) + " columns, found " +
                 std::to_string(found));
}

bool ChunkConverter::FailField(int col, const char* field_start, const char* line_end) {
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
    case CsvFieldKind::kDateText:
      what = " is not a date YYYY-MM-DD";
      break;
    case CsvFieldKind::kHourOfDay:
      what = " is not an hour of the day (0..23)";
      break;
  }
  return FailColumn(col, "value " + Quoted(value) + what);
}

bool ChunkConverter::ToMicros(int col, int64_t value, int64_t* out) {
  ParseState& s = *state_;
  if (!s.unit_known) {
    s.unit_known = true;
    s.unit_micros = value >= kMicrosThreshold;
    s.unit_line = line_number_;
  }
  if (s.unit_micros) {
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
    reason += std::string(" is not in ") + (s.unit_micros ? "microseconds" : "milliseconds") +
              " like the file's first time value (line " + std::to_string(s.unit_line) +
              "); mixed time units";
  }
  return FailColumn(col, std::move(reason));
}

bool ChunkConverter::ParseRow(std::string_view line) {
  const char* p = line.data();
  const char* const end = p + line.size();
  const int n = num_cols_;
  if (line.empty()) return FailColumnCount(line);
  const ParseState& s = *state_;
  for (int c = 0; c < n; ++c) {
    const char* const field_start = p;
    const char* q = nullptr;
    switch (kinds_[c]) {
      case CsvFieldKind::kInt64:
        q = internal::ParseInt64Fast(p, end, limit_, &ints_[c]);
        break;
      case CsvFieldKind::kDecimal:
        if (empty_is_null_[c] && (p == end || *p == ',')) {
          present_[c] = 0;
          doubles_[c] = 0;
          q = p;
        } else {
          present_[c] = 1;
          // Finite by construction (ParseDecimal rejects overflow), so no
          // check here waits on the division in the fast path.
          q = internal::ParseDecimalFast(p, end, limit_, &doubles_[c]);
        }
        break;
      case CsvFieldKind::kBool:
        q = internal::ParseBool(p, end, &bools_[c]);
        break;
      case CsvFieldKind::kEpochTime: {
        int64_t raw;
        q = internal::ParseInt64Fast(p, end, limit_, &raw);
        if (q != nullptr && (q == end || *q == ',')) {
          // Fast path once the file's unit is known; ToMicros decides and
          // reports.
          if (s.unit_known && !s.unit_micros && static_cast<uint64_t>(raw) < kMicrosThreshold) {
            ints_[c] = raw * 1000;
          } else if (s.unit_known && s.unit_micros && raw >= kMicrosThreshold &&
                     raw < kMicrosLimit) {
            ints_[c] = raw;
          } else if (!ToMicros(c, raw, &ints_[c])) {
            return false;
          }
        }
        break;
      }
      case CsvFieldKind::kDateTimeText:
        q = internal::ParseDateTimeText(p, end, &ints_[c]);
        break;
      case CsvFieldKind::kText:
      case CsvFieldKind::kIgnore: {
        const char* comma = static_cast<const char*>(std::memchr(p, ',', end - p));
        q = comma != nullptr ? comma : end;
        if (std::memchr(p, '"', q - p) != nullptr) return FailField(c, field_start, end);
        texts_[c] = std::string_view(p, q - p);
        break;
      }
      case CsvFieldKind::kDateText:
        q = internal::ParseDateText(p, end, &ints_[c]);
        break;
      case CsvFieldKind::kHourOfDay:
        q = internal::ParseHourOfDay(p, end, &ints_[c]);
        break;
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
  if (plan_.hour_csv >= 0) ints_[plan_.time_csv] += ints_[plan_.hour_csv];
  return true;
}

bool ChunkConverter::ValidateRow(const ParseState& s) {
  const SilverPlan& p = plan_;
  const int64_t ts = ints_[p.time_csv];
  if (check_period_ && (ts < period_begin_ || ts >= period_end_)) {
    std::string period = file_.period == archive::Period::kDaily ? "day " : "month ";
    return FailColumn(p.time_csv, "time " + FormatDate(DayOfMicros(ts)) +
                                      " is outside the file's " + period + file_.date);
  }
  if (p.schema->rules.time_non_decreasing && s.have_prev && ts < s.prev_ts) {
    return FailColumn(p.time_csv, "time goes backwards: " + std::to_string(ts) + " µs is before " +
                                      std::to_string(s.prev_ts) + " µs of line " +
                                      std::to_string(s.prev_line));
  }
  for (int c : p.positive_csv) {
    const bool is_double = p.cols[c].spec->kind == CsvFieldKind::kDecimal;
    if (is_double ? (present_[c] && !(doubles_[c] > 0)) : ints_[c] <= 0) {
      return FailColumn(c, "value " +
                               (is_double ? FormatNumber(doubles_[c]) : std::to_string(ints_[c])) +
                               " must be > 0");
    }
  }
  for (int c : p.non_negative_csv) {
    const bool is_double = p.cols[c].spec->kind == CsvFieldKind::kDecimal;
    if (is_double ? (present_[c] && doubles_[c] < 0) : ints_[c] < 0) {
      return FailColumn(c, "value " +
                               (is_double ? FormatNumber(doubles_[c]) : std::to_string(ints_[c])) +
                               " must be >= 0");
    }
  }
  if (p.open_csv >= 0) {
    const double open = doubles_[p.open_csv], high = doubles_[p.high_csv];
    const double low = doubles_[p.low_csv], close = doubles_[p.close_csv];
    if (high < open || high < close || low > open || low > close || low > high) {
      int col = high < open || high < close ? p.high_csv : p.low_csv;
      return FailColumn(col, "OHLC violation: open " + FormatNumber(open) + " high " +
                                 FormatNumber(high) + " low " + FormatNumber(low) + " close " +
                                 FormatNumber(close) +
                                 " (need high >= max(open, close), low <= min(open, close))");
    }
  }
  if (p.unique_csv >= 0) {
    const int64_t key = ints_[p.unique_csv];
    if (s.keys.Contains(key)) {
      return FailColumn(p.unique_csv, "duplicate " + p.cols[p.unique_csv].spec->silver_name + " " +
                                          std::to_string(key));
    }
  }
  return true;
}

void ChunkConverter::AcceptRow(ParseState* s) {
  for (const auto& sink : ints_sinks_) sink.values->push_back(ints_[sink.csv]);
  for (const auto& sink : double_sinks_) {
    sink.values->push_back(doubles_[sink.csv]);
    if (sink.validity != nullptr) sink.validity->push_back(present_[sink.csv]);
  }
  for (const auto& sink : bool_sinks_) sink.values->push_back(bools_[sink.csv]);
  for (const auto& sink : string_sinks_) sink.values->Append(texts_[sink.csv]);
  const int64_t ts = ints_[plan_.time_csv];
  if (!s->have_first) {
    s->have_first = true;
    s->first_ts = ts;
  }
  s->have_prev = true;
  s->prev_ts = ts;
  s->prev_line = line_number_;
  if (plan_.unique_csv >= 0) s->keys.Add(ints_[plan_.unique_csv]);
}

// Columns that do not come from a CSV cell: constants, derived values, and
// nulls where this market's archive has no such column.
void ChunkConverter::FillDerivedColumns() {
  parquet::ColumnBatch& batch = batch_;
  const DataTypeSchema& schema = *plan_.schema;
  const size_t rows = batch.ColumnSize(static_cast<size_t>(plan_.time_silver));
  const auto& silver = schema.silver_columns;
  const std::vector<uint8_t>& filled_by_csv = plan_.silver_from_csv;
  const std::vector<uint8_t>& csv_nullable_cells = plan_.silver_csv_nullable;
  const bool kline_class = schema.has_interval;
  for (size_t i = 0; i < silver.size(); ++i) {
    const SilverColumnSpec& spec = silver[i];
    const bool nullable = spec.column.nullable;
    switch (spec.fill) {
      case SilverFill::kCsv:
        if (filled_by_csv[i]) {
          // Present in every row unless the cell itself may be empty.
          if (nullable && !csv_nullable_cells[i]) batch.Validity(i).assign(rows, 1);
        } else {
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
              batch.String(i).AppendRepeated("", rows);
              break;
          }
          batch.Validity(i).assign(rows, 0);
        }
        break;
      case SilverFill::kExchange:
        batch.String(i).AppendRepeated("binance", rows);
        break;
      case SilverFill::kMarket:
        batch.String(i).AppendRepeated(archive::MarketName(file_.market), rows);
        break;
      case SilverFill::kSymbol:
        batch.String(i).AppendRepeated(file_.symbol, rows);
        break;
      case SilverFill::kInterval:
        batch.String(i).AppendRepeated(kline_class ? std::string_view(file_.interval) : "", rows);
        if (nullable) batch.Validity(i).assign(rows, kline_class ? 1 : 0);
        break;
      case SilverFill::kSource:
        batch.String(i).AppendRepeated(RowSourceName(options_.source), rows);
        break;
      case SilverFill::kSideFromIsBuyerMaker: {
        const std::vector<uint8_t>& maker =
            batch.Bool(schema.silver_schema.FindColumn("is_buyer_maker"));
        parquet::StringColumn& side = batch.String(i);
        side.Reserve(rows, rows * 4);
        // The buyer was the resting (maker) order, so the aggressor sold.
        for (size_t r = 0; r < rows; ++r) side.Append(maker[r] ? "sell" : "buy");
        break;
      }
    }
  }
}

Status ChunkConverter::Convert(std::string_view text, int64_t first_line, ParseState* state,
                               ChunkCounts* counts, std::string* rejects) {
  CL_RETURN_IF_ERROR(period_status_);
  batch_.Clear();
  *counts = ChunkCounts();
  state_ = state;
  limit_ = text.data() + text.size();
  const char* pos = text.data();
  const char* const end = limit_;
  line_number_ = first_line - 1;
  while (pos < end) {
    const char* nl = static_cast<const char*>(std::memchr(pos, '\n', end - pos));
    const char* line_end = nl != nullptr ? nl : end;
    const char* content_end = line_end;
    if (content_end > pos && content_end[-1] == '\r') --content_end;
    std::string_view line(pos, content_end - pos);
    pos = nl != nullptr ? nl + 1 : end;
    ++line_number_;
    ++counts->rows_in;
    if (ParseRow(line) && ValidateRow(*state)) {
      AcceptRow(state);
      ++counts->rows_out;
      continue;
    }
    if (options_.on_bad_rows == BadRowPolicy::kFail) {
      state_ = nullptr;
      return Status::Corruption(ErrorMessage());
    }
    // A rejected row must not decide the file's time unit, just as it does not count for
    // ordering or keys: otherwise one quarantined row with a corrupt time (e.g. a ms value in
    // a µs file) would reject every good row after it as "mixed time units".
    if (state->unit_known && state->unit_line == line_number_) state->unit_known = false;
    *rejects += std::to_string(line_number_);
    *rejects += ',';
    AppendCsvQuoted(rejects, ErrorText());
    *rejects += ',';
    AppendCsvQuoted(rejects, line);
    *rejects += '\n';
    ++counts->rows_rejected;
  }
  state_ = nullptr;
  FillDerivedColumns();
  return Status::OK();
}

}  // namespace cryptolake::lake::internal
