#include "cryptolake/gold/gold_ledger.h"

#include <nlohmann/json.hpp>

namespace cryptolake::gold {

std::string SerializeGoldLedgerEntry(const GoldLedgerEntry& e) {
  // ordered_json: a stable text, so humans can diff entries between runs.
  nlohmann::ordered_json j;
  j["product"] = e.product;
  j["market"] = e.market;
  j["symbol"] = e.symbol;
  j["source_type"] = e.source_type;
  j["period"] = e.period;
  nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
  for (const GoldInput& in : e.inputs) {
    nlohmann::ordered_json o;
    o["key"] = in.key;
    o["sha256"] = in.sha256;
    o["rows"] = in.rows;
    inputs.push_back(std::move(o));
  }
  j["inputs"] = std::move(inputs);
  nlohmann::ordered_json outputs = nlohmann::ordered_json::array();
  for (const GoldOutput& out : e.outputs) {
    nlohmann::ordered_json o;
    o["key"] = out.key;
    o["rows"] = out.rows;
    o["bytes"] = out.bytes;
    outputs.push_back(std::move(o));
  }
  j["outputs"] = std::move(outputs);
  j["incomplete_buckets"] = e.incomplete_buckets;
  j["built_at"] = e.built_at;
  j["tool_version"] = e.tool_version;
  return j.dump(2) + "\n";
}

namespace {

// Reads j[name] as T into *out; false when absent or of another type.
bool GetString(const nlohmann::json& j, const char* name, std::string* out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

bool GetInt(const nlohmann::json& j, const char* name, int64_t* out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return false;
  *out = it->get<int64_t>();
  return true;
}

}  // namespace

Result<GoldLedgerEntry> ParseGoldLedgerEntry(std::string_view json, std::string_view where) {
  auto bad = [&](const std::string& why) {
    return Status::Corruption("gold ledger entry " + std::string(where) + ": " + why);
  };
  // No exceptions escape: parse errors come back as a discarded value.
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return bad("not a JSON object");
  GoldLedgerEntry e;
  if (!GetString(j, "product", &e.product) || !GetString(j, "market", &e.market) ||
      !GetString(j, "symbol", &e.symbol) || !GetString(j, "period", &e.period)) {
    return bad("\"product\", \"market\", \"symbol\" and \"period\" must be strings");
  }
  GetString(j, "source_type", &e.source_type);
  auto inputs = j.find("inputs");
  auto outputs = j.find("outputs");
  if (inputs == j.end() || !inputs->is_array() || outputs == j.end() || !outputs->is_array()) {
    return bad("\"inputs\"/\"outputs\" missing or not arrays");
  }
  for (const nlohmann::json& o : *inputs) {
    GoldInput in;
    if (!o.is_object() || !GetString(o, "key", &in.key) || !GetString(o, "sha256", &in.sha256) ||
        !GetInt(o, "rows", &in.rows)) {
      return bad("an input lacks \"key\", \"sha256\" or \"rows\"");
    }
    e.inputs.push_back(std::move(in));
  }
  for (const nlohmann::json& o : *outputs) {
    GoldOutput out;
    if (!o.is_object() || !GetString(o, "key", &out.key) || !GetInt(o, "rows", &out.rows) ||
        !GetInt(o, "bytes", &out.bytes)) {
      return bad("an output lacks \"key\", \"rows\" or \"bytes\"");
    }
    e.outputs.push_back(std::move(out));
  }
  if (!GetInt(j, "incomplete_buckets", &e.incomplete_buckets)) {
    return bad("\"incomplete_buckets\" missing or not an integer");
  }
  // Informational fields: tolerated when absent.
  GetString(j, "built_at", &e.built_at);
  GetString(j, "tool_version", &e.tool_version);
  return e;
}

}  // namespace cryptolake::gold
