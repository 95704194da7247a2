// GoldLedgerEntry: the commit record of one gold partition.
//
// One small JSON object per gold partition, stored in the lake under
//   _gold/<gold partition dir without "gold/" and without the trailing '/'>.json
// e.g. "_gold/klines/market=um/symbol=BTCUSDT/date=2024-03-01.json" (a kKlines partition covers
// every interval of the day, so its entry sits above the interval= level). The entry names the
// silver objects the partition was built from (key, the source archive's SHA-256 from the silver
// ledger, rows, the fill fingerprint) and the gold objects it holds. It is written with one atomic
// Put after every gold object of the partition (the commit point): a partition is up to date when
// its entry lists the same inputs as the silver ledger does now, every output it lists exists and
// no pending marker (the same format, under "<entry key without .json>.pending.json", naming what
// an uncommitted build may have put) is present.
//
// Thread-safety: plain values and stateless functions.
#ifndef CRYPTOLAKE_GOLD_GOLD_LEDGER_H_
#define CRYPTOLAKE_GOLD_GOLD_LEDGER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"

namespace cryptolake::gold {

// Object-key prefix of the gold ledger inside the lake.
inline constexpr std::string_view kGoldLedgerPrefix = "_gold/";

struct GoldInput {
  std::string key;     // silver object key
  std::string sha256;  // SHA-256 of the archive file it came from (silver ledger), 64 hex
  // Rows of the archive file (silver ledger), counted once: on the first of the file's silver
  // objects, 0 on the others (an older layout's part files).
  int64_t rows = 0;
  // What `cryptolake fill` last did to the archive file's silver object ("<rows>@<filled_at>" of
  // its _fills record, lake/gap_records.h), "" when there is no fill record. A fill rewrites the
  // silver object in place and leaves the silver ledger entry (digest, rows) unchanged, so this
  // is how a fill (or its removal by a re-ingest) makes the partition stale.
  std::string fill;

  friend bool operator==(const GoldInput&, const GoldInput&) = default;
};

struct GoldOutput {
  std::string key;  // gold object key
  int64_t rows = 0;
  int64_t bytes = 0;

  friend bool operator==(const GoldOutput&, const GoldOutput&) = default;
};

struct GoldLedgerEntry {
  std::string product;              // GoldProductName(): "klines", "trade_bars", ...
  std::string market;               // "spot" | "um" | "cm"
  std::string symbol;               // "BTCUSDT"
  std::string source_type;          // silver data type read: "klines", "aggTrades", ...
  std::string period;               // "YYYY-MM-DD", or "YYYY-MM" for funding
  std::vector<GoldInput> inputs;    // in key order
  std::vector<GoldOutput> outputs;  // in key order
  int64_t incomplete_buckets = 0;   // output rows with complete = false (all outputs)
  std::string built_at;             // UTC "YYYY-MM-DDTHH:MM:SSZ"
  std::string tool_version;

  friend bool operator==(const GoldLedgerEntry&, const GoldLedgerEntry&) = default;
};

// The JSON text stored for `entry` (keys in a fixed order, trailing newline).
std::string SerializeGoldLedgerEntry(const GoldLedgerEntry& entry);

// Parses what SerializeGoldLedgerEntry() wrote (extra keys are ignored). Corruption naming
// `where` when the text is not such an object or a field has the wrong type.
Result<GoldLedgerEntry> ParseGoldLedgerEntry(std::string_view json, std::string_view where);

}  // namespace cryptolake::gold

#endif  // CRYPTOLAKE_GOLD_GOLD_LEDGER_H_
