#include "cryptolake/lake/demo_archive.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <span>
#include <system_error>

#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/zip_reader.h"

namespace cryptolake::lake {
namespace {

using archive::ArchiveFile;
using archive::Market;
using archive::Period;
namespace chr = std::chrono;

constexpr int64_t kMsPerDay = 86'400'000;

Result<chr::sys_days> ParseDay(const std::string& s) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    return Status::InvalidArgument("demo first_day must be YYYY-MM-DD, got '" + s + "'");
  }
  chr::year_month_day ymd{chr::year{y}, chr::month{m}, chr::day{d}};
  if (!ymd.ok()) return Status::InvalidArgument("demo first_day is not a calendar date: " + s);
  return chr::sys_days(ymd);
}

std::string DayString(chr::sys_days day) {
  chr::year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

int64_t DayStartMs(chr::sys_days day) {
  return chr::duration_cast<chr::milliseconds>(day.time_since_epoch()).count();
}

// Appends printf-formatted text to `out`.
template <typename... Args>
void Appendf(std::string& out, const char* fmt, Args... args) {
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, fmt, args...);
  out.append(buf, static_cast<size_t>(std::min<int>(n, sizeof buf - 1)));
}

// A seeded geometric random walk: each Step() moves the price by a small normal return, rounded
// to the instrument's tick so the printed decimals are exactly what the walk holds.
class PriceWalk {
 public:
  PriceWalk(uint64_t seed, double start, double tick, double sigma)
      : rng_(seed), price_(start), tick_(tick), ret_(0.0, sigma) {}
  double Step() {
    double next = price_ * std::exp(ret_(rng_));
    next = std::max(tick_, std::round(next / tick_) * tick_);
    price_ = next;
    return price_;
  }
  double price() const { return price_; }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  double price_;
  double tick_;
  std::normal_distribution<double> ret_;
};

struct Candle {
  double open, high, low, close, volume, quote_volume, taker_base, taker_quote;
  int64_t trades;
};

// One minute of the walk: several ticks, OHLC from them, volumes consistent with the prices.
Candle NextCandle(PriceWalk& walk, double mean_volume) {
  Candle c{};
  c.open = walk.price();
  c.high = c.open;
  c.low = c.open;
  std::uniform_int_distribution<int> ticks(3, 12);
  int n = ticks(walk.rng());
  for (int i = 0; i < n; ++i) {
    double p = walk.Step();
    c.high = std::max(c.high, p);
    c.low = std::min(c.low, p);
  }
  c.close = walk.price();
  std::exponential_distribution<double> vol(1.0 / mean_volume);
  std::uniform_real_distribution<double> share(0.2, 0.8);
  c.volume = vol(walk.rng());
  c.quote_volume = c.volume * (c.high + c.low) / 2;
  double s = share(walk.rng());
  c.taker_base = c.volume * s;
  c.taker_quote = c.quote_volume * s;
  std::uniform_int_distribution<int64_t> trades(20, 900);
  c.trades = trades(walk.rng());
  return c;
}

// Spot klines since 2025: no header, microsecond times, 8-decimal numbers, trailing "0" column.
std::string SpotKlinesCsv(PriceWalk& walk, chr::sys_days day) {
  std::string csv;
  const int64_t t0 = DayStartMs(day) * 1000;
  for (int i = 0; i < 1440; ++i) {
    Candle c = NextCandle(walk, 12.0);
    int64_t open_us = t0 + int64_t{i} * 60'000'000;
    Appendf(csv, "%lld,%.8f,%.8f,%.8f,%.8f,%.8f,%lld,%.8f,%lld,%.8f,%.8f,0\n",
            static_cast<long long>(open_us), c.open, c.high, c.low, c.close, c.volume,
            static_cast<long long>(open_us + 59'999'999), c.quote_volume,
            static_cast<long long>(c.trades), c.taker_base, c.taker_quote);
  }
  return csv;
}

// USD-M klines: header row, millisecond times, 2-decimal prices, 3-decimal volumes.
std::string UsdmKlinesCsv(PriceWalk& walk, chr::sys_days day) {
  std::string csv =
      "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
      "taker_buy_quote_volume,ignore\n";
  const int64_t t0 = DayStartMs(day);
  for (int i = 0; i < 1440; ++i) {
    Candle c = NextCandle(walk, 300.0);
    int64_t open_ms = t0 + int64_t{i} * 60'000;
    Appendf(csv, "%lld,%.2f,%.2f,%.2f,%.2f,%.3f,%lld,%.5f,%lld,%.3f,%.5f,0\n",
            static_cast<long long>(open_ms), c.open, c.high, c.low, c.close, c.volume,
            static_cast<long long>(open_ms + 59'999), c.quote_volume,
            static_cast<long long>(c.trades), c.taker_base, c.taker_quote);
  }
  return csv;
}

// COIN-M aggTrades: header, ms, quantity in contracts, lowercase booleans.
std::string CoinmAggTradesCsv(PriceWalk& walk, chr::sys_days day, int rows, int64_t* next_agg_id,
                              int64_t* next_trade_id) {
  std::string csv =
      "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n";
  const int64_t t0 = DayStartMs(day);
  std::uniform_int_distribution<int> fills(1, 6);
  std::uniform_int_distribution<int> contracts(1, 400);
  std::bernoulli_distribution buyer_maker(0.5);
  for (int i = 0; i < rows; ++i) {
    double price = walk.Step();
    int n = fills(walk.rng());
    int64_t first = *next_trade_id;
    *next_trade_id += n;
    // Spread the day's trades evenly: time is non-decreasing and stays inside the day.
    int64_t t = t0 + (kMsPerDay - 1) * int64_t{i} / std::max(1, rows);
    Appendf(csv, "%lld,%.1f,%d.0,%lld,%lld,%lld,%s\n", static_cast<long long>((*next_agg_id)++),
            price, contracts(walk.rng()), static_cast<long long>(first),
            static_cast<long long>(first + n - 1), static_cast<long long>(t),
            buyer_maker(walk.rng()) ? "true" : "false");
  }
  return csv;
}

// USD-M fundingRate for a whole month: every 8 hours, rates around +0.01%.
std::string FundingRateCsv(std::mt19937_64& rng, chr::year_month month) {
  std::string csv = "calc_time,funding_interval_hours,last_funding_rate\n";
  std::normal_distribution<double> rate(0.0001, 0.00005);
  chr::sys_days first = chr::sys_days(month / chr::day{1});
  chr::sys_days end = chr::sys_days((month + chr::months{1}) / chr::day{1});
  for (chr::sys_days d = first; d < end; d += chr::days{1}) {
    for (int h = 0; h < 24; h += 8) {
      Appendf(csv, "%lld,8,%.8f\n", static_cast<long long>(DayStartMs(d) + h * 3'600'000LL),
              rate(rng));
    }
  }
  return csv;
}

Status WriteFileBytes(const std::filesystem::path& path, std::string_view bytes) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec)
    return Status::IOError("cannot create " + path.parent_path().string() + ": " + ec.message());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::IOError("cannot write " + path.string());
  return Status::OK();
}

// Zips `csv` as the archive does (member "<zip basename>.csv") and writes zip + .CHECKSUM.
Status WriteArchiveFile(const std::filesystem::path& dir, const ArchiveFile& file,
                        std::string_view csv) {
  std::string zip_name = file.ZipName();
  std::string member = zip_name.substr(0, zip_name.size() - 4) + ".csv";
  std::string zip = archive::WriteSingleMemberZip(member, csv, 6);
  CL_RETURN_IF_ERROR(WriteFileBytes(dir / file.ZipPath(), zip));
  return WriteFileBytes(dir / file.ChecksumPath(),
                        archive::Sha256Hex(zip) + "  " + zip_name + "\n");
}

int64_t CountLines(std::string_view csv) { return std::count(csv.begin(), csv.end(), '\n'); }

}  // namespace

Result<DemoArchive> GenerateDemoArchive(const std::filesystem::path& dir,
                                        const DemoArchiveOptions& options) {
  if (options.days < 1 || options.days > 366) {
    return Status::InvalidArgument("demo days must be in 1..366, got " +
                                   std::to_string(options.days));
  }
  if (options.agg_trades_per_day < 1) {
    return Status::InvalidArgument("demo agg_trades_per_day must be positive");
  }
  CL_ASSIGN_OR_RETURN(chr::sys_days first, ParseDay(options.first_day));
  const chr::sys_days last = first + chr::days{options.days - 1};

  DemoArchive demo;
  auto add = [&](const ArchiveFile& f, const std::string& csv, bool header) -> Status {
    CL_RETURN_IF_ERROR(WriteArchiveFile(dir, f, csv));
    demo.files.push_back(f);
    demo.csv_rows += CountLines(csv) - (header ? 1 : 0);
    return Status::OK();
  };

  struct Instrument {
    const char* symbol;
    double start, tick, sigma;
  };
  const Instrument spot[] = {{"BTCUSDT", 94250.0, 0.01, 0.00025},
                             {"ETHUSDT", 1805.0, 0.01, 0.0003}};
  const Instrument um[] = {{"BTCUSDT", 94231.5, 0.1, 0.00025}};
  const Instrument cm = {"BTCUSD_PERP", 94210.0, 0.1, 0.00008};

  uint64_t seed = options.seed;
  // One daily 1m-klines dataset: a price walk per instrument, one file per day.
  auto add_daily_klines = [&](Market market, std::span<const Instrument> instruments,
                              std::string (*make_csv)(PriceWalk&, chr::sys_days),
                              bool header) -> Status {
    DemoDataset set{market, Period::kDaily, "klines",         "1m",
                    {},     false,          DayString(first), DayString(last)};
    for (const Instrument& ins : instruments) {
      PriceWalk walk(seed++, ins.start, ins.tick, ins.sigma);
      for (chr::sys_days d = first; d <= last; d += chr::days{1}) {
        ArchiveFile f{market, Period::kDaily, "klines", ins.symbol, "1m", DayString(d)};
        CL_RETURN_IF_ERROR(add(f, make_csv(walk, d), header));
      }
      set.symbols.push_back(ins.symbol);
    }
    demo.datasets.push_back(set);
    return Status::OK();
  };
  CL_RETURN_IF_ERROR(add_daily_klines(Market::kSpot, spot, SpotKlinesCsv, /*header=*/false));
  CL_RETURN_IF_ERROR(add_daily_klines(Market::kUsdM, um, UsdmKlinesCsv, /*header=*/true));

  {
    PriceWalk walk(seed++, cm.start, cm.tick, cm.sigma);
    int64_t agg_id = 480'000'000, trade_id = 1'123'000'000;
    for (chr::sys_days d = first; d <= last; d += chr::days{1}) {
      ArchiveFile f{Market::kCoinM, Period::kDaily, "aggTrades", cm.symbol, "", DayString(d)};
      CL_RETURN_IF_ERROR(
          add(f, CoinmAggTradesCsv(walk, d, options.agg_trades_per_day, &agg_id, &trade_id), true));
    }
    demo.datasets.push_back(DemoDataset{Market::kCoinM,
                                        Period::kDaily,
                                        "aggTrades",
                                        "",
                                        {cm.symbol},
                                        false,
                                        DayString(first),
                                        DayString(last)});
  }

  {
    std::mt19937_64 rng(seed++);
    chr::year_month_day ymd(first);
    chr::year_month month(ymd.year(), ymd.month());
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02u", static_cast<int>(month.year()),
                  static_cast<unsigned>(month.month()));
    ArchiveFile f{Market::kUsdM, Period::kMonthly, "fundingRate", "BTCUSDT", "", date};
    CL_RETURN_IF_ERROR(add(f, FundingRateCsv(rng, month), true));
    chr::sys_days month_start = chr::sys_days(month / chr::day{1});
    demo.datasets.push_back(DemoDataset{Market::kUsdM,
                                        Period::kMonthly,
                                        "fundingRate",
                                        "",
                                        {"BTCUSDT"},
                                        false,
                                        DayString(month_start),
                                        DayString(month_start)});
  }
  return demo;
}

}  // namespace cryptolake::lake
