#include "cryptolake/runner/run_summary.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace cryptolake::runner {

using ordered_json = nlohmann::ordered_json;

std::string RunSummary::Outcome() const {
  if (interrupted) return "interrupted";
  const int failed = Count(TaskOutcome::kFailed);
  if (failed == 0) return "succeeded";
  // "partial" only when something did its work (or had none to do): tasks skipped because a
  // dependency failed did neither, so a run whose every ingest failed is "failed".
  for (const TaskRecord& t : tasks) {
    const TaskOutcome o = t.report.outcome;
    if (o == TaskOutcome::kSucceeded ||
        (o == TaskOutcome::kSkipped && t.report.detail != "dependency_failed")) {
      return "partial";
    }
  }
  return "failed";
}

int RunSummary::Count(TaskOutcome outcome) const {
  int n = 0;
  for (const TaskRecord& t : tasks) n += t.report.outcome == outcome ? 1 : 0;
  return n;
}

int64_t RunSummary::Rows() const {
  int64_t n = 0;
  for (const TaskRecord& t : tasks) {
    if (t.report.outcome == TaskOutcome::kSucceeded) n += t.report.rows;
  }
  return n;
}

int64_t RunSummary::BytesWritten() const {
  int64_t n = 0;
  for (const TaskRecord& t : tasks) {
    if (t.report.outcome == TaskOutcome::kSucceeded) n += t.report.bytes_written;
  }
  return n;
}

std::string RunSummary::ToJson() const {
  ordered_json j;
  j["run_id"] = run_id;
  j["tool_version"] = tool_version;
  j["config"] = config;
  j["lake"] = lake;
  j["shard"] = {{"index", shard.index}, {"count", shard.count}};
  j["started_at"] = started_at;
  j["finished_at"] = finished_at;
  j["seconds"] = seconds;
  j["outcome"] = Outcome();
  const int64_t rows = Rows();
  j["totals"] = {{"tasks", tasks.size()},
                 {"succeeded", Count(TaskOutcome::kSucceeded)},
                 {"skipped", Count(TaskOutcome::kSkipped)},
                 {"failed", Count(TaskOutcome::kFailed)},
                 {"cancelled", Count(TaskOutcome::kCancelled)},
                 {"rows", rows},
                 {"bytes_written", BytesWritten()},
                 {"rows_per_second", seconds > 0 ? static_cast<double>(rows) / seconds : 0.0}};
  ordered_json steps = ordered_json::object();
  for (const char* step : {"ingest", "gaps", "fill", "gold"}) {
    ordered_json s = {
        {"succeeded", 0}, {"skipped", 0}, {"failed", 0}, {"cancelled", 0}, {"rows", 0}};
    for (const TaskRecord& t : tasks) {
      if (t.step != step) continue;
      std::string name(TaskOutcomeName(t.report.outcome));
      s[name] = s[name].get<int>() + 1;
      if (t.report.outcome == TaskOutcome::kSucceeded) {
        s["rows"] = s["rows"].get<int64_t>() + t.report.rows;
      }
    }
    steps[step] = s;
  }
  j["steps"] = steps;
  ordered_json list = ordered_json::array();
  for (const TaskRecord& t : tasks) {
    list.push_back({{"id", t.id},
                    {"step", t.step},
                    {"market", t.market},
                    {"data_type", t.data_type},
                    {"interval", t.interval},
                    {"symbol", t.symbol},
                    {"period", t.period},
                    {"outcome", TaskOutcomeName(t.report.outcome)},
                    {"detail", t.report.detail},
                    {"attempts", t.report.attempts},
                    {"seconds", t.report.seconds},
                    {"rows", t.report.rows},
                    {"error", t.report.error.ok() ? "" : t.report.error.ToString()}});
  }
  j["tasks"] = std::move(list);
  // Error texts may quote archive or REST bytes that are not UTF-8 (a bad CSV cell): replace
  // such bytes with U+FFFD rather than throw, so every run gets its summary.
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

std::string RunSummary::Format() const {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof(line),
                "run %s: %s, %zu tasks: %d succeeded, %d skipped, %d failed, %d cancelled; "
                "%lld rows, %lld bytes written in %.1fs\n",
                run_id.c_str(), Outcome().c_str(), tasks.size(), Count(TaskOutcome::kSucceeded),
                Count(TaskOutcome::kSkipped), Count(TaskOutcome::kFailed),
                Count(TaskOutcome::kCancelled), static_cast<long long>(Rows()),
                static_cast<long long>(BytesWritten()), seconds);
  out << line;
  for (const TaskRecord& t : tasks) {
    if (t.report.outcome != TaskOutcome::kFailed) continue;
    out << "  FAILED " << t.id << " (" << t.report.attempts
        << " attempts): " << t.report.error.ToString() << "\n";
  }
  return out.str();
}

std::string MakeRunId(std::string_view compact_utc_start, const ShardSpec& shard) {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  char hex[16];
  std::snprintf(hex, sizeof(hex), "%08x", static_cast<unsigned>(rng() & 0xffffffffu));
  std::string id = std::string(compact_utc_start) + "-" + hex;
  if (shard.sharded()) {
    id += "-shard" + std::to_string(shard.index) + "of" + std::to_string(shard.count);
  }
  return id;
}

std::string RunRecordKey(const std::string& run_id) { return "_runs/" + run_id + ".json"; }

Status WriteRunSummary(const RunSummary& summary, storage::ObjectStore* lake,
                       const std::string& local_path) {
  const std::string json = summary.ToJson();
  Status first;
  if (lake != nullptr) {
    first = lake->Put(RunRecordKey(summary.run_id), json)
                .WithContext("writing " + RunRecordKey(summary.run_id));
  }
  if (!local_path.empty()) {
    namespace fs = std::filesystem;
    const std::string tmp = local_path + ".tmp" + std::to_string(::getpid());
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << json;
    out.close();
    std::error_code ec;
    if (!out) {
      fs::remove(tmp, ec);
      if (first.ok()) first = Status::IOError("cannot write " + local_path);
    } else {
      fs::rename(tmp, local_path, ec);
      if (ec && first.ok())
        first = Status::IOError("cannot write " + local_path + ": " + ec.message());
    }
  }
  return first;
}

}  // namespace cryptolake::runner
