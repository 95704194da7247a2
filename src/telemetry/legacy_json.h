// The JSON writer of the legacy-compatible collector: output formatted as Python's json.dumps()
// with its defaults (", " and ": " separators, ensure_ascii, floats as repr()), so the C++
// collector's JSON reads like the predecessor's. Standard library only.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_SRC_TELEMETRY_LEGACY_JSON_H_
#define CRYPTOLAKE_SRC_TELEMETRY_LEGACY_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cryptolake/telemetry/legacy_fields.h"

namespace cryptolake::telemetry::legacy_json {

// A quoted JSON string: ", \ and control characters escaped (\n \r \t \b \f, else \u00XX), DEL
// and every non-ASCII character as \uXXXX (UTF-16 surrogate pairs above U+FFFF, lower-case hex).
// Bytes that are not valid UTF-8 become \ufffd, one per byte.
void AppendString(std::string* out, std::string_view s);

// A double as Python's repr(): the shortest digits that round-trip, fixed notation with at least
// one decimal ("1.0", "0.0001") when the decimal exponent is in [-4, 16), else scientific with a
// signed two-digit-minimum exponent ("1e-05", "1e+16"). NaN and infinities become null.
void AppendDouble(std::string* out, double v);

void AppendInt(std::string* out, int64_t v);

// null when absent.
void AppendOptionalDouble(std::string* out, std::optional<double> v);

void AppendValue(std::string* out, const LegacyValue& v);

// The fields as members of an object already opened by the caller: each is preceded by ", "
// when `*first` is false; `*first` is cleared after the first member.
void AppendMembers(std::string* out, const LegacyFields& fields, bool* first);

// {"k": v, ...} in insertion order.
void AppendObject(std::string* out, const LegacyFields& fields);

// ", " unless `*first`, then the quoted key and ": ". Clears `*first`.
void AppendKey(std::string* out, std::string_view key, bool* first);

}  // namespace cryptolake::telemetry::legacy_json

#endif  // CRYPTOLAKE_SRC_TELEMETRY_LEGACY_JSON_H_
