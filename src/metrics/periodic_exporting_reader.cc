#include "cryptolake/metrics/sdk/periodic_exporting_reader.h"

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cryptolake/metrics/diagnostics.h"

namespace cryptolake::metrics {
namespace {

// Reads a positive millisecond count from `name`; keeps `fallback` otherwise.
std::chrono::milliseconds EnvMillis(const char* name, std::chrono::milliseconds fallback) {
  const char* raw = std::getenv(name);
  if (raw == nullptr || *raw == '\0') return fallback;
  std::string_view text(raw);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidEnvironmentValue",
                     std::string(name) + "='" + std::string(text) +
                         "' is not a positive number of milliseconds; using " +
                         std::to_string(fallback.count()));
    return fallback;
  }
  return std::chrono::milliseconds(value);
}

}  // namespace

PeriodicExportingReaderOptions PeriodicExportingReaderOptions::FromEnvironment() {
  PeriodicExportingReaderOptions options;
  options.interval = EnvMillis("OTEL_METRIC_EXPORT_INTERVAL", options.interval);
  options.timeout = EnvMillis("OTEL_METRIC_EXPORT_TIMEOUT", options.timeout);
  return options;
}

PeriodicExportingReader::PeriodicExportingReader(std::shared_ptr<MetricExporter> exporter,
                                                 PeriodicExportingReaderOptions options)
    : exporter_(std::move(exporter)), options_(options) {
  if (options_.interval.count() <= 0) options_.interval = std::chrono::milliseconds(60000);
  if (options_.timeout.count() <= 0) options_.timeout = std::chrono::milliseconds(30000);
  thread_ = std::thread([this] { Run(); });
}

PeriodicExportingReader::~PeriodicExportingReader() {
  Shutdown(options_.timeout);
  // Shutdown() may have come from the reader thread itself (then it was
  // detached there); otherwise it was joined.
  if (thread_.joinable()) thread_.join();
}

AggregationTemporality PeriodicExportingReader::TemporalityFor(InstrumentKind kind) const {
  return exporter_->TemporalityFor(kind);
}

DefaultHistogramAggregation PeriodicExportingReader::HistogramAggregation() const {
  return exporter_->HistogramAggregation();
}

uint64_t PeriodicExportingReader::export_count() const {
  std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(mu_));
  return export_count_;
}

void PeriodicExportingReader::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (cv_.wait_for(lock, options_.interval, [this] { return stop_; })) break;
    lock.unlock();
    CollectAndExport(/*final_export=*/false, options_.timeout);
    lock.lock();
  }
}

Status PeriodicExportingReader::CollectAndExport(bool final_export,
                                                 std::chrono::milliseconds wait) {
  {
    // A flag + condition variable rather than a timed mutex: waiting is
    // bounded by the timeout, and ThreadSanitizer understands it.
    std::unique_lock<std::mutex> lock(mu_);
    // ForceFlush/Shutdown pass their caller's timeout: a slow export on the
    // reader thread must not hold them for the reader's own export timeout.
    if (!export_cv_.wait_for(lock, wait, [this] { return !exporting_; })) {
      return Status::Timeout("periodic reader: a previous export is still running");
    }
    exporting_ = true;
  }
  struct Release {
    PeriodicExportingReader* self;
    ~Release() {
      {
        std::lock_guard<std::mutex> lock(self->mu_);
        self->exporting_ = false;
      }
      self->export_cv_.notify_all();
    }
  } release{this};
  ResourceMetrics data;
  Status collected = final_export ? CollectUnchecked(&data) : Collect(&data);
  if (!collected.ok()) return collected;
  if (data.scope_metrics.empty()) return Status::OK();
  Status exported = exporter_->Export(data);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++export_count_;
  }
  if (!exported.ok()) {
    ReportDiagnostic(DiagnosticSeverity::kError, "ExportFailed",
                     "metric export failed: " + exported.ToString());
  }
  return exported;
}

Status PeriodicExportingReader::OnForceFlush(std::chrono::milliseconds timeout) {
  Status s = CollectAndExport(/*final_export=*/false, timeout);
  if (!s.ok()) return s;
  return exporter_->ForceFlush(timeout);
}

Status PeriodicExportingReader::OnShutdown(std::chrono::milliseconds timeout) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // Shut down from an export on the reader thread.
    } else {
      thread_.join();
    }
  }
  Status last = CollectAndExport(/*final_export=*/true, timeout);
  Status down = exporter_->Shutdown(timeout);
  // A reader never attached to a provider has nothing to export.
  if (!last.ok() && !last.IsFailedPrecondition()) return last;
  return down;
}

}  // namespace cryptolake::metrics
