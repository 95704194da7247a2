// PeriodicExportingReader: collects every `interval` on its own thread and
// hands the data to a MetricExporter, bounded by `timeout` per export.
//
// Temporality and default histogram aggregation come from the exporter.
// ForceFlush() collects and exports at once and waits for it. Shutdown()
// stops the thread after one last collect+export (so a short job's final
// interval is never lost), then shuts the exporter down. Export failures are
// reported as "ExportFailed" diagnostics and do not stop the reader.
//
// An exporter that ignores its timeout cannot hang the caller: Shutdown()
// waits at most its timeout for the reader thread (then returns Timeout), and
// the destructor leaves a thread still stuck in Export() behind, detached,
// holding only the exporter and the reader's shared state (never the reader
// itself), to finish whenever Export() returns.
//
// Thread-safety: ForceFlush and Shutdown may be called from any thread,
// concurrently; Shutdown is idempotent. Exports never run concurrently.
#ifndef CRYPTOLAKE_METRICS_SDK_PERIODIC_EXPORTING_READER_H_
#define CRYPTOLAKE_METRICS_SDK_PERIODIC_EXPORTING_READER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "cryptolake/metrics/sdk/metric_exporter.h"
#include "cryptolake/metrics/sdk/metric_reader.h"

namespace cryptolake::metrics {

struct PeriodicExportingReaderOptions {
  std::chrono::milliseconds interval{60000};  // OTEL_METRIC_EXPORT_INTERVAL
  std::chrono::milliseconds timeout{30000};   // OTEL_METRIC_EXPORT_TIMEOUT

  // Defaults overridden by OTEL_METRIC_EXPORT_INTERVAL / _TIMEOUT
  // (milliseconds; invalid or non-positive values are ignored with an
  // "InvalidEnvironmentValue" diagnostic).
  static PeriodicExportingReaderOptions FromEnvironment();
  // The same, reading variables through `env` (returns a value or nullptr),
  // for programs that configure from an environment other than the process's.
  static PeriodicExportingReaderOptions FromEnvironment(
      const std::function<const char*(const char*)>& env);
};

class PeriodicExportingReader final : public MetricReader {
 public:
  // REQUIRES: exporter != nullptr. The thread starts at once; nothing is
  // collected until the reader is attached to a provider.
  PeriodicExportingReader(
      std::shared_ptr<MetricExporter> exporter,
      PeriodicExportingReaderOptions options = PeriodicExportingReaderOptions::FromEnvironment());
  ~PeriodicExportingReader() override;

  AggregationTemporality TemporalityFor(InstrumentKind kind) const override;
  DefaultHistogramAggregation HistogramAggregation() const override;

  // Number of completed export attempts (for tests and diagnostics).
  uint64_t export_count() const;

 protected:
  Status OnForceFlush(std::chrono::milliseconds timeout) override;
  Status OnShutdown(std::chrono::milliseconds timeout) override;

 private:
  struct Shared;

  // The reader thread's loop. Uses `reader` only inside ExportOnce's
  // collection phase (see Shared::collecting).
  static void Run(PeriodicExportingReader* reader, std::shared_ptr<Shared> shared,
                  PeriodicExportingReaderOptions options);
  // Collects and exports once. Serialised by Shared::exporting: waits at
  // most `wait` for an export already running (then returns Timeout).
  static Status ExportOnce(PeriodicExportingReader* reader, const std::shared_ptr<Shared>& shared,
                           bool final_export, std::chrono::milliseconds wait,
                           bool on_reader_thread);

  PeriodicExportingReaderOptions options_;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_SDK_PERIODIC_EXPORTING_READER_H_
