#include "cryptolake/lake/gap_filler.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "cryptolake/lake/data_type_schema.h"
#include "cryptolake/lake/gap_records.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/lake/ledger.h"
#include "cryptolake/lake/partition.h"
#include "cryptolake/lake/silver_converter.h"
#include "cryptolake/parquet/file_reader.h"
#include "cryptolake/rest/binance_rest_client.h"
#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"
#include "ingest_metrics.h"

namespace cryptolake::lake {
namespace {

using archive::ArchiveFile;
using archive::Market;
using Clock = std::chrono::steady_clock;

enum class FillKind { kNone, kKlines, kAggTrades, kFunding };

FillKind KindOf(const DataTypeSchema& schema, Market market, std::string_view interval) {
  if (schema.data_type == "klines") {
    return market != Market::kOption && KlineIntervalMicros(interval) > 0 ? FillKind::kKlines
                                                                          : FillKind::kNone;
  }
  if (schema.data_type == "aggTrades") {
    return market != Market::kOption ? FillKind::kAggTrades : FillKind::kNone;
  }
  if (schema.data_type == "fundingRate") {
    return market == Market::kUsdM || market == Market::kCoinM ? FillKind::kFunding
                                                               : FillKind::kNone;
  }
  return FillKind::kNone;
}

bool Fillable(FillKind kind, GapKind gap) {
  switch (kind) {
    case FillKind::kKlines:
      return gap == GapKind::kMissingDay || gap == GapKind::kMissingBars;
    case FillKind::kAggTrades:
      return gap == GapKind::kMissingDay || gap == GapKind::kIdGap;
    case FillKind::kFunding:
      return gap == GapKind::kMissingDay || gap == GapKind::kMissingRows;
    case FillKind::kNone:
      return false;
  }
  return false;
}

// The `index`-th comma-separated field of a CSV line as an integer.
std::optional<int64_t> IntField(std::string_view line, int index) {
  size_t pos = 0;
  for (int i = 0; i < index; ++i) {
    pos = line.find(',', pos);
    if (pos == std::string_view::npos) return std::nullopt;
    ++pos;
  }
  size_t end = line.find(',', pos);
  std::string_view field = line.substr(pos, end == std::string_view::npos ? line.npos : end - pos);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc() || p != field.data() + field.size()) return std::nullopt;
  return v;
}

// Epoch value of either unit -> µs (the converter's bands: >= 1e15 is already µs).
int64_t ToMicros(int64_t v) { return v >= INT64_C(1'000'000'000'000'000) ? v : v * 1000; }

// A silver batch in `schema`: columns matched by name; a lake written before the `source` column
// existed gets source = "archive" (those rows came from the archive).
Result<parquet::ColumnBatch> ConformToSchema(const parquet::ColumnBatch& in,
                                             const parquet::Schema& schema,
                                             const std::string& where) {
  if (in.schema() == schema) return in;
  parquet::ColumnBatch out(schema);
  const size_t rows = in.num_rows();
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    const parquet::ColumnSchema& col = schema.columns[c];
    const int from = in.schema().FindColumn(col.name);
    if (from < 0) {
      if (col.name == "source" && col.type == parquet::ColumnType::kString) {
        out.String(c).AppendRepeated(RowSourceName(RowSource::kArchive), rows);
        continue;
      }
      return Status::Corruption(where + " has no column \"" + col.name + "\"");
    }
    const parquet::ColumnSchema& src = in.schema().columns[static_cast<size_t>(from)];
    if (src.type != col.type || src.nullable != col.nullable) {
      return Status::Corruption(where + ": column \"" + col.name + "\" has another type");
    }
    // The column is copied whole, by type (AppendRows works on whole batches of one schema).
    const size_t f = static_cast<size_t>(from);
    switch (col.type) {
      case parquet::ColumnType::kDouble:
        out.Double(c) = in.Double(f);
        break;
      case parquet::ColumnType::kInt64:
      case parquet::ColumnType::kTimestampMicros:
        out.Int64(c) = in.Int64(f);
        break;
      case parquet::ColumnType::kInt32:
        out.Int32(c) = in.Int32(f);
        break;
      case parquet::ColumnType::kBoolean:
        out.Bool(c) = in.Bool(f);
        break;
      case parquet::ColumnType::kString:
        out.String(c).AppendRange(in.String(f), 0, rows);
        break;
    }
    if (col.nullable) out.Validity(c) = in.Validity(f);
  }
  CL_RETURN_IF_ERROR(out.Validate());
  return out;
}

// Rows of `a` and `b` ordered by the int64 column `key`; on equal keys only a's row is kept.
parquet::ColumnBatch MergeByKey(const parquet::ColumnBatch& a, const parquet::ColumnBatch& b,
                                size_t key) {
  struct Ref {
    int64_t key;
    uint8_t from_b;
    uint32_t row;
  };
  std::vector<Ref> refs;
  refs.reserve(a.num_rows() + b.num_rows());
  const auto& ka = a.Int64(key);
  const auto& kb = b.Int64(key);
  for (size_t i = 0; i < ka.size(); ++i) refs.push_back({ka[i], 0, static_cast<uint32_t>(i)});
  for (size_t i = 0; i < kb.size(); ++i) refs.push_back({kb[i], 1, static_cast<uint32_t>(i)});
  std::stable_sort(refs.begin(), refs.end(), [](const Ref& x, const Ref& y) {
    return x.key != y.key ? x.key < y.key : x.from_b < y.from_b;
  });
  // Drop b's rows whose key a has (a's row sorts first among equal keys).
  std::vector<Ref> kept;
  kept.reserve(refs.size());
  for (const Ref& r : refs) {
    if (r.from_b && !kept.empty() && kept.back().key == r.key) continue;
    kept.push_back(r);
  }
  parquet::ColumnBatch out(a.schema());
  out.Reserve(kept.size());
  for (size_t i = 0; i < kept.size();) {
    size_t j = i + 1;  // a run of consecutive rows of one source is copied at once
    while (j < kept.size() && kept[j].from_b == kept[i].from_b &&
           kept[j].row == kept[j - 1].row + 1) {
      ++j;
    }
    out.AppendRows(kept[i].from_b ? b : a, kept[i].row, j - i);
    i = j;
  }
  return out;
}

// The fill's own counters (cryptolake.fill.*), through the crypto instrument suite.
class FillMetrics {
 public:
  explicit FillMetrics(const archive::DiscoveryQuery& q)
      : m_(telemetry::CryptoMetrics::Current()),
        market_(archive::MarketName(q.market)),
        data_type_(q.data_type) {}
  void Record(const FillFileReport& r) {
    namespace attr = telemetry::attr;
    m_->fill_files.Add(1, {{attr::kMarket, market_},
                           {attr::kDataType, data_type_},
                           {attr::kFillOutcome, FillOutcomeName(r.outcome)}});
    if (r.rows_added > 0) {
      m_->fill_records.Add(r.rows_added, {{attr::kMarket, market_}, {attr::kDataType, data_type_}});
    }
  }

 private:
  std::shared_ptr<telemetry::CryptoMetrics> m_;
  std::string market_, data_type_;
};

// What fetched REST rows tell the data instruments: each row's age (a per-record histogram,
// sampled) and the stream's newest event time.
void RecordRestRows(const ArchiveFile& file, const parquet::ColumnBatch& rows, int time_col) {
  namespace attr = telemetry::attr;
  std::shared_ptr<telemetry::CryptoMetrics> m = telemetry::CryptoMetrics::Current();
  const std::string market(archive::MarketName(file.market));
  const metrics::AttributeView age_attrs[] = {{attr::kMarket, market},
                                              {attr::kDataType, file.data_type},
                                              {attr::kSource, telemetry::source::kRest}};
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  int64_t newest = -1;
  if (time_col >= 0) {
    for (int64_t ts : rows.Int64(static_cast<size_t>(time_col))) {
      m->RecordRecordAge(static_cast<double>(now - ts) / 1e6, age_attrs);
      newest = std::max(newest, ts);
    }
  }
  if (newest >= 0)
    m->ObserveNewestEvent({market, file.data_type, file.symbol, file.interval}, newest);
}

// One archive file of a symbol's range, with what the fill does to it.
struct FileWork {
  ArchiveFile file;
  std::string silver_key;
  int64_t start = 0, end = 0;
  std::vector<Gap> gaps;                              // open gaps found in it
  std::vector<std::pair<int64_t, std::string>> rows;  // (key, CSV line) routed here
  std::vector<FillRange> filled, empty;
  int64_t requests = 0;
  int64_t rows_added = 0;  // rows the published object gained
  Status error;
  bool fillable = true;
};

class SymbolFill {
 public:
  SymbolFill(const FillOptions& o, const DataTypeSchema& schema, FillKind kind,
             std::vector<FileWork>* files)
      : o_(o), lake_(*o.gaps.lake), schema_(schema), kind_(kind), files_(*files) {
    const archive::DiscoveryQuery& q = o.gaps.query;
    const std::vector<CsvColumnSpec>* csv = schema.CsvColumns(q.market);
    const std::string& key_name =
        schema.rules.unique_key.empty() ? schema.rules.time_column : schema.rules.unique_key;
    for (size_t i = 0; csv != nullptr && i < csv->size(); ++i) {
      if ((*csv)[i].silver_name == schema.rules.time_column) time_field_ = static_cast<int>(i);
      if ((*csv)[i].silver_name == key_name) key_field_ = static_cast<int>(i);
    }
    key_is_time_ = key_name == schema.rules.time_column;
  }

  void Run() {
    for (FileWork& w : files_) {
      for (const Gap& g : w.gaps) {
        if (!w.error.ok()) break;
        FetchGap(w, g);
      }
    }
    for (FileWork& w : files_) {
      if (w.error.ok() && (!w.rows.empty() || !w.filled.empty() || !w.empty.empty())) {
        w.error = Publish(w);
      }
    }
  }

 private:
  void FetchGap(FileWork& w, const Gap& g) {
    const archive::DiscoveryQuery& q = o_.gaps.query;
    Result<rest::FetchResult> got = Status::Internal("not fetched");
    switch (kind_) {
      case FillKind::kKlines:
        got = o_.client->FetchKlines(q.market, g.symbol, q.interval, g.start_us, g.end_us);
        break;
      case FillKind::kAggTrades:
        got = g.kind == GapKind::kIdGap
                  ? o_.client->FetchAggTradesById(q.market, g.symbol, g.first_id, g.last_id)
                  : o_.client->FetchAggTradesByTime(q.market, g.symbol, g.start_us, g.end_us);
        break;
      case FillKind::kFunding:
        got = o_.client->FetchFundingRate(q.market, g.symbol, g.start_us, g.end_us);
        break;
      case FillKind::kNone:
        return;
    }
    if (!got.ok()) {
      w.error = got.status().WithContext("fetching " + FormatIsoMicros(g.start_us) + " .. " +
                                         FormatIsoMicros(g.end_us) + " of " + g.symbol);
      return;
    }
    w.requests += got->requests;
    FillRange range{g.start_us, g.end_us, g.first_id, g.last_id, 0};
    std::string_view csv = got->csv;
    while (!csv.empty()) {
      size_t nl = csv.find('\n');
      std::string_view line = csv.substr(0, nl);
      csv.remove_prefix(nl == std::string_view::npos ? csv.size() : nl + 1);
      if (line.empty()) continue;
      std::optional<int64_t> t = IntField(line, time_field_);
      std::optional<int64_t> key = IntField(line, key_field_);
      if (!t || !key) {
        w.error = Status::Corruption("REST row for " + g.symbol + " has no integer time/key: " +
                                     std::string(line.substr(0, 120)));
        return;
      }
      const int64_t ts = ToMicros(*t);
      FileWork* target = Route(ts);
      if (target == nullptr) continue;  // outside the query's range
      target->rows.emplace_back(key_is_time_ ? ToMicros(*key) : *key, std::string(line));
      ++range.rows;
    }
    (range.rows > 0 ? w.filled : w.empty).push_back(range);
  }

  // The file whose period holds `ts` (files_ are in period order), or nullptr.
  FileWork* Route(int64_t ts) {
    auto after = std::upper_bound(files_.begin(), files_.end(), ts,
                                  [](int64_t t, const FileWork& w) { return t < w.start; });
    if (after == files_.begin()) return nullptr;
    FileWork& w = *std::prev(after);
    return ts < w.end ? &w : nullptr;
  }

  Status Publish(FileWork& w) {
    const ArchiveFile& file = w.file;
    const std::string path = file.ZipPath();
    Ledger ledger(lake_);
    CL_ASSIGN_OR_RETURN(std::optional<LedgerEntry> entry_before, ledger.Lookup(path));

    // The REST rows, sorted and unique by key, through the archive's parser and rules.
    std::sort(w.rows.begin(), w.rows.end());
    w.rows.erase(std::unique(w.rows.begin(), w.rows.end(),
                             [](const auto& x, const auto& y) { return x.first == y.first; }),
                 w.rows.end());
    std::optional<parquet::ColumnBatch> rest_rows;
    if (!w.rows.empty()) {
      std::string csv;
      for (const auto& [key, line] : w.rows) {
        csv += line;
        csv += '\n';
      }
      ConvertOptions co;
      co.source = RowSource::kRest;
      co.rows_per_row_group = o_.rows_per_row_group;
      Result<SilverConversion> conv =
          ConvertCsvToSilver(file, "REST rows for " + file.ZipName(), csv, co);
      if (!conv.ok()) return conv.status();
      rest_rows = std::move(conv->batch);
    }
    if (rest_rows) {
      RecordRestRows(file, *rest_rows, schema_.silver_schema.FindColumn(schema_.rules.time_column));
    }

    // What the lake holds for the file now.
    std::optional<parquet::ColumnBatch> existing;
    std::vector<std::pair<std::string, std::string>> metadata;
    int64_t rest_rows_before = 0;
    Result<std::string> bytes = lake_.Get(w.silver_key);
    if (bytes.ok()) {
      CL_ASSIGN_OR_RETURN(parquet::FileReader reader, parquet::FileReader::Open(std::move(*bytes)));
      CL_ASSIGN_OR_RETURN(parquet::ColumnBatch batch, reader.ReadAll());
      CL_ASSIGN_OR_RETURN(existing, ConformToSchema(batch, schema_.silver_schema, w.silver_key));
      for (const auto& kv : reader.key_value_metadata()) {
        if (kv.first == "cryptolake.rest.rows") {
          std::from_chars(kv.second.data(), kv.second.data() + kv.second.size(), rest_rows_before);
          continue;
        }
        if (kv.first.starts_with("cryptolake.rest.")) continue;
        metadata.push_back(kv);
      }
    } else if (!bytes.status().IsNotFound()) {
      return bytes.status();
    } else {
      metadata = {{"cryptolake.source.archive_path", path},
                  {"cryptolake.version", std::string(kCryptolakeVersion)}};
    }

    int64_t added = 0;
    if (rest_rows) {
      const int key_col = schema_.silver_schema.FindColumn(
          schema_.rules.unique_key.empty() ? schema_.rules.time_column : schema_.rules.unique_key);
      parquet::ColumnBatch merged;
      if (existing) {
        const size_t before = existing->num_rows();
        merged = MergeByKey(*existing, *rest_rows, static_cast<size_t>(key_col));
        added = static_cast<int64_t>(merged.num_rows() - before);
      } else {
        merged = std::move(*rest_rows);
        added = static_cast<int64_t>(merged.num_rows());
      }
      if (added > 0) {
        metadata.emplace_back("cryptolake.rest.rows", std::to_string(rest_rows_before + added));
        metadata.emplace_back("cryptolake.rest.filled_at", UtcNowText());
        parquet::WriterOptions wo = o_.parquet;
        wo.row_group_rows = o_.rows_per_row_group;
        wo.key_value_metadata = metadata;
        parquet::FileWriter writer(schema_.silver_schema, wo);
        writer.Append(merged);
        CL_ASSIGN_OR_RETURN(std::string out, writer.Finish());
        // An ingest that committed a new version while we merged wins: do not resurrect the old.
        CL_ASSIGN_OR_RETURN(std::optional<LedgerEntry> entry_now, ledger.Lookup(path));
        if (entry_now != entry_before) {
          return Status::FailedPrecondition(
              path + " was ingested again while filling; run fill again to re-check");
        }
        CL_RETURN_IF_ERROR(lake_.Put(w.silver_key, out));
      }
    }
    w.rows_added = added;
    if (added > 0)
      telemetry::RecordDataBatch(added, 0, StreamAttributes(file, telemetry::source::kRest));

    // The record of what REST was asked for, merged with earlier fills of the file.
    CL_ASSIGN_OR_RETURN(std::optional<FillRecord> old, LookupFill(lake_, path));
    FillRecord rec = old.value_or(FillRecord{});
    rec.archive_path = path;
    rec.silver_file = w.silver_key;
    rec.filled.insert(rec.filled.end(), w.filled.begin(), w.filled.end());
    rec.empty.insert(rec.empty.end(), w.empty.begin(), w.empty.end());
    rec.rows += added;
    rec.requests += w.requests;
    rec.endpoint = EndpointName();
    rec.filled_at = UtcNowText();
    rec.tool_version = std::string(kCryptolakeVersion);
    return lake_.Put(FillKey(path), SerializeFillRecord(rec));
  }

  std::string EndpointName() const {
    const Market m = o_.gaps.query.market;
    const char* api = m == Market::kSpot   ? "/api/v3/"
                      : m == Market::kUsdM ? "/fapi/v1/"
                                           : "/dapi/v1/";
    switch (kind_) {
      case FillKind::kKlines:
        return std::string(api) + "klines";
      case FillKind::kAggTrades:
        return std::string(api) + "aggTrades";
      case FillKind::kFunding:
        return std::string(api) + "fundingRate";
      case FillKind::kNone:
        break;
    }
    return "";
  }

  const FillOptions& o_;
  storage::ObjectStore& lake_;
  const DataTypeSchema& schema_;
  const FillKind kind_;
  std::vector<FileWork>& files_;
  int time_field_ = 0;
  int key_field_ = 0;
  bool key_is_time_ = true;
};

}  // namespace

std::string_view FillOutcomeName(FillOutcome outcome) {
  switch (outcome) {
    case FillOutcome::kFilled:
      return "filled";
    case FillOutcome::kConfirmedEmpty:
      return "confirmed_empty";
    case FillOutcome::kNotFillable:
      return "not_fillable";
    case FillOutcome::kFailed:
      return "failed";
  }
  return "?";
}

Result<FillSummary> RunFill(const FillOptions& o) {
  const auto t0 = Clock::now();
  if (o.client == nullptr) return Status::InvalidArgument("RunFill needs a REST client");
  if (o.jobs < 1) return Status::InvalidArgument("jobs must be >= 1");
  FillSummary summary;
  telemetry::TrackWorkflowExecution workflow("fill");
  CL_ASSIGN_OR_RETURN(summary.before, DetectGaps(o.gaps));
  workflow.RecordEvent("gaps_detected");
  const archive::DiscoveryQuery& q = o.gaps.query;
  CL_ASSIGN_OR_RETURN(const DataTypeSchema* schema, FindDataTypeSchema(q.data_type, q.market));
  const FillKind kind = KindOf(*schema, q.market, q.interval);

  // Every file of the range per symbol (rows may be routed to a neighbour), with its open gaps.
  std::map<std::string, std::vector<FileWork>> by_symbol;
  for (const std::string& symbol : summary.before.symbols) {
    archive::DiscoveryQuery one = q;
    one.symbols = {symbol};
    one.all_symbols = false;
    CL_ASSIGN_OR_RETURN(std::vector<ArchiveFile> files, archive::CandidateFiles(one));
    std::vector<FileWork>& works = by_symbol[symbol];
    for (ArchiveFile& f : files) {
      FileWork w;
      CL_ASSIGN_OR_RETURN(PartitionKey pk, PartitionKeyOf(f));
      w.silver_key = SilverObjectKey(pk, f);
      CL_ASSIGN_OR_RETURN(auto bounds, ArchivePeriodMicros(f));
      w.start = bounds.first;
      w.end = bounds.second;
      w.file = std::move(f);
      works.push_back(std::move(w));
    }
    // In period order, which SymbolFill's routing relies on.
    std::sort(works.begin(), works.end(),
              [](const FileWork& a, const FileWork& b) { return a.start < b.start; });
  }
  for (const Gap& g : summary.before.gaps) {
    if (!g.open()) continue;
    for (FileWork& w : by_symbol[g.symbol]) {
      if (w.file.ZipPath() != g.archive_path) continue;
      if (Fillable(kind, g.kind)) {
        w.gaps.push_back(g);
      } else {
        w.fillable = false;
      }
    }
  }

  std::vector<std::string> symbols;
  for (const auto& [symbol, works] : by_symbol) symbols.push_back(symbol);
  std::atomic<size_t> next{0};
  FillMetrics fill_metrics(q);
  std::mutex mu;
  auto work = [&] {
    telemetry::WorkflowContextScope in_workflow(&workflow);
    for (size_t i = next.fetch_add(1); i < symbols.size(); i = next.fetch_add(1)) {
      std::vector<FileWork>& works = by_symbol.at(symbols[i]);
      SymbolFill fill(o, *schema, kind, &works);
      fill.Run();
      std::lock_guard<std::mutex> lock(mu);
      for (FileWork& w : works) {
        FillFileReport r;
        r.archive_path = w.file.ZipPath();
        r.silver_file = w.silver_key;
        r.gaps = static_cast<int>(w.gaps.size());
        r.requests = w.requests;
        r.rows_added = w.rows_added;
        if (!w.error.ok()) {
          r.outcome = FillOutcome::kFailed;
          r.error = w.error;
        } else if (r.rows_added > 0) {
          r.outcome = FillOutcome::kFilled;
        } else if (!w.gaps.empty()) {
          r.outcome = FillOutcome::kConfirmedEmpty;
        } else if (!w.fillable) {
          r.outcome = FillOutcome::kNotFillable;
        } else {
          continue;  // nothing to do for this file
        }
        fill_metrics.Record(r);
        summary.rows_added += r.rows_added;
        summary.requests += r.requests;
        summary.files.push_back(std::move(r));
      }
    }
  };
  const int workers = std::max(1, std::min<int>(o.jobs, static_cast<int>(symbols.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();

  std::sort(summary.files.begin(), summary.files.end(),
            [](const auto& a, const auto& b) { return a.archive_path < b.archive_path; });
  for (const FillFileReport& r : summary.files) {
    switch (r.outcome) {
      case FillOutcome::kFilled:
        ++summary.files_filled;
        break;
      case FillOutcome::kConfirmedEmpty:
        ++summary.files_confirmed_empty;
        break;
      case FillOutcome::kNotFillable:
        ++summary.files_not_fillable;
        break;
      case FillOutcome::kFailed:
        ++summary.files_failed;
        break;
    }
  }
  summary.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return summary;
}

std::string FillSummary::Format() const {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "gaps: %d open of %zu found; files: %d filled, %d confirmed empty by REST, %d not "
                "fillable, %d failed\nrows added from REST: %" PRId64 ", REST requests: %" PRId64
                ", %.1fs\n",
                before.open_gaps(), before.gaps.size(), files_filled, files_confirmed_empty,
                files_not_fillable, files_failed, rows_added, requests, seconds);
  out += line;
  for (const FillFileReport& r : files) {
    if (r.outcome == FillOutcome::kFailed) {
      out += "FAILED " + r.archive_path + ": " + r.error.ToString() + "\n";
    } else if (r.outcome == FillOutcome::kNotFillable) {
      out += "not fillable from REST: " + r.archive_path +
             " (duplicates / out-of-order rows, or a data type REST does not serve)\n";
    }
  }
  return out;
}

}  // namespace cryptolake::lake
