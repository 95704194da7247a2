// Self-diagnostics of the metrics API and SDK.
//
// Misuse that the specification says must not throw (an invalid instrument
// name, a conflicting duplicate registration, a view that selects several
// instruments while renaming them, a failed export...) is reported here as a
// Diagnostic with a stable event name. The default handler writes one line to
// stderr and is rate-limited (at most kDefaultDiagnosticsPerSecond lines per
// second; the number of suppressed lines is reported with the next one). A
// custom handler receives every diagnostic, unthrottled.
//
// Event names used by the SDK core: "InvalidInstrumentName",
// "InvalidInstrumentUnit", "DuplicateInstrumentConflict",
// "ViewNameSelectsManyInstruments", "DuplicateStreamName",
// "IncompatibleAggregation", "InvalidBucketBoundaries", "ExportFailed",
// "CallbackFailed", "InvalidEnvironmentValue", "ReaderAlreadyAttached".
//
// Thread-safety: all functions may be called from any thread. A handler may be
// invoked concurrently from several threads and must not call back into
// SetDiagnosticHandler.
#ifndef CRYPTOLAKE_METRICS_SDK_DIAGNOSTICS_H_
#define CRYPTOLAKE_METRICS_SDK_DIAGNOSTICS_H_

#include <functional>
#include <string_view>

namespace cryptolake::metrics {

enum class DiagnosticSeverity { kWarning, kError };

struct Diagnostic {
  DiagnosticSeverity severity = DiagnosticSeverity::kWarning;
  std::string_view event;    // Stable event name, e.g. "InvalidInstrumentName".
  std::string_view message;  // Human-readable detail.
};

using DiagnosticHandler = std::function<void(const Diagnostic&)>;

inline constexpr int kDefaultDiagnosticsPerSecond = 10;

// Installs `handler` (an empty function restores the default stderr handler).
// Returns the previously installed custom handler (empty if it was the default).
DiagnosticHandler SetDiagnosticHandler(DiagnosticHandler handler);

// Reports one diagnostic to the installed handler. Never throws.
void ReportDiagnostic(DiagnosticSeverity severity, std::string_view event,
                      std::string_view message) noexcept;

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_SDK_DIAGNOSTICS_H_
