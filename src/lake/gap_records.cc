#include "cryptolake/lake/gap_records.h"

#include <time.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "json_fields.h"

namespace cryptolake::lake {
namespace {

using internal::JsonFields;

constexpr std::string_view kCauseNames[] = {"not_in_listing", "http_404", "no_checksum",
                                            "not_yet_published"};

std::string KeyFor(std::string_view prefix, std::string_view archive_path) {
  std::string key(prefix);
  key += archive_path;
  key += ".json";
  return key;
}

nlohmann::ordered_json RangesJson(const std::vector<FillRange>& ranges) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const FillRange& r : ranges) {
    nlohmann::ordered_json j;
    j["start_us"] = r.start_us;
    j["end_us"] = r.end_us;
    if (r.first_id >= 0) {
      j["first_id"] = r.first_id;
      j["last_id"] = r.last_id;
    }
    j["rows"] = r.rows;
    out.push_back(std::move(j));
  }
  return out;
}

Status ParseRanges(const JsonFields& f, const char* name, std::vector<FillRange>* out) {
  auto it = f.json().find(name);
  if (it == f.json().end() || !it->is_array()) {
    return f.Bad(std::string("\"") + name + "\" missing or not an array");
  }
  for (const auto& v : *it) {
    FillRange r;
    if (!v.is_object() || !JsonFields::NumIn(v, "start_us", &r.start_us) ||
        !JsonFields::NumIn(v, "end_us", &r.end_us) || !JsonFields::NumIn(v, "rows", &r.rows) ||
        r.end_us < r.start_us || r.rows < 0) {
      return f.Bad(std::string("an element of \"") + name +
                   "\" is not {start_us, end_us, rows} with start_us <= end_us");
    }
    if (v.contains("first_id") && (!JsonFields::NumIn(v, "first_id", &r.first_id) ||
                                   !JsonFields::NumIn(v, "last_id", &r.last_id) || r.first_id < 0 ||
                                   r.last_id < r.first_id)) {
      return f.Bad(std::string("an element of \"") + name + "\" has bad first_id/last_id");
    }
    out->push_back(r);
  }
  return Status::OK();
}

template <typename T, typename Parse>
Result<std::optional<T>> LookupRecord(storage::ObjectStore& lake, const std::string& key,
                                      Parse parse) {
  Result<std::string> text = lake.Get(key);
  if (!text.ok()) {
    if (text.status().IsNotFound()) return std::optional<T>();
    return text.status();
  }
  CL_ASSIGN_OR_RETURN(T record, parse(*text, key));
  return std::optional<T>(std::move(record));
}

}  // namespace

std::string_view AbsenceCauseName(AbsenceCause cause) {
  return kCauseNames[static_cast<int>(cause)];
}

Result<AbsenceCause> ParseAbsenceCause(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (kCauseNames[i] == name) return static_cast<AbsenceCause>(i);
  }
  return Status::InvalidArgument("unknown absence cause \"" + std::string(name) + "\"");
}

std::string AbsenceKey(std::string_view archive_path) {
  return KeyFor(kAbsentPrefix, archive_path);
}
std::string FillKey(std::string_view archive_path) { return KeyFor(kFillsPrefix, archive_path); }

std::string SerializeAbsenceRecord(const AbsenceRecord& r) {
  nlohmann::ordered_json j;
  j["archive_path"] = r.archive_path;
  j["cause"] = std::string(AbsenceCauseName(r.cause));
  j["checked_at"] = r.checked_at;
  return j.dump(2) + "\n";
}

Result<AbsenceRecord> ParseAbsenceRecord(std::string_view json, std::string_view where) {
  JsonFields f(json, "absence record " + std::string(where));
  if (!f.is_object()) return f.Bad("not a JSON object");
  AbsenceRecord r;
  std::string cause;
  if (!f.Str("archive_path", &r.archive_path) || r.archive_path.empty()) {
    return f.Bad("missing or empty \"archive_path\"");
  }
  if (!f.Str("cause", &cause)) return f.Bad("missing \"cause\"");
  Result<AbsenceCause> c = ParseAbsenceCause(cause);
  if (!c.ok()) return f.Bad(c.status().message());
  r.cause = *c;
  f.Str("checked_at", &r.checked_at);
  return r;
}

std::string SerializeFillRecord(const FillRecord& r) {
  nlohmann::ordered_json j;
  j["archive_path"] = r.archive_path;
  j["silver_file"] = r.silver_file;
  j["rows"] = r.rows;
  j["requests"] = r.requests;
  j["endpoint"] = r.endpoint;
  j["filled"] = RangesJson(r.filled);
  j["empty"] = RangesJson(r.empty);
  j["filled_at"] = r.filled_at;
  j["tool_version"] = r.tool_version;
  return j.dump(2) + "\n";
}

Result<FillRecord> ParseFillRecord(std::string_view json, std::string_view where) {
  JsonFields f(json, "fill record " + std::string(where));
  if (!f.is_object()) return f.Bad("not a JSON object");
  FillRecord r;
  if (!f.Str("archive_path", &r.archive_path) || r.archive_path.empty()) {
    return f.Bad("missing or empty \"archive_path\"");
  }
  if (!f.Str("silver_file", &r.silver_file)) return f.Bad("missing \"silver_file\"");
  if (!f.Num("rows", &r.rows) || !f.Num("requests", &r.requests)) {
    return f.Bad("\"rows\"/\"requests\" missing or not integers");
  }
  CL_RETURN_IF_ERROR(ParseRanges(f, "filled", &r.filled));
  CL_RETURN_IF_ERROR(ParseRanges(f, "empty", &r.empty));
  f.Str("endpoint", &r.endpoint);
  f.Str("filled_at", &r.filled_at);
  f.Str("tool_version", &r.tool_version);
  return r;
}

Result<std::optional<AbsenceRecord>> LookupAbsence(storage::ObjectStore& lake,
                                                   std::string_view archive_path) {
  return LookupRecord<AbsenceRecord>(lake, AbsenceKey(archive_path), ParseAbsenceRecord);
}

Result<std::optional<FillRecord>> LookupFill(storage::ObjectStore& lake,
                                             std::string_view archive_path) {
  return LookupRecord<FillRecord>(lake, FillKey(archive_path), ParseFillRecord);
}

std::string UtcNowText() {
  const time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  struct tm tm {};
  gmtime_r(&now, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace cryptolake::lake
