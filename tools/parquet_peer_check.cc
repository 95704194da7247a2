// Real-peer check: writes Parquet files with FileWriter in several
// configurations (codecs, page versions, dictionary on/off), has DuckDB and
// hyparquet read each one through test/peers/parquet_check.mjs, and compares
// what they report with values computed here from the same batch.
//
// Exit codes: 0 all checks passed, 1 a check failed, 77 skipped because node
// or the npm packages under test/peers/node_modules are missing (CTest's
// SKIP_RETURN_CODE, so a missing peer is never reported as a pass).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "cryptolake/parquet/file_writer.h"

namespace fs = std::filesystem;
using cryptolake::parquet::ColumnBatch;
using cryptolake::parquet::ColumnType;
using cryptolake::parquet::Compression;
using cryptolake::parquet::FileWriter;
using cryptolake::parquet::Schema;
using cryptolake::parquet::WriterOptions;
using json = nlohmann::json;

namespace {

int g_failures = 0;

void Check(bool ok, const std::string& what) {
  if (!ok) {
    ++g_failures;
    std::fprintf(stderr, "CHECK FAILED: %s\n", what.c_str());
  }
}

Schema AggTradesLikeSchema() {
  return Schema{{
      {"agg_trade_id", ColumnType::kInt64, false},
      {"price", ColumnType::kDouble, false},
      {"size", ColumnType::kDouble, false},
      {"first_trade_id", ColumnType::kInt64, false},
      {"last_trade_id", ColumnType::kInt64, false},
      {"ts_event", ColumnType::kTimestampMicros, false},
      {"is_buyer_maker", ColumnType::kBoolean, false},
      {"exchange", ColumnType::kString, false},
      {"market", ColumnType::kString, false},
      {"symbol", ColumnType::kString, false},
      {"mark_price", ColumnType::kDouble, true},
      {"note", ColumnType::kString, true},
      {"level", ColumnType::kInt32, true},
  }};
}

ColumnBatch MakeBatch(size_t rows) {
  ColumnBatch b(AggTradesLikeSchema());
  std::mt19937_64 rng(20240601);
  double price = 65000.0;
  int64_t trade = 3'000'000'000;
  int64_t ts = 1'717'200'000'000'000;
  for (size_t i = 0; i < rows; ++i) {
    price = std::round((price + (static_cast<double>(rng() % 201) - 100.0) * 0.1) * 10) / 10;
    int64_t n = 1 + static_cast<int64_t>(rng() % 4);
    b.Int64(0).push_back(static_cast<int64_t>(1'000'000'000 + i));
    b.Double(1).push_back(price);
    b.Double(2).push_back(static_cast<double>(1 + rng() % 5000) / 1000.0);
    b.Int64(3).push_back(trade);
    b.Int64(4).push_back(trade + n - 1);
    trade += n;
    ts += static_cast<int64_t>(rng() % 3000);
    b.Int64(5).push_back(ts);
    b.Bool(6).push_back(static_cast<uint8_t>(rng() & 1));
    b.String(9).Append((i / 1000) % 2 ? "ETHUSDT" : "BTCUSDT");
    bool mark = i % 3 != 0;
    b.Validity(10).push_back(mark);
    b.Double(10).push_back(mark ? price + 0.5 : 0);
    bool note = i % 17 == 0;
    b.Validity(11).push_back(note);
    b.String(11).Append(note ? (i % 34 == 0 ? std::string() : "note-" + std::to_string(i)) : "");
    bool level = i % 2 == 0;
    b.Validity(12).push_back(level);
    b.Int32(12).push_back(level ? static_cast<int32_t>(i % 1000) - 500 : 0);
  }
  // Constant columns in the repeated form, as the silver converter fills them (the writer's
  // direct one-entry dictionary path).
  b.String(7).AppendRepeated("binance", rows);
  b.String(8).AppendRepeated("um", rows);
  return b;
}

std::string Int128ToString(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u =
      neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u > 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return neg ? "-" + s : s;
}

// Aggregates of rows [begin, end) of one column, in parquet_check.mjs's format.
json Aggregate(const ColumnBatch& b, size_t col, size_t begin, size_t end) {
  const auto& cs = b.schema().columns[col];
  json out;
  int64_t nulls = 0, count = 0;
  bool have = false;
  __int128 isum = 0;
  double dsum = 0, dmin = 0, dmax = 0;
  int64_t imin = 0, imax = 0;
  std::string smin, smax;
  for (size_t r = begin; r < end; ++r) {
    if (!b.IsValid(col, r)) {
      ++nulls;
      continue;
    }
    ++count;
    switch (cs.type) {
      case ColumnType::kDouble: {
        double v = b.Double(col)[r];
        dsum += v;
        if (!have || v < dmin) dmin = v;
        if (!have || v > dmax) dmax = v;
        break;
      }
      case ColumnType::kString: {
        std::string v(b.String(col)[r]);
        isum += static_cast<int64_t>(v.size());
        if (!have || v < smin) smin = v;
        if (!have || v > smax) smax = v;
        break;
      }
      default: {
        int64_t v = cs.type == ColumnType::kBoolean ? b.Bool(col)[r]
                    : cs.type == ColumnType::kInt32 ? b.Int32(col)[r]
                                                    : b.Int64(col)[r];
        isum += v;
        if (!have || v < imin) imin = v;
        if (!have || v > imax) imax = v;
      }
    }
    have = true;
  }
  out["nulls"] = nulls;
  out["count"] = count;
  if (!have) {
    out["min"] = nullptr;
    out["max"] = nullptr;
    out["sum"] = nullptr;
  } else if (cs.type == ColumnType::kDouble) {
    out["min"] = dmin;
    out["max"] = dmax;
    out["sum"] = dsum;
  } else if (cs.type == ColumnType::kString) {
    out["min"] = smin;
    out["max"] = smax;
    out["sum"] = Int128ToString(isum);
  } else {
    out["min"] = std::to_string(imin);
    out["max"] = std::to_string(imax);
    out["sum"] = Int128ToString(isum);
  }
  return out;
}

void CompareAggregates(const json& want, const json& got, const std::string& where) {
  Check(got.is_object(), where + ": missing");
  if (!got.is_object()) return;
  Check(got["nulls"] == want["nulls"],
        where + ": nulls " + got["nulls"].dump() + " want " + want["nulls"].dump());
  Check(got["count"] == want["count"], where + ": count");
  for (const char* k : {"min", "max", "sum"}) {
    const json& w = want[k];
    const json& g = got[k];
    if (w.is_number_float()) {
      bool ok = g.is_number() &&
                std::fabs(g.get<double>() - w.get<double>()) <=
                    (std::string(k) == "sum" ? 1e-9 * std::fabs(w.get<double>()) + 1e-9 : 0.0);
      Check(ok, where + ": " + k + " " + g.dump() + " want " + w.dump());
    } else {
      Check(g == w, where + ": " + k + " " + g.dump() + " want " + w.dump());
    }
  }
}

std::string RunCapture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) {
    std::fprintf(stderr, "command failed (%d): %s\n", rc, cmd.c_str());
    return std::string();
  }
  return out;
}

struct Variant {
  std::string name;
  Compression codec;
  bool v2;
  bool dictionary;
  bool delta;
  std::string codec_name;  // as DuckDB and hyparquet print it
};

}  // namespace

int main() {
  const fs::path peers = fs::path(CRYPTOLAKE_SOURCE_DIR) / "test" / "peers";
  if (std::system("node --version > /dev/null 2>&1") != 0) {
    std::printf("SKIPPED: node is not installed\n");
    return 77;
  }
  for (const char* pkg : {"@duckdb/node-api", "hyparquet", "hyparquet-compressors"}) {
    if (!fs::exists(peers / "node_modules" / pkg)) {
      std::printf("SKIPPED: %s missing under %s/node_modules (run scripts/setup.sh)\n", pkg,
                  peers.c_str());
      return 77;
    }
  }
  const fs::path dir = fs::path(CRYPTOLAKE_BINARY_DIR) / "parquet_peer_check";
  fs::create_directories(dir);

  constexpr size_t kRows = 60'000;
  constexpr size_t kGroup = 25'000;
  const ColumnBatch batch = MakeBatch(kRows);
  const Schema schema = AggTradesLikeSchema();
  const std::map<std::string, std::string> duck_types = {{"agg_trade_id", "BIGINT"},
                                                         {"price", "DOUBLE"},
                                                         {"size", "DOUBLE"},
                                                         {"first_trade_id", "BIGINT"},
                                                         {"last_trade_id", "BIGINT"},
                                                         {"ts_event", "TIMESTAMP WITH TIME ZONE"},
                                                         {"is_buyer_maker", "BOOLEAN"},
                                                         {"exchange", "VARCHAR"},
                                                         {"market", "VARCHAR"},
                                                         {"symbol", "VARCHAR"},
                                                         {"mark_price", "DOUBLE"},
                                                         {"note", "VARCHAR"},
                                                         {"level", "INTEGER"}};

  const std::vector<Variant> variants = {
      {"zstd_v1_dict", Compression::kZstd, false, true, true, "ZSTD"},
      {"snappy_v2_dict", Compression::kSnappy, true, true, true, "SNAPPY"},
      {"uncompressed_v1_plain", Compression::kUncompressed, false, false, false, "UNCOMPRESSED"},
      {"zstd_v2_plain_delta", Compression::kZstd, true, false, true, "ZSTD"},
  };
  for (const Variant& v : variants) {
    WriterOptions opts;
    opts.compression = v.codec;
    opts.data_page_v2 = v.v2;
    opts.enable_dictionary = v.dictionary;
    opts.delta_for_int64 = v.delta;
    opts.row_group_rows = kGroup;
    opts.page_bytes = 16 << 10;
    opts.key_value_metadata = {{"cryptolake.source", "data/futures/um/daily/aggTrades/x.zip"},
                               {"cryptolake.variant", v.name}};
    FileWriter writer(schema, opts);
    // Two appends so one row group spans batches.
    ColumnBatch first(schema), second(schema);
    first.AppendRows(batch, 0, 10'000);
    second.AppendRows(batch, 10'000, kRows - 10'000);
    writer.Append(first);
    writer.Append(second);
    auto file = writer.Finish();
    if (!file.ok()) {
      std::fprintf(stderr, "%s: write failed: %s\n", v.name.c_str(),
                   file.status().ToString().c_str());
      return 1;
    }
    const fs::path path = dir / (v.name + ".parquet");
    std::ofstream(path, std::ios::binary) << *file;

    std::string out =
        RunCapture("node " + (peers / "parquet_check.mjs").string() + " '" + path.string() + "'");
    json report = json::parse(out, nullptr, false);
    if (report.is_discarded()) {
      Check(false, v.name + ": parquet_check.mjs printed no JSON");
      continue;
    }
    const json& duck = report["duckdb"];
    const json& hyp = report["hyparquet"];
    Check(duck["rows"] == kRows, v.name + ": duckdb row count " + duck["rows"].dump());
    Check(hyp["rows"] == kRows, v.name + ": hyparquet row count " + hyp["rows"].dump());
    for (size_t c = 0; c < schema.columns.size(); ++c) {
      const std::string& name = schema.columns[c].name;
      json want = Aggregate(batch, c, 0, kRows);
      CompareAggregates(want, duck["columns"][name], v.name + " duckdb " + name);
      CompareAggregates(want, hyp["columns"][name], v.name + " hyparquet " + name);
      Check(duck["types"][name] == duck_types.at(name),
            v.name + ": duckdb type of " + name + " is " + duck["types"][name].dump());
    }
    // Footer as DuckDB sees it: codec, statistics and encodings per chunk.
    Check(duck["metadata"].size() == schema.columns.size() * 3, v.name + ": chunk count");
    for (const json& m : duck["metadata"]) {
      const std::string col = m["column"];
      const int rg = m["row_group"];
      const std::string where = v.name + " rg " + std::to_string(rg) + " " + col;
      const int c = schema.FindColumn(col);
      if (c < 0) {
        Check(false, where + ": unknown column");
        continue;
      }
      const size_t begin = rg * kGroup, end = std::min(kRows, begin + kGroup);
      json want = Aggregate(batch, c, begin, end);
      Check(m["compression"] == v.codec_name, where + ": compression " + m["compression"].dump());
      Check(m["null_count"] == want["nulls"],
            where + ": stats null_count " + m["null_count"].dump());
      Check(m["num_values"] == static_cast<int64_t>(end - begin), where + ": num_values");
      const auto type = schema.columns[c].type;
      if (type == ColumnType::kInt64 || type == ColumnType::kInt32 || type == ColumnType::kString) {
        Check(m["min_value"] == want["min"],
              where + ": stats min " + m["min_value"].dump() + " want " + want["min"].dump());
        Check(m["max_value"] == want["max"], where + ": stats max " + m["max_value"].dump());
      } else if (type == ColumnType::kDouble) {
        Check(m["min_value"].is_string() &&
                  std::stod(m["min_value"].get<std::string>()) == want["min"].get<double>(),
              where + ": stats min " + m["min_value"].dump());
        Check(m["max_value"].is_string() &&
                  std::stod(m["max_value"].get<std::string>()) == want["max"].get<double>(),
              where + ": stats max " + m["max_value"].dump());
      } else {
        Check(m["min_value"].is_string() && m["max_value"].is_string(), where + ": stats");
      }
      const std::string enc = m["encodings"].is_string() ? m["encodings"].get<std::string>() : "";
      if (col == "exchange") {
        Check(m["has_dictionary"] == v.dictionary, where + ": dictionary page");
        Check((enc.find("RLE_DICTIONARY") != std::string::npos) == v.dictionary,
              where + ": encodings " + enc);
      }
      if (col == "agg_trade_id") {
        Check((enc.find("DELTA_BINARY_PACKED") != std::string::npos) == v.delta,
              where + ": encodings " + enc);
      }
    }
    for (const json& codec : hyp["codecs"]) {
      Check(codec == v.codec_name, v.name + ": hyparquet codec " + codec.dump());
    }
    for (const auto& [k, val] : opts.key_value_metadata) {
      Check(duck["kv"][k] == val, v.name + ": duckdb kv " + k);
      Check(hyp["kv"][k] == val, v.name + ": hyparquet kv " + k);
    }
    Check(hyp["created_by"] == opts.created_by, v.name + ": created_by");
    for (const json& e : hyp["schema"]) {
      if (e["name"] == "ts_event") {
        Check(e["logical_type"]["type"] == "TIMESTAMP" && e["logical_type"]["unit"] == "MICROS" &&
                  e["logical_type"]["isAdjustedToUTC"] == true,
              v.name + ": ts_event logical type " + e["logical_type"].dump());
      }
      if (e["name"] == "symbol") {
        Check(e["logical_type"]["type"] == "STRING" && e["converted_type"] == "UTF8",
              v.name + ": symbol logical type");
      }
      if (e["name"] == "mark_price")
        Check(e["repetition_type"] == "OPTIONAL", "mark_price optional");
      if (e["name"] == "price") Check(e["repetition_type"] == "REQUIRED", "price required");
    }
    std::printf("%s: %zu bytes, checked by DuckDB and hyparquet\n", v.name.c_str(), file->size());
  }
  if (g_failures > 0) {
    std::printf("FAILED: %d checks\n", g_failures);
    return 1;
  }
  std::printf("PASSED\n");
  return 0;
}
