// Readers: periodic export, final export on Shutdown, ForceFlush, env vars,
// OTEL_SDK_DISABLED, lifecycle errors.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <thread>

#include "cryptolake/metrics/sdk/periodic_exporting_reader.h"
#include "metrics_test_util.h"

namespace cryptolake::metrics {
namespace {

using testing::FindMetric;
using testing::IntValue;

// Keeps every export; optionally fails them.
class RecordingExporter final : public MetricExporter {
 public:
  explicit RecordingExporter(TemporalityPreference preference = TemporalityPreference::kCumulative)
      : preference_(preference) {}
  Status Export(const ResourceMetrics& data) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_) return Status::FailedPrecondition("exporter is shut down");
    exports_.push_back(data);
    cv_.notify_all();
    return fail_ ? Status::Unavailable("test failure") : Status::OK();
  }
  AggregationTemporality TemporalityFor(InstrumentKind kind) const override {
    return metrics::TemporalityFor(preference_, kind);
  }
  Status ForceFlush(std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++flushes_;
    return Status::OK();
  }
  Status Shutdown(std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++shutdowns_;
    shutdown_ = true;
    return Status::OK();
  }
  std::vector<ResourceMetrics> exports() {
    std::lock_guard<std::mutex> lock(mu_);
    return exports_;
  }
  void WaitForExports(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return exports_.size() >= n; });
  }
  int shutdowns() {
    std::lock_guard<std::mutex> lock(mu_);
    return shutdowns_;
  }
  int flushes() {
    std::lock_guard<std::mutex> lock(mu_);
    return flushes_;
  }
  void set_fail(bool fail) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = fail;
  }

 private:
  TemporalityPreference preference_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ResourceMetrics> exports_;
  int shutdowns_ = 0;
  int flushes_ = 0;
  bool shutdown_ = false;
  bool fail_ = false;
};

PeriodicExportingReaderOptions LongInterval() {
  PeriodicExportingReaderOptions o;
  o.interval = std::chrono::hours(1);  // Never fires during a test.
  o.timeout = std::chrono::seconds(5);
  return o;
}

TEST(PeriodicReaderTest, ShutdownPerformsOneLastExport) {
  auto exporter = std::make_shared<RecordingExporter>();
  auto reader = std::make_shared<PeriodicExportingReader>(exporter, LongInterval());
  SdkMeterProviderOptions options;
  options.readers = {reader};
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  auto counter = provider->GetMeter("job")->CreateInt64Counter("records");
  counter.Add(42);
  EXPECT_TRUE(provider->Shutdown().ok());
  auto exports = exporter->exports();
  ASSERT_EQ(exports.size(), 1u);
  EXPECT_EQ(IntValue(testing::Sum(FindMetric(exports[0], "records")).points.at(0)), 42);
  EXPECT_EQ(exporter->shutdowns(), 1);
  // Idempotent.
  EXPECT_TRUE(provider->Shutdown().ok());
  EXPECT_TRUE(reader->Shutdown().ok());
  EXPECT_EQ(exporter->exports().size(), 1u);
  EXPECT_EQ(exporter->shutdowns(), 1);
  ResourceMetrics ignored;
  EXPECT_TRUE(reader->Collect(&ignored).IsFailedPrecondition());
  EXPECT_TRUE(reader->ForceFlush().IsFailedPrecondition());
}

TEST(PeriodicReaderTest, DestroyingTheProviderFlushes) {
  auto exporter = std::make_shared<RecordingExporter>();
  {
    SdkMeterProviderOptions options;
    options.readers = {std::make_shared<PeriodicExportingReader>(exporter, LongInterval())};
    SdkMeterProvider provider(std::move(options));
    provider.GetMeter("job")->CreateInt64Counter("records").Add(1);
  }
  EXPECT_EQ(exporter->exports().size(), 1u);
}

TEST(PeriodicReaderTest, ForceFlushExportsNow) {
  auto exporter = std::make_shared<RecordingExporter>(TemporalityPreference::kDelta);
  auto reader = std::make_shared<PeriodicExportingReader>(exporter, LongInterval());
  SdkMeterProviderOptions options;
  options.readers = {reader};
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  auto counter = provider->GetMeter("m")->CreateInt64Counter("c");
  counter.Add(1);
  EXPECT_TRUE(provider->ForceFlush().ok());
  counter.Add(2);
  EXPECT_TRUE(provider->ForceFlush().ok());
  auto exports = exporter->exports();
  ASSERT_EQ(exports.size(), 2u);
  EXPECT_EQ(exporter->flushes(), 2);
  EXPECT_EQ(IntValue(testing::Sum(FindMetric(exports[1], "c")).points.at(0)), 2);
  EXPECT_EQ(testing::Sum(FindMetric(exports[1], "c")).temporality, AggregationTemporality::kDelta);
  EXPECT_EQ(reader->export_count(), 2u);
}

// Export blocks until released; tells when an export has started.
class BlockingExporter final : public MetricExporter {
 public:
  Status Export(const ResourceMetrics&) override {
    std::unique_lock<std::mutex> lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
    returned_ = true;
    cv_.notify_all();
    return Status::OK();
  }
  AggregationTemporality TemporalityFor(InstrumentKind) const override {
    return AggregationTemporality::kCumulative;
  }
  Status ForceFlush(std::chrono::milliseconds) override { return Status::OK(); }
  Status Shutdown(std::chrono::milliseconds) override { return Status::OK(); }
  void WaitUntilEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return entered_; });
  }
  // True once a released Export has returned (waits at most `limit`).
  bool WaitUntilReturned(std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return returned_; });
  }
  // Releases when told to, or after `fallback` so that a broken reader fails
  // the test instead of hanging it.
  void ReleaseWhenToldOr(std::chrono::seconds fallback) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, fallback, [&] { return release_requested_; });
    released_ = true;
    cv_.notify_all();
  }
  void RequestRelease() {
    std::lock_guard<std::mutex> lock(mu_);
    release_requested_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool release_requested_ = false;
  bool released_ = false;
  bool returned_ = false;
};

// Regression: ForceFlush(timeout) waited for a running export for the
// reader's export timeout (here an hour) instead of the caller's timeout.
// A provider whose periodic reader (1 ms interval, `export_timeout`) has its
// thread stuck in BlockingExporter::Export; a releaser thread lets the export
// return when told to (at the latest after 20 s).
struct StuckExport {
  explicit StuckExport(std::chrono::milliseconds export_timeout) {
    PeriodicExportingReaderOptions o;
    o.interval = std::chrono::milliseconds(1);
    o.timeout = export_timeout;
    reader = std::make_shared<PeriodicExportingReader>(exporter, o);
    SdkMeterProviderOptions options;
    options.readers = {reader};
    provider = std::make_shared<SdkMeterProvider>(std::move(options));
    provider->GetMeter("m")->CreateInt64Counter("c").Add(1);
    exporter->WaitUntilEntered();
    releaser = std::thread([this] { exporter->ReleaseWhenToldOr(std::chrono::seconds(20)); });
  }
  void Release() {
    exporter->RequestRelease();
    releaser.join();
  }

  std::shared_ptr<BlockingExporter> exporter = std::make_shared<BlockingExporter>();
  std::shared_ptr<PeriodicExportingReader> reader;
  std::shared_ptr<SdkMeterProvider> provider;
  std::thread releaser;
};

TEST(PeriodicReaderTest, ForceFlushHonoursItsTimeoutWhileAnExportRuns) {
  StuckExport stuck(std::chrono::hours(1));
  const Status flushed = stuck.reader->ForceFlush(std::chrono::milliseconds(10));
  stuck.Release();
  EXPECT_TRUE(flushed.IsTimeout()) << flushed.ToString();
  EXPECT_TRUE(stuck.provider->Shutdown().ok());
}

// An exporter that ignores its timeout must not hang Shutdown or the
// reader's destruction: Shutdown returns Timeout, the reader is destroyed
// while the export is still stuck, and the export returns afterwards into
// state that is still alive (ASan/TSan runs of this test check that).
TEST(PeriodicReaderTest, ShutdownDoesNotWaitForAnExportThatIgnoresItsTimeout) {
  StuckExport stuck(std::chrono::milliseconds(20));
  const Status down = stuck.provider->Shutdown(std::chrono::milliseconds(20));
  EXPECT_TRUE(down.IsTimeout()) << down.ToString();
  stuck.provider.reset();
  stuck.reader.reset();  // Destroyed with the export still running.
  stuck.Release();
  // The detached thread returns from Export and then updates the shared
  // state; a use of the destroyed reader there would be caught by the
  // sanitizer runs. The short sleep lets it get that far before the test ends.
  EXPECT_TRUE(stuck.exporter->WaitUntilReturned(std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// After Shutdown, GetMeter hands out no-op meters (the specification's
// SHOULD): a new meter is not the provider's own meter for that name.
TEST(PeriodicReaderTest, GetMeterAfterShutdownReturnsANoopMeter) {
  auto exporter = std::make_shared<RecordingExporter>();
  SdkMeterProviderOptions options;
  options.readers = {std::make_shared<PeriodicExportingReader>(exporter, LongInterval())};
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  std::shared_ptr<Meter> before = provider->GetMeter("m");
  EXPECT_EQ(provider->GetMeter("m"), before);  // Same identity, same meter.
  ASSERT_TRUE(provider->Shutdown().ok());
  std::shared_ptr<Meter> after = provider->GetMeter("m");
  ASSERT_NE(after, nullptr);
  EXPECT_NE(after, before);
  after->CreateInt64Counter("c").Add(1);  // Works, records nothing.
  EXPECT_EQ(exporter->exports().size(), 0u);
}

TEST(PeriodicReaderTest, ExportsOnItsOwnThreadEveryInterval) {
  auto exporter = std::make_shared<RecordingExporter>();
  PeriodicExportingReaderOptions o;
  o.interval = std::chrono::milliseconds(5);
  o.timeout = std::chrono::seconds(5);
  auto reader = std::make_shared<PeriodicExportingReader>(exporter, o);
  SdkMeterProviderOptions options;
  options.readers = {reader};
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  provider->GetMeter("m")->CreateInt64Counter("c").Add(1);
  exporter->WaitForExports(3);  // Blocks until the thread exported three times.
  EXPECT_TRUE(provider->Shutdown().ok());
  EXPECT_GE(exporter->exports().size(), 4u);  // + the final one.
}

TEST(PeriodicReaderTest, ExportFailureIsReportedAndReturned) {
  testing::DiagnosticCapture diagnostics;
  auto exporter = std::make_shared<RecordingExporter>();
  exporter->set_fail(true);
  auto reader = std::make_shared<PeriodicExportingReader>(exporter, LongInterval());
  SdkMeterProviderOptions options;
  options.readers = {reader};
  auto provider = std::make_shared<SdkMeterProvider>(std::move(options));
  provider->GetMeter("m")->CreateInt64Counter("c").Add(1);
  EXPECT_TRUE(provider->ForceFlush().IsUnavailable());
  EXPECT_EQ(diagnostics.Count("ExportFailed"), 1);
}

TEST(PeriodicReaderTest, OptionsFromEnvironment) {
  setenv("OTEL_METRIC_EXPORT_INTERVAL", "1500", 1);
  setenv("OTEL_METRIC_EXPORT_TIMEOUT", "250", 1);
  auto o = PeriodicExportingReaderOptions::FromEnvironment();
  EXPECT_EQ(o.interval, std::chrono::milliseconds(1500));
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(250));
  testing::DiagnosticCapture diagnostics;
  setenv("OTEL_METRIC_EXPORT_INTERVAL", "soon", 1);
  setenv("OTEL_METRIC_EXPORT_TIMEOUT", "-3", 1);
  o = PeriodicExportingReaderOptions::FromEnvironment();
  EXPECT_EQ(o.interval, std::chrono::milliseconds(60000));
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(diagnostics.Count("InvalidEnvironmentValue"), 2);
  unsetenv("OTEL_METRIC_EXPORT_INTERVAL");
  unsetenv("OTEL_METRIC_EXPORT_TIMEOUT");
  o = PeriodicExportingReaderOptions::FromEnvironment();
  EXPECT_EQ(o.interval, std::chrono::milliseconds(60000));
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(30000));
}

// OTEL_METRIC_EXPORT_INTERVAL / _TIMEOUT are milliseconds, as the specification says (the
// predecessor read the interval as seconds).
TEST(PeriodicReaderTest, IntervalIsMilliseconds) {
  auto options_with = [](const char* interval) {
    return PeriodicExportingReaderOptions::FromEnvironment(
        [interval](const char* name) -> const char* {
          if (std::string_view(name) == "OTEL_METRIC_EXPORT_INTERVAL") return interval;
          if (std::string_view(name) == "OTEL_METRIC_EXPORT_TIMEOUT") return "5000";
          return nullptr;
        });
  };
  EXPECT_EQ(options_with("1000").interval, std::chrono::seconds(1));
  EXPECT_EQ(options_with("5000").interval, std::chrono::seconds(5));
  EXPECT_EQ(options_with("60000").interval, std::chrono::minutes(1));
  EXPECT_EQ(options_with("1000").timeout, std::chrono::seconds(5));
}

TEST(ManualReaderTest, UnattachedReaderFails) {
  ManualReader reader;
  ResourceMetrics out;
  EXPECT_TRUE(reader.Collect(&out).IsFailedPrecondition());
}

TEST(ManualReaderTest, ReaderOutlivingProviderFails) {
  auto reader = std::make_shared<ManualReader>();
  {
    SdkMeterProviderOptions options;
    options.readers = {reader};
    SdkMeterProvider provider(std::move(options));
  }
  ResourceMetrics out;
  EXPECT_TRUE(reader->Collect(&out).IsFailedPrecondition());
}

TEST(ManualReaderTest, ReaderCannotJoinTwoProviders) {
  testing::DiagnosticCapture diagnostics;
  auto reader = std::make_shared<ManualReader>();
  SdkMeterProviderOptions a;
  a.readers = {reader};
  SdkMeterProvider first(std::move(a));
  SdkMeterProviderOptions b;
  b.readers = {reader};
  SdkMeterProvider second(std::move(b));
  EXPECT_EQ(diagnostics.Count("ReaderAlreadyAttached"), 1);
  first.GetMeter("m")->CreateInt64Counter("c").Add(1);
  second.GetMeter("m")->CreateInt64Counter("d").Add(1);
  auto rm = testing::CollectOrDie(*reader);
  EXPECT_NE(FindMetric(rm, "c"), nullptr);
  EXPECT_EQ(FindMetric(rm, "d"), nullptr);
}

TEST(ManualReaderTest, DefaultResourceIsFilledIn) {
  auto reader = std::make_shared<ManualReader>();
  SdkMeterProviderOptions options;
  options.readers = {reader};
  SdkMeterProvider provider(std::move(options));
  provider.GetMeter("m")->CreateInt64Counter("c").Add(1);
  auto rm = testing::CollectOrDie(*reader);
  EXPECT_NE(rm.resource.attributes().Find("service.name"), nullptr);
  EXPECT_NE(rm.resource.attributes().Find("telemetry.sdk.language"), nullptr);
}

TEST(SdkDisabledTest, OtelSdkDisabledGivesNoopProvider) {
  setenv("OTEL_SDK_DISABLED", "TRUE", 1);
  auto reader = std::make_shared<ManualReader>();
  SdkMeterProviderOptions options;
  options.readers = {reader};
  auto provider = CreateMeterProvider(std::move(options));
  EXPECT_EQ(provider, NoopMeterProvider());
  EXPECT_FALSE(provider->GetMeter("m")->CreateInt64Counter("c").enabled());
  unsetenv("OTEL_SDK_DISABLED");

  setenv("OTEL_SDK_DISABLED", "false", 1);
  SdkMeterProviderOptions enabled;
  enabled.readers = {std::make_shared<ManualReader>()};
  auto real = CreateMeterProvider(std::move(enabled));
  EXPECT_NE(real, NoopMeterProvider());
  EXPECT_TRUE(real->GetMeter("m")->CreateInt64Counter("c").enabled());
  unsetenv("OTEL_SDK_DISABLED");
}

}  // namespace
}  // namespace cryptolake::metrics
