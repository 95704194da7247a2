// Small text helpers for configuration values (environment variables, header
// keys) shared by the metrics_net sources. Internal to metrics_net.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_METRICS_NET_CONFIG_TEXT_H_
#define CRYPTOLAKE_METRICS_NET_CONFIG_TEXT_H_

#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cryptolake::metrics::net_internal {

// ASCII lower case (configuration keywords and header names are ASCII).
inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `s` without leading and trailing whitespace.
inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The value of `text` (surrounding whitespace allowed) when it is a whole
// positive decimal integer, else nothing.
inline std::optional<long long> ParsePositiveInteger(std::string_view text) {
  text = Trim(text);
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

// At most the first 200 characters of `text` (a receiver's error message or
// body), non-printable bytes as spaces and every header value of 4 or more
// characters replaced by "<redacted>": safe to put in a log line or a Status.
inline std::string RedactedExcerpt(
    std::string_view text, const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out(text.substr(0, 200));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = ' ';
  }
  for (const auto& header : headers) {
    const std::string& value = header.second;
    if (value.size() < 4) continue;
    for (size_t pos = out.find(value); pos != std::string::npos; pos = out.find(value, pos)) {
      out.replace(pos, value.size(), "<redacted>");
      pos += 10;
    }
  }
  return out;
}

}  // namespace cryptolake::metrics::net_internal

#endif  // CRYPTOLAKE_METRICS_NET_CONFIG_TEXT_H_
