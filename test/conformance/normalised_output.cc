#include "normalised_output.h"

#include <cmath>
#include <string>
#include <type_traits>
#include <variant>

namespace cryptolake::conformance {
namespace {

using nlohmann::json;
namespace m = cryptolake::metrics;

json BucketsToJson(const m::ExponentialHistogramBuckets& b) {
  return json{{"offset", b.offset}, {"bucket_counts", b.bucket_counts}};
}

json OptionalNumber(const std::optional<double>& v) { return v ? NumberToJson(*v) : json(nullptr); }

json ValueToJson(const std::variant<int64_t, double>& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return json(*i);
  return NumberToJson(std::get<double>(v));
}

json AttributeValueToJson(const m::AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> json {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, double>) {
          return NumberToJson(v);
        } else if constexpr (std::is_same_v<V, std::vector<double>>) {
          json a = json::array();
          for (double d : v) a.push_back(NumberToJson(d));
          return a;
        } else if constexpr (std::is_same_v<V, std::vector<bool>>) {
          json a = json::array();
          for (bool b : v) a.push_back(b);
          return a;
        } else {
          return json(v);
        }
      },
      value);
}

const char* TemporalityName(m::AggregationTemporality t) {
  switch (t) {
    case m::AggregationTemporality::kDelta:
      return "delta";
    case m::AggregationTemporality::kCumulative:
      return "cumulative";
    default:
      return "unspecified";
  }
}

}  // namespace

json NumberToJson(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

json AttributesToJson(const m::AttributeSet& attributes) {
  json out = json::object();
  for (const m::KeyValue& kv : attributes.entries()) out[kv.key] = AttributeValueToJson(kv.value);
  return out;
}

void NormalisedOutput::CheckTimes(const std::string& series, m::AggregationTemporality temporality,
                                  uint64_t start, uint64_t time, bool is_gauge) {
  if (current_collection_time_ == 0) current_collection_time_ = time;
  if (time != current_collection_time_) {
    violations_.push_back(series + ": time " + std::to_string(time) +
                          " differs from other points of the same collection (" +
                          std::to_string(current_collection_time_) + ")");
  }
  if (time == 0) violations_.push_back(series + ": time_unix_nano is 0");
  if (is_gauge) return;
  if (start == 0 || start > time) {
    violations_.push_back(series + ": start " + std::to_string(start) + " not in (0, time " +
                          std::to_string(time) + "]");
  }
  if (temporality == m::AggregationTemporality::kDelta) {
    // A delta point covers the interval since the reader's previous collection.
    if (previous_collection_time_ != 0 && start != previous_collection_time_) {
      violations_.push_back(series + ": delta start " + std::to_string(start) +
                            " is not the previous collection time " +
                            std::to_string(previous_collection_time_));
    }
  } else {
    // A cumulative series keeps its start time while it keeps being exported.
    auto it = cumulative_starts_.find(series);
    if (it != cumulative_starts_.end() && it->second != start) {
      violations_.push_back(series + ": cumulative start changed from " +
                            std::to_string(it->second) + " to " + std::to_string(start));
    }
    next_cumulative_starts_[series] = start;
  }
}

void NormalisedOutput::AddCollection(const m::ResourceMetrics& data) {
  current_collection_time_ = 0;
  next_cumulative_starts_.clear();
  json metrics = json::array();
  for (const m::ScopeMetrics& scope : data.scope_metrics) {
    for (const m::MetricData& metric : scope.metrics) {
      json out{{"scope", scope.scope.name},
               {"name", metric.name},
               {"description", metric.description},
               {"unit", metric.unit}};
      json points = json::array();
      const std::string prefix = scope.scope.name + "/" + metric.name;
      auto series = [&](const m::AttributeSet& a) { return prefix + AttributesToJson(a).dump(); };
      if (const auto* sum = std::get_if<m::SumData>(&metric.data)) {
        out["type"] = "sum";
        out["temporality"] = TemporalityName(sum->temporality);
        out["monotonic"] = sum->is_monotonic;
        out["value_type"] = "int";
        for (const m::NumberDataPoint& p : sum->points) {
          if (std::holds_alternative<double>(p.value)) out["value_type"] = "double";
          points.push_back(
              {{"attributes", AttributesToJson(p.attributes)}, {"value", ValueToJson(p.value)}});
          CheckTimes(series(p.attributes), sum->temporality, p.start_time_unix_nano,
                     p.time_unix_nano, false);
        }
      } else if (const auto* gauge = std::get_if<m::GaugeData>(&metric.data)) {
        out["type"] = "gauge";
        out["value_type"] = "int";
        for (const m::NumberDataPoint& p : gauge->points) {
          if (std::holds_alternative<double>(p.value)) out["value_type"] = "double";
          points.push_back(
              {{"attributes", AttributesToJson(p.attributes)}, {"value", ValueToJson(p.value)}});
          CheckTimes(series(p.attributes), m::AggregationTemporality::kUnspecified,
                     p.start_time_unix_nano, p.time_unix_nano, true);
        }
      } else if (const auto* hist = std::get_if<m::HistogramData>(&metric.data)) {
        out["type"] = "histogram";
        out["temporality"] = TemporalityName(hist->temporality);
        for (const m::HistogramDataPoint& p : hist->points) {
          json bounds = json::array();
          for (double b : p.explicit_bounds) bounds.push_back(NumberToJson(b));
          points.push_back({{"attributes", AttributesToJson(p.attributes)},
                            {"count", p.count},
                            {"sum", OptionalNumber(p.sum)},
                            {"min", OptionalNumber(p.min)},
                            {"max", OptionalNumber(p.max)},
                            {"bounds", bounds},
                            {"bucket_counts", p.bucket_counts}});
          CheckTimes(series(p.attributes), hist->temporality, p.start_time_unix_nano,
                     p.time_unix_nano, false);
        }
      } else if (const auto* exp = std::get_if<m::ExponentialHistogramData>(&metric.data)) {
        out["type"] = "exponential_histogram";
        out["temporality"] = TemporalityName(exp->temporality);
        for (const m::ExponentialHistogramDataPoint& p : exp->points) {
          points.push_back({{"attributes", AttributesToJson(p.attributes)},
                            {"count", p.count},
                            {"sum", OptionalNumber(p.sum)},
                            {"min", OptionalNumber(p.min)},
                            {"max", OptionalNumber(p.max)},
                            {"scale", p.scale},
                            {"zero_count", p.zero_count},
                            {"positive", BucketsToJson(p.positive)},
                            {"negative", BucketsToJson(p.negative)}});
          CheckTimes(series(p.attributes), exp->temporality, p.start_time_unix_nano,
                     p.time_unix_nano, false);
        }
      }
      out["points"] = std::move(points);
      metrics.push_back(std::move(out));
    }
  }
  collects_.push_back(std::move(metrics));
  // A collection that exported nothing tells us nothing about its time.
  previous_collection_time_ = current_collection_time_;
  cumulative_starts_ = std::move(next_cumulative_starts_);
}

}  // namespace cryptolake::conformance
