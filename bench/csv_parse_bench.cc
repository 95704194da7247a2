// csv_parse_bench: measures ConvertCsvToSilver (parse + validate + columnize)
// on the real COIN-M aggTrades fixture day repeated 20 times (~2.1 M rows,
// ~134 MB), with ids and times rescaled so the input stays valid: repetition r
// gets ids shifted past the previous one and its times squeezed into the r-th
// twentieth of the day. Prints MB/s and rows/s.
//
// Usage: csv_parse_bench [zip] [repeats] [iterations]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/csv_scanner.h"
#include "cryptolake/lake/silver_converter.h"

namespace {

using cryptolake::lake::CsvScanner;
using cryptolake::lake::SplitCsvFields;

constexpr char kDefaultZip[] =
    "/../shared/fixtures/binance-archive/data/futures/cm/daily/aggTrades/BTCUSD_PERP/"
    "BTCUSD_PERP-aggTrades-2026-05-08.zip";
constexpr int64_t kDayMs = 86'400'000;

// CPU time of this thread: under a loaded machine it is closer to what one
// dedicated core would take than wall time is.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Row {
  std::string_view f[7];
};

std::string BuildInput(std::string_view csv, int repeats) {
  CsvScanner scanner(csv);
  std::vector<Row> rows;
  std::string_view line;
  while (scanner.NextLine(&line)) {
    Row r;
    if (SplitCsvFields(line, r.f) != 7) {
      std::fprintf(stderr, "unexpected row: %.*s\n", static_cast<int>(line.size()), line.data());
      std::exit(1);
    }
    rows.push_back(r);
  }
  auto num = [](std::string_view s) { return std::strtoll(std::string(s).c_str(), nullptr, 10); };
  int64_t min_agg = num(rows.front().f[0]), max_agg = num(rows.back().f[0]);
  int64_t min_trade = num(rows.front().f[3]), max_trade = num(rows.back().f[4]);
  int64_t day_start = num(rows.front().f[5]) / kDayMs * kDayMs;
  std::string out(scanner.has_header() ? std::string(scanner.header()) + "\n" : "");
  out.reserve(csv.size() * repeats + 1024);
  char buf[256];
  for (int rep = 0; rep < repeats; ++rep) {
    const int64_t agg_shift = rep * (max_agg - min_agg + 1);
    const int64_t trade_shift = rep * (max_trade - min_trade + 1);
    for (const Row& r : rows) {
      int64_t t = num(r.f[5]) - day_start;
      int64_t scaled = day_start + rep * (kDayMs / repeats) + t / repeats;
      int n = std::snprintf(
          buf, sizeof(buf), "%lld,%.*s,%.*s,%lld,%lld,%lld,%.*s\n",
          static_cast<long long>(num(r.f[0]) + agg_shift), static_cast<int>(r.f[1].size()),
          r.f[1].data(), static_cast<int>(r.f[2].size()), r.f[2].data(),
          static_cast<long long>(num(r.f[3]) + trade_shift),
          static_cast<long long>(num(r.f[4]) + trade_shift), static_cast<long long>(scaled),
          static_cast<int>(r.f[6].size()), r.f[6].data());
      out.append(buf, n);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string zip_path = argc > 1 ? argv[1] : std::string(CRYPTOLAKE_SOURCE_DIR) + kDefaultZip;
  int repeats = argc > 2 ? std::atoi(argv[2]) : 20;
  int iterations = argc > 3 ? std::atoi(argv[3]) : 5;
  if (!std::filesystem::exists(zip_path)) {
    std::fprintf(stderr, "fixture zip not found: %s\n", zip_path.c_str());
    return 2;
  }
  auto member = cryptolake::archive::ExtractSingleMember(ReadFile(zip_path));
  if (!member.ok()) {
    std::fprintf(stderr, "%s\n", member.status().ToString().c_str());
    return 1;
  }
  std::string input = BuildInput(member->data, repeats);
  auto file = cryptolake::archive::ArchiveFile::Parse(
      "data/futures/cm/daily/aggTrades/BTCUSD_PERP/BTCUSD_PERP-aggTrades-2026-05-08.zip");
  if (!file.ok()) {
    std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
    return 1;
  }
  std::printf("input: %zu bytes, %d repeats of %s\n", input.size(), repeats, member->name.c_str());
  double best = 1e9, best_cpu = 1e9;
  int64_t rows = 0;
  for (int i = 0; i < iterations; ++i) {
    auto start = std::chrono::steady_clock::now();
    double cpu_start = ThreadCpuSeconds();
    auto conv = cryptolake::lake::ConvertCsvToSilver(*file, member->name, input, {});
    double cpu = ThreadCpuSeconds() - cpu_start;
    auto end = std::chrono::steady_clock::now();
    if (!conv.ok()) {
      std::fprintf(stderr, "%s\n", conv.status().ToString().c_str());
      return 1;
    }
    rows = conv->rows_out;
    double secs = std::chrono::duration<double>(end - start).count();
    best = std::min(best, secs);
    best_cpu = std::min(best_cpu, cpu);
    std::printf("iteration %d: wall %.3f s (%.0f MB/s), thread cpu %.3f s (%.0f MB/s)\n", i, secs,
                input.size() / secs / 1e6, cpu, input.size() / cpu / 1e6);
  }
  std::printf("best wall: %.3f s for %lld rows, %.0f MB/s, %.2f M rows/s\n", best,
              static_cast<long long>(rows), input.size() / best / 1e6, rows / best / 1e6);
  std::printf("best thread cpu: %.3f s, %.0f MB/s, %.2f M rows/s\n", best_cpu,
              input.size() / best_cpu / 1e6, rows / best_cpu / 1e6);
  return 0;
}
