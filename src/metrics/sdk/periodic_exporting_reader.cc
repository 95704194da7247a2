#include "cryptolake/metrics/sdk/periodic_exporting_reader.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>

#include "cryptolake/metrics/sdk/diagnostics.h"

namespace cryptolake::metrics {
namespace {

// Reads a positive millisecond count from `name`; keeps `fallback` otherwise.
std::chrono::milliseconds EnvMillis(const std::function<const char*(const char*)>& env,
                                    const char* name, std::chrono::milliseconds fallback) {
  const char* raw = env(name);
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
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the SDK never modifies the environment.
  return FromEnvironment([](const char* name) -> const char* { return std::getenv(name); });
}

PeriodicExportingReaderOptions PeriodicExportingReaderOptions::FromEnvironment(
    const std::function<const char*(const char*)>& env) {
  PeriodicExportingReaderOptions options;
  options.interval = EnvMillis(env, "OTEL_METRIC_EXPORT_INTERVAL", options.interval);
  options.timeout = EnvMillis(env, "OTEL_METRIC_EXPORT_TIMEOUT", options.timeout);
  return options;
}

// What the reader and its thread share. The thread holds its own reference,
// so a thread left behind in a stuck Export() never touches freed memory.
struct PeriodicExportingReader::Shared {
  explicit Shared(std::shared_ptr<MetricExporter> e) : exporter(std::move(e)) {}

  const std::shared_ptr<MetricExporter> exporter;
  std::mutex mu;                         // Guards the fields below.
  std::condition_variable wake;          // Wakes the thread (stop).
  std::condition_variable export_done;   // Signals exporting == false.
  std::condition_variable thread_state;  // Signals collecting / thread_done changes.
  bool exporting = false;                // Serialises exports.
  bool stop = false;
  // The reader thread is collecting through the reader object. The
  // destructor waits for this to be false, then sets `abandoned`, after
  // which the thread never uses the reader again.
  bool collecting = false;
  bool abandoned = false;
  bool thread_done = false;
  uint64_t export_count = 0;
};

PeriodicExportingReader::PeriodicExportingReader(std::shared_ptr<MetricExporter> exporter,
                                                 PeriodicExportingReaderOptions options)
    : options_(options), shared_(std::make_shared<Shared>(std::move(exporter))) {
  if (options_.interval.count() <= 0) options_.interval = std::chrono::milliseconds(60000);
  if (options_.timeout.count() <= 0) options_.timeout = std::chrono::milliseconds(30000);
  thread_ = std::thread(&PeriodicExportingReader::Run, this, shared_, options_);
}

PeriodicExportingReader::~PeriodicExportingReader() {
  // Nowhere to return an error to: a failed final export was reported as a diagnostic.
  (void)Shutdown(options_.timeout);
  if (!thread_.joinable()) return;  // Joined by Shutdown, or detached there.
  bool done;
  {
    std::unique_lock<std::mutex> lock(shared_->mu);
    // Collection is our own bounded code: wait for it, then cut the thread
    // off from this object.
    shared_->thread_state.wait(lock, [this] { return !shared_->collecting; });
    shared_->abandoned = true;
    done = shared_->thread_done;
  }
  if (done) {
    thread_.join();
  } else {
    // Stuck in an Export() that ignores its timeout (Shutdown already waited
    // for it): left to finish on its own.
    thread_.detach();
  }
}

AggregationTemporality PeriodicExportingReader::TemporalityFor(InstrumentKind kind) const {
  return shared_->exporter->TemporalityFor(kind);
}

DefaultHistogramAggregation PeriodicExportingReader::HistogramAggregation() const {
  return shared_->exporter->HistogramAggregation();
}

uint64_t PeriodicExportingReader::export_count() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->export_count;
}

void PeriodicExportingReader::Run(PeriodicExportingReader* reader, std::shared_ptr<Shared> shared,
                                  PeriodicExportingReaderOptions options) {
  std::unique_lock<std::mutex> lock(shared->mu);
  while (!shared->stop) {
    if (shared->wake.wait_for(lock, options.interval, [&] { return shared->stop; })) break;
    lock.unlock();
    // Failures are reported as "ExportFailed" diagnostics; the next interval retries.
    (void)ExportOnce(reader, shared, /*final_export=*/false, options.timeout,
                     /*on_reader_thread=*/true);
    lock.lock();
  }
  shared->thread_done = true;
  shared->thread_state.notify_all();
}

Status PeriodicExportingReader::ExportOnce(PeriodicExportingReader* reader,
                                           const std::shared_ptr<Shared>& shared, bool final_export,
                                           std::chrono::milliseconds wait, bool on_reader_thread) {
  {
    // A flag + condition variable rather than a timed mutex: waiting is
    // bounded by the timeout, and ThreadSanitizer understands it.
    std::unique_lock<std::mutex> lock(shared->mu);
    // ForceFlush/Shutdown pass their caller's timeout: a slow export on the
    // reader thread must not hold them for the reader's own export timeout.
    if (!shared->export_done.wait_for(lock, wait, [&] { return !shared->exporting; })) {
      return Status::Timeout("periodic reader: a previous export is still running");
    }
    if (on_reader_thread) {
      if (shared->abandoned || shared->stop) return Status::OK();  // Shutdown exports last.
      shared->collecting = true;
    }
    shared->exporting = true;
  }
  auto finish = [&shared](bool exported) {
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->exporting = false;
      if (exported) ++shared->export_count;
    }
    shared->export_done.notify_all();
  };
  ResourceMetrics data;
  Status collected = final_export ? reader->CollectUnchecked(&data) : reader->Collect(&data);
  if (on_reader_thread) {
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->collecting = false;
    }
    shared->thread_state.notify_all();
    // From here on the reader object may be gone: only `shared` is used.
  }
  if (!collected.ok() || data.scope_metrics.empty()) {
    finish(/*exported=*/false);
    return collected;
  }
  Status exported = shared->exporter->Export(data);
  finish(/*exported=*/true);
  if (!exported.ok()) {
    ReportDiagnostic(DiagnosticSeverity::kError, "ExportFailed",
                     "metric export failed: " + exported.ToString());
  }
  return exported;
}

Status PeriodicExportingReader::OnForceFlush(std::chrono::milliseconds timeout) {
  Status s = ExportOnce(this, shared_, /*final_export=*/false, timeout, /*on_reader_thread=*/false);
  if (!s.ok()) return s;
  return shared_->exporter->ForceFlush(timeout);
}

Status PeriodicExportingReader::OnShutdown(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining = [deadline] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->stop = true;
  }
  shared_->wake.notify_all();
  bool thread_stopped = true;
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // Shut down from an export on the reader thread.
    } else {
      std::unique_lock<std::mutex> lock(shared_->mu);
      thread_stopped =
          shared_->thread_state.wait_until(lock, deadline, [this] { return shared_->thread_done; });
      lock.unlock();
      if (thread_stopped) thread_.join();
    }
  }
  Status last = ExportOnce(this, shared_, /*final_export=*/true, remaining(),
                           /*on_reader_thread=*/false);
  Status down = shared_->exporter->Shutdown(remaining());
  if (!thread_stopped) {
    return Status::Timeout(
        "periodic reader: an export did not return within the shutdown timeout; its thread is "
        "left to finish on its own");
  }
  // A reader never attached to a provider has nothing to export.
  if (!last.ok() && !last.IsFailedPrecondition()) return last;
  return down;
}

}  // namespace cryptolake::metrics
