// LakeInventory: what a lake holds, per dataset, from one scan of its keys (`cryptolake status`).
//
// A dataset is (market, data type, interval, symbol): "um/klines/1m/BTCUSDT". ScanLake() lists
// each tree once and builds, per dataset:
//   bronze   the days of the archive zips kept under bronze/ (objects and bytes: zips + sidecars)
//   silver   the days with a silver .parquet object; rows and quarantined rows from the ledger
//            entries (_ledger/), bytes from the listing (Parquet and .rejects.csv objects)
//   gold     per gold product (gold/<product>/market=/symbol=/[interval=/]date=|month=/...): days
//            and bytes from the listing, rows from the gold ledger entries' "outputs" (_gold/)
//   rest     periods with a fill record (_fills/) and the rows REST added
//   absent   periods the archive did not have (_absent/), with the cause
//   gaps     with InventoryOptions::check_gaps, lake::DetectGaps over the dataset's range: open
//            row-level gaps (missing bars, duplicates, id gaps, ...) mark their days as gaps
//   last run the newest run record (_runs/<run_id>.json) with a task naming the dataset, its
//            outcome and the dataset's task outcomes in it
// and a calendar: every day from the dataset's first to last day known anywhere (bronze,
// silver, gold, ledger, absence or fill records), each in one state:
//   complete     silver present, no quarantined rows, no open gap found
//   gap          silver present, but rows were quarantined or (checked) an open gap lies in it
//   rest_filled  silver present and REST rows were added to it (a fill record), no open gap
//   missing      no silver; `cause` says why: the absence cause (not_in_listing, http_404,
//                no_checksum, not_yet_published), "silver_deleted" (the ledger names a silver
//                object that is gone) or "not_ingested"
// Monthly files (fundingRate, month=YYYY-MM) cover every day of their month.
// The last runs' throughput comes from the run records' "totals" (docs/status.md).
//
// A record that does not parse does not stop the scan: it is listed in `problems` and left out.
//
// Thread-safety: ScanLake reads the store only (from InventoryOptions::jobs threads) and is
// reentrant; the results are plain values.
#ifndef CRYPTOLAKE_LAKE_LAKE_INVENTORY_H_
#define CRYPTOLAKE_LAKE_LAKE_INVENTORY_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::lake {

inline constexpr std::string_view kRunsPrefix = "_runs/";
inline constexpr std::string_view kGoldLedgerPrefix = "_gold/";

struct DatasetKey {
  std::string market;     // "spot", "um", "cm", "option"
  std::string data_type;  // archive name: "klines", "aggTrades", ...
  std::string interval;   // kline-class types only
  std::string symbol;

  // "um/klines/1m/BTCUSDT", "cm/aggTrades/BTCUSD_PERP" (no interval level when empty).
  std::string Name() const;
  friend auto operator<=>(const DatasetKey&, const DatasetKey&) = default;
};

// What one layer (or one gold product) holds of a dataset.
struct LayerCoverage {
  std::set<int64_t> days;  // days since the epoch covered by the layer's objects
  int64_t objects = 0;
  int64_t bytes = 0;
  int64_t rows = -1;  // -1: unknown (bronze; gold without ledger entries)

  bool empty() const { return days.empty(); }
  int64_t first_day() const { return days.empty() ? 0 : *days.begin(); }
  int64_t last_day() const { return days.empty() ? 0 : *days.rbegin(); }
};

struct GoldProductCoverage {
  std::string product;  // "klines", "trade_bars", "daily_summary", "funding", ...
  LayerCoverage coverage;
};

enum class DayState { kComplete, kGap, kRestFilled, kMissing };

// "complete", "gap", "rest_filled", "missing".
std::string_view DayStateName(DayState state);

struct CalendarDay {
  int64_t day = 0;  // days since the epoch
  DayState state = DayState::kMissing;
  // missing: the cause (see the header comment); gap: "quarantined", "open_gaps" or both
  // joined with '+'; otherwise empty.
  std::string detail;
};

// A dataset's share of one run record.
struct DatasetRun {
  std::string run_id;
  std::string started_at;
  std::string finished_at;
  std::string run_outcome;  // the run's own outcome
  // The dataset's tasks in the run: "failed" if one failed, else "cancelled" if one was,
  // else "succeeded" if one succeeded, else "skipped".
  std::string outcome;
  int64_t succeeded = 0, skipped = 0, failed = 0, cancelled = 0;
  int64_t rows = 0;
  std::string error;  // the first failed task's error, if any
};

struct DatasetInventory {
  DatasetKey key;
  bool monthly = false;  // its archive files are monthly (month= partitions)
  LayerCoverage bronze;
  LayerCoverage silver;
  int64_t rejected_rows = 0;              // quarantined rows, from the ledger
  std::vector<GoldProductCoverage> gold;  // by product name
  int64_t rest_periods = 0;               // fill records
  int64_t rest_rows = 0;                  // rows REST added
  int64_t rest_requests = 0;
  bool gaps_checked = false;
  int64_t open_gaps = 0;     // row-level open gaps (only when gaps_checked)
  int64_t missing_bars = 0;  // bars missing inside present days (only when gaps_checked)
  std::optional<DatasetRun> last_run;
  std::vector<CalendarDay> calendar;  // one per day, first to last, ascending

  int64_t CountDays(DayState state) const;
};

// One run record's summary, for throughput.
struct RunSummary {
  std::string run_id;
  std::string started_at;
  std::string finished_at;
  std::string outcome;
  int shard_index = 0;
  int shard_count = 1;
  double seconds = 0;
  int64_t tasks = 0, succeeded = 0, skipped = 0, failed = 0, cancelled = 0;
  int64_t rows = 0;
  int64_t bytes_written = 0;
  double rows_per_second = 0;
};

struct InventoryOptions {
  // Run lake::DetectGaps over every dataset's range (reads every silver object's time columns).
  bool check_gaps = false;
  // How many of the newest run records `LakeInventory::runs` keeps.
  int max_runs = 10;
  // Threads fetching the JSON records (ledger, gap, gold and run records) at once.
  int jobs = 8;
};

struct LakeInventory {
  std::string lake;        // ObjectStore::Describe()
  std::string scanned_at;  // UTC "YYYY-MM-DDTHH:MM:SSZ"
  bool gaps_checked = false;
  std::vector<DatasetInventory> datasets;  // by key
  std::vector<RunSummary> runs;            // newest first, at most max_runs
  int64_t run_records = 0;                 // every run record found
  std::vector<std::string> problems;       // records that could not be read, and why

  // One line per dataset, aligned columns, then the last runs.
  std::string FormatTable() const;
  // The JSON document described in docs/status.md.
  std::string FormatJson() const;
};

// Scans `lake` (see the header comment). Errors: what listing the store returns (a record that
// cannot be read or parsed is a problem, not an error).
Result<LakeInventory> ScanLake(storage::ObjectStore& lake, const InventoryOptions& options = {});

// "1.5 MiB", "532 B".
std::string FormatBytes(int64_t bytes);

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_LAKE_INVENTORY_H_
