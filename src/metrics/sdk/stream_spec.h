// StreamSpec: one metric stream of an instrument, resolved from the
// instrument, the matching view (if any) and the readers.
//
// Thread-safety: immutable value once built.
#ifndef CRYPTOLAKE_SRC_METRICS_STREAM_SPEC_H_
#define CRYPTOLAKE_SRC_METRICS_STREAM_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cryptolake/metrics/meter.h"
#include "cryptolake/metrics/sdk/aggregation.h"
#include "cryptolake/metrics/sdk/metric_data.h"

namespace cryptolake::metrics::internal {

struct StreamSpec {
  std::string name;
  std::string description;
  std::string unit;
  InstrumentKind kind = InstrumentKind::kCounter;
  InstrumentValueType value_type = InstrumentValueType::kInt64;
  // Never kDefault; boundaries resolved for explicit histograms.
  Aggregation aggregation;
  bool has_allowed_keys = false;
  std::vector<std::string> allowed_keys;   // Sorted.
  std::vector<std::string> excluded_keys;  // Sorted; ignored when has_allowed_keys.
  int32_t cardinality_limit = 2000;        // >= 1 attribute sets; overflow comes on top.
  // One entry per reader of the provider.
  std::vector<AggregationTemporality> reader_temporality;

  bool filters_attributes() const { return has_allowed_keys || !excluded_keys.empty(); }
  // Sum is exported as monotonic, histogram sums are meaningful.
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch"  // No `default:`: a new kind must be placed here.
  bool is_monotonic() const {
    switch (kind) {
      case InstrumentKind::kCounter:
      case InstrumentKind::kObservableCounter:
      case InstrumentKind::kHistogram:
        return true;
      case InstrumentKind::kUpDownCounter:
      case InstrumentKind::kGauge:
      case InstrumentKind::kObservableUpDownCounter:
      case InstrumentKind::kObservableGauge:
        return false;
    }
    return false;
  }
#pragma GCC diagnostic pop
  bool all_readers_delta() const {
    for (AggregationTemporality t : reader_temporality) {
      if (t != AggregationTemporality::kDelta) return false;
    }
    return true;
  }
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_STREAM_SPEC_H_
