// Test helpers: an SDK provider with a manual reader installed as the global provider, and
// lookups into what it collected.
#ifndef CRYPTOLAKE_SRC_TELEMETRY_TELEMETRY_TEST_UTIL_H_
#define CRYPTOLAKE_SRC_TELEMETRY_TELEMETRY_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

namespace cryptolake::telemetry {

// Installs an SDK provider globally for the lifetime of the object.
class GlobalSdk {
 public:
  GlobalSdk() : reader_(std::make_shared<metrics::ManualReader>()) {
    metrics::SdkMeterProviderOptions options;
    options.readers = {reader_};
    provider_ = std::make_shared<metrics::SdkMeterProvider>(std::move(options));
    metrics::SetMeterProvider(provider_);
  }
  ~GlobalSdk() { metrics::SetMeterProvider(nullptr); }
  metrics::ResourceMetrics Collect() {
    metrics::ResourceMetrics data;
    EXPECT_TRUE(reader_->Collect(&data).ok());
    return data;
  }
  metrics::SdkMeterProvider& provider() { return *provider_; }

 private:
  std::shared_ptr<metrics::ManualReader> reader_;
  std::shared_ptr<metrics::SdkMeterProvider> provider_;
};

inline const metrics::MetricData* FindMetric(const metrics::ResourceMetrics& data,
                                             std::string_view name) {
  for (const auto& scope : data.scope_metrics) {
    for (const auto& m : scope.metrics) {
      if (m.name == name) return &m;
    }
  }
  return nullptr;
}

inline std::string AttrString(const metrics::AttributeSet& set, std::string_view key) {
  const metrics::AttributeValue* v = set.Find(key);
  if (v == nullptr) return "";
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  if (const auto* i = std::get_if<int64_t>(v)) return std::to_string(*i);
  return "?";
}

// Sum of every point of a sum or gauge metric (as double).
inline double SumOf(const metrics::ResourceMetrics& data, std::string_view name) {
  const metrics::MetricData* m = FindMetric(data, name);
  if (m == nullptr) return 0;
  double total = 0;
  auto add = [&](const metrics::NumberDataPoint& p) {
    total += std::holds_alternative<int64_t>(p.value)
                 ? static_cast<double>(std::get<int64_t>(p.value))
                 : std::get<double>(p.value);
  };
  if (const auto* s = std::get_if<metrics::SumData>(&m->data)) {
    for (const auto& p : s->points) add(p);
  } else if (const auto* g = std::get_if<metrics::GaugeData>(&m->data)) {
    for (const auto& p : g->points) add(p);
  }
  return total;
}

inline uint64_t HistogramCountOf(const metrics::ResourceMetrics& data, std::string_view name) {
  const metrics::MetricData* m = FindMetric(data, name);
  if (m == nullptr) return 0;
  uint64_t n = 0;
  if (const auto* h = std::get_if<metrics::HistogramData>(&m->data)) {
    for (const auto& p : h->points) n += p.count;
  }
  return n;
}

// Number of data points (any kind).
inline size_t PointCountOf(const metrics::ResourceMetrics& data, std::string_view name) {
  const metrics::MetricData* m = FindMetric(data, name);
  if (m == nullptr) return 0;
  return std::visit([](const auto& d) { return d.points.size(); }, m->data);
}

}  // namespace cryptolake::telemetry

#endif  // CRYPTOLAKE_SRC_TELEMETRY_TELEMETRY_TEST_UTIL_H_
