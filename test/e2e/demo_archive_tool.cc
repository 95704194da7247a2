// demo_archive_tool DIR FIRST_DAY DAYS AGG_TRADES_PER_DAY: writes the demo archive mirror
// (lake/demo_archive.h) with the given size, for end-to-end tests that need more files than
// `cryptolake demo --keep-archive` makes.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cryptolake/lake/demo_archive.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: demo_archive_tool DIR FIRST_DAY DAYS AGG_TRADES_PER_DAY\n");
    return 2;
  }
  cryptolake::lake::DemoArchiveOptions o;
  o.first_day = argv[2];
  o.days = std::atoi(argv[3]);
  o.agg_trades_per_day = std::atoi(argv[4]);
  auto demo = cryptolake::lake::GenerateDemoArchive(argv[1], o);
  if (!demo.ok()) {
    std::fprintf(stderr, "demo_archive_tool: %s\n", demo.status().ToString().c_str());
    return 1;
  }
  std::printf("%zu files, %lld rows\n", demo->files.size(), static_cast<long long>(demo->csv_rows));
  return 0;
}
