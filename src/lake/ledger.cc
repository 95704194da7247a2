#include "cryptolake/lake/ledger.h"

#include <nlohmann/json.hpp>

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
  auto bad = [&](std::string_view why) {
    return Status::Corruption(std::string("ledger entry ") + std::string(where) + ": " +
                              std::string(why));
  };
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  auto str = [&](const char* name, std::string* out) -> bool {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  };
  auto num = [&](const char* name, int64_t* out) -> bool {
    auto it = j.find(name);
    if (it == j.end() || !it->is_number_integer()) return false;
    *out = it->get<int64_t>();
    return true;
  };
  auto list = [&](const char* name, std::vector<std::string>* out) -> bool {
    auto it = j.find(name);
    if (it == j.end() || !it->is_array()) return false;
    for (const auto& v : *it) {
      if (!v.is_string()) return false;
      out->push_back(v.get<std::string>());
    }
    return true;
  };
  LedgerEntry e;
  if (!str("archive_path", &e.archive_path) || e.archive_path.empty()) {
    return bad("missing or empty \"archive_path\"");
  }
  if (!str("sha256", &e.sha256) || !IsLowerHex64(e.sha256)) {
    return bad("\"sha256\" is not 64 lowercase hex characters");
  }
  if (!num("rows", &e.rows) || !num("rejected_rows", &e.rejected_rows)) {
    return bad("\"rows\"/\"rejected_rows\" missing or not integers");
  }
  if (!list("silver_files", &e.silver_files) || !list("reject_files", &e.reject_files)) {
    return bad("\"silver_files\"/\"reject_files\" missing or not string arrays");
  }
  if (j.contains("superseded_files") && !list("superseded_files", &e.superseded_files)) {
    return bad("\"superseded_files\" is not a string array");
  }
  // Informational fields: tolerated when absent.
  str("ingested_at", &e.ingested_at);
  str("tool_version", &e.tool_version);
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
