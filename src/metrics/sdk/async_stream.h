// AsyncStream: one stream of an asynchronous (observable) instrument.
//
// Each collection hands the stream the observations the instrument's
// callbacks just reported (already de-duplicated: the last observation of an
// attribute set wins). The stream filters attributes (observations that
// collapse onto one set are added for sums, last wins for gauges), applies
// the cardinality limit (the first `limit` sets of the callbacks keep their
// attributes, further ones go to {otel.metric.overflow=true}) and exports
// exactly the sets observed now: a set that is no longer observed is no
// longer exported, under cumulative temporality too, and its state is
// dropped, except for delta sums. Delta sums are the difference to this
// reader's last observation of the set, even when the set missed callbacks
// in between (the point then starts at that observation's collection); the
// first observation is exported as is. The last observations of up to
// `limit` unobserved sets are kept for that (the most recent ones).
//
// Thread-safety: Collect is called by one thread at a time.
#ifndef CRYPTOLAKE_SRC_METRICS_ASYNC_STREAM_H_
#define CRYPTOLAKE_SRC_METRICS_ASYNC_STREAM_H_

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "cryptolake/metrics/attribute_set.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "stream_spec.h"

namespace cryptolake::metrics::internal {

using Number = std::variant<int64_t, double>;

struct Observation {
  AttributeSet attributes;
  Number value;
};

struct AttributeSetHash {
  size_t operator()(const AttributeSet& set) const { return static_cast<size_t>(set.Hash()); }
};

class AsyncStream {
 public:
  // REQUIRES: spec.aggregation.kind is kSum or kLastValue.
  explicit AsyncStream(StreamSpec spec);

  void Collect(size_t reader, uint64_t now_ns, const std::vector<Observation>& observations,
               std::vector<MetricData>* out);

  const StreamSpec& spec() const { return spec_; }

 private:
  struct Previous {
    Number value;
    uint64_t start_ns = 0;     // Cumulative start of the set.
    uint64_t observed_ns = 0;  // The collection that last observed the set.
  };
  using PreviousMap = std::unordered_map<AttributeSet, Previous, AttributeSetHash>;

  AttributeSet FilterAttributes(const AttributeSet& in) const;

  StreamSpec spec_;
  uint64_t created_ns_;
  std::vector<PreviousMap> previous_;  // Per reader.
  std::vector<uint64_t> last_collect_ns_;
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_ASYNC_STREAM_H_
