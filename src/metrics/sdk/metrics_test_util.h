// Helpers for the metrics SDK unit tests: collecting through a ManualReader
// and finding metrics and points in the result.
//
// Thread-safety: test-only, single-threaded use.
#ifndef CRYPTOLAKE_SRC_METRICS_METRICS_TEST_UTIL_H_
#define CRYPTOLAKE_SRC_METRICS_METRICS_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/metrics/sdk/diagnostics.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"

namespace cryptolake::metrics::testing {

inline ResourceMetrics CollectOrDie(MetricReader& reader) {
  ResourceMetrics out;
  Status s = reader.Collect(&out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// All metrics named `name` (several streams may share a name).
inline std::vector<const MetricData*> FindMetrics(const ResourceMetrics& rm,
                                                  std::string_view name) {
  std::vector<const MetricData*> out;
  for (const auto& sm : rm.scope_metrics) {
    for (const auto& m : sm.metrics) {
      if (m.name == name) out.push_back(&m);
    }
  }
  return out;
}

inline const MetricData* FindMetric(const ResourceMetrics& rm, std::string_view name) {
  auto all = FindMetrics(rm, name);
  return all.empty() ? nullptr : all.front();
}

template <typename Point>
const Point* FindPoint(const std::vector<Point>& points, const AttributeSet& attributes) {
  for (const auto& p : points) {
    if (p.attributes == attributes) return &p;
  }
  return nullptr;
}

inline const SumData& Sum(const MetricData* m) { return std::get<SumData>(m->data); }
inline const GaugeData& Gauge(const MetricData* m) { return std::get<GaugeData>(m->data); }
inline const HistogramData& Hist(const MetricData* m) { return std::get<HistogramData>(m->data); }
inline const ExponentialHistogramData& ExpHist(const MetricData* m) {
  return std::get<ExponentialHistogramData>(m->data);
}

inline int64_t IntValue(const NumberDataPoint& p) { return std::get<int64_t>(p.value); }
inline double DoubleValue(const NumberDataPoint& p) { return std::get<double>(p.value); }

// A provider with one ManualReader.
struct Harness {
  explicit Harness(
      TemporalityPreference temporality = TemporalityPreference::kCumulative,
      std::vector<View> views = {}, int32_t cardinality_limit = 2000,
      DefaultHistogramAggregation histogram = DefaultHistogramAggregation::kExplicitBucket) {
    reader = std::make_shared<ManualReader>(ManualReaderOptions{temporality, histogram});
    SdkMeterProviderOptions options;
    options.resource = Resource(AttributeSet{{"service.name", std::string("test")}});
    options.views = std::move(views);
    options.readers = {reader};
    options.cardinality_limit = cardinality_limit;
    provider = std::make_shared<SdkMeterProvider>(std::move(options));
    meter = provider->GetMeter("test.meter", "1.0");
  }
  ResourceMetrics Collect() { return CollectOrDie(*reader); }

  std::shared_ptr<ManualReader> reader;
  std::shared_ptr<SdkMeterProvider> provider;
  std::shared_ptr<Meter> meter;
};

// Captures diagnostics while alive.
class DiagnosticCapture {
 public:
  DiagnosticCapture() {
    SetDiagnosticHandler([this](const Diagnostic& d) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.emplace_back(d.event);
    });
  }
  ~DiagnosticCapture() { SetDiagnosticHandler(nullptr); }
  int Count(std::string_view event) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& e : events_) n += e == event ? 1 : 0;
    return n;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }

 private:
  std::mutex mu_;
  std::vector<std::string> events_;
};

}  // namespace cryptolake::metrics::testing

#endif  // CRYPTOLAKE_SRC_METRICS_METRICS_TEST_UTIL_H_
