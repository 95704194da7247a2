// InstrumentKind: the kinds of instrument a Meter creates.
//
// Part of the API (an instrument's identity includes its kind); the SDK uses
// it to select views and to pick each reader's temporality per kind.
//
// Thread-safety: a plain enum.
#ifndef CRYPTOLAKE_METRICS_INSTRUMENT_KIND_H_
#define CRYPTOLAKE_METRICS_INSTRUMENT_KIND_H_

#include <cstddef>

namespace cryptolake::metrics {

// Adding a kind: append it (the values index per-kind tables), make it
// kLastInstrumentKind, and follow the compiler: every switch over the kind in
// the SDK has no `default:` and is compiled with -Wswitch as an error, and
// src/metrics/sdk/sdk_meter.cc static_asserts that kLastInstrumentKind is the
// last one.
enum class InstrumentKind : int {
  kCounter,
  kUpDownCounter,
  kHistogram,
  kGauge,
  kObservableCounter,
  kObservableUpDownCounter,
  kObservableGauge,
};

inline constexpr InstrumentKind kLastInstrumentKind = InstrumentKind::kObservableGauge;
inline constexpr size_t kInstrumentKindCount = static_cast<size_t>(kLastInstrumentKind) + 1;

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_INSTRUMENT_KIND_H_
