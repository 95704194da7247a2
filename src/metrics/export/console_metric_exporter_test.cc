#include "cryptolake/metrics/export/console_metric_exporter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cryptolake/metrics/export/otlp_json.h"

namespace cryptolake::metrics {
namespace {

using std::chrono::milliseconds;

ResourceMetrics MakeData(int64_t value) {
  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{"service.name", std::string("console\ntest")}});
  ScopeMetrics sm;
  sm.scope.name = "scope";
  MetricData m;
  m.name = "counter";
  SumData sum;
  NumberDataPoint p;
  p.time_unix_nano = 5;
  p.value = value;
  sum.points.push_back(p);
  m.data = sum;
  sm.metrics.push_back(m);
  rm.scope_metrics.push_back(sm);
  return rm;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ConsoleMetricExporterTest, WritesOneRequestPerLineToOstream) {
  std::ostringstream out;
  ConsoleMetricExporter exporter(&out);
  ASSERT_TRUE(exporter.Export(MakeData(1)).ok());
  ASSERT_TRUE(exporter.Export(MakeData(2)).ok());
  const std::string text = out.str();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const auto lines = Lines(text);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], EncodeOtlpJson(MakeData(1)));
  EXPECT_EQ(lines[1], EncodeOtlpJson(MakeData(2)));
  const auto doc = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(
      doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0]["asInt"],
      "2");
}

TEST(ConsoleMetricExporterTest, WritesToFile) {
  FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    ConsoleMetricExporter exporter(file);
    ASSERT_TRUE(exporter.Export(MakeData(7)).ok());
    ASSERT_TRUE(exporter.ForceFlush(milliseconds(100)).ok());
  }
  std::rewind(file);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, file)) > 0;) text.append(buf, n);
  std::fclose(file);
  EXPECT_EQ(text, EncodeOtlpJson(MakeData(7)) + "\n");
}

TEST(ConsoleMetricExporterTest, ShutdownStopsWriting) {
  std::ostringstream out;
  ConsoleMetricExporter exporter(&out);
  EXPECT_TRUE(exporter.Shutdown(milliseconds(100)).ok());
  EXPECT_TRUE(exporter.Shutdown(milliseconds(100)).ok());
  EXPECT_TRUE(exporter.Export(MakeData(1)).IsFailedPrecondition());
  EXPECT_TRUE(out.str().empty());
}

TEST(ConsoleMetricExporterTest, ReportsStreamFailure) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  ConsoleMetricExporter exporter(&out);
  EXPECT_TRUE(exporter.Export(MakeData(1)).IsIOError());
}

TEST(ConsoleMetricExporterTest, ReportsFileFailure) {
  FILE* full = std::fopen("/dev/full", "w");
  if (full == nullptr) GTEST_SKIP() << "/dev/full not available";
  ConsoleMetricExporter exporter(full);
  EXPECT_TRUE(exporter.Export(MakeData(1)).IsIOError());
  std::fclose(full);
}

TEST(ConsoleMetricExporterTest, OptionsSetTemporality) {
  std::ostringstream out;
  ConsoleMetricExporter exporter(
      &out, ConsoleMetricExporterOptions{TemporalityPreference::kDelta,
                                         DefaultHistogramAggregation::kBase2Exponential});
  EXPECT_EQ(exporter.TemporalityFor(InstrumentKind::kHistogram), AggregationTemporality::kDelta);
  EXPECT_EQ(exporter.HistogramAggregation(), DefaultHistogramAggregation::kBase2Exponential);
  ConsoleMetricExporter defaults(&out);
  EXPECT_EQ(defaults.TemporalityFor(InstrumentKind::kHistogram),
            AggregationTemporality::kCumulative);
}

TEST(ConsoleMetricExporterTest, ConcurrentExportsNeverInterleave) {
  std::ostringstream out;
  ConsoleMetricExporter exporter(&out);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(exporter.Export(MakeData(t * kPerThread + i)).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto lines = Lines(out.str());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<bool> seen(kThreads * kPerThread, false);
  for (const auto& line : lines) {
    const auto doc = nlohmann::json::parse(line);
    const std::string v =
        doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0]["asInt"];
    seen[std::stoi(v)] = true;
  }
  for (bool b : seen) EXPECT_TRUE(b);
}

}  // namespace
}  // namespace cryptolake::metrics
