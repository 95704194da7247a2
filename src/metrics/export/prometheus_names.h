// Name handling for the Prometheus encoder (prometheus_text.cc): OpenTelemetry -> Prometheus
// name translation (sanitising, unit and type suffixes) and the exposition escaping schemes.
// Rules are stated in cryptolake/metrics/export/prometheus_text.h.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_METRICS_EXPORT_PROMETHEUS_NAMES_H_
#define CRYPTOLAKE_METRICS_EXPORT_PROMETHEUS_NAMES_H_

#include <string>
#include <string_view>

#include "cryptolake/metrics/export/prometheus_text.h"

namespace cryptolake::metrics::prometheus {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsLegacyMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*
bool IsLegacyLabelName(std::string_view name);

// The unit with every "{...}" annotation removed.
std::string DropAnnotations(std::string_view unit);
// Words for one part of a unit (`per`: the part after '/', in the singular).
std::string UnitPartWords(std::string_view part, bool per);

// Translation-time sanitising (underscore strategies): invalid characters -> '_', runs of '_'
// collapsed to one, '_' prefixed before a leading digit. `allow_colon` for metric names.
std::string SanitizeName(std::string_view name, bool allow_colon);

// What kind of Prometheus family a metric becomes; decides its suffixes.
enum class FamilyKind { kGauge, kCounter, kHistogram };

// What happens to a counter's "_total": kAppend (text formats: a name already ending in
// _total keeps one, the unit goes before it), kStrip (OpenMetrics family names, whose samples
// add it back), kLeave (without_type_suffix: a user's own _total stays, none is added).
enum class TotalSuffix { kAppend, kStrip, kLeave };

// The translated (pre-escaping) Prometheus name of a metric. `total` matters for counters
// only, and only for the strategies with suffixes.
std::string TranslateMetricName(std::string_view name, std::string_view unit_words,
                                FamilyKind kind, const PrometheusTextOptions& options,
                                TotalSuffix total);

// The translated (pre-escaping) label name of an attribute key.
std::string TranslateLabelName(std::string_view key, PrometheusTranslationStrategy strategy);

// Applies the exposition escaping scheme to a translated name. kAllowUtf8 returns the name
// unchanged (the writer quotes it when it is not a legacy name).
std::string EscapeName(std::string_view name, PrometheusEscaping escaping, bool is_metric);

}  // namespace cryptolake::metrics::prometheus

#endif  // CRYPTOLAKE_METRICS_EXPORT_PROMETHEUS_NAMES_H_
