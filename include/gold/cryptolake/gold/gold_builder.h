// GoldBuilder: silver -> gold, one gold partition at a time.
//
// Gold holds derived tables, built only from silver, in the same Hive layout (docs/gold.md):
//   gold/klines/market=<m>/symbol=<S>/interval=<5m|15m|1h|4h|1d>/date=<D>/<S>-<i>-<D>.parquet
//       resampled from the day's 1m silver klines (epoch-aligned UTC buckets)
//   gold/trade_bars/market=<m>/symbol=<S>/interval=1m/date=<D>/<S>-trade_bars-1m-<D>.parquet
//       1m bars built from the day's aggTrades (or trades) silver
//   gold/daily_summary/market=<m>/symbol=<S>/date=<D>/<S>-daily_summary-<D>.parquet
//       one row per day from the day's 1m silver klines
//   gold/funding/market=<m>/symbol=<S>/month=<YYYY-MM>/<S>-funding-<YYYY-MM>.parquet
//       daily funding aggregates of the month from fundingRate silver (trailing windows also read
//       the earlier months' silver the 30-day windows reach)
// Every gold partition depends only on the silver objects named in its gold ledger entry
// (_gold/<partition dir>.json), which records each input's key and source SHA-256 (from the
// silver ledger). A partition is rebuilt only when that input set changed; the entry is written
// last (the commit point), so a run killed at any point leaves either the old complete partition
// or the new one, and the next run redoes what is missing. A build first puts a pending marker
// (_gold/<partition dir>.pending.json) naming every object it may write and deletes it after the
// entry, so every gold object a build ever put is named by the entry or a marker: checking a
// partition costs O(1) requests per output and never lists a directory.
// Buckets built from fewer input bars than they span carry complete = false and their bar_count:
// never silently treated as whole.
//
// Thread-safety: BuildGoldPartition() may run concurrently for different partitions, and from
// several processes on one lake (different shards own different partitions); two concurrent
// builds of the same partition write the same bytes under the same keys.
#ifndef CRYPTOLAKE_GOLD_GOLD_BUILDER_H_
#define CRYPTOLAKE_GOLD_GOLD_BUILDER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/parquet/file_writer.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::gold {

enum class GoldProduct {
  kKlines,        // 1m klines -> 5m, 15m, 1h, 4h, 1d
  kTradeBars,     // aggTrades / trades -> 1m bars
  kDailySummary,  // 1m klines -> one row per day
  kFunding,       // fundingRate -> daily funding aggregates (per month partition)
};

// "klines", "trade_bars", "daily_summary", "funding".
std::string_view GoldProductName(GoldProduct product);

// The months a kFunding partition for `month` ("YYYY-MM") reads: `month` first, then every
// earlier month its trailing 30-day windows reach, latest first (one month, or two for March of
// a non-leap year: 1 March - 29 days = 31 January). A planner building funding gold for `month`
// must finish ingesting (and filling) those months first. REQUIRES: a valid "YYYY-MM".
std::vector<std::string> FundingInputMonths(const std::string& month);

// The silver data type a product reads for a given source: kKlines/kDailySummary read "klines"
// (interval 1m); kTradeBars reads "aggTrades" or "trades"; kFunding reads "fundingRate".
// One gold partition: a product for one (market, symbol) and one day ("YYYY-MM-DD"), or one month
// ("YYYY-MM") for kFunding.
struct GoldPartition {
  GoldProduct product = GoldProduct::kKlines;
  std::string market;       // "spot", "um", "cm"
  std::string symbol;       // "BTCUSDT"
  std::string source_type;  // silver data type read: "klines", "aggTrades", "trades", "fundingRate"
  std::string period;       // "YYYY-MM-DD", or "YYYY-MM" for kFunding

  friend bool operator==(const GoldPartition&, const GoldPartition&) = default;
};

// The partition's gold ledger key: "_gold/" + its gold directory without "gold/" and without the
// trailing '/', + ".json", e.g. "_gold/klines/market=um/symbol=BTCUSDT/date=2024-03-01.json"
// (kKlines: above the interval= level, one entry for every interval of the day),
// "_gold/trade_bars/market=um/symbol=BTCUSDT/interval=1m/date=2024-03-01.json",
// "_gold/funding/market=um/symbol=BTCUSDT/month=2024-03.json".
// REQUIRES: market, symbol and period are safe path components.
std::string GoldLedgerKey(const GoldPartition& partition);

struct GoldOptions {
  // REQUIRES: non-null, outlives the call.
  storage::ObjectStore* lake = nullptr;
  parquet::WriterOptions parquet;  // key-value metadata is filled per object by the builder
  // kKlines target intervals; each must be a whole multiple of 1m that divides a day.
  std::vector<std::string> intervals = {"5m", "15m", "1h", "4h", "1d"};
  // Rebuild even when the ledger says the partition is up to date.
  bool force = false;
  // Optional; polled (from the building thread) after the partition is computed and before its
  // first write. When it returns true the build gives up with Status::Cancelled and writes
  // nothing, so the partition keeps its previous gold (the runner's task timeout, a stop).
  std::function<bool()> cancelled;
};

enum class GoldOutcome {
  kBuilt,     // written (first time, or an input changed)
  kUpToDate,  // the gold ledger entry matches the current inputs: nothing written
  kNoInput,   // the partition's silver input does not exist (nothing written; stale gold of a
              // partition whose input vanished is removed)
};

// "built", "up_to_date", "no_input".
std::string_view GoldOutcomeName(GoldOutcome outcome);

struct GoldPartitionReport {
  GoldPartition partition;
  GoldOutcome outcome = GoldOutcome::kNoInput;
  std::vector<std::string> gold_files;  // keys written (kBuilt) or held (kUpToDate)
  int64_t input_rows = 0;
  int64_t output_rows = 0;
  int64_t bytes_written = 0;
  int64_t incomplete_buckets = 0;  // output rows with complete = false
};

// Builds (or confirms up to date) one partition. Up to date means: no pending marker, the entry
// names the current inputs and exactly the outputs the options produce, and each output exists
// (a GET of the entry, a GET of the marker, an Exists per output). A build runs: Put the marker
// (the new outputs plus those an earlier marker named) -> Put every output -> delete the outputs
// the old entry or the marker name that the new set does not -> Put the entry (commit) -> delete
// the marker. Errors: InvalidArgument for a malformed partition; Corruption naming the object when
// a silver file, ledger entry or marker does not parse; store errors as they come. On error every
// gold object is complete: the previous version, or, when the failure came after its own Put, the
// new one (a bad input or encoder error comes before the first Put and changes nothing). The
// entry is either unchanged (it still names the previous inputs, and possibly an output the
// cleanup already deleted) or the new one (only the marker's Delete failed); the marker names
// every object the failed build may have left. Either way the partition is not up to date, and
// the next build deletes what the new entry will not name before committing, so a later run
// converges to exactly what a clean build leaves. kNoInput deletes the outputs of the entry and
// the marker, then the marker, then the entry.
Result<GoldPartitionReport> BuildGoldPartition(const GoldPartition& partition,
                                               const GoldOptions& options);

// Which gold partitions the lake's silver supports for `market`, `source_type` and the symbols
// (empty = every symbol silver holds), with period within [start, end] ("YYYY-MM-DD", inclusive;
// a month is included when any of its days is). For "klines" both kKlines and kDailySummary
// partitions are listed. Read from the silver ledger, plus the gold ledger: partitions in range
// that only hold gold (their silver vanished: built as no_input, which removes them) and, for
// funding, the later months with a gold entry whose trailing windows read a planned month.
struct GoldQuery {
  storage::ObjectStore* lake = nullptr;  // REQUIRES: non-null
  std::string market;
  std::string source_type;
  std::vector<std::string> symbols;
  std::string start;
  std::string end;
};
Result<std::vector<GoldPartition>> PlanGold(const GoldQuery& query);

struct GoldRunOptions {
  GoldOptions gold;
  GoldQuery query;
  int jobs = 1;  // REQUIRES: >= 1
  // Called (serialised) after each partition.
  std::function<void(const GoldPartitionReport&)> on_partition;
};

struct GoldSummary {
  std::vector<GoldPartitionReport> partitions;  // in plan order
  std::vector<std::pair<GoldPartition, Status>> failures;
  int built = 0, up_to_date = 0, no_input = 0;
  int64_t output_rows = 0;
  int64_t bytes_written = 0;
  double seconds = 0;

  bool ok() const { return failures.empty(); }
  std::string Format() const;
};

// PlanGold + BuildGoldPartition over `jobs` threads; a failed partition never stops the others.
// Records through the crypto instrument suite (workflow "gold", processing scopes).
Result<GoldSummary> RunGold(const GoldRunOptions& options);

}  // namespace cryptolake::gold

#endif  // CRYPTOLAKE_GOLD_GOLD_BUILDER_H_
