#include "cryptolake/lake/gap_detector.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "cryptolake/lake/data_type_schema.h"
#include "cryptolake/lake/gap_records.h"
#include "cryptolake/lake/ingest_pipeline.h"
#include "cryptolake/lake/partition.h"
#include "cryptolake/parquet/file_reader.h"
#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"

namespace cryptolake::lake {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerHour = 3'600 * kMicrosPerSecond;

// "silver/<type>/market=<m>/symbol=" prefix of a type's partitions.
std::string SymbolListPrefix(const archive::DiscoveryQuery& q) {
  return "silver/" + q.data_type + "/market=" + std::string(archive::MarketName(q.market)) +
         "/symbol=";
}

class GapMetrics {
 public:
  explicit GapMetrics(const archive::DiscoveryQuery& q)
      : m_(telemetry::CryptoMetrics::Current()),
        market_(archive::MarketName(q.market)),
        data_type_(q.data_type) {}
  void Record(const Gap& g) {
    namespace attr = telemetry::attr;
    const metrics::AttributeView attrs[] = {
        {attr::kMarket, market_},
        {attr::kDataType, data_type_},
        {attr::kGapKind, GapKindName(g.kind)},
        {attr::kGapStatus,
         g.open() ? std::string_view("open") : std::string_view("confirmed_empty")}};
    m_->gaps_found.Add(1, attrs);
    m_->gaps_missing_duration.Add(static_cast<double>(g.end_us - g.start_us) / kMicrosPerSecond,
                                  attrs);
  }

 private:
  std::shared_ptr<telemetry::CryptoMetrics> m_;
  std::string market_;
  std::string data_type_;
};

// Scans one present silver object.
class ObjectScanner {
 public:
  ObjectScanner(const DataTypeSchema& schema, const archive::ArchiveFile& file, int64_t start,
                int64_t end, std::vector<Gap>* out)
      : schema_(schema), file_(file), start_(start), end_(end), out_(out) {}

  // `prev_id`/`prev_id_ts`: the previous period's last id and its time (-1 when unknown); updated
  // to this object's last.
  Status Scan(const parquet::ColumnBatch& batch, const std::string& silver_key, int64_t* prev_id,
              int64_t* prev_id_ts) {
    silver_key_ = silver_key;
    const int time_col = batch.schema().FindColumn(schema_.rules.time_column);
    if (time_col < 0)
      return Status::Corruption(silver_key + " has no " + schema_.rules.time_column);
    const std::vector<int64_t>& ts = batch.Int64(static_cast<size_t>(time_col));
    const std::string& key_name = schema_.rules.unique_key;
    const int key_col = key_name.empty() ? -1 : batch.schema().FindColumn(key_name);
    if (schema_.has_interval) {
      ScanBars(ts);
    } else if (key_col >= 0 && key_col != time_col) {
      ScanIds(batch.Int64(static_cast<size_t>(key_col)), ts, prev_id, prev_id_ts);
    } else if (int hours_col = batch.schema().FindColumn("funding_interval_hours");
               hours_col >= 0) {
      ScanFunding(ts, batch.Int64(static_cast<size_t>(hours_col)));
    } else {
      ScanTimesOnly(ts);
    }
    return Status::OK();
  }

 private:
  void Add(GapKind kind, int64_t start, int64_t end, int64_t missing) {
    Gap g;
    g.kind = kind;
    g.symbol = file_.symbol;
    g.archive_path = file_.ZipPath();
    g.silver_file = silver_key_;
    g.start_us = start;
    g.end_us = end;
    g.missing = missing;
    out_->push_back(std::move(g));
  }

  void ScanBars(const std::vector<int64_t>& ts) {
    const int64_t iv = KlineIntervalMicros(file_.interval);
    if (iv <= 0) return;  // 3d, 1w, 1mo: day level only
    int64_t expected = start_;
    std::optional<int64_t> prev;
    for (int64_t t : ts) {
      if (prev && t == *prev) {
        Add(GapKind::kDuplicate, t, t + iv, 0);
      } else if (prev && t < *prev) {
        Add(GapKind::kOutOfOrder, t, t + iv, 0);
      } else {
        if (t > expected) Add(GapKind::kMissingBars, expected, t, (t - expected + iv - 1) / iv);
        expected = std::max(expected, t + iv);
      }
      prev = t;
    }
    if (expected < end_)
      Add(GapKind::kMissingBars, expected, end_, (end_ - expected + iv - 1) / iv);
  }

  void ScanIds(const std::vector<int64_t>& ids, const std::vector<int64_t>& ts, int64_t* prev_id,
               int64_t* prev_ts) {
    for (size_t i = 0; i < ids.size(); ++i) {
      const int64_t id = ids[i];
      if (*prev_id >= 0) {
        if (id == *prev_id) {
          Add(GapKind::kDuplicate, ts[i], ts[i] + 1, 0);
        } else if (id < *prev_id) {
          Add(GapKind::kOutOfOrder, ts[i], ts[i] + 1, 0);
        } else if (id > *prev_id + 1) {
          Add(GapKind::kIdGap, std::min(*prev_ts, ts[i]), ts[i] + 1, id - *prev_id - 1);
          out_->back().first_id = *prev_id + 1;
          out_->back().last_id = id - 1;
        }
      }
      if (id > *prev_id) {
        *prev_id = id;
        *prev_ts = ts[i];
      }
    }
  }

  void ScanFunding(const std::vector<int64_t>& ts, const std::vector<int64_t>& hours) {
    for (size_t i = 1; i < ts.size(); ++i) {
      const int64_t step = hours[i - 1] * kMicrosPerHour;
      if (ts[i] == ts[i - 1]) {
        Add(GapKind::kDuplicate, ts[i], ts[i] + 1, 0);
      } else if (ts[i] < ts[i - 1]) {
        Add(GapKind::kOutOfOrder, ts[i], ts[i] + 1, 0);
      } else if (step > 0 && ts[i] - ts[i - 1] > step + step / 2) {
        // Funding times drift by a few ms from the hour; a hole is more than half a step extra.
        const int64_t missing = (ts[i] - ts[i - 1] + step / 2) / step - 1;
        Add(GapKind::kMissingRows, ts[i - 1] + 1, ts[i], missing);
      }
    }
  }

  void ScanTimesOnly(const std::vector<int64_t>& ts) {
    for (size_t i = 1; i < ts.size(); ++i) {
      if (ts[i] < ts[i - 1]) Add(GapKind::kOutOfOrder, ts[i], ts[i] + 1, 0);
    }
  }

  const DataTypeSchema& schema_;
  const archive::ArchiveFile& file_;
  const int64_t start_;
  const int64_t end_;
  std::vector<Gap>* out_;
  std::string silver_key_;
};

bool Covers(const std::vector<FillRange>& ranges, const Gap& g) {
  for (const FillRange& r : ranges) {
    if (g.first_id >= 0 && r.first_id >= 0) {
      if (r.first_id <= g.first_id && g.last_id <= r.last_id) return true;
    } else if (r.start_us <= g.start_us && g.end_us <= r.end_us) {
      return true;
    }
  }
  return false;
}

// Keys of the objects under `prefix` (one listing instead of one request per period).
Result<std::set<std::string>> ListKeys(storage::ObjectStore& lake, const std::string& prefix) {
  CL_ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, lake.List(prefix));
  std::set<std::string> keys;
  for (auto& o : objects) keys.insert(std::move(o.key));
  return keys;
}

}  // namespace

std::string_view GapKindName(GapKind kind) {
  switch (kind) {
    case GapKind::kMissingDay:
      return "missing_day";
    case GapKind::kMissingBars:
      return "missing_bars";
    case GapKind::kDuplicate:
      return "duplicate";
    case GapKind::kOutOfOrder:
      return "out_of_order";
    case GapKind::kIdGap:
      return "id_gap";
    case GapKind::kMissingRows:
      return "missing_rows";
  }
  return "?";
}

int64_t KlineIntervalMicros(std::string_view interval) {
  static const std::map<std::string_view, int64_t> kSeconds = {
      {"1s", 1},      {"1m", 60},      {"3m", 180},   {"5m", 300},    {"15m", 900},
      {"30m", 1'800}, {"1h", 3'600},   {"2h", 7'200}, {"4h", 14'400}, {"6h", 21'600},
      {"8h", 28'800}, {"12h", 43'200}, {"1d", 86'400}};
  auto it = kSeconds.find(interval);
  return it == kSeconds.end() ? 0 : it->second * kMicrosPerSecond;
}

std::string FormatIsoMicros(int64_t micros) {
  const int64_t day = DayOfMicros(micros);
  int64_t rest = micros - day * kMicrosPerDay;
  const int64_t sub = rest % kMicrosPerSecond;
  rest /= kMicrosPerSecond;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d", FormatDate(day).c_str(),
                static_cast<int>(rest / 3600), static_cast<int>(rest / 60 % 60),
                static_cast<int>(rest % 60));
  std::string out = buf;
  if (sub != 0) {
    std::snprintf(buf, sizeof buf, ".%06" PRId64, sub);
    out += buf;
  }
  return out + "Z";
}

int GapReport::open_gaps() const {
  return static_cast<int>(
      std::count_if(gaps.begin(), gaps.end(), [](const Gap& g) { return g.open(); }));
}

namespace {

Result<GapReport> ScanForGaps(const GapQuery& gq) {
  if (gq.lake == nullptr) return Status::InvalidArgument("DetectGaps needs a lake");
  storage::ObjectStore& lake = *gq.lake;
  archive::DiscoveryQuery query = gq.query;
  CL_ASSIGN_OR_RETURN(const DataTypeSchema* schema,
                      FindDataTypeSchema(query.data_type, query.market));
  CL_RETURN_IF_ERROR(schema->CheckInterval(query.interval, query.market));
  if (!schema->HasPeriod(query.period)) {
    return Status::InvalidArgument(query.data_type + " has no " +
                                   std::string(archive::PeriodName(query.period)) +
                                   " archive files");
  }
  GapReport report;
  if (query.all_symbols) {
    const std::string prefix = SymbolListPrefix(query);
    CL_ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, lake.List(prefix));
    std::set<std::string> symbols;
    for (const auto& o : objects) {
      std::string_view rest = std::string_view(o.key).substr(prefix.size());
      symbols.emplace(rest.substr(0, rest.find('/')));
    }
    query.symbols.assign(symbols.begin(), symbols.end());
    query.all_symbols = false;
    if (query.symbols.empty()) {
      return Status::NotFound("the lake holds no " + query.data_type + " for market " +
                              std::string(archive::MarketName(query.market)) +
                              ": give --symbols to check specific ones");
    }
  }
  CL_RETURN_IF_ERROR(archive::ValidateDiscoveryQuery(query));
  report.symbols = query.symbols;
  GapMetrics gap_metrics(query);

  for (const std::string& symbol : query.symbols) {
    archive::DiscoveryQuery one = query;
    one.symbols = {symbol};
    CL_ASSIGN_OR_RETURN(std::vector<archive::ArchiveFile> files, archive::CandidateFiles(one));
    if (files.empty()) continue;
    const std::string dir = files.front().DirPath();
    std::string silver_prefix = SymbolListPrefix(query) + symbol + "/";
    CL_ASSIGN_OR_RETURN(std::set<std::string> silver, ListKeys(lake, silver_prefix));
    CL_ASSIGN_OR_RETURN(std::set<std::string> absent,
                        ListKeys(lake, std::string(kAbsentPrefix) + dir));
    CL_ASSIGN_OR_RETURN(std::set<std::string> fills,
                        ListKeys(lake, std::string(kFillsPrefix) + dir));
    int64_t prev_id = -1;
    int64_t prev_id_ts = 0;
    for (const archive::ArchiveFile& file : files) {
      ++report.periods_checked;
      const std::string path = file.ZipPath();
      CL_ASSIGN_OR_RETURN(PartitionKey pkey, PartitionKeyOf(file));
      const std::string silver_key = SilverObjectKey(pkey, file);
      CL_ASSIGN_OR_RETURN(auto bounds, ArchivePeriodMicros(file));
      std::optional<FillRecord> fill;
      if (fills.count(FillKey(path)) != 0) {
        CL_ASSIGN_OR_RETURN(fill, LookupFill(lake, path));
      }
      std::vector<Gap> found;
      if (silver.count(silver_key) == 0) {
        Gap g;
        g.kind = GapKind::kMissingDay;
        g.symbol = symbol;
        g.archive_path = path;
        g.silver_file = silver_key;
        g.start_us = bounds.first;
        g.end_us = bounds.second;
        if (schema->has_interval) {
          const int64_t iv = KlineIntervalMicros(file.interval);
          if (iv > 0) g.missing = (bounds.second - bounds.first) / iv;
        }
        g.cause = "not_ingested";
        if (absent.count(AbsenceKey(path)) != 0) {
          CL_ASSIGN_OR_RETURN(std::optional<AbsenceRecord> a, LookupAbsence(lake, path));
          if (a) g.cause = std::string(AbsenceCauseName(a->cause));
        }
        found.push_back(std::move(g));
        prev_id = -1;  // the id chain is broken by the missing period
      } else {
        ++report.periods_present;
        CL_ASSIGN_OR_RETURN(std::string bytes, lake.Get(silver_key));
        Result<parquet::FileReader> reader = parquet::FileReader::Open(std::move(bytes));
        if (!reader.ok()) {
          return Status::Corruption(silver_key + ": " + reader.status().message());
        }
        CL_ASSIGN_OR_RETURN(parquet::ColumnBatch batch, reader->ReadAll());
        report.rows_checked += static_cast<int64_t>(batch.num_rows());
        ObjectScanner scanner(*schema, file, bounds.first, bounds.second, &found);
        CL_RETURN_IF_ERROR(scanner.Scan(batch, silver_key, &prev_id, &prev_id_ts));
      }
      for (Gap& g : found) {
        if (fill && (Covers(fill->empty, g) || Covers(fill->filled, g))) g.confirmed_empty = true;
        gap_metrics.Record(g);
        report.gaps.push_back(std::move(g));
      }
    }
  }
  return report;
}

}  // namespace

Result<GapReport> DetectGaps(const GapQuery& gq) {
  telemetry::TrackDataProcessing scan(
      telemetry::stage::kGapScan,
      {{telemetry::attr::kMarket, std::string(archive::MarketName(gq.query.market))},
       {telemetry::attr::kDataType, gq.query.data_type}});
  Result<GapReport> r = ScanForGaps(gq);
  scan.SetStatus(r.status());
  return r;
}

std::string GapReport::FormatTable() const {
  std::string out;
  char line[512];
  if (!gaps.empty()) {
    std::snprintf(line, sizeof line, "%-14s %-13s %-27s %-27s %9s  %s\n", "symbol", "kind",
                  "start (UTC)", "end (UTC, excl.)", "missing", "cause / status");
    out += line;
  }
  for (const Gap& g : gaps) {
    std::string what = g.cause;
    if (g.first_id >= 0) {
      what += (what.empty() ? "" : ", ") + std::string("ids ") + std::to_string(g.first_id) + ".." +
              std::to_string(g.last_id);
    }
    if (g.confirmed_empty)
      what += (what.empty() ? "" : ", ") + std::string("confirmed empty by REST");
    std::snprintf(line, sizeof line, "%-14s %-13s %-27s %-27s %9" PRId64 "  %s\n", g.symbol.c_str(),
                  std::string(GapKindName(g.kind)).c_str(), FormatIsoMicros(g.start_us).c_str(),
                  FormatIsoMicros(g.end_us).c_str(), g.missing, what.c_str());
    out += line;
  }
  std::snprintf(line, sizeof line,
                "%d open gap(s), %zu finding(s); %d of %d period(s) present, %" PRId64
                " rows checked\n",
                open_gaps(), gaps.size(), periods_present, periods_checked, rows_checked);
  out += line;
  return out;
}

std::string GapReport::FormatJson(const GapQuery& q) const {
  nlohmann::ordered_json j;
  j["lake"] = q.lake != nullptr ? q.lake->Describe() : "";
  j["market"] = std::string(archive::MarketName(q.query.market));
  j["data_type"] = q.query.data_type;
  if (!q.query.interval.empty()) j["interval"] = q.query.interval;
  j["period"] = std::string(archive::PeriodName(q.query.period));
  j["start_date"] = q.query.start_date;
  j["end_date"] = q.query.end_date;
  j["symbols"] = symbols;
  j["periods_checked"] = periods_checked;
  j["periods_present"] = periods_present;
  j["rows_checked"] = rows_checked;
  j["open_gaps"] = open_gaps();
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Gap& g : gaps) {
    nlohmann::ordered_json e;
    e["symbol"] = g.symbol;
    e["kind"] = std::string(GapKindName(g.kind));
    e["status"] = g.open() ? "open" : "confirmed_empty";
    e["start_us"] = g.start_us;
    e["end_us"] = g.end_us;
    e["start"] = FormatIsoMicros(g.start_us);
    e["end"] = FormatIsoMicros(g.end_us);
    e["missing"] = g.missing;
    if (g.first_id >= 0) {
      e["first_id"] = g.first_id;
      e["last_id"] = g.last_id;
    }
    if (!g.cause.empty()) e["cause"] = g.cause;
    e["archive_path"] = g.archive_path;
    e["silver_file"] = g.silver_file;
    list.push_back(std::move(e));
  }
  j["gaps"] = std::move(list);
  return j.dump(2) + "\n";
}

}  // namespace cryptolake::lake
