// Ledger: which archive files the lake has ingested, at which SHA-256, into which silver files.
//
// One small JSON object per archive file, stored in the lake under
//   _ledger/<archive zip path>.json
// e.g. "_ledger/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip.json". Each entry is
// written with one atomic ObjectStore::Put, so concurrent workers ingesting different archive files
// never contend on a shared object, and a reader sees an old or a new entry, never a torn one.
// The ledger is the lake's commit record: an archive file counts as ingested only once its entry
// names the archive's current digest and lists the silver (and rejects) files holding its rows.
// See docs/lake-layout.md for how the pipeline uses it to stay idempotent and crash-consistent.
//
// Thread-safety: a Ledger holds only a reference to a thread-safe ObjectStore and may be used from
// several threads at once. Two concurrent Record() calls for the same archive path leave one of
// the two entries (the pipeline never does that: one worker owns one archive file).
#ifndef CRYPTOLAKE_LAKE_LEDGER_H_
#define CRYPTOLAKE_LAKE_LEDGER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::lake {

// Object-key prefix of the ledger inside the lake.
inline constexpr std::string_view kLedgerPrefix = "_ledger/";

struct LedgerEntry {
  std::string archive_path;               // "data/.../SYMBOL-1m-2020-01-01.zip"
  std::string sha256;                     // 64 lowercase hex of the zip, as verified.
  std::vector<std::string> silver_files;  // Lake keys of the Parquet files written from it.
  std::vector<std::string> reject_files;  // Lake keys of quarantined-row files (may be empty).
  int64_t rows = 0;                       // Rows written to silver.
  int64_t rejected_rows = 0;              // Rows quarantined.
  // Files of the previous version of this archive file (republished with a new digest) that this
  // entry replaced. They are deleted right after the entry is recorded; a run that finds one of
  // them still present (a crash came between the two steps) deletes it then.
  std::vector<std::string> superseded_files;
  std::string ingested_at;   // UTC, "YYYY-MM-DDTHH:MM:SSZ".
  std::string tool_version;  // cryptolake version that wrote the entry.

  // Every lake key the entry references (silver then rejects).
  std::vector<std::string> AllFiles() const;

  friend bool operator==(const LedgerEntry&, const LedgerEntry&) = default;
};

// "_ledger/" + archive_path + ".json".
std::string LedgerKey(std::string_view archive_path);

// The JSON text stored for `entry` (one object, keys in a fixed order, trailing newline).
std::string SerializeLedgerEntry(const LedgerEntry& entry);

// Parses what SerializeLedgerEntry() wrote. Corruption naming `where` (a key, for messages) when
// the text is not such an object or a field has the wrong type / a bad digest.
Result<LedgerEntry> ParseLedgerEntry(std::string_view json, std::string_view where);

class Ledger {
 public:
  // REQUIRES: `lake` outlives the Ledger.
  explicit Ledger(storage::ObjectStore& lake) : lake_(lake) {}

  // The entry for `archive_path`, or std::nullopt when the file was never ingested. A stored entry
  // that does not parse is Corruption (never treated as absent, so nothing is silently redone over
  // a damaged ledger).
  Result<std::optional<LedgerEntry>> Lookup(std::string_view archive_path) const;

  // Publishes `entry` atomically under LedgerKey(entry.archive_path), replacing any older one.
  // REQUIRES: entry.archive_path is non-empty and entry.sha256 is 64 hex characters.
  // Returns the bytes written.
  Result<int64_t> Record(const LedgerEntry& entry);

  // Every entry, in key order.
  Result<std::vector<LedgerEntry>> ListAll() const;

 private:
  storage::ObjectStore& lake_;
};

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_LEDGER_H_
