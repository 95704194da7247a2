// Parquet write benchmark: builds the ingest benchmark's input shape (one day
// of COIN-M aggTrades repeated 20 times with ids and times shifted so they
// stay increasing, ~2.1 M rows) and times FileWriter in several
// configurations, printing time, rows/s and output size.
//
//   parquet_write_bench [aggTrades.csv] [repeat=20]
// Without a CSV it unzips the fixture from ../shared/fixtures when present,
// otherwise it synthesises a random-walk day of the same size.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cryptolake/parquet/file_reader.h"
#include "cryptolake/parquet/file_writer.h"

using namespace cryptolake::parquet;

namespace {

struct Row {
  int64_t id, first, last, ms;
  double price, qty;
  bool maker;
};

std::vector<Row> LoadCsv(const std::string& cmd) {
  std::vector<Row> rows;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return rows;
  char line[512];
  while (std::fgets(line, sizeof line, p)) {
    Row r;
    char maker[16];
    if (std::sscanf(line, "%ld,%lf,%lf,%ld,%ld,%ld,%15s", &r.id, &r.price, &r.qty, &r.first,
                    &r.last, &r.ms, maker) == 7) {
      r.maker = maker[0] == 't' || maker[0] == 'T';
      rows.push_back(r);
    }
  }
  pclose(p);
  return rows;
}

std::vector<Row> Synthesize(size_t n) {
  std::vector<Row> rows(n);
  std::mt19937_64 rng(1);
  double price = 80000;
  int64_t t = 1'778'198'400'000, trade = 1'123'474'160;
  for (size_t i = 0; i < n; ++i) {
    price = std::round((price + (static_cast<double>(rng() % 21) - 10) * 0.1) * 10) / 10;
    int64_t k = 1 + static_cast<int64_t>(rng() % 5);
    rows[i] = {480'537'903 + static_cast<int64_t>(i),
               trade,
               trade + k - 1,
               t += static_cast<int64_t>(rng() % 1600),
               price,
               static_cast<double>(1 + rng() % 300),
               (rng() & 1) != 0};
    trade += k;
  }
  return rows;
}

// CPU time of this thread: steadier than wall time on a shared machine.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Row> day;
  std::string source;
  const std::string fixture = std::string(CRYPTOLAKE_SOURCE_DIR) +
                              "/../shared/fixtures/binance-archive/data/futures/cm/daily/aggTrades/"
                              "BTCUSD_PERP/BTCUSD_PERP-aggTrades-2026-05-08.zip";
  if (argc > 1) {
    source = argv[1];
    day = LoadCsv("cat '" + source + "'");
  } else if (std::filesystem::exists(fixture)) {
    source = fixture;
    day = LoadCsv("unzip -p '" + fixture + "'");
  }
  if (day.empty()) {
    source = "synthetic";
    day = Synthesize(105'280);
  }
  const int repeat = argc > 2 ? std::atoi(argv[2]) : 20;

  Schema schema{{{"agg_trade_id", ColumnType::kInt64, false},
                 {"price", ColumnType::kDouble, false},
                 {"size", ColumnType::kDouble, false},
                 {"first_trade_id", ColumnType::kInt64, false},
                 {"last_trade_id", ColumnType::kInt64, false},
                 {"ts_event", ColumnType::kTimestampMicros, false},
                 {"is_buyer_maker", ColumnType::kBoolean, false},
                 {"exchange", ColumnType::kString, false},
                 {"market", ColumnType::kString, false},
                 {"symbol", ColumnType::kString, false}}};
  ColumnBatch batch(schema);
  batch.Reserve(day.size() * repeat);
  const int64_t id_span = day.back().id - day.front().id + 1;
  const int64_t trade_span = day.back().last - day.front().first + 1;
  const int64_t ms_span = day.back().ms - day.front().ms + 1;
  for (int k = 0; k < repeat; ++k) {
    for (const Row& r : day) {
      batch.Int64(0).push_back(r.id + k * id_span);
      batch.Double(1).push_back(r.price);
      batch.Double(2).push_back(r.qty);
      batch.Int64(3).push_back(r.first + k * trade_span);
      batch.Int64(4).push_back(r.last + k * trade_span);
      batch.Int64(5).push_back((r.ms + k * ms_span) * 1000);
      batch.Bool(6).push_back(r.maker);
      batch.String(7).Append("binance");
      batch.String(8).Append("cm");
      batch.String(9).Append("BTCUSD_PERP");
    }
  }
  std::printf("input: %s x%d = %zu rows, 10 columns\n", source.c_str(), repeat, batch.num_rows());

  struct Config {
    const char* name;
    WriterOptions opts;
  };
  std::vector<Config> configs;
  auto add = [&](const char* name, auto tweak) {
    WriterOptions o;
    tweak(o);
    configs.push_back({name, o});
  };
  add("zstd-1 dict+delta (default)", [](WriterOptions&) {});
  add("zstd-3 dict+delta", [](WriterOptions& o) { o.zstd_level = 3; });
  add("zstd-1 dict, no delta", [](WriterOptions& o) { o.delta_for_int64 = false; });
  add("zstd-1 plain only", [](WriterOptions& o) {
    o.enable_dictionary = false;
    o.delta_for_int64 = false;
  });
  add("zstd-1 page v2", [](WriterOptions& o) { o.data_page_v2 = true; });
  add("snappy dict+delta", [](WriterOptions& o) { o.compression = Compression::kSnappy; });
  add("uncompressed dict+delta",
      [](WriterOptions& o) { o.compression = Compression::kUncompressed; });

  // PARQUET_BENCH_ONLY=<n> runs configuration n alone (for profiling).
  const char* only = std::getenv("PARQUET_BENCH_ONLY");
  for (size_t ci = 0; ci < configs.size(); ++ci) {
    const Config& c = configs[ci];
    if (only != nullptr && std::atoi(only) != static_cast<int>(ci)) continue;
    double best = 1e9, best_cpu = 1e9;
    size_t bytes = 0;
    for (int run = 0; run < 3; ++run) {
      double c0 = ThreadCpuSeconds();
      auto t0 = std::chrono::steady_clock::now();
      FileWriter w(schema, c.opts);
      w.Append(batch);
      auto file = w.Finish();
      auto t1 = std::chrono::steady_clock::now();
      if (!file.ok()) {
        std::fprintf(stderr, "%s: %s\n", c.name, file.status().ToString().c_str());
        return 1;
      }
      best = std::min(best, Seconds(t0, t1));
      best_cpu = std::min(best_cpu, ThreadCpuSeconds() - c0);
      bytes = file->size();
    }
    std::printf("%-30s wall %7.1f ms  cpu %7.1f ms  %6.1f M rows/s (cpu)  %8.2f MB\n", c.name,
                best * 1e3, best_cpu * 1e3, batch.num_rows() / best_cpu / 1e6, bytes / 1e6);
  }

  {
    // What the default configuration chose per column (first row group).
    FileWriter w(schema, configs[0].opts);
    w.Append(batch);
    auto file = w.Finish();
    auto reader = FileReader::Open(*file);
    for (size_t c = 0; c < schema.columns.size(); ++c) {
      const ColumnChunkInfo& info = reader->column_chunk(0, static_cast<int>(c));
      std::string encs;
      for (Encoding e : info.encodings) encs += std::to_string(static_cast<int>(e)) + " ";
      std::printf("  %-16s encodings [%s] %8.2f MB\n", schema.columns[c].name.c_str(), encs.c_str(),
                  info.total_compressed_size / 1e6);
    }
  }
  if (const char* out = std::getenv("PARQUET_BENCH_OUT")) {
    FileWriter w(schema, configs[0].opts);
    w.Append(batch);
    auto file = w.Finish();
    FILE* f = std::fopen(out, "wb");
    if (f != nullptr) {
      std::fwrite(file->data(), 1, file->size(), f);
      std::fclose(f);
    }
  }
  if (only != nullptr) return 0;
  // Read-back speed of the default configuration.
  FileWriter w(schema, WriterOptions());
  w.Append(batch);
  auto file = w.Finish();
  double c0 = ThreadCpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  auto reader = FileReader::Open(*file);
  auto all = reader->ReadAll();
  auto t1 = std::chrono::steady_clock::now();
  double cpu = ThreadCpuSeconds() - c0;
  if (!all.ok() || !(*all == batch)) {
    std::fprintf(stderr, "read-back mismatch\n");
    return 1;
  }
  std::printf("%-30s wall %7.1f ms  cpu %7.1f ms  %6.1f M rows/s (cpu)\n", "read back (default)",
              Seconds(t0, t1) * 1e3, cpu * 1e3, batch.num_rows() / cpu / 1e6);
  return 0;
}
