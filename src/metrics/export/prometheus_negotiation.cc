// Prometheus content negotiation: the exposition (format, escaping, Content-Type) a scrape's
// Accept header asks for. Rules: cryptolake/metrics/export/prometheus_text.h.
#include "cryptolake/metrics/export/prometheus_text.h"

#include <charconv>
#include <string>
#include <string_view>
#include <system_error>

namespace cryptolake::metrics {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

struct MediaRange {
  std::string type;  // Lower case "type/subtype".
  std::string version;
  std::string escaping;
  bool has_escaping = false;
  double q = 1.0;
};

MediaRange ParseMediaRange(std::string_view text) {
  MediaRange range;
  size_t semi = text.find(';');
  range.type = Lower(Trim(text.substr(0, semi)));
  while (semi != std::string_view::npos) {
    text.remove_prefix(semi + 1);
    semi = text.find(';');
    const std::string_view param = Trim(text.substr(0, semi));
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string key = Lower(Trim(param.substr(0, eq)));
    std::string_view value = Trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (key == "q") {
      double q = 0;
      const auto r = std::from_chars(value.data(), value.data() + value.size(), q);
      range.q = r.ec == std::errc() ? q : 0.0;
    } else if (key == "version") {
      range.version = std::string(value);
    } else if (key == "escaping") {
      range.escaping = Lower(value);
      range.has_escaping = true;
    }
  }
  return range;
}

PrometheusEscaping ParseEscaping(std::string_view value) {
  if (value == "allow-utf-8") return PrometheusEscaping::kAllowUtf8;
  if (value == "dots") return PrometheusEscaping::kDots;
  if (value == "values") return PrometheusEscaping::kValues;
  return PrometheusEscaping::kUnderscores;
}

std::string_view EscapingName(PrometheusEscaping escaping) {
  switch (escaping) {
    case PrometheusEscaping::kUnderscores:
      return "underscores";
    case PrometheusEscaping::kAllowUtf8:
      return "allow-utf-8";
    case PrometheusEscaping::kDots:
      return "dots";
    case PrometheusEscaping::kValues:
      return "values";
  }
  return "underscores";
}

}  // namespace

PrometheusExposition NegotiatePrometheusExposition(std::string_view accept_header) {
  PrometheusExposition best;
  double best_q = -1;
  bool best_has_escaping = false;
  size_t start = 0;
  while (start <= accept_header.size()) {
    size_t comma = accept_header.find(',', start);
    if (comma == std::string_view::npos) comma = accept_header.size();
    const std::string_view item = Trim(accept_header.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    const MediaRange range = ParseMediaRange(item);
    if (range.q <= 0) continue;
    PrometheusFormat format;
    if (range.type == "application/openmetrics-text" &&
        (range.version.empty() || range.version == "1.0.0")) {
      format = PrometheusFormat::kOpenMetrics100;
    } else if (range.type == "text/plain" && range.version == "1.0.0") {
      format = PrometheusFormat::kText100;
    } else if ((range.type == "text/plain" && (range.version.empty() || range.version == "0.0.4")) ||
               range.type == "*/*" || range.type == "text/*") {
      format = PrometheusFormat::kText004;
    } else {
      continue;  // Protobuf, OpenMetrics 0.0.1 and anything else: not served.
    }
    if (range.q > best_q) {
      best_q = range.q;
      best.format = format;
      best.escaping = format == PrometheusFormat::kText004 ? PrometheusEscaping::kUnderscores
                                                           : ParseEscaping(range.escaping);
      best_has_escaping = range.has_escaping;
    }
  }
  switch (best.format) {
    case PrometheusFormat::kText004:
      best.content_type = "text/plain; version=0.0.4; charset=utf-8";
      break;
    case PrometheusFormat::kText100:
      best.content_type = "text/plain; version=1.0.0; charset=utf-8";
      break;
    case PrometheusFormat::kOpenMetrics100:
      best.content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
      break;
  }
  if (best_has_escaping) {
    best.content_type += "; escaping=";
    best.content_type += EscapingName(best.escaping);
  }
  return best;
}

}  // namespace cryptolake::metrics
