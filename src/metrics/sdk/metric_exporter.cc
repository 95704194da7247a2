// Temporality preference table (OTLP exporter spec,
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE).
#include "cryptolake/metrics/sdk/metric_exporter.h"

#include <cctype>
#include <string>

// Switches over InstrumentKind have no `default:`: a new kind fails to compile
// until each one handles it.
#pragma GCC diagnostic error "-Wswitch"

namespace cryptolake::metrics {

AggregationTemporality TemporalityFor(TemporalityPreference preference, InstrumentKind kind) {
  constexpr auto kDelta = AggregationTemporality::kDelta;
  constexpr auto kCumulative = AggregationTemporality::kCumulative;
  switch (preference) {
    case TemporalityPreference::kCumulative:
      return kCumulative;
    case TemporalityPreference::kDelta:
      switch (kind) {
        case InstrumentKind::kCounter:
        case InstrumentKind::kObservableCounter:
        case InstrumentKind::kHistogram:
          return kDelta;
        case InstrumentKind::kUpDownCounter:
        case InstrumentKind::kGauge:
        case InstrumentKind::kObservableUpDownCounter:
        case InstrumentKind::kObservableGauge:
          return kCumulative;
      }
      return kCumulative;
    case TemporalityPreference::kLowMemory:
      // Only synchronous Counter and Histogram: their delta needs no
      // per-series memory, whereas an asynchronous counter's delta would have
      // to remember the previous observation.
      switch (kind) {
        case InstrumentKind::kCounter:
        case InstrumentKind::kHistogram:
          return kDelta;
        case InstrumentKind::kUpDownCounter:
        case InstrumentKind::kGauge:
        case InstrumentKind::kObservableCounter:
        case InstrumentKind::kObservableUpDownCounter:
        case InstrumentKind::kObservableGauge:
          return kCumulative;
      }
      return kCumulative;
  }
  return kCumulative;
}

Result<TemporalityPreference> ParseTemporalityPreference(std::string_view text) {
  std::string lower;
  lower.reserve(text.size());
  for (char c : text) {
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  // Surrounding whitespace is a common artefact of env files; tolerate it.
  const size_t first = lower.find_first_not_of(" \t");
  const size_t last = lower.find_last_not_of(" \t");
  lower = first == std::string::npos ? std::string() : lower.substr(first, last - first + 1);
  if (lower == "cumulative") return TemporalityPreference::kCumulative;
  if (lower == "delta") return TemporalityPreference::kDelta;
  if (lower == "lowmemory") return TemporalityPreference::kLowMemory;
  return Status::InvalidArgument("unknown temporality preference '" + std::string(text) +
                                 "' (expected cumulative, delta or lowmemory)");
}

}  // namespace cryptolake::metrics
