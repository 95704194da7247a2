#include "cryptolake/lake/ledger.h"

#include <nlohmann/json.hpp>

#include "json_fields.h"

namespace cryptolake::lake {
namespace {

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> LedgerEntry::AllFiles() const {
  std::vector<std::string> all = silver_files;
  all.insert(all.end(), reject_files.begin(), reject_files.end());
  return all;
}

std::string LedgerKey(std::string_view archive_path) {
  std::string key(kLedgerPrefix);
  key += archive_path;
  key += ".json";
  return key;
}

std::string SerializeLedgerEntry(const LedgerEntry& e) {
  // nlohmann::ordered_json keeps insertion order, so the text is stable across runs and versions
  // of the library: the idempotency check compares digests, but humans diff these files.
  nlohmann::ordered_json j;
  j["archive_path"] = e.archive_path;
  j["sha256"] = e.sha256;
  j["rows"] = e.rows;
  j["rejected_rows"] = e.rejected_rows;
  j["silver_files"] = e.silver_files;
  j["reject_files"] = e.reject_files;
  if (!e.superseded_files.empty()) j["superseded_files"] = e.superseded_files;
  j["ingested_at"] = e.ingested_at;
  j["tool_version"] = e.tool_version;
  return j.dump(2) + "\n";
}

Result<LedgerEntry> ParseLedgerEntry(std::string_view json, std::string_view where) {
  internal::JsonFields f(json, "ledger entry " + std::string(where));
  if (!f.is_object()) return f.Bad("not a JSON object");
  LedgerEntry e;
  if (!f.Str("archive_path", &e.archive_path) || e.archive_path.empty()) {
    return f.Bad("missing or empty \"archive_path\"");
  }
  if (!f.Str("sha256", &e.sha256) || !IsLowerHex64(e.sha256)) {
    return f.Bad("\"sha256\" is not 64 lowercase hex characters");
  }
  if (!f.Num("rows", &e.rows) || !f.Num("rejected_rows", &e.rejected_rows)) {
    return f.Bad("\"rows\"/\"rejected_rows\" missing or not integers");
  }
  if (!f.StrList("silver_files", &e.silver_files) || !f.StrList("reject_files", &e.reject_files)) {
    return f.Bad("\"silver_files\"/\"reject_files\" missing or not string arrays");
  }
  if (f.json().contains("superseded_files") &&
      !f.StrList("superseded_files", &e.superseded_files)) {
    return f.Bad("\"superseded_files\" is not a string array");
  }
  // Informational fields: tolerated when absent.
  f.Str("ingested_at", &e.ingested_at);
  f.Str("tool_version", &e.tool_version);
  return e;
}

Result<std::optional<LedgerEntry>> Ledger::Lookup(std::string_view archive_path) const {
  const std::string key = LedgerKey(archive_path);
  Result<std::string> text = lake_.Get(key);
  if (!text.ok()) {
    if (text.status().IsNotFound()) return std::optional<LedgerEntry>();
    return text.status();
  }
  CL_ASSIGN_OR_RETURN(LedgerEntry entry, ParseLedgerEntry(*text, key));
  if (entry.archive_path != archive_path) {
    return Status::Corruption("ledger entry " + key +
                              " names another archive file: " + entry.archive_path);
  }
  return std::optional<LedgerEntry>(std::move(entry));
}

Result<int64_t> Ledger::Record(const LedgerEntry& entry) {
  if (entry.archive_path.empty() || !IsLowerHex64(entry.sha256)) {
    return Status::InvalidArgument("ledger entry needs an archive path and a lowercase SHA-256: '" +
                                   entry.archive_path + "' '" + entry.sha256 + "'");
  }
  const std::string text = SerializeLedgerEntry(entry);
  CL_RETURN_IF_ERROR(lake_.Put(LedgerKey(entry.archive_path), text));
  return static_cast<int64_t>(text.size());
}

Result<std::vector<LedgerEntry>> Ledger::ListAll() const {
  CL_ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, lake_.List(kLedgerPrefix));
  std::vector<LedgerEntry> entries;
  entries.reserve(objects.size());
  for (const auto& o : objects) {
    if (!o.key.ends_with(".json")) continue;
    CL_ASSIGN_OR_RETURN(std::string text, lake_.Get(o.key));
    CL_ASSIGN_OR_RETURN(LedgerEntry e, ParseLedgerEntry(text, o.key));
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace cryptolake::lake
