// Gap records: what the lake knows about data it does NOT hold from the archive.
//
// Beside the ledger (ledger.h, one entry per ingested archive file) the lake keeps two kinds of
// small JSON objects, one per archive file, each written with one atomic ObjectStore::Put:
//
//   _absent/<archive zip path>.json   the archive did not have the file when an ingest asked for
//                                     it: not in the listing, a 404, no .CHECKSUM, or a day not
//                                     yet published. Deleted when the file is later ingested.
//   _fills/<archive zip path>.json    what `cryptolake fill` fetched from Binance's REST API for
//                                     that file's period: the ranges it filled (rows now in the
//                                     silver object with source = "rest") and the ranges REST
//                                     confirmed empty (exchange downtime: nothing to fetch, so a
//                                     later fill does not ask again). Deleted when the archive
//                                     file is (re)ingested: archive rows win.
//
// Gap detection (gap_detector.h) reads both to classify what it finds; neither is ever needed to
// read the data itself. Parsing treats the text as untrusted and reports Corruption naming the
// object.
//
// Thread-safety: plain values and free functions.
#ifndef CRYPTOLAKE_LAKE_GAP_RECORDS_H_
#define CRYPTOLAKE_LAKE_GAP_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::lake {

inline constexpr std::string_view kAbsentPrefix = "_absent/";
inline constexpr std::string_view kFillsPrefix = "_fills/";

// Why the archive does not have a file.
enum class AbsenceCause {
  kNotInListing,     // listing the archive did not show it (an older day: a hole in the archive)
  kHttpNotFound,     // fetching its .CHECKSUM answered 404
  kNoChecksum,       // the zip is listed without its .CHECKSUM sidecar
  kNotYetPublished,  // its period has not ended long enough ago for the archive to have it
};

// "not_in_listing", "http_404", "no_checksum", "not_yet_published".
std::string_view AbsenceCauseName(AbsenceCause cause);
Result<AbsenceCause> ParseAbsenceCause(std::string_view name);

struct AbsenceRecord {
  std::string archive_path;
  AbsenceCause cause = AbsenceCause::kNotInListing;
  std::string checked_at;  // UTC "YYYY-MM-DDTHH:MM:SSZ"

  friend bool operator==(const AbsenceRecord&, const AbsenceRecord&) = default;
};

// One range of a fill: event times [start_us, end_us); for id-keyed types also the ids
// [first_id, last_id] asked for (both -1 when the range was asked by time).
struct FillRange {
  int64_t start_us = 0;
  int64_t end_us = 0;
  int64_t first_id = -1;
  int64_t last_id = -1;
  int64_t rows = 0;  // rows REST returned for it (0 for a confirmed-empty range)

  friend bool operator==(const FillRange&, const FillRange&) = default;
};

struct FillRecord {
  std::string archive_path;
  std::string silver_file;        // the lake key the rows went into
  std::vector<FillRange> filled;  // rows added from REST
  std::vector<FillRange> empty;   // REST had nothing there
  int64_t rows = 0;               // total rows added from REST
  int64_t requests = 0;           // REST requests the fills of this file made
  std::string endpoint;           // e.g. "/api/v3/klines" (never a host with credentials)
  std::string filled_at;          // UTC of the last fill
  std::string tool_version;

  friend bool operator==(const FillRecord&, const FillRecord&) = default;
};

std::string AbsenceKey(std::string_view archive_path);
std::string FillKey(std::string_view archive_path);

std::string SerializeAbsenceRecord(const AbsenceRecord& record);
Result<AbsenceRecord> ParseAbsenceRecord(std::string_view json, std::string_view where);
std::string SerializeFillRecord(const FillRecord& record);
Result<FillRecord> ParseFillRecord(std::string_view json, std::string_view where);

// The stored record, std::nullopt when there is none; Corruption when one exists but does not
// parse.
Result<std::optional<AbsenceRecord>> LookupAbsence(storage::ObjectStore& lake,
                                                   std::string_view archive_path);
Result<std::optional<FillRecord>> LookupFill(storage::ObjectStore& lake,
                                             std::string_view archive_path);

// The current UTC time as "YYYY-MM-DDTHH:MM:SSZ".
std::string UtcNowText();

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_GAP_RECORDS_H_
