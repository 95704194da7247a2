// Prometheus text / OpenMetrics writer. Rules: cryptolake/metrics/export/prometheus_text.h.
//
// Two passes over the data: the first decides every metric's family (name, type, help, unit),
// merging metrics of different scopes that translate to the same name and dropping those
// whose TYPE would conflict, so each family's metadata is written exactly once; the second
// writes the families in first-seen order straight into the output buffer. A point's label
// text is rendered once and reused for all of its lines (a histogram has one line per
// bucket), which is what keeps a 10k-series scrape in the low milliseconds. Content
// negotiation (the Accept header) is in prometheus_negotiation.cc.
#include "cryptolake/metrics/export/prometheus_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <deque>
#include <functional>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cryptolake/metrics/sdk/diagnostics.h"
#include "prometheus_names.h"
#include "utf8.h"

namespace cryptolake::metrics {

using prometheus::FamilyKind;

namespace {

// ---- output ----

// A write buffer in front of the output string: a scrape is tens of thousands of short
// appends, and std::string's per-call capacity checks (not inlined) cost more than the copying.
// Flushed into the string every kSize bytes and on destruction.
class BufferedSink {
 public:
  explicit BufferedSink(std::string* out) : out_(out) {}
  ~BufferedSink() { Flush(); }
  BufferedSink(const BufferedSink&) = delete;
  BufferedSink& operator=(const BufferedSink&) = delete;

  void append(const char* data, size_t n) {
    if (n == 0) return;  // An empty string_view's data() may be null, which memcpy must not get.
    if (n > kSize - used_) {
      Flush();
      if (n > kSize) {
        out_->append(data, n);
        return;
      }
    }
    std::memcpy(buffer_ + used_, data, n);
    used_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  void append(const char* s) { append(std::string_view(s)); }
  void push_back(char c) {
    if (used_ == kSize) Flush();
    buffer_[used_++] = c;
  }
  void Flush() {
    out_->append(buffer_, used_);
    used_ = 0;
  }

 private:
  static constexpr size_t kSize = 32768;
  std::string* out_;
  size_t used_ = 0;
  char buffer_[kSize];
};

// ---- number and string formatting ----

template <typename Out>
void AppendInt(int64_t v, Out* out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

template <typename Out>
void AppendUint(uint64_t v, Out* out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

// Shortest round-trip form; Prometheus' spellings of the special values.
template <typename Out>
void AppendDouble(double v, Out* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, static_cast<size_t>(r.ptr - buf));
  }
}

// OpenMetrics wants le (and other float label values) as floats: "1.0", not "1".
void AppendFloatLabelValue(double v, bool openmetrics, std::string* out) {
  const size_t start = out->size();
  AppendDouble(v, out);
  if (!openmetrics || !std::isfinite(v)) return;
  const std::string_view written(out->data() + start, out->size() - start);
  if (written.find_first_of(".e") == std::string_view::npos) out->append(".0");
}

// Nanoseconds since the epoch as exact decimal seconds ("1700000000.25"), for _created.
template <typename Out>
void AppendSecondsFromNanos(uint64_t nanos, Out* out) {
  AppendUint(nanos / 1000000000u, out);
  uint64_t fraction = nanos % 1000000000u;
  if (fraction == 0) return;
  char digits[9];
  for (int i = 8; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  size_t n = 9;
  while (digits[n - 1] == '0') --n;
  out->push_back('.');
  out->append(digits, n);
}

template <typename Out>
void AppendValue(const std::variant<int64_t, double>& v, Out* out) {
  if (std::holds_alternative<int64_t>(v)) {
    AppendInt(std::get<int64_t>(v), out);
  } else {
    AppendDouble(std::get<double>(v), out);
  }
}

// Backslash, line feed and (when `quote`) double quote escaped; every byte that starts no valid
// UTF-8 sequence replaced by U+FFFD (Prometheus rejects a scrape with invalid UTF-8 in a label
// value). Runs of plain bytes are copied in one piece.
template <typename Out>
void AppendEscaped(std::string_view s, bool quote, Out* out) {
  size_t plain = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    std::string_view replacement;
    if (c == '\\') {
      replacement = "\\\\";
    } else if (c == '\n') {
      replacement = "\\n";
    } else if (c == '"' && quote) {
      replacement = "\\\"";
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      const size_t len = Utf8SequenceLength(s, i);
      if (len != 0) {
        i += len - 1;
        continue;
      }
      replacement = kUtf8Replacement;
    } else {
      continue;
    }
    out->append(s.data() + plain, i - plain);
    out->append(replacement);
    plain = i + 1;
  }
  out->append(s.data() + plain, s.size() - plain);
}

// Label values (and quoted names).
template <typename Out>
void AppendEscapedLabelValue(std::string_view s, Out* out) {
  AppendEscaped(s, true, out);
}

// HELP text: text 0.0.4 escapes backslash and line feed; OpenMetrics also double quotes.
template <typename Out>
void AppendEscapedHelp(std::string_view s, bool openmetrics, Out* out) {
  AppendEscaped(s, openmetrics, out);
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

// Attribute values as strings (OpenTelemetry attribute spec: arrays as JSON arrays).
std::string AttributeValueString(const AttributeValue& value) {
  std::string out;
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          out = v;
        } else if constexpr (std::is_same_v<T, bool>) {
          out = v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          AppendInt(v, &out);
        } else if constexpr (std::is_same_v<T, double>) {
          AppendDouble(v, &out);
        } else {
          out.push_back('[');
          bool first = true;
          for (const auto& element : v) {
            if (!first) out.push_back(',');
            first = false;
            using E = std::decay_t<decltype(element)>;
            if constexpr (std::is_same_v<E, std::string>) {
              AppendJsonString(element, &out);
            } else if constexpr (std::is_same_v<E, int64_t>) {
              AppendInt(element, &out);
            } else if constexpr (std::is_same_v<E, double>) {
              AppendDouble(element, &out);
            } else {  // vector<bool>'s proxy reference.
              out.append(static_cast<bool>(element) ? "true" : "false");
            }
          }
          out.push_back(']');
        }
      },
      value);
  return out;
}

// ---- names and labels ----

// A name ready to write: escaped, and whether it must be quoted (allow-utf-8, non-legacy).
struct RenderedName {
  std::string text;
  bool quoted = false;
};

struct Renderer {
  const PrometheusTextOptions& options;
  PrometheusEscaping escaping;
  bool openmetrics;

  RenderedName MetricName(std::string_view translated) const {
    RenderedName r{prometheus::EscapeName(translated, escaping, true), false};
    r.quoted = escaping == PrometheusEscaping::kAllowUtf8 && !prometheus::IsLegacyMetricName(r.text);
    return r;
  }
  // The label name of an attribute key, quoted if needed, as it is written before '='.
  std::string LabelName(std::string_view key) const {
    std::string name = prometheus::EscapeName(
        prometheus::TranslateLabelName(key, options.translation_strategy), escaping, false);
    if (escaping == PrometheusEscaping::kAllowUtf8 && !prometheus::IsLegacyLabelName(name)) {
      std::string quoted = "\"";
      AppendEscapedLabelValue(name, &quoted);
      quoted.push_back('"');
      return quoted;
    }
    return name;
  }
  // Whether an attribute key is written unchanged (the common case, no allocation): a legacy
  // label name that neither the translation (runs of '_' collapse, so no reserved "__x"
  // label comes out of it) nor the escaping changes.
  bool KeyIsVerbatim(std::string_view key) const {
    if (escaping == PrometheusEscaping::kDots || !prometheus::IsLegacyLabelName(key)) return false;
    const auto strategy = options.translation_strategy;
    const bool collapses = strategy == PrometheusTranslationStrategy::kUnderscoreEscapingWithSuffixes ||
                           strategy == PrometheusTranslationStrategy::kUnderscoreEscapingWithoutSuffixes;
    return !collapses || key.find("__") == std::string_view::npos;
  }
};

// Appends `label="value"` pairs, comma-separated, for `attributes`. Keys that map to the same
// label are merged (values joined with ';' in the order of the original keys, which the
// AttributeSet keeps sorted); labels in `reserved` are skipped.
void AppendAttributeLabels(const AttributeSet& attributes, const Renderer& renderer,
                           const std::vector<std::string>& reserved, std::string* out) {
  const auto& entries = attributes.entries();
  bool verbatim = true;
  for (const KeyValue& kv : entries) {
    if (!renderer.KeyIsVerbatim(kv.key)) {
      verbatim = false;
      break;
    }
  }
  auto is_reserved = [&reserved](std::string_view label) {
    return std::find(reserved.begin(), reserved.end(), label) != reserved.end();
  };
  bool first = true;
  auto append_pair = [&](std::string_view label, std::string_view value) {
    if (!first) out->push_back(',');
    first = false;
    out->append(label);
    out->append("=\"");
    AppendEscapedLabelValue(value, out);
    out->push_back('"');
  };
  if (verbatim) {
    for (const KeyValue& kv : entries) {
      if (is_reserved(kv.key)) continue;
      if (const auto* s = std::get_if<std::string>(&kv.value)) {
        append_pair(kv.key, *s);
      } else {
        append_pair(kv.key, AttributeValueString(kv.value));
      }
    }
    return;
  }
  std::vector<std::pair<std::string, std::string>> labels;
  labels.reserve(entries.size());
  for (const KeyValue& kv : entries) {
    labels.emplace_back(renderer.LabelName(kv.key), AttributeValueString(kv.value));
  }
  // Stable: equal labels keep the original keys' (sorted) order for the ';' join.
  std::stable_sort(labels.begin(), labels.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < labels.size();) {
    std::string value = labels[i].second;
    size_t j = i + 1;
    for (; j < labels.size() && labels[j].first == labels[i].first; ++j) {
      value.push_back(';');
      value += labels[j].second;
    }
    if (!is_reserved(labels[i].first)) append_pair(labels[i].first, value);
    i = j;
  }
}

// Writes `name{labels,extra} ` (or `{"name",labels,extra} `); the caller appends the value.
template <typename Out>
void AppendSampleStart(const RenderedName& name, std::string_view suffix, std::string_view labels,
                       std::string_view extra, Out* out) {
  if (name.quoted) {
    out->append("{\"");
    AppendEscapedLabelValue(name.text, out);
    out->append(suffix);
    out->push_back('"');
    if (!labels.empty()) {
      out->push_back(',');
      out->append(labels);
    }
    if (!extra.empty()) {
      out->push_back(',');
      out->append(extra);
    }
    out->append("} ");
    return;
  }
  out->append(name.text);
  out->append(suffix);
  if (!labels.empty() || !extra.empty()) {
    out->push_back('{');
    out->append(labels);
    if (!labels.empty() && !extra.empty()) out->push_back(',');
    out->append(extra);
    out->push_back('}');
  }
  out->push_back(' ');
}

template <typename Out>
void AppendMetadataName(const RenderedName& name, Out* out) {
  if (name.quoted) {
    out->push_back('"');
    AppendEscapedLabelValue(name.text, out);
    out->push_back('"');
  } else {
    out->append(name.text);
  }
}

// ---- families ----

struct Member {
  size_t scope_index = 0;
  const std::vector<NumberDataPoint>* numbers = nullptr;      // Gauge and counter.
  const std::vector<HistogramDataPoint>* histograms = nullptr;  // Histogram.
};

struct Family {
  FamilyKind kind = FamilyKind::kGauge;
  RenderedName name;  // Text formats: counters with _total; OpenMetrics: without.
  std::string help;
  std::string unit;  // Unit words, for # UNIT.
  std::vector<Member> members;
};

std::string_view TypeName(FamilyKind kind) {
  switch (kind) {
    case FamilyKind::kGauge:
      return "gauge";
    case FamilyKind::kCounter:
      return "counter";
    case FamilyKind::kHistogram:
      return "histogram";
  }
  return "unknown";
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

// ---- delta -> cumulative ----

// Running totals of delta series, keyed by scope, metric name and attributes.
struct PrometheusTextEncoder::DeltaState {
  struct Key {
    std::string scope_name;
    std::string scope_version;
    std::string metric_name;
    AttributeSet attributes;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      size_t h = std::hash<std::string>()(k.scope_name);
      h = h * 31 + std::hash<std::string>()(k.scope_version);
      h = h * 31 + std::hash<std::string>()(k.metric_name);
      return h * 31 + static_cast<size_t>(k.attributes.Hash());
    }
  };
  std::unordered_map<Key, NumberDataPoint, KeyHash> sums;
  std::unordered_map<Key, HistogramDataPoint, KeyHash> histograms;
};

namespace {

void AddNumber(const std::variant<int64_t, double>& delta, std::variant<int64_t, double>* total) {
  if (std::holds_alternative<int64_t>(delta) && std::holds_alternative<int64_t>(*total)) {
    std::get<int64_t>(*total) += std::get<int64_t>(delta);
    return;
  }
  const auto as_double = [](const std::variant<int64_t, double>& v) {
    return std::holds_alternative<int64_t>(v) ? static_cast<double>(std::get<int64_t>(v))
                                              : std::get<double>(v);
  };
  *total = as_double(*total) + as_double(delta);
}

void AddHistogram(const HistogramDataPoint& delta, HistogramDataPoint* total) {
  if (total->explicit_bounds != delta.explicit_bounds ||
      total->bucket_counts.size() != delta.bucket_counts.size()) {
    // New boundaries: the series restarts here.
    *total = delta;
    return;
  }
  for (size_t i = 0; i < delta.bucket_counts.size(); ++i) total->bucket_counts[i] += delta.bucket_counts[i];
  total->count += delta.count;
  if (total->sum && delta.sum) {
    *total->sum += *delta.sum;
  } else if (delta.count > 0) {
    total->sum.reset();
  }
  if (delta.min) total->min = total->min ? std::min(*total->min, *delta.min) : *delta.min;
  if (delta.max) total->max = total->max ? std::max(*total->max, *delta.max) : *delta.max;
  total->time_unix_nano = delta.time_unix_nano;
}

}  // namespace

PrometheusTextEncoder::PrometheusTextEncoder(PrometheusTextOptions options)
    : options_(options), delta_(std::make_unique<DeltaState>()) {}

PrometheusTextEncoder::~PrometheusTextEncoder() = default;

size_t PrometheusTextEncoder::Append(const ResourceMetrics& data,
                                     const PrometheusExposition& exposition, std::string* out) {
  const bool openmetrics = exposition.format == PrometheusFormat::kOpenMetrics100;
  // Text 0.0.4 has no way to quote a name.
  const PrometheusEscaping escaping = exposition.format == PrometheusFormat::kText004
                                          ? PrometheusEscaping::kUnderscores
                                          : exposition.escaping;
  const Renderer renderer{options_, escaping, openmetrics};
  size_t dropped = 0;
  auto warn = [this](std::string key, std::string_view event, std::string_view message) {
    if (warned_.insert(std::move(key)).second) {
      ReportDiagnostic(DiagnosticSeverity::kWarning, event, message);
    }
  };

  // Scope labels, rendered once per scope.
  const std::string scope_name_label = renderer.LabelName("otel_scope_name");
  const std::string scope_version_label = renderer.LabelName("otel_scope_version");
  std::vector<std::string> scope_labels(data.scope_metrics.size());
  std::vector<std::string> reserved;
  if (!options_.without_scope_info) {
    reserved = {scope_name_label, scope_version_label};
    for (size_t s = 0; s < data.scope_metrics.size(); ++s) {
      const InstrumentationScope& scope = data.scope_metrics[s].scope;
      std::string& labels = scope_labels[s];
      labels = scope_name_label + "=\"";
      AppendEscapedLabelValue(scope.name, &labels);
      labels.push_back('"');
      if (!scope.version.empty()) {
        labels += "," + scope_version_label + "=\"";
        AppendEscapedLabelValue(scope.version, &labels);
        labels.push_back('"');
      }
    }
  }

  // Pass 1: families.
  std::vector<Family> families;
  std::unordered_map<std::string, size_t> family_index;
  std::deque<std::vector<NumberDataPoint>> accumulated_sums;
  std::deque<std::vector<HistogramDataPoint>> accumulated_histograms;
  const bool target_info =
      !options_.without_target_info && !data.resource.attributes().empty();
  const RenderedName target_name = renderer.MetricName(openmetrics ? "target" : "target_info");
  if (target_info) family_index.emplace(target_name.text, SIZE_MAX);  // Reserved.

  for (size_t s = 0; s < data.scope_metrics.size(); ++s) {
    const ScopeMetrics& sm = data.scope_metrics[s];
    for (const MetricData& metric : sm.metrics) {
      Member member;
      member.scope_index = s;
      FamilyKind kind = FamilyKind::kGauge;
      bool is_gauge = false;
      if (const auto* gauge = std::get_if<GaugeData>(&metric.data)) {
        member.numbers = &gauge->points;
        is_gauge = true;
      } else if (const auto* sum = std::get_if<SumData>(&metric.data)) {
        kind = sum->is_monotonic ? FamilyKind::kCounter : FamilyKind::kGauge;
        is_gauge = !sum->is_monotonic;
        if (sum->temporality != AggregationTemporality::kDelta) {
          member.numbers = &sum->points;
        } else if (!sum->is_monotonic) {
          ++dropped;
          warn("delta-nonmonotonic:" + metric.name, "PrometheusMetricDropped",
               "Prometheus exporter: dropping metric '" + metric.name +
                   "': a delta non-monotonic sum has no Prometheus form");
          continue;
        } else {
          auto& points = accumulated_sums.emplace_back();
          for (const NumberDataPoint& p : sum->points) {
            DeltaState::Key key{sm.scope.name, sm.scope.version, metric.name, p.attributes};
            auto [it, inserted] = delta_->sums.try_emplace(std::move(key), p);
            if (!inserted) {
              AddNumber(p.value, &it->second.value);
              it->second.time_unix_nano = p.time_unix_nano;
            }
            points.push_back(it->second);
          }
          member.numbers = &points;
        }
      } else if (const auto* histogram = std::get_if<HistogramData>(&metric.data)) {
        kind = FamilyKind::kHistogram;
        if (histogram->temporality != AggregationTemporality::kDelta) {
          member.histograms = &histogram->points;
        } else {
          auto& points = accumulated_histograms.emplace_back();
          for (const HistogramDataPoint& p : histogram->points) {
            DeltaState::Key key{sm.scope.name, sm.scope.version, metric.name, p.attributes};
            auto [it, inserted] = delta_->histograms.try_emplace(std::move(key), p);
            if (!inserted) AddHistogram(p, &it->second);
            points.push_back(it->second);
          }
          member.histograms = &points;
        }
      } else {
        ++dropped;
        warn("exponential:" + metric.name, "PrometheusMetricDropped",
             "Prometheus exporter: dropping exponential histogram '" + metric.name +
                 "': the text formats cannot carry native histograms");
        continue;
      }

      const std::string unit = PrometheusUnit(metric.unit, is_gauge);
      // OpenMetrics names the counter family without _total (its samples add it).
      const prometheus::TotalSuffix total = openmetrics                   ? prometheus::TotalSuffix::kStrip
                                            : options_.without_type_suffix ? prometheus::TotalSuffix::kLeave
                                                                           : prometheus::TotalSuffix::kAppend;
      std::string translated =
          prometheus::TranslateMetricName(metric.name, unit, kind, options_, total);
      RenderedName name = renderer.MetricName(translated);
      auto [it, inserted] = family_index.try_emplace(name.text, families.size());
      if (inserted) {
        Family family;
        family.kind = kind;
        family.name = std::move(name);
        family.help = metric.description;
        const bool units_in_name =
            !options_.without_units &&
            options_.translation_strategy != PrometheusTranslationStrategy::kNoTranslation &&
            options_.translation_strategy !=
                PrometheusTranslationStrategy::kUnderscoreEscapingWithoutSuffixes;
        if (units_in_name && !unit.empty() && EndsWith(family.name.text, "_" + unit)) {
          family.unit = unit;
        }
        family.members.push_back(member);
        families.push_back(std::move(family));
        continue;
      }
      if (it->second == SIZE_MAX || families[it->second].kind != kind) {
        ++dropped;
        const std::string_view existing =
            it->second == SIZE_MAX ? std::string_view("info") : TypeName(families[it->second].kind);
        warn("type:" + it->first + ":" + std::string(TypeName(kind)), "PrometheusTypeConflict",
             "Prometheus exporter: dropping metric '" + metric.name + "' (scope '" +
                 sm.scope.name + "'): family '" + it->first + "' is already a " +
                 std::string(existing) + ", not a " + std::string(TypeName(kind)));
        continue;
      }
      Family& family = families[it->second];
      if (family.help != metric.description) {
        warn("help:" + it->first, "PrometheusHelpConflict",
             "Prometheus exporter: family '" + it->first +
                 "' has several descriptions; the first one is kept");
      }
      family.members.push_back(member);
    }
  }

  // Pass 2: writing.
  BufferedSink sink(out);
  std::string labels;
  auto begin_family = [&](const RenderedName& name, std::string_view help, std::string_view type,
                          std::string_view unit) {
    if (!help.empty()) {
      sink.append("# HELP ");
      AppendMetadataName(name, &sink);
      sink.push_back(' ');
      AppendEscapedHelp(help, openmetrics, &sink);
      sink.push_back('\n');
    }
    sink.append("# TYPE ");
    AppendMetadataName(name, &sink);
    sink.push_back(' ');
    sink.append(type);
    sink.push_back('\n');
    if (openmetrics && !unit.empty()) {
      sink.append("# UNIT ");
      AppendMetadataName(name, &sink);
      sink.push_back(' ');
      sink.append(unit);
      sink.push_back('\n');
    }
  };
  const std::string le_label = renderer.LabelName("le");
  std::vector<std::string> reserved_in_histograms = reserved;
  reserved_in_histograms.push_back(le_label);
  auto point_labels = [&](const AttributeSet& attributes, size_t scope_index, bool histogram) {
    labels.clear();
    AppendAttributeLabels(attributes, renderer, histogram ? reserved_in_histograms : reserved,
                          &labels);
    const std::string& scope = scope_labels[scope_index];
    if (!scope.empty()) {
      if (!labels.empty()) labels.push_back(',');
      labels += scope;
    }
  };
  auto append_created = [&](const RenderedName& name, uint64_t start_time_unix_nano) {
    if (!openmetrics || start_time_unix_nano == 0) return;
    AppendSampleStart(name, "_created", labels, {}, &sink);
    AppendSecondsFromNanos(start_time_unix_nano, &sink);
    sink.push_back('\n');
  };

  if (target_info) {
    begin_family(target_name, "Target metadata", openmetrics ? "info" : "gauge", {});
    labels.clear();
    AppendAttributeLabels(data.resource.attributes(), renderer, {}, &labels);
    AppendSampleStart(target_name, openmetrics ? "_info" : "", labels, {}, &sink);
    sink.append("1\n");
  }

  std::vector<std::string> le_values;
  std::string bucket_prefix;
  for (const Family& family : families) {
    begin_family(family.name, family.help, TypeName(family.kind), family.unit);
    const std::string_view sample_suffix =
        family.kind == FamilyKind::kCounter && openmetrics ? "_total" : "";
    for (const Member& member : family.members) {
      if (member.numbers != nullptr) {
        for (const NumberDataPoint& p : *member.numbers) {
          point_labels(p.attributes, member.scope_index, false);
          AppendSampleStart(family.name, sample_suffix, labels, {}, &sink);
          AppendValue(p.value, &sink);
          sink.push_back('\n');
          if (family.kind == FamilyKind::kCounter) append_created(family.name, p.start_time_unix_nano);
        }
        continue;
      }
      const std::vector<double>* bounds_of_le_values = nullptr;
      for (const HistogramDataPoint& p : *member.histograms) {
        point_labels(p.attributes, member.scope_index, true);
        // The le label texts, rendered once per distinct set of bounds.
        if (bounds_of_le_values == nullptr || *bounds_of_le_values != p.explicit_bounds) {
          bounds_of_le_values = &p.explicit_bounds;
          le_values.clear();
          for (double bound : p.explicit_bounds) {
            std::string& v = le_values.emplace_back(le_label);
            v.append("=\"");
            AppendFloatLabelValue(bound, openmetrics, &v);
            v.append("\"} ");
          }
          le_values.push_back(le_label + "=\"+Inf\"} ");
        }
        // Bucket lines are most of a scrape: each is two copies (this prefix, then the le text
        // with the closing brace) and the count.
        bucket_prefix.clear();
        if (family.name.quoted) {
          bucket_prefix.append("{\"");
          AppendEscapedLabelValue(family.name.text, &bucket_prefix);
          bucket_prefix.append("_bucket\",");
        } else {
          bucket_prefix.append(family.name.text);
          bucket_prefix.append("_bucket{");
        }
        if (!labels.empty()) {
          bucket_prefix.append(labels);
          bucket_prefix.push_back(',');
        }
        uint64_t cumulative = 0;
        const size_t n = std::min(p.bucket_counts.size(), p.explicit_bounds.size() + 1);
        for (size_t i = 0; i < n && i < p.explicit_bounds.size(); ++i) {
          cumulative += p.bucket_counts[i];
          sink.append(bucket_prefix);
          sink.append(le_values[i]);
          AppendUint(cumulative, &sink);
          sink.push_back('\n');
        }
        // +Inf is the total count (equal to the sum of all buckets in valid data).
        sink.append(bucket_prefix);
        sink.append(le_values.back());
        AppendUint(p.count, &sink);
        sink.push_back('\n');
        AppendSampleStart(family.name, "_count", labels, {}, &sink);
        AppendUint(p.count, &sink);
        sink.push_back('\n');
        if (p.sum && !(p.min && *p.min < 0)) {
          AppendSampleStart(family.name, "_sum", labels, {}, &sink);
          AppendDouble(*p.sum, &sink);
          sink.push_back('\n');
        }
        append_created(family.name, p.start_time_unix_nano);
      }
    }
  }
  if (openmetrics) sink.append("# EOF\n");
  return dropped;
}

std::string EncodePrometheusText(const ResourceMetrics& data, const PrometheusTextOptions& options,
                                 const PrometheusExposition& exposition) {
  PrometheusTextEncoder encoder(options);
  std::string out;
  (void)encoder.Append(data, exposition, &out);  // The count of dropped metrics: see warnings.
  return out;
}

}  // namespace cryptolake::metrics
