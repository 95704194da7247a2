// Prometheus exposition of the export data model: text format 0.0.4 (and its
// UTF-8 successor, text 1.0.0) and OpenMetrics 1.0.0 text, following the
// OpenTelemetry "Prometheus and OpenMetrics Compatibility" rules (OTLP -> Prometheus)
// and the Prometheus exporter specification.
//
// Mapping (PrometheusTranslationStrategy::kUnderscoreEscapingWithSuffixes, the default):
//  - Metric names: every character outside [a-zA-Z0-9_:] becomes '_', runs of '_' collapse
//    to one, a leading digit gets a '_' prefix. The unit, in words, is appended before any
//    type suffix unless the name already ends with it: s -> seconds, ms -> milliseconds,
//    By -> bytes, KiBy -> kibibytes, ..., "{packet}" annotations are dropped, "a/b" ->
//    "a_per_b" (By/s -> bytes_per_second), "1" -> "ratio" on gauges only (dropped elsewhere),
//    unknown units are sanitised and appended as they are.
//  - Gauge -> gauge. Cumulative monotonic Sum -> counter named "<name>[_<unit>]_total" (a name
//    already ending in "_total" is not given a second one). Non-monotonic Sum -> gauge.
//    Histogram -> histogram: cumulative "_bucket{le=...}" ending with le="+Inf", "_count", and
//    "_sum" when the point has a sum and no negative minimum.
//  - Delta data: monotonic delta Sums and delta Histograms are accumulated into running
//    totals per (scope, metric, attributes) by the PrometheusTextEncoder that sees them, so
//    a scrape shows cumulative values whose start time is the first delta's start. Delta
//    non-monotonic Sums are dropped (the compatibility spec says so).
//  - Exponential histograms are dropped (the text formats cannot carry native histograms;
//    the spec says SHOULD drop, MAY convert), with one warning per metric.
//  - Labels: attribute keys are sanitised like names (without suffixes, '_' prefix before a
//    leading digit); keys that sanitise to the same label are merged into one whose value is
//    the values joined with ';' in the lexicographic order of the original keys. Non-string
//    values: true/false, decimal integers, shortest round-trip doubles, arrays as JSON.
//    Attributes that would collide with a label the exporter adds (otel_scope_name,
//    otel_scope_version, and le on histograms) are dropped.
//  - Every sample carries otel_scope_name (and otel_scope_version when the scope has one)
//    unless without_scope_info. The resource becomes one "target_info" gauge (an info family
//    in OpenMetrics) with value 1 and the resource attributes as labels, unless
//    without_target_info or the resource has no attributes.
//  - Families: metrics of different scopes that translate to the same name share one family
//    (one HELP/TYPE/UNIT block, the first description wins). A metric whose family already
//    exists with a different TYPE is dropped, with one warning (SDK diagnostics, event
//    "PrometheusTypeConflict") per encoder and family.
//  - Values: integers exactly, doubles in shortest round-trip form, +Inf, -Inf, NaN. No
//    timestamps (the exporter spec forbids them). No # HELP line for an empty description.
//
// OpenMetrics 1.0.0 differs: counter TYPE/UNIT/HELP lines name the family without "_total",
// "# UNIT" is written when the family name ends with the unit, "_created" samples (seconds)
// come from the points' start times, le values are floats ("1.0"), HELP escapes '"', and the
// body ends with "# EOF". OpenMetrics counter samples always end in "_total" (the format
// requires it), even with without_type_suffix.
//
// Name escaping at exposition (PrometheusEscaping, negotiated per scrape from the Accept
// header's "escaping=" parameter; text 0.0.4 always uses kUnderscores):
//  - kUnderscores: invalid characters -> '_' (no collapsing at this stage), '_' before a
//    leading digit;
//  - kAllowUtf8: names kept; a name that is not a legacy name is quoted, metric names inside
//    the braces: {"my.metric",label="x"}, and "# TYPE "my.metric" gauge";
//  - kDots: '.' -> "_dot_", '_' -> "__", other invalid characters -> '_';
//  - kValues: a legacy-valid name is kept, otherwise "U__" + each '_' as "__", each other
//    invalid character as "_<hex code point>_".
// Schemes apply to the family name; sample suffixes (_bucket, _total, ...) are appended after.
//
// Thread-safety: the free functions are pure and may be called concurrently. A
// PrometheusTextEncoder is thread-compatible: one encoder must not be used by two threads at
// once (the endpoint serialises its scrapes).
#ifndef CRYPTOLAKE_METRICS_EXPORT_PROMETHEUS_TEXT_H_
#define CRYPTOLAKE_METRICS_EXPORT_PROMETHEUS_TEXT_H_

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <cstddef>

#include "cryptolake/metrics/sdk/metric_data.h"

namespace cryptolake::metrics {

// How OpenTelemetry names become Prometheus names (the names the OTel specification and the
// Collector's prometheus exporter use for its translation_strategy setting).
enum class PrometheusTranslationStrategy {
  kUnderscoreEscapingWithSuffixes,     // Sanitised names, unit and _total suffixes (default).
  kUnderscoreEscapingWithoutSuffixes,  // Sanitised names, no unit or type suffixes.
  kNoUTF8EscapingWithSuffixes,         // Names kept as they are, unit and _total suffixes.
  kNoTranslation,                      // Names and label keys kept, no suffixes.
};

enum class PrometheusFormat {
  kText004,         // text/plain; version=0.0.4 (legacy names only).
  kText100,         // text/plain; version=1.0.0 (0.0.4 plus quoted UTF-8 names).
  kOpenMetrics100,  // application/openmetrics-text; version=1.0.0.
};

enum class PrometheusEscaping {
  kUnderscores,  // escaping=underscores (the default).
  kAllowUtf8,    // escaping=allow-utf-8.
  kDots,         // escaping=dots.
  kValues,       // escaping=values.
};

struct PrometheusTextOptions {
  PrometheusTranslationStrategy translation_strategy =
      PrometheusTranslationStrategy::kUnderscoreEscapingWithSuffixes;
  bool without_units = false;        // No unit suffix, no # UNIT.
  bool without_type_suffix = false;  // No _total on text-format counters.
  bool without_scope_info = false;   // No otel_scope_name / otel_scope_version labels.
  bool without_target_info = false;  // No target_info.
};

// What one scrape is answered with.
struct PrometheusExposition {
  PrometheusFormat format = PrometheusFormat::kText004;
  PrometheusEscaping escaping = PrometheusEscaping::kUnderscores;
  std::string content_type = "text/plain; version=0.0.4; charset=utf-8";
};

// Chooses the format for an HTTP Accept header: the supported media range with the highest
// q (ties: the first listed) among application/openmetrics-text (version 1.0.0 or none),
// text/plain (version 0.0.4, 1.0.0 or none) and */*, text/*, application/*; text 0.0.4
// when the header is empty or names nothing we serve. The escaping= parameter of the
// chosen range is honoured for text 1.0.0 and OpenMetrics (unknown values and text 0.0.4:
// underscores). content_type is the Content-Type to send, with the escaping parameter when
// the range asked for one.
PrometheusExposition NegotiatePrometheusExposition(std::string_view accept_header);

// The Prometheus unit words for an OpenTelemetry (UCUM) unit, "" when none: "s" -> "seconds",
// "By/s" -> "bytes_per_second", "{packet}" -> "", "1" -> "ratio" only when `is_gauge`.
std::string PrometheusUnit(std::string_view otel_unit, bool is_gauge);

// Encodes data into Prometheus text. Keeps, across calls, the running totals of delta data
// and the set of warnings already given (each distinct warning is reported once through the
// SDK diagnostics for the encoder's lifetime). Memory: one entry per delta series ever seen.
class PrometheusTextEncoder {
 public:
  explicit PrometheusTextEncoder(PrometheusTextOptions options = {});
  ~PrometheusTextEncoder();
  PrometheusTextEncoder(const PrometheusTextEncoder&) = delete;
  PrometheusTextEncoder& operator=(const PrometheusTextEncoder&) = delete;

  // Appends the exposition of `data` to `*out` (reuse one buffer to avoid reallocation).
  // Returns the number of metrics dropped (type conflicts, exponential histograms, delta
  // non-monotonic sums).
  size_t Append(const ResourceMetrics& data, const PrometheusExposition& exposition,
                std::string* out);

  const PrometheusTextOptions& options() const { return options_; }

 private:
  struct DeltaState;
  PrometheusTextOptions options_;
  std::unique_ptr<DeltaState> delta_;
  std::set<std::string> warned_;
};

// One-shot encoding with a fresh encoder (delta data shows only the deltas given).
std::string EncodePrometheusText(const ResourceMetrics& data,
                                 const PrometheusTextOptions& options = {},
                                 const PrometheusExposition& exposition = {});

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_EXPORT_PROMETHEUS_TEXT_H_
