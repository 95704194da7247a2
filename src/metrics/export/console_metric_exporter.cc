#include "cryptolake/metrics/export/console_metric_exporter.h"

#include <cassert>
#include <cerrno>
#include <cstring>

#include "cryptolake/metrics/export/metrics_table.h"
#include "cryptolake/metrics/export/otlp_json.h"

namespace cryptolake::metrics {

ConsoleMetricExporter::ConsoleMetricExporter(FILE* out, Options options)
    : file_(out), options_(options) {
  assert(out != nullptr);
}

ConsoleMetricExporter::ConsoleMetricExporter(std::ostream* out, Options options)
    : stream_(out), options_(options) {
  assert(out != nullptr);
}

Status ConsoleMetricExporter::Export(const ResourceMetrics& data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) return Status::FailedPrecondition("console metric exporter is shut down");
  line_.clear();
  if (options_.format == ConsoleMetricFormat::kTable) {
    // The table ends with a newline; an empty line separates exports.
    line_ = FormatMetricsTable(data);
  } else {
    AppendOtlpJson(data, &line_);
  }
  line_.push_back('\n');
  // One write call per line keeps a line whole even when other code writes
  // to the same stream outside our lock.
  if (file_ != nullptr) {
    if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
      return Status::IOError(std::string("console metric exporter: write failed: ") +
                             std::strerror(errno));
    }
  } else {
    stream_->write(line_.data(), static_cast<std::streamsize>(line_.size()));
    if (!stream_->good()) return Status::IOError("console metric exporter: write failed");
  }
  return FlushLocked();
}

AggregationTemporality ConsoleMetricExporter::TemporalityFor(InstrumentKind kind) const {
  return metrics::TemporalityFor(options_.temporality, kind);
}

DefaultHistogramAggregation ConsoleMetricExporter::HistogramAggregation() const {
  return options_.histogram_aggregation;
}

Status ConsoleMetricExporter::FlushLocked() {
  if (file_ != nullptr) {
    if (std::fflush(file_) != 0) {
      return Status::IOError(std::string("console metric exporter: flush failed: ") +
                             std::strerror(errno));
    }
  } else {
    stream_->flush();
    if (!stream_->good()) return Status::IOError("console metric exporter: flush failed");
  }
  return Status::OK();
}

Status ConsoleMetricExporter::ForceFlush(std::chrono::milliseconds) {
  std::lock_guard<std::mutex> lock(mu_);
  return FlushLocked();
}

Status ConsoleMetricExporter::Shutdown(std::chrono::milliseconds) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) return Status::OK();
  shutdown_ = true;
  return FlushLocked();
}

}  // namespace cryptolake::metrics
