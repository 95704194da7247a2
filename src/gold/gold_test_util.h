// Test helpers: hand-made silver objects and silver ledger entries in an object store.
#ifndef CRYPTOLAKE_SRC_GOLD_GOLD_TEST_UTIL_H_
#define CRYPTOLAKE_SRC_GOLD_GOLD_TEST_UTIL_H_

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/lake/data_type_schema.h"
#include "cryptolake/lake/ledger.h"
#include "cryptolake/lake/partition.h"
#include "cryptolake/parquet/column_batch.h"
#include "cryptolake/parquet/file_writer.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::gold::testing {

// A cell of a hand-made row; monostate = null.
using Cell = std::variant<std::monostate, int64_t, double, bool, std::string>;
using Row = std::map<std::string, Cell>;

inline constexpr int64_t kMinute = 60'000'000;

// Appends `row` to `b` by column name; absent names become null (or 0 / "" when required).
inline void AppendRow(parquet::ColumnBatch& b, const Row& row) {
  for (size_t c = 0; c < b.num_columns(); ++c) {
    const parquet::ColumnSchema& col = b.schema().columns[c];
    auto it = row.find(col.name);
    const bool valid = it != row.end() && !std::holds_alternative<std::monostate>(it->second);
    switch (col.type) {
      case parquet::ColumnType::kInt64:
      case parquet::ColumnType::kTimestampMicros:
        b.Int64(c).push_back(valid ? std::get<int64_t>(it->second) : 0);
        break;
      case parquet::ColumnType::kDouble:
        b.Double(c).push_back(valid ? std::get<double>(it->second) : 0.0);
        break;
      case parquet::ColumnType::kBoolean:
        b.Bool(c).push_back(valid && std::get<bool>(it->second) ? 1 : 0);
        break;
      case parquet::ColumnType::kString:
        b.String(c).Append(valid ? std::get<std::string>(it->second) : std::string());
        break;
      case parquet::ColumnType::kInt32:
        b.Int32(c).push_back(0);
        break;
    }
    if (col.nullable) b.Validity(c).push_back(valid ? 1 : 0);
  }
}

// Writes `rows` as the silver object of `file` and records its silver ledger entry with `sha`.
inline void PutSilver(storage::ObjectStore& lake, const archive::ArchiveFile& file,
                      const std::vector<Row>& rows, const std::string& sha) {
  const parquet::Schema* schema = *lake::SilverSchema(file.data_type, file.market);
  parquet::ColumnBatch b(*schema);
  for (Row r : rows) {
    r["exchange"] = std::string("binance");
    r["market"] = std::string(archive::MarketName(file.market));
    r["symbol"] = file.symbol;
    if (!file.interval.empty()) r["interval"] = file.interval;
    if (r.count("source") == 0) r["source"] = std::string("archive");
    AppendRow(b, r);
  }
  parquet::FileWriter w(*schema, parquet::WriterOptions{});
  w.Append(b);
  std::string bytes = *w.Finish();
  const std::string key = lake::SilverObjectKey(*lake::PartitionKeyOf(file), file);
  if (!lake.Put(key, bytes).ok()) std::abort();
  lake::LedgerEntry e;
  e.archive_path = file.ZipPath();
  e.sha256 = sha;
  e.silver_files = {key};
  e.rows = static_cast<int64_t>(rows.size());
  e.ingested_at = "2026-01-01T00:00:00Z";
  e.tool_version = "test";
  if (!lake::Ledger(lake).Record(e).ok()) std::abort();
}

inline archive::ArchiveFile DailyFile(archive::Market m, const std::string& type,
                                      const std::string& symbol, const std::string& date,
                                      const std::string& interval = "") {
  archive::ArchiveFile f;
  f.market = m;
  f.period = archive::Period::kDaily;
  f.data_type = type;
  f.symbol = symbol;
  f.interval = interval;
  f.date = date;
  return f;
}

inline std::string Sha(char c) { return std::string(64, c); }

}  // namespace cryptolake::gold::testing

#endif  // CRYPTOLAKE_SRC_GOLD_GOLD_TEST_UTIL_H_
