#include "cryptolake/runner/run_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/lake/data_type_schema.h"

namespace cryptolake::runner {
namespace {

constexpr std::string_view kSteps[] = {"ingest", "gaps", "fill", "gold"};

// "lake.toml:12: " or "lake.toml: " when the line is unknown.
std::string Where(const std::string& path, int line) {
  std::string p = path.empty() ? "<config>" : path;
  return line > 0 ? p + ":" + std::to_string(line) + ": " : p + ": ";
}

int LineOf(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

// Reads typed values out of one table, rejecting keys it was not asked about.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string name, const std::string& path)
      : table_(table), name_(std::move(name)), path_(path) {}

  Status Error(const toml::node& node, std::string_view key, std::string_view what) const {
    return Status::InvalidArgument(Where(path_, LineOf(node)) + name_ + " " + std::string(key) +
                                   " " + std::string(what));
  }

  Status String(std::string_view key, std::string* out) {
    seen_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr) return Status::OK();
    std::optional<std::string> v = n->value<std::string>();
    if (!v || !n->is_string()) return Error(*n, key, "must be a string");
    *out = *v;
    return Status::OK();
  }

  Status Int(std::string_view key, int* out) {
    seen_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr) return Status::OK();
    if (!n->is_integer()) return Error(*n, key, "must be an integer");
    int64_t v = *n->value<int64_t>();
    if (v < 1 || v > 4096) return Error(*n, key, "must be between 1 and 4096");
    *out = static_cast<int>(v);
    return Status::OK();
  }

  Status Double(std::string_view key, double* out) {
    seen_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr) return Status::OK();
    if (!n->is_number()) return Error(*n, key, "must be a number");
    *out = *n->value<double>();
    return Status::OK();
  }

  Status Duration(std::string_view key, std::chrono::milliseconds* out) {
    std::string text;
    CL_RETURN_IF_ERROR(String(key, &text));
    if (text.empty()) return Status::OK();
    Result<std::chrono::milliseconds> d = ParseDuration(text);
    if (!d.ok()) return Error(*table_.get(key), key, d.status().message());
    *out = *d;
    return Status::OK();
  }

  // An array of strings, or (allow_all) the string "all" which sets *all.
  Status Strings(std::string_view key, std::vector<std::string>* out, bool* all = nullptr) {
    seen_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr) return Status::OK();
    if (all != nullptr && n->is_string()) {
      if (*n->value<std::string>() != "all") {
        return Error(*n, key, "must be an array of strings or \"all\"");
      }
      *all = true;
      out->clear();
      return Status::OK();
    }
    const toml::array* a = n->as_array();
    if (a == nullptr) {
      return Error(*n, key,
                   all != nullptr ? "must be an array of strings or \"all\""
                                  : "must be an array of strings");
    }
    out->clear();
    for (const toml::node& e : *a) {
      if (!e.is_string()) return Error(e, key, "must hold strings only");
      out->push_back(*e.value<std::string>());
    }
    return Status::OK();
  }

  // Every key of the table must have been asked for.
  Status NoUnknownKeys() const {
    for (const auto& [k, v] : table_) {
      if (seen_.count(std::string(k.str())) == 0) {
        return Status::InvalidArgument(Where(path_, LineOf(v)) + "unknown key '" +
                                       std::string(k.str()) + "' in " + name_);
      }
    }
    return Status::OK();
  }

 private:
  const toml::table& table_;
  std::string name_;
  const std::string& path_;
  std::set<std::string> seen_;
};

Result<int> ParsePositive(std::string_view text, std::string_view what) {
  int v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < 1 || v > 4096) {
    return Status::InvalidArgument(std::string(what) +
                                   " must be an integer between 1 and 4096, got '" +
                                   std::string(text) + "'");
  }
  return v;
}

std::vector<std::string> SplitCommaList(std::string_view text) {
  std::vector<std::string> out;
  std::string item;
  std::stringstream in{std::string(text)};
  while (std::getline(in, item, ',')) {
    size_t b = item.find_first_not_of(" \t");
    size_t e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

Result<std::chrono::sys_days> ParseDay(std::string_view text) {
  if (!archive::IsValidArchiveDate(archive::Period::kDaily, text)) {
    std::string msg = "'";  // (built in steps: GCC 12 warns falsely on "'" + std::string)
    msg.append(text).append("' is not a date YYYY-MM-DD");
    return Status::InvalidArgument(msg);
  }
  int y = std::stoi(std::string(text.substr(0, 4)));
  unsigned m = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
  unsigned d = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
  return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d));
}

std::string FormatDay(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace

bool RunConfig::HasStep(std::string_view step) const {
  for (const std::string& s : steps) {
    if (s == step) return true;
  }
  return false;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  int64_t value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  std::string_view unit(p, static_cast<size_t>(text.data() + text.size() - p));
  int64_t factor = 0;
  if (unit == "ms") factor = 1;
  if (unit == "s") factor = 1000;
  if (unit == "m") factor = 60'000;
  if (unit == "h") factor = 3'600'000;
  // At most 7 days: deadlines and backoffs are added to steady_clock time points in
  // nanoseconds, which a huge value would overflow (a deadline in the past).
  constexpr int64_t kMaxMillis = int64_t{7} * 24 * 3'600'000;
  if (ec != std::errc() || value <= 0 || p == text.data() || factor <= 0 ||
      value > kMaxMillis / factor) {
    std::string msg = "'";  // (built in steps: GCC 12 warns falsely on "'" + std::string)
    msg.append(text).append("' is not a duration of at most 7 days (e.g. 500ms, 1s, 10m, 2h)");
    return Status::InvalidArgument(msg);
  }
  return std::chrono::milliseconds(value * factor);
}

Result<RunConfig> LoadRunConfig(std::string_view text, const std::string& path) {
  RunConfig c;
  c.config_path = path;
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(Where(path, static_cast<int>(e.source().begin.line)) +
                                   std::string(e.description()));
  }
  static const std::set<std::string> kTables = {"lake", "run", "datasets", "gold", "metrics"};
  for (const auto& [k, v] : root) {
    if (kTables.count(std::string(k.str())) == 0) {
      return Status::InvalidArgument(Where(path, LineOf(v)) + "unknown table or key '" +
                                     std::string(k.str()) + "'");
    }
    if (k.str() == "datasets" ? !v.is_array_of_tables() : !v.is_table()) {
      return Status::InvalidArgument(
          Where(path, LineOf(v)) + "'" + std::string(k.str()) +
          (k.str() == "datasets" ? "' must be [[datasets]] tables" : "' must be a table"));
    }
  }
  if (const toml::table* t = root["lake"].as_table()) {
    TableReader r(*t, "[lake]", path);
    CL_RETURN_IF_ERROR(r.String("url", &c.lake_url));
    CL_RETURN_IF_ERROR(r.String("source", &c.source));
    CL_RETURN_IF_ERROR(r.NoUnknownKeys());
  }
  if (const toml::table* t = root["run"].as_table()) {
    TableReader r(*t, "[run]", path);
    CL_RETURN_IF_ERROR(r.Strings("steps", &c.steps));
    CL_RETURN_IF_ERROR(r.Int("io_workers", &c.io_workers));
    CL_RETURN_IF_ERROR(r.Int("cpu_workers", &c.cpu_workers));
    CL_RETURN_IF_ERROR(r.Int("max_attempts", &c.max_attempts));
    CL_RETURN_IF_ERROR(r.Duration("retry_initial_backoff", &c.retry_initial_backoff));
    CL_RETURN_IF_ERROR(r.Duration("retry_max_backoff", &c.retry_max_backoff));
    CL_RETURN_IF_ERROR(r.Duration("task_timeout", &c.task_timeout));
    CL_RETURN_IF_ERROR(r.String("summary", &c.summary_path));
    CL_RETURN_IF_ERROR(r.String("on_bad_rows", &c.on_bad_rows));
    CL_RETURN_IF_ERROR(r.NoUnknownKeys());
    for (const std::string& s : c.steps) {
      if (std::find(std::begin(kSteps), std::end(kSteps), s) == std::end(kSteps)) {
        return r.Error(*t->get("steps"), "steps",
                       "has unknown step '" + s + "' (ingest, gaps, fill, gold)");
      }
    }
  }
  if (const toml::array* a = root["datasets"].as_array()) {
    for (const toml::node& n : *a) {
      const toml::table& t = *n.as_table();
      DatasetConfig d;
      d.line = LineOf(n);
      TableReader r(t, "[[datasets]]", path);
      CL_RETURN_IF_ERROR(r.String("market", &d.market));
      CL_RETURN_IF_ERROR(r.String("data_type", &d.data_type));
      CL_RETURN_IF_ERROR(r.Strings("intervals", &d.intervals));
      CL_RETURN_IF_ERROR(r.Strings("symbols", &d.symbols, &d.all_symbols));
      CL_RETURN_IF_ERROR(r.String("start", &d.start));
      CL_RETURN_IF_ERROR(r.String("end", &d.end));
      CL_RETURN_IF_ERROR(r.String("period", &d.period));
      CL_RETURN_IF_ERROR(r.NoUnknownKeys());
      c.datasets.push_back(std::move(d));
    }
  }
  if (const toml::table* t = root["gold"].as_table()) {
    TableReader r(*t, "[gold]", path);
    CL_RETURN_IF_ERROR(r.Strings("intervals", &c.gold_intervals));
    CL_RETURN_IF_ERROR(r.NoUnknownKeys());
  }
  if (const toml::table* t = root["metrics"].as_table()) {
    TableReader r(*t, "[metrics]", path);
    c.metrics.present = true;
    CL_RETURN_IF_ERROR(r.String("exporter", &c.metrics.exporter));
    CL_RETURN_IF_ERROR(r.String("endpoint", &c.metrics.endpoint));
    CL_RETURN_IF_ERROR(r.String("protocol", &c.metrics.protocol));
    CL_RETURN_IF_ERROR(r.Duration("interval", &c.metrics.interval));
    CL_RETURN_IF_ERROR(r.String("environment", &c.metrics.environment));
    CL_RETURN_IF_ERROR(r.Double("high_volume_sample_rate", &c.metrics.high_volume_sample_rate));
    CL_RETURN_IF_ERROR(r.NoUnknownKeys());
  }
  return c;
}

Result<RunConfig> LoadRunConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(path + ": cannot read the config file");
  std::stringstream buf;
  buf << in.rdbuf();
  return LoadRunConfig(buf.str(), path);
}

Status ApplyEnvironment(const EnvLookup& env, RunConfig* c) {
  auto get = [&](const char* name) -> std::optional<std::string> {
    const char* v = env(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
  auto positive = [&](const char* name, int* out) -> Status {
    if (auto v = get(name)) {
      Result<int> n = ParsePositive(*v, name);
      if (!n.ok()) return n.status();
      *out = *n;
    }
    return Status::OK();
  };
  if (auto v = get("CRYPTOLAKE_LAKE_URL")) c->lake_url = *v;
  if (auto v = get("CRYPTOLAKE_SOURCE")) c->source = *v;
  if (auto v = get("CRYPTOLAKE_STEPS")) c->steps = SplitCommaList(*v);
  CL_RETURN_IF_ERROR(positive("CRYPTOLAKE_IO_WORKERS", &c->io_workers));
  CL_RETURN_IF_ERROR(positive("CRYPTOLAKE_CPU_WORKERS", &c->cpu_workers));
  CL_RETURN_IF_ERROR(positive("CRYPTOLAKE_MAX_ATTEMPTS", &c->max_attempts));
  if (auto v = get("CRYPTOLAKE_TASK_TIMEOUT")) {
    Result<std::chrono::milliseconds> d = ParseDuration(*v);
    if (!d.ok()) return d.status().WithContext("CRYPTOLAKE_TASK_TIMEOUT");
    c->task_timeout = *d;
  }
  if (auto v = get("CRYPTOLAKE_SUMMARY")) c->summary_path = *v;
  if (auto v = get("CRYPTOLAKE_SHARD")) {
    Result<ShardSpec> s = ParseShardSpec(*v);
    if (!s.ok()) return s.status().WithContext("CRYPTOLAKE_SHARD");
    c->shard = *s;
  } else if (auto index = get("JOB_COMPLETION_INDEX")) {
    auto count = get("CRYPTOLAKE_SHARD_COUNT");
    if (!count) {
      return Status::InvalidArgument(
          "JOB_COMPLETION_INDEX is set but CRYPTOLAKE_SHARD_COUNT is not (give both, or "
          "CRYPTOLAKE_SHARD=i/n)");
    }
    Result<ShardSpec> s = ParseShardSpec(*index + "/" + *count);
    if (!s.ok()) return s.status().WithContext("JOB_COMPLETION_INDEX/CRYPTOLAKE_SHARD_COUNT");
    c->shard = *s;
  } else if (get("CRYPTOLAKE_SHARD_COUNT")) {
    // A count without an index (a Job that is not Indexed) would make every pod run the whole
    // plan; refuse rather than run unsharded n times.
    return Status::InvalidArgument(
        "CRYPTOLAKE_SHARD_COUNT is set but JOB_COMPLETION_INDEX is not (an Indexed Job sets it; "
        "or give CRYPTOLAKE_SHARD=i/n)");
  }
  return Status::OK();
}

Status ApplyOverrides(const RunOverrides& o, RunConfig* c) {
  if (o.lake_url) c->lake_url = *o.lake_url;
  if (o.source) c->source = *o.source;
  if (o.steps) c->steps = SplitCommaList(*o.steps);
  if (o.io_workers) c->io_workers = *o.io_workers;
  if (o.cpu_workers) c->cpu_workers = *o.cpu_workers;
  if (o.max_attempts) c->max_attempts = *o.max_attempts;
  if (o.summary_path) c->summary_path = *o.summary_path;
  if (o.task_timeout) {
    Result<std::chrono::milliseconds> d = ParseDuration(*o.task_timeout);
    if (!d.ok()) return d.status().WithContext("--task-timeout");
    c->task_timeout = *d;
  }
  if (o.shard) {
    Result<ShardSpec> s = ParseShardSpec(*o.shard);
    if (!s.ok()) return s.status().WithContext("--shard");
    c->shard = *s;
  } else if (o.shard_count) {
    if (!o.job_completion_index) {
      return Status::InvalidArgument("--shard-count needs JOB_COMPLETION_INDEX in the environment");
    }
    Result<ShardSpec> s = ParseShardSpec(std::to_string(*o.job_completion_index) + "/" +
                                         std::to_string(*o.shard_count));
    if (!s.ok()) return s.status().WithContext("--shard-count");
    c->shard = *s;
  }
  return Status::OK();
}

Status ValidateRunConfig(const RunConfig& c) {
  const std::string& path = c.config_path;
  auto bad = [&](int line, const std::string& what) {
    return Status::InvalidArgument(Where(path, line) + what);
  };
  if (c.lake_url.empty()) return bad(0, "[lake] url must not be empty");
  if (c.steps.empty()) return bad(0, "[run] steps must name at least one step");
  for (const std::string& s : c.steps) {
    if (std::find(std::begin(kSteps), std::end(kSteps), s) == std::end(kSteps)) {
      return bad(0, "unknown step '" + s + "' (ingest, gaps, fill, gold)");
    }
  }
  for (int v : {c.io_workers, c.cpu_workers, c.max_attempts}) {
    if (v < 1 || v > 4096) return bad(0, "[run] workers and max_attempts must be 1..4096");
  }
  if (c.retry_max_backoff < c.retry_initial_backoff) {
    return bad(0, "[run] retry_max_backoff must not be below retry_initial_backoff");
  }
  if (c.on_bad_rows != "fail" && c.on_bad_rows != "quarantine") {
    return bad(0, "[run] on_bad_rows must be fail or quarantine, got '" + c.on_bad_rows + "'");
  }
  if (c.datasets.empty()) return bad(0, "no [[datasets]]: nothing to run");
  for (const DatasetConfig& d : c.datasets) {
    const std::string in = "[[datasets]] ";
    Result<archive::Market> market = archive::ParseMarket(d.market);
    if (!market.ok()) return bad(d.line, in + "market: " + market.status().message());
    Result<archive::Period> period = archive::ParsePeriod(d.period);
    if (!period.ok()) return bad(d.line, in + "period: " + period.status().message());
    Result<const lake::DataTypeSchema*> schema = lake::FindDataTypeSchema(d.data_type, *market);
    if (!schema.ok()) return bad(d.line, in + "data_type: " + schema.status().message());
    if ((*schema)->has_interval && d.intervals.empty()) {
      return bad(d.line, in + "intervals: " + d.data_type + " needs at least one interval");
    }
    if (!(*schema)->has_interval && !d.intervals.empty()) {
      return bad(d.line, in + "intervals: " + d.data_type + " has no intervals");
    }
    for (const std::string& i : d.intervals) {
      Status s = (*schema)->CheckInterval(i, *market);
      if (!s.ok()) return bad(d.line, in + "intervals: " + s.message());
    }
    if (*period == archive::Period::kDaily && !(*schema)->daily) {
      return bad(d.line, in + "period: " + d.data_type + " is published monthly only");
    }
    if (*period == archive::Period::kMonthly && !(*schema)->monthly) {
      return bad(d.line, in + "period: " + d.data_type + " is published daily only");
    }
    if (!d.all_symbols && d.symbols.empty()) {
      return bad(d.line, in + "symbols: give a list of symbols or \"all\"");
    }
    if (d.start.empty()) return bad(d.line, in + "start: missing");
    Result<DateRange> r = ResolveDates(d, UtcToday());
    if (!r.ok()) return bad(d.line, in + r.status().message());
  }
  // Gold's 1m trade bars of a (market, symbol, day) are one partition whether built from trades
  // or aggTrades: two datasets feeding it would rebuild it from each other's input forever.
  if (c.HasStep("gold")) {
    for (size_t a = 0; a < c.datasets.size(); ++a) {
      for (size_t b = a + 1; b < c.datasets.size(); ++b) {
        const DatasetConfig& x = c.datasets[a];
        const DatasetConfig& y = c.datasets[b];
        const bool trade_pair = (x.data_type == "trades" && y.data_type == "aggTrades") ||
                                (x.data_type == "aggTrades" && y.data_type == "trades");
        if (!trade_pair || x.market != y.market) continue;
        bool shared_symbol = x.all_symbols || y.all_symbols;
        for (const std::string& sym : x.symbols) {
          shared_symbol = shared_symbol ||
                          std::find(y.symbols.begin(), y.symbols.end(), sym) != y.symbols.end();
        }
        Result<DateRange> rx = ResolveDates(x, UtcToday());
        Result<DateRange> ry = ResolveDates(y, UtcToday());
        if (shared_symbol && rx.ok() && ry.ok() && rx->start <= ry->end && ry->start <= rx->end) {
          return bad(y.line, "[[datasets]] trades and aggTrades of market " + x.market +
                                 " share symbols and days (the dataset at line " +
                                 std::to_string(x.line) +
                                 "): gold builds one set of 1m trade bars per symbol and day, "
                                 "so give it one source, or leave gold out of [run] steps");
        }
      }
    }
  }
  if (c.metrics.exporter != "otlp" && c.metrics.exporter != "prometheus" &&
      c.metrics.exporter != "console" && c.metrics.exporter != "none") {
    return bad(0, "[metrics] exporter must be otlp, prometheus, console or none");
  }
  if (c.metrics.protocol != "grpc" && c.metrics.protocol != "http/protobuf") {
    return bad(0, "[metrics] protocol must be grpc or http/protobuf");
  }
  if (!(c.metrics.high_volume_sample_rate >= 0 && c.metrics.high_volume_sample_rate <= 1)) {
    return bad(0, "[metrics] high_volume_sample_rate must be within 0..1");
  }
  if (c.shard.index < 0 || c.shard.index >= c.shard.count) {
    return bad(0, "shard index must be below the shard count");
  }
  return Status::OK();
}

Result<DateRange> ResolveDates(const DatasetConfig& d, std::string_view today) {
  CL_ASSIGN_OR_RETURN(std::chrono::sys_days now, ParseDay(today));
  DateRange r;
  Result<std::chrono::sys_days> start = ParseDay(d.start);
  if (!start.ok()) {
    return Status::InvalidArgument("start: '" + d.start + "' is not a date YYYY-MM-DD");
  }
  std::chrono::sys_days end;
  if (d.end == "yesterday") {
    end = now - std::chrono::days(1);
    if (d.period == "monthly") {
      // Through the last complete month: the running month has no archive file yet, and a REST
      // fill of it would record the whole month as filled while its later rows do not exist.
      const std::chrono::year_month_day today{now};
      end = std::chrono::sys_days{today.year() / today.month() / 1} - std::chrono::days(1);
    }
  } else {
    Result<std::chrono::sys_days> e = ParseDay(d.end);
    if (!e.ok()) {
      return Status::InvalidArgument("end: '" + d.end + "' is not a date YYYY-MM-DD or yesterday");
    }
    end = *e;
  }
  if (*start > end) {
    return Status::InvalidArgument("start " + FormatDay(*start) + " is after end " +
                                   FormatDay(end));
  }
  r.start = FormatDay(*start);
  r.end = FormatDay(end);
  return r;
}

std::string UtcToday() {
  return FormatDay(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
}

std::vector<std::pair<std::string, std::string>> MetricsEnvironmentDefaults(
    const MetricsConfig& m) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!m.present) return out;
  out.emplace_back("OTEL_METRICS_EXPORTER", m.exporter);
  if (!m.endpoint.empty()) out.emplace_back("OTEL_EXPORTER_OTLP_ENDPOINT", m.endpoint);
  out.emplace_back("OTEL_EXPORTER_OTLP_PROTOCOL", m.protocol);
  out.emplace_back("OTEL_METRIC_EXPORT_INTERVAL", std::to_string(m.interval.count()));
  if (!m.environment.empty()) out.emplace_back("DEPLOYMENT_ENV", m.environment);
  std::ostringstream rate;
  rate << m.high_volume_sample_rate;
  out.emplace_back("OTEL_HIGH_VOLUME_SAMPLE_RATE", rate.str());
  return out;
}

}  // namespace cryptolake::runner
