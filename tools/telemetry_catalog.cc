// telemetry_catalog: prints the instrument catalog (cryptolake/telemetry/instrument_catalog.h).
//
//   telemetry_catalog --json       every instrument as JSON: name, kind, value_type, unit,
//                                  description, attribute_keys, bucket_boundaries, high_volume,
//                                  and the names it becomes in OpenObserve and in Prometheus
//   telemetry_catalog --markdown   the reference tables of docs/observability/metrics.md (the
//                                  part between its generated-section markers)
//
// Names in the backends:
// - OpenObserve (OTLP ingestion): the metric name with every run of characters outside
//   [a-zA-Z0-9_:] replaced by one '_' is the stream; sums and gauges keep that name, a histogram
//   point is split into the streams <name>_bucket (cumulative, label le), _sum, _count, _min and
//   _max (the stream of the bare name holds no rows). Attribute keys become lower-case labels
//   with every character outside [a-z0-9_] replaced by '_'.
// - Prometheus: whatever our exporter serves. The tool encodes one data point of each
//   instrument with the real encoder (EncodePrometheusText, metrics_export) and reads the sample
//   names back, so the names cannot drift from the endpoint.
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/metrics/export/prometheus_text.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/telemetry/instrument_catalog.h"

namespace {

using cryptolake::telemetry::InstrumentCatalog;
using cryptolake::telemetry::InstrumentSpec;
namespace m = cryptolake::metrics;

std::string_view KindName(m::InstrumentKind kind) {
  switch (kind) {
    case m::InstrumentKind::kCounter:
      return "counter";
    case m::InstrumentKind::kUpDownCounter:
      return "updowncounter";
    case m::InstrumentKind::kHistogram:
      return "histogram";
    case m::InstrumentKind::kGauge:
      return "gauge";
    case m::InstrumentKind::kObservableCounter:
      return "observable_counter";
    case m::InstrumentKind::kObservableUpDownCounter:
      return "observable_updowncounter";
    case m::InstrumentKind::kObservableGauge:
      return "observable_gauge";
  }
  return "?";
}

// OpenObserve's stream-name rule: each run of characters outside [a-zA-Z0-9_:] becomes one '_'.
std::string OpenObserveName(std::string_view name) {
  std::string out;
  bool in_run = false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == ':';
    if (ok) {
      out += c;
      in_run = false;
    } else if (!in_run) {
      out += '_';
      in_run = true;
    }
  }
  return out;
}

// OpenObserve's label rule for metrics: lower case, every character outside [a-z0-9_] -> '_'.
std::string OpenObserveLabel(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  return out;
}

std::vector<std::string> OpenObserveStreams(const InstrumentSpec& s) {
  std::string base = OpenObserveName(s.name);
  if (s.kind != m::InstrumentKind::kHistogram) return {base};
  return {base + "_bucket", base + "_sum", base + "_count", base + "_min", base + "_max"};
}

// The data our SDK exports for one point of the instrument, with default aggregation and
// cumulative temporality (what the Prometheus reader asks for).
m::MetricData SampleData(const InstrumentSpec& s) {
  m::MetricData md;
  md.name = std::string(s.name);
  md.description = std::string(s.description);
  md.unit = std::string(s.unit);
  m::NumberDataPoint point;
  point.start_time_unix_nano = 1;
  point.time_unix_nano = 2;
  switch (s.kind) {
    case m::InstrumentKind::kCounter:
    case m::InstrumentKind::kObservableCounter:
    case m::InstrumentKind::kUpDownCounter:
    case m::InstrumentKind::kObservableUpDownCounter: {
      m::SumData sum;
      sum.is_monotonic =
          s.kind == m::InstrumentKind::kCounter || s.kind == m::InstrumentKind::kObservableCounter;
      sum.points.push_back(point);
      md.data = sum;
      break;
    }
    case m::InstrumentKind::kGauge:
    case m::InstrumentKind::kObservableGauge: {
      m::GaugeData gauge;
      point.start_time_unix_nano = 0;
      gauge.points.push_back(point);
      md.data = gauge;
      break;
    }
    case m::InstrumentKind::kHistogram: {
      m::HistogramData hist;
      m::HistogramDataPoint hp;
      hp.start_time_unix_nano = 1;
      hp.time_unix_nano = 2;
      hp.count = 1;
      hp.sum = 1.0;
      hp.min = 1.0;
      hp.max = 1.0;
      hp.explicit_bounds.assign(s.bucket_boundaries.begin(), s.bucket_boundaries.end());
      hp.bucket_counts.assign(hp.explicit_bounds.size() + 1, 0);
      hp.bucket_counts.back() = 1;
      hist.points.push_back(hp);
      md.data = hist;
      break;
    }
  }
  return md;
}

// The sample names (series names) our Prometheus endpoint serves for the instrument.
std::vector<std::string> PrometheusSeries(const InstrumentSpec& s) {
  m::ResourceMetrics rm;
  m::ScopeMetrics scope;
  scope.scope.name = std::string(cryptolake::telemetry::kScopeName);
  scope.metrics.push_back(SampleData(s));
  rm.scope_metrics.push_back(std::move(scope));
  m::PrometheusTextOptions options;
  options.without_scope_info = true;
  options.without_target_info = true;
  std::string text = m::EncodePrometheusText(rm, options);
  std::vector<std::string> names;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    std::string name(line.substr(0, line.find_first_of("{ ")));
    bool seen = false;
    for (const std::string& n : names) seen = seen || n == name;
    if (!seen) names.push_back(std::move(name));
  }
  return names;
}

// The Prometheus family name: the series names without their histogram suffixes.
std::string PrometheusFamily(const InstrumentSpec& s, const std::vector<std::string>& series) {
  if (series.empty()) return "";
  std::string name = series.front();
  if (s.kind == m::InstrumentKind::kHistogram) {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (name.size() > suffix.size() && name.ends_with(suffix)) {
        return name.substr(0, name.size() - suffix.size());
      }
    }
  }
  return name;
}

std::string FormatBound(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

int PrintJson() {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const InstrumentSpec& s : InstrumentCatalog()) {
    nlohmann::ordered_json j;
    j["name"] = s.name;
    j["kind"] = KindName(s.kind);
    j["value_type"] = s.value_type == m::InstrumentValueType::kInt64 ? "int64" : "double";
    j["unit"] = s.unit;
    j["description"] = s.description;
    nlohmann::ordered_json keys = nlohmann::ordered_json::array();
    nlohmann::ordered_json labels = nlohmann::ordered_json::array();
    for (std::string_view k : s.attribute_keys) {
      keys.push_back(k);
      labels.push_back(OpenObserveLabel(k));
    }
    j["attribute_keys"] = keys;
    nlohmann::ordered_json bounds = nlohmann::ordered_json::array();
    for (double b : s.bucket_boundaries) bounds.push_back(b);
    j["bucket_boundaries"] = bounds;
    j["high_volume"] = s.high_volume;
    j["openobserve_streams"] = OpenObserveStreams(s);
    j["openobserve_labels"] = labels;
    std::vector<std::string> series = PrometheusSeries(s);
    j["prometheus_name"] = PrometheusFamily(s, series);
    j["prometheus_series"] = series;
    out.push_back(std::move(j));
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

// A table cell's text: '|' would end the cell.
std::string Cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string Code(std::string_view s) {
  std::string out(1, '`');
  out.append(s);
  out.push_back('`');
  return out;
}

int PrintMarkdown() {
  std::string md;
  md += "| Instrument | Kind | Unit | Attributes | Description |\n";
  md += "|---|---|---|---|---|\n";
  for (const InstrumentSpec& s : InstrumentCatalog()) {
    std::vector<std::string> keys;
    for (std::string_view k : s.attribute_keys) keys.push_back(Code(k));
    std::string kind(KindName(s.kind));
    if (s.value_type == m::InstrumentValueType::kDouble) kind += " (double)";
    if (s.high_volume) kind += ", sampled";
    md += "| " + Code(s.name) + " | " + kind + " | " + Code(s.unit) + " | " +
          (keys.empty() ? "-" : Join(keys, ", ")) + " | " + Cell(s.description) + " |\n";
  }
  md +=
      "\nNames in the backends (OpenObserve streams from OTLP ingestion; Prometheus series as "
      "our `/metrics` endpoint serves them):\n\n";
  md += "| Instrument | OpenObserve streams | Prometheus series |\n";
  md += "|---|---|---|\n";
  for (const InstrumentSpec& s : InstrumentCatalog()) {
    std::vector<std::string> streams;
    for (const std::string& n : OpenObserveStreams(s)) streams.push_back(Code(n));
    std::vector<std::string> series;
    for (const std::string& n : PrometheusSeries(s)) series.push_back(Code(n));
    md += "| " + Code(s.name) + " | " + Join(streams, ", ") + " | " + Join(series, ", ") + " |\n";
  }
  md +=
      "\nAdvisory histogram bucket boundaries (a View that sets an aggregation overrides "
      "them):\n\n";
  md += "| Instrument | Boundaries |\n";
  md += "|---|---|\n";
  for (const InstrumentSpec& s : InstrumentCatalog()) {
    if (s.bucket_boundaries.empty()) continue;
    std::vector<std::string> bounds;
    for (double b : s.bucket_boundaries) bounds.push_back(FormatBound(b));
    md += "| " + Code(s.name) + " | " + Join(bounds, ", ") + " |\n";
  }
  std::fputs(md.c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--json") == 0) return PrintJson();
  if (argc == 2 && std::strcmp(argv[1], "--markdown") == 0) return PrintMarkdown();
  std::fprintf(stderr, "usage: %s --json | --markdown\n", argv[0]);
  return 2;
}
