// Gap detection: what a lake is missing for a market / data type / symbols / date range, found
// from the silver layer and the ledger's records only (bronze is never read).
//
// Day level (one finding per archive file of the range whose silver object is absent):
//   missing_day      the period has no silver object. Its cause comes from the ingest's absence
//                    record (gap_records.h): not_in_listing, http_404, no_checksum or
//                    not_yet_published; "not_ingested" when no ingest ever asked for it.
// Row level (reading the silver object's time and key columns):
//   missing_bars     kline-class types: expected open times (period start + k x interval) absent
//                    from the object. One finding per run of consecutive missing bars.
//   duplicate        the same open time / id twice.
//   out_of_order     an open time / id lower than the one before it.
//   id_gap           types whose unique key is an integer id (aggTrades, trades): a jump in the
//                    id sequence, [first_id, last_id] missing; checked across consecutive days of
//                    the range too (a day's first id against the previous day's last).
//   missing_rows     fundingRate: two funding times further apart than the file's own
//                    funding_interval_hours.
// Every range is half-open [start_us, end_us) in µs since the epoch, UTC. For an id gap the
// time range is bounded by the rows around it: [time of the row before, time of the row after
// + 1 µs) (the missing trades happened in between, possibly at either end's microsecond).
//
// A gap inside a range that `cryptolake fill` already asked REST for (the fill record lists every
// range asked) is still reported, with status "confirmed_empty": REST had no rows there
// (exchange downtime), so the data does not exist, it is not an open gap, and fill does not ask
// again. What REST did return is in silver, so it is no gap at all.
//
// Interval limits: row level for klines covers every interval up to 1d; 3d, 1w and 1mo bars are
// not aligned to the file's period and are checked at day level only.
//
// Metrics (metrics API, scope "cryptolake.gaps"): counter cryptolake.gaps.found {gap} with
// market, data_type, kind, status; counter cryptolake.gaps.missing_duration (s) with the same
// attributes (the summed length of the ranges).
//
// Thread-safety: DetectGaps is reentrant; it reads the store only.
#ifndef CRYPTOLAKE_LAKE_GAP_DETECTOR_H_
#define CRYPTOLAKE_LAKE_GAP_DETECTOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/archive/discovery.h"
#include "cryptolake/common/status.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::lake {

enum class GapKind { kMissingDay, kMissingBars, kDuplicate, kOutOfOrder, kIdGap, kMissingRows };

// "missing_day", "missing_bars", "duplicate", "out_of_order", "id_gap", "missing_rows".
std::string_view GapKindName(GapKind kind);

struct Gap {
  GapKind kind = GapKind::kMissingDay;
  std::string symbol;
  std::string archive_path;  // the archive file whose period holds the gap
  std::string silver_file;   // its silver object's key (present or not)
  int64_t start_us = 0;      // [start_us, end_us)
  int64_t end_us = 0;
  int64_t first_id = -1;  // id_gap: missing ids [first_id, last_id]; -1 otherwise
  int64_t last_id = -1;
  int64_t missing = 0;  // bars / ids / rows missing; 0 when unknown (a missing day of trades)
  // missing_day: the absence cause or "not_ingested"; other kinds: "".
  std::string cause;
  bool confirmed_empty = false;  // REST was asked and had no data here

  bool open() const { return !confirmed_empty; }
};

struct GapQuery {
  // REQUIRES: non-null, outlives the call.
  storage::ObjectStore* lake = nullptr;
  // market, period, data type, interval (kline-class), symbols (or all_symbols: every symbol
  // the lake's silver holds for the type and market) and the inclusive date range.
  archive::DiscoveryQuery query;
};

struct GapReport {
  std::vector<Gap> gaps;    // by symbol, then time
  int periods_checked = 0;  // archive files of the range (days or months) x symbols
  int periods_present = 0;  // of which have a silver object
  int64_t rows_checked = 0;
  std::vector<std::string> symbols;  // the symbols checked

  int open_gaps() const;
  // A readable table (one line per gap, then totals).
  std::string FormatTable() const;
  // {"market":..., "data_type":..., ..., "gaps":[{...}]}: ranges in µs and ISO-8601.
  std::string FormatJson(const GapQuery& query) const;
};

// Finds the gaps (see the header comment) and records them as metrics. Errors: InvalidArgument
// for a bad query; Corruption naming the object when a silver file or record does not parse;
// store errors as they come.
Result<GapReport> DetectGaps(const GapQuery& query);

// The length of one bar of a kline interval in µs ("1s" .. "1d"); 0 for 3d, 1w, 1mo and
// unknown names.
int64_t KlineIntervalMicros(std::string_view interval);

// "2024-01-02T03:04:05Z", or with ".123456" before the Z when not a whole second.
std::string FormatIsoMicros(int64_t micros);

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_GAP_DETECTOR_H_
