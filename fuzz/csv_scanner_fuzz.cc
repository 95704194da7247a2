// libFuzzer target: the CSV scanner and the whole CSV -> silver conversion.
// The first input byte picks the data type/market and the bad-row policy; the
// rest is the CSV. Any input must yield rows or a clean Status, never a crash,
// and the converter's accounting must add up.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/lake/csv_scanner.h"
#include "cryptolake/lake/silver_converter.h"

namespace {

using cryptolake::archive::ArchiveFile;
using cryptolake::archive::Market;
using cryptolake::archive::Period;

ArchiveFile PickFile(uint8_t selector) {
  struct Choice {
    Market market;
    Period period;
    const char* type;
    const char* interval;
    const char* date;
  };
  static const Choice kChoices[] = {
      {Market::kSpot, Period::kDaily, "klines", "1m", "2020-01-01"},
      {Market::kCoinM, Period::kDaily, "klines", "1m", "2022-10-24"},
      {Market::kSpot, Period::kDaily, "aggTrades", "", "2026-01-01"},
      {Market::kCoinM, Period::kDaily, "aggTrades", "", "2026-05-08"},
      {Market::kUsdM, Period::kDaily, "trades", "", "2022-09-05"},
      {Market::kUsdM, Period::kMonthly, "fundingRate", "", "2026-04"},
      {Market::kUsdM, Period::kDaily, "metrics", "", "2023-10-02"},
      {Market::kUsdM, Period::kDaily, "bookDepth", "", "2023-10-02"},
      {Market::kOption, Period::kDaily, "BVOLIndex", "", "2023-09-25"},
      {Market::kOption, Period::kDaily, "EOHSummary", "", "2023-10-23"},
  };
  const Choice& c = kChoices[selector % (sizeof(kChoices) / sizeof(kChoices[0]))];
  ArchiveFile f;
  f.market = c.market;
  f.period = c.period;
  f.data_type = c.type;
  f.symbol = "BTCUSDT";
  f.interval = c.interval;
  f.date = c.date;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  std::string_view csv(reinterpret_cast<const char*>(data + 1), size - 1);

  cryptolake::lake::CsvScanner scanner(csv);
  std::string_view line;
  std::string_view fields[16];
  size_t total = 0;
  while (scanner.NextLine(&line)) {
    size_t n = cryptolake::lake::SplitCsvFields(line, fields);
    if (n == 0) std::abort();
    total += n;
  }

  cryptolake::lake::ConvertOptions options;
  options.on_bad_rows = (selector & 0x80) ? cryptolake::lake::BadRowPolicy::kQuarantine
                                          : cryptolake::lake::BadRowPolicy::kFail;
  options.check_file_period = (selector & 0x40) == 0;
  auto result =
      cryptolake::lake::ConvertCsvToSilver(PickFile(selector & 0x3F), "fuzz.csv", csv, options);
  if (result.ok()) {
    if (!result->batch.Validate().ok()) std::abort();
    const auto rows = static_cast<int64_t>(result->batch.num_rows());
    if (rows != result->rows_out || result->rows_out + result->rows_rejected != result->rows_in) {
      std::abort();
    }
  }
  return 0;
}
