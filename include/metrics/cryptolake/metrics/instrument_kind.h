// InstrumentKind: the seven kinds of instrument a Meter creates.
//
// Part of the API (an instrument's identity includes its kind); the SDK uses
// it to select views and to pick each reader's temporality per kind.
//
// Thread-safety: a plain enum.
#ifndef CRYPTOLAKE_METRICS_INSTRUMENT_KIND_H_
#define CRYPTOLAKE_METRICS_INSTRUMENT_KIND_H_

namespace cryptolake::metrics {

enum class InstrumentKind : int {
  kCounter,
  kUpDownCounter,
  kHistogram,
  kGauge,
  kObservableCounter,
  kObservableUpDownCounter,
  kObservableGauge,
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_INSTRUMENT_KIND_H_
