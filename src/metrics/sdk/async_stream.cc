#include "async_stream.h"

#include <algorithm>
#include <cstddef>

#include "aggregators.h"

namespace cryptolake::metrics::internal {
namespace {

Number Add(const Number& a, const Number& b) {
  if (std::holds_alternative<int64_t>(a) && std::holds_alternative<int64_t>(b)) {
    return static_cast<int64_t>(static_cast<uint64_t>(std::get<int64_t>(a)) +
                                static_cast<uint64_t>(std::get<int64_t>(b)));
  }
  auto d = [](const Number& n) {
    return std::holds_alternative<int64_t>(n) ? static_cast<double>(std::get<int64_t>(n))
                                              : std::get<double>(n);
  };
  return d(a) + d(b);
}

Number Subtract(const Number& a, const Number& b) {
  if (std::holds_alternative<int64_t>(a)) {
    return static_cast<int64_t>(static_cast<uint64_t>(std::get<int64_t>(a)) -
                                static_cast<uint64_t>(std::get<int64_t>(b)));
  }
  return std::get<double>(a) - std::get<double>(b);
}

bool Contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::binary_search(keys.begin(), keys.end(), key);
}

}  // namespace

AsyncStream::AsyncStream(StreamSpec spec)
    : spec_(std::move(spec)),
      created_ns_(NowUnixNanos()),
      previous_(spec_.reader_temporality.size()),
      last_collect_ns_(spec_.reader_temporality.size(), 0) {}

AttributeSet AsyncStream::FilterAttributes(const AttributeSet& in) const {
  if (!spec_.filters_attributes()) return in;
  std::vector<KeyValue> kept;
  for (const KeyValue& kv : in.entries()) {
    bool keep = spec_.has_allowed_keys ? Contains(spec_.allowed_keys, kv.key)
                                       : !Contains(spec_.excluded_keys, kv.key);
    if (keep) kept.push_back(kv);
  }
  return AttributeSet(std::move(kept));
}

void AsyncStream::Collect(size_t reader, uint64_t now_ns,
                          const std::vector<Observation>& observations,
                          std::vector<MetricData>* out) {
  const bool is_sum = spec_.aggregation.kind == AggregationKind::kSum;
  // The overflow set comes on top of `limit` observed sets.
  const size_t max_sets = static_cast<size_t>(std::max(spec_.cardinality_limit, 1));
  static const AttributeSet* const kOverflow =
      new AttributeSet({KeyValue{"otel.metric.overflow", true}});

  // Aggregate this collection's observations per (filtered) attribute set,
  // keeping first-seen order for a stable export order.
  std::unordered_map<AttributeSet, size_t, AttributeSetHash> index;
  std::vector<std::pair<AttributeSet, Number>> current;
  bool overflowed = false;
  for (const Observation& o : observations) {
    AttributeSet key = FilterAttributes(o.attributes);
    auto it = index.find(key);
    if (it == index.end() && index.size() - (overflowed ? 1 : 0) >= max_sets) {
      key = *kOverflow;
      it = index.find(key);
      overflowed = true;
    }
    if (it == index.end()) {
      index.emplace(key, current.size());
      current.emplace_back(std::move(key), o.value);
    } else if (is_sum) {
      current[it->second].second = Add(current[it->second].second, o.value);
    } else {
      current[it->second].second = o.value;
    }
  }

  const AggregationTemporality temporality = spec_.reader_temporality[reader];
  const uint64_t previous_collect = last_collect_ns_[reader];
  const uint64_t new_series_start = previous_collect != 0 ? previous_collect : created_ns_;
  PreviousMap& previous = previous_[reader];
  PreviousMap next;
  next.reserve(current.size());

  MetricData md;
  md.name = spec_.name;
  md.description = spec_.description;
  md.unit = spec_.unit;
  if (is_sum) {
    SumData sum;
    sum.temporality = temporality;
    sum.is_monotonic = spec_.is_monotonic();
    md.data = std::move(sum);
  } else {
    md.data = GaugeData{};
  }

  for (auto& [attributes, value] : current) {
    NumberDataPoint p;
    p.time_unix_nano = now_ns;
    auto prev = previous.find(attributes);
    const uint64_t series_start = prev != previous.end() ? prev->second.start_ns : new_series_start;
    if (is_sum) {
      if (temporality == AggregationTemporality::kDelta) {
        // The increase since the set's last observation, which may be older
        // than the previous collection if it missed callbacks meanwhile; the
        // point then starts there, so its interval holds the whole increase.
        p.value = prev != previous.end() ? Subtract(value, prev->second.value) : value;
        p.start_time_unix_nano =
            prev != previous.end() ? prev->second.observed_ns : new_series_start;
      } else {
        p.value = value;
        p.start_time_unix_nano = series_start;
      }
    } else {
      p.value = value;
    }
    next.emplace(attributes, Previous{value, series_start, now_ns});
    p.attributes = std::move(attributes);
    if (is_sum) {
      std::get<SumData>(md.data).points.push_back(std::move(p));
    } else {
      std::get<GaugeData>(md.data).points.push_back(std::move(p));
    }
  }
  // Sets not observed this time are not exported. Under cumulative (and for
  // gauges) their state is dropped. A delta sum keeps the last observation
  // of such a set, so that when it comes back its delta is the increase
  // since then rather than its whole value; at most `limit` of these are
  // kept, the most recently observed ones.
  if (is_sum && temporality == AggregationTemporality::kDelta) {
    std::vector<PreviousMap::iterator> unobserved;
    for (auto it = previous.begin(); it != previous.end(); ++it) {
      if (!next.contains(it->first)) unobserved.push_back(it);
    }
    if (unobserved.size() > max_sets) {
      std::nth_element(unobserved.begin(), unobserved.begin() + static_cast<ptrdiff_t>(max_sets),
                       unobserved.end(), [](PreviousMap::iterator a, PreviousMap::iterator b) {
                         return a->second.observed_ns > b->second.observed_ns;
                       });
      unobserved.resize(max_sets);
    }
    for (PreviousMap::iterator it : unobserved) next.emplace(it->first, std::move(it->second));
  }
  previous = std::move(next);
  last_collect_ns_[reader] = now_ns;
  const bool has_points = std::visit([](const auto& d) { return !d.points.empty(); }, md.data);
  if (has_points) out->push_back(std::move(md));
}

}  // namespace cryptolake::metrics::internal
