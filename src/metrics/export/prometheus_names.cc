// Name translation and escaping for the Prometheus encoder.
//
// Unit words follow the OpenTelemetry compatibility spec (abbreviations to full words,
// "{...}" dropped, "a/b" -> "a_per_b", "1" -> "ratio"); the word tables below cover the UCUM
// units the semantic conventions use. The escaping schemes are Prometheus' "underscores",
// "dots" and "values" schemes as its escaping_schemes document defines them.
#include "prometheus_names.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "utf8.h"

namespace cryptolake::metrics {
namespace prometheus {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

bool IsLegacyChar(char c, bool allow_colon) {
  return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_' || (allow_colon && c == ':');
}

// Main units (before any '/').
constexpr std::array<std::pair<std::string_view, std::string_view>, 33> kUnitWords{{
    {"d", "days"},          {"h", "hours"},          {"min", "minutes"},
    {"s", "seconds"},       {"ms", "milliseconds"},  {"us", "microseconds"},
    {"ns", "nanoseconds"},  {"By", "bytes"},         {"KiBy", "kibibytes"},
    {"MiBy", "mebibytes"},  {"GiBy", "gibibytes"},   {"TiBy", "tibibytes"},
    {"KBy", "kilobytes"},   {"MBy", "megabytes"},    {"GBy", "gigabytes"},
    {"TBy", "terabytes"},   {"bit", "bits"},         {"Kibit", "kibibits"},
    {"Mibit", "mebibits"},  {"Gibit", "gibibits"},   {"m", "meters"},
    {"V", "volts"},         {"A", "amperes"},        {"J", "joules"},
    {"W", "watts"},         {"g", "grams"},          {"Cel", "celsius"},
    {"Hz", "hertz"},        {"%", "percent"},        {"mV", "millivolts"},
    {"mA", "milliamperes"}, {"kWh", "kilowatt_hours"}, {"KHz", "kilohertz"},
}};

// Units after '/', in the singular.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kPerUnitWords{{
    {"s", "second"},
    {"m", "minute"},
    {"min", "minute"},
    {"h", "hour"},
    {"d", "day"},
    {"w", "week"},
    {"mo", "month"},
    {"y", "year"},
}};

template <size_t N>
std::string_view Lookup(const std::array<std::pair<std::string_view, std::string_view>, N>& table,
                        std::string_view key) {
  for (const auto& [from, to] : table) {
    if (from == key) return to;
  }
  return {};
}

}  // namespace

// Removes every "{...}" annotation (an unclosed '{' drops the rest).
std::string DropAnnotations(std::string_view unit) {
  std::string out;
  size_t i = 0;
  while (i < unit.size()) {
    if (unit[i] == '{') {
      const size_t close = unit.find('}', i);
      if (close == std::string_view::npos) break;
      i = close + 1;
      continue;
    }
    out.push_back(unit[i]);
    ++i;
  }
  return out;
}

// Words for one unit part: a known abbreviation, else the part sanitised (letters, digits and
// '_' kept, everything else dropped, as the part becomes a name fragment).
std::string UnitPartWords(std::string_view part, bool per) {
  std::string_view word = per ? Lookup(kPerUnitWords, part) : std::string_view{};
  if (word.empty()) word = Lookup(kUnitWords, part);
  if (!word.empty()) return std::string(word);
  std::string out;
  for (char c : part) {
    if (IsLegacyChar(c, false)) out.push_back(c);
  }
  return out;
}

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Collapses runs of '_' into one.
std::string CollapseUnderscores(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '_' && !out.empty() && out.back() == '_') continue;
    out.push_back(c);
  }
  return out;
}

// Decodes one UTF-8 code point at s[*i], advancing *i; a byte that starts no valid sequence
// yields U+FFFD.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto c = static_cast<unsigned char>(s[*i]);
  if (c < 0x80) {
    ++*i;
    return c;
  }
  const size_t len = Utf8SequenceLength(s, *i);
  if (len == 0) {
    ++*i;
    return 0xFFFD;
  }
  uint32_t cp = c & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3Fu);
  *i += len;
  return cp;
}

}  // namespace

bool IsLegacyMetricName(std::string_view name) {
  if (name.empty() || IsAsciiDigit(name[0])) return false;
  for (char c : name) {
    if (!IsLegacyChar(c, true)) return false;
  }
  return true;
}

bool IsLegacyLabelName(std::string_view name) {
  if (name.empty() || IsAsciiDigit(name[0])) return false;
  for (char c : name) {
    if (!IsLegacyChar(c, false)) return false;
  }
  return true;
}

std::string SanitizeName(std::string_view name, bool allow_colon) {
  std::string out;
  out.reserve(name.size() + 1);
  if (!name.empty() && IsAsciiDigit(name[0])) out.push_back('_');
  for (char c : name) {
    // A multi-byte UTF-8 character becomes one '_' per byte; collapsing below makes it one.
    const char mapped = IsLegacyChar(c, allow_colon) ? c : '_';
    if (mapped == '_' && !out.empty() && out.back() == '_') continue;
    out.push_back(mapped);
  }
  if (out.empty()) out.push_back('_');
  return out;
}

}  // namespace prometheus

std::string PrometheusUnit(std::string_view otel_unit, bool is_gauge) {
  if (otel_unit == "1") return is_gauge ? "ratio" : "";
  const std::string unit = prometheus::DropAnnotations(otel_unit);
  if (unit.empty()) return "";
  const size_t slash = unit.find('/');
  std::string main = prometheus::UnitPartWords(std::string_view(unit).substr(0, slash), false);
  if (slash == std::string::npos) return main;
  const std::string per =
      prometheus::UnitPartWords(std::string_view(unit).substr(slash + 1), true);
  if (per.empty()) return main;
  // "1/s" and "{request}/s" are rates of a count: "per_second".
  if (main.empty() || main == "1") return "per_" + per;
  return main + "_per_" + per;
}

namespace prometheus {

std::string TranslateMetricName(std::string_view name, std::string_view unit_words,
                                FamilyKind kind, const PrometheusTextOptions& options,
                                TotalSuffix total) {
  using S = PrometheusTranslationStrategy;
  const S strategy = options.translation_strategy;
  if (strategy == S::kNoTranslation) return std::string(name);
  const bool underscores =
      strategy == S::kUnderscoreEscapingWithSuffixes || strategy == S::kUnderscoreEscapingWithoutSuffixes;
  const bool suffixes =
      strategy == S::kUnderscoreEscapingWithSuffixes || strategy == S::kNoUTF8EscapingWithSuffixes;
  std::string base = underscores ? SanitizeName(name, true) : std::string(name);
  if (!suffixes) return base;
  // A counter named "x_total" is "x" plus the type suffix: the unit goes before it and the
  // suffix is not added twice.
  const bool counter = kind == FamilyKind::kCounter && total != TotalSuffix::kLeave;
  if (counter && EndsWith(base, "_total") && base.size() > 6) base.resize(base.size() - 6);
  if (!options.without_units && !unit_words.empty()) {
    std::string suffix(1, '_');
    suffix.append(unit_words);
    if (!EndsWith(base, suffix) && base != unit_words) base += suffix;
  }
  if (counter && total == TotalSuffix::kAppend) base += "_total";
  return underscores ? CollapseUnderscores(base) : base;
}

std::string TranslateLabelName(std::string_view key, PrometheusTranslationStrategy strategy) {
  using S = PrometheusTranslationStrategy;
  if (strategy == S::kNoUTF8EscapingWithSuffixes || strategy == S::kNoTranslation) {
    return std::string(key);
  }
  return SanitizeName(key, false);
}

std::string EscapeName(std::string_view name, PrometheusEscaping escaping, bool is_metric) {
  const bool legacy = is_metric ? IsLegacyMetricName(name) : IsLegacyLabelName(name);
  switch (escaping) {
    case PrometheusEscaping::kAllowUtf8:
      return std::string(name);
    case PrometheusEscaping::kUnderscores: {
      if (legacy) return std::string(name);
      std::string out;
      out.reserve(name.size() + 1);
      if (name.empty() || IsAsciiDigit(name[0])) out.push_back('_');
      size_t i = 0;
      while (i < name.size()) {
        const char c = name[i];
        if (static_cast<unsigned char>(c) >= 0x80) {
          NextCodePoint(name, &i);  // One '_' per character, not per byte.
          out.push_back('_');
          continue;
        }
        out.push_back(IsLegacyChar(c, is_metric) ? c : '_');
        ++i;
      }
      return out;
    }
    case PrometheusEscaping::kDots: {
      // Underscores are doubled even in legacy names, so the scheme stays reversible.
      std::string out;
      out.reserve(name.size() + 8);
      if (name.empty() || IsAsciiDigit(name[0])) out.push_back('_');
      size_t i = 0;
      while (i < name.size()) {
        const char c = name[i];
        if (c == '.') {
          out += "_dot_";
        } else if (c == '_') {
          out += "__";
        } else if (static_cast<unsigned char>(c) >= 0x80) {
          NextCodePoint(name, &i);
          out.push_back('_');
          continue;
        } else {
          out.push_back(IsLegacyChar(c, is_metric) ? c : '_');
        }
        ++i;
      }
      return out;
    }
    case PrometheusEscaping::kValues: {
      if (legacy) return std::string(name);
      std::string out = "U__";
      size_t i = 0;
      while (i < name.size()) {
        const bool first = i == 0;
        const uint32_t cp = NextCodePoint(name, &i);
        if (cp == '_') {
          out += "__";
        } else if (cp < 0x80 && IsLegacyChar(static_cast<char>(cp), is_metric) &&
                   !(first && IsAsciiDigit(static_cast<char>(cp)))) {
          out.push_back(static_cast<char>(cp));
        } else {
          char buf[16];
          const int n = std::snprintf(buf, sizeof buf, "_%x_", static_cast<unsigned>(cp));
          out.append(buf, static_cast<size_t>(n));
        }
      }
      return out;
    }
  }
  return std::string(name);
}

}  // namespace prometheus
}  // namespace cryptolake::metrics
