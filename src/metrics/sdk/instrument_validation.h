// Validation of instrument names and units (OpenTelemetry metrics API spec).
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_SRC_METRICS_INSTRUMENT_VALIDATION_H_
#define CRYPTOLAKE_SRC_METRICS_INSTRUMENT_VALIDATION_H_

#include <string>
#include <string_view>

namespace cryptolake::metrics::internal {

inline constexpr size_t kMaxInstrumentNameLength = 255;
inline constexpr size_t kMaxUnitLength = 63;

// An ASCII letter, then letters, digits, '_', '.', '-' or '/'; 1..255 chars.
bool IsValidInstrumentName(std::string_view name);
// At most 63 ASCII characters (may be empty).
bool IsValidUnit(std::string_view unit);
// ASCII lower-case copy (instrument identity is case-insensitive).
std::string AsciiLower(std::string_view text);

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_INSTRUMENT_VALIDATION_H_
