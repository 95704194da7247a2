// UTF-8 validity checks shared by the OTLP encoders and decoder (internal).
//
// Both OTLP encodings carry strings as UTF-8 (proto3 `string` fields must be
// valid UTF-8 and receivers may reject a request that is not), so the
// encoders replace each byte that starts no valid sequence with U+FFFD and
// the decoder rejects invalid strings.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_METRICS_EXPORT_UTF8_H_
#define CRYPTOLAKE_METRICS_EXPORT_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace cryptolake::metrics {

// The UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER.
inline constexpr std::string_view kUtf8Replacement = "\xEF\xBF\xBD";

// Length of the valid multi-byte UTF-8 sequence starting at s[i], or 0 if
// s[i] starts none (overlong forms, surrogates and code points above
// U+10FFFF are invalid). REQUIRES: i < s.size() and s[i] >= 0x80.
size_t Utf8SequenceLength(std::string_view s, size_t i);

// True when `s` is entirely valid UTF-8.
bool IsValidUtf8(std::string_view s);

// Appends `s` to `*out` with each byte that starts no valid sequence
// replaced by U+FFFD.
void AppendUtf8Sanitized(std::string_view s, std::string* out);

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_EXPORT_UTF8_H_
