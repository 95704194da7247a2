#include "cryptolake/metrics/sdk/diagnostics.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cryptolake/common/thread_annotations.h"

namespace cryptolake::metrics {
namespace {

struct DiagnosticsState {
  Mutex mu;
  std::shared_ptr<DiagnosticHandler> handler GUARDED_BY(mu);  // null = default stderr handler.
  // Rate limiting of the default handler: a one-second window.
  int64_t window_start_s GUARDED_BY(mu) = 0;
  int written_in_window GUARDED_BY(mu) = 0;
  uint64_t suppressed GUARDED_BY(mu) = 0;
};

DiagnosticsState& State() {
  static auto* state = new DiagnosticsState();  // Never destroyed: usable during exit.
  return *state;
}

// s.mu also keeps lines from interleaving.
void WriteToStderr(DiagnosticsState& s, const Diagnostic& d) REQUIRES(s.mu) {
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count();
  if (now_s != s.window_start_s) {
    s.window_start_s = now_s;
    s.written_in_window = 0;
  }
  if (s.written_in_window >= kDefaultDiagnosticsPerSecond) {
    ++s.suppressed;
    return;
  }
  ++s.written_in_window;
  const char* level = d.severity == DiagnosticSeverity::kError ? "error" : "warning";
  if (s.suppressed > 0) {
    std::fprintf(stderr, "cryptolake metrics: (%llu diagnostics suppressed)\n",
                 static_cast<unsigned long long>(s.suppressed));
    s.suppressed = 0;
  }
  std::fprintf(stderr, "cryptolake metrics %s [%.*s]: %.*s\n", level,
               static_cast<int>(d.event.size()), d.event.data(), static_cast<int>(d.message.size()),
               d.message.data());
}

}  // namespace

DiagnosticHandler SetDiagnosticHandler(DiagnosticHandler handler) {
  DiagnosticsState& s = State();
  MutexLock lock(s.mu);
  std::shared_ptr<DiagnosticHandler> previous = std::move(s.handler);
  if (handler) s.handler = std::make_shared<DiagnosticHandler>(std::move(handler));
  return previous ? *previous : DiagnosticHandler();
}

void ReportDiagnostic(DiagnosticSeverity severity, std::string_view event,
                      std::string_view message) noexcept {
  try {
    Diagnostic d{severity, event, message};
    DiagnosticsState& s = State();
    std::shared_ptr<DiagnosticHandler> handler;
    {
      MutexLock lock(s.mu);
      if (!s.handler) {
        WriteToStderr(s, d);
        return;
      }
      handler = s.handler;
    }
    // Invoked without the lock so handlers may be slow or report again.
    (*handler)(d);
  } catch (...) {
    // A diagnostic must never turn into a failure of the caller.
  }
}

}  // namespace cryptolake::metrics
