#include "cryptolake/metrics/net/otlp_exporter_options.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>

#include "config_text.h"
#include "cryptolake/metrics/sdk/diagnostics.h"

namespace cryptolake::metrics {
namespace {

using net_internal::Lower;
using net_internal::Trim;

// The parts of a URL we look at. Deliberately small: endpoints are
// scheme://[userinfo@]host[:port][/path][?query].
struct UrlParts {
  std::string_view scheme;  // Empty when the text has no "://".
  std::string_view host_port;
  std::string_view path;  // Starts with '/' or is empty.
  std::string_view query;
};

UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  std::string_view rest = url;
  if (size_t pos = rest.find("://"); pos != std::string_view::npos) {
    parts.scheme = rest.substr(0, pos);
    rest.remove_prefix(pos + 3);
  }
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  // User info may hold a password: never keep it.
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  parts.host_port = authority;
  size_t query_start = rest.find_first_of("?#");
  parts.path = rest.substr(0, query_start);
  if (query_start != std::string_view::npos) parts.query = rest.substr(query_start);
  return parts;
}

// The port of host[:port] or [v6]:port; 0 when absent or not a number.
int PortOf(std::string_view host_port) {
  size_t colon = host_port.rfind(':');
  if (colon == std::string_view::npos) return 0;
  if (size_t bracket = host_port.rfind(']'); bracket != std::string_view::npos && bracket > colon) {
    return 0;
  }
  int port = 0;
  std::string_view digits = host_port.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return 0;
  return port;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

void ReportInvalid(const char* variable, std::string_view expected) {
  std::string message = "ignoring ";
  message += variable;
  message += ": expected ";
  message += expected;
  ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidEnvironmentValue", message);
}

// Tries the specific then the generic variable, parsing each with `parse`
// (returns false on an invalid value); an invalid specific value falls back
// to the generic one.
template <typename Parse>
void ReadEither(const EnvironmentLookup& env, const std::string& suffix, std::string_view expected,
                Parse parse) {
  const std::string names[2] = {"OTEL_EXPORTER_OTLP_METRICS_" + suffix,
                                "OTEL_EXPORTER_OTLP_" + suffix};
  for (const std::string& name : names) {
    const char* v = env(name.c_str());
    if (v == nullptr || *v == '\0') continue;
    if (parse(std::string_view(v))) return;
    ReportInvalid(name.c_str(), expected);
  }
}

bool ParseBool(std::string_view text, bool* out) {
  std::string v = Lower(Trim(text));
  if (v == "true") {
    *out = true;
    return true;
  }
  if (v == "false") {
    *out = false;
    return true;
  }
  return false;
}

}  // namespace

std::string_view OtlpProtocolName(OtlpProtocol protocol) {
  switch (protocol) {
    case OtlpProtocol::kGrpc:
      return "grpc";
    case OtlpProtocol::kHttpProtobuf:
      return "http/protobuf";
    case OtlpProtocol::kHttpJson:
      return "http/json";
  }
  return "grpc";
}

Result<OtlpProtocol> ParseOtlpProtocol(std::string_view text) {
  std::string v = Lower(Trim(text));
  if (v == "grpc") return OtlpProtocol::kGrpc;
  if (v == "http/protobuf") return OtlpProtocol::kHttpProtobuf;
  if (v == "http/json") return OtlpProtocol::kHttpJson;
  return Status::InvalidArgument("unknown OTLP protocol '" + std::string(text) +
                                 "' (expected grpc, http/protobuf or http/json)");
}

EnvironmentLookup ProcessEnvironment() {
  return [](const char* name) -> const char* { return std::getenv(name); };
}

ParsedHeaders ParseOtlpHeaders(std::string_view text) {
  ParsedHeaders parsed;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (Trim(entry).empty()) continue;
    size_t eq = entry.find('=');
    std::string_view key =
        eq == std::string_view::npos ? std::string_view() : Trim(entry.substr(0, eq));
    if (key.empty()) {
      parsed.had_invalid_entries = true;
      continue;
    }
    parsed.headers.emplace_back(PercentDecode(key), PercentDecode(Trim(entry.substr(eq + 1))));
  }
  return parsed;
}

std::string AppendMetricsPath(std::string_view base_endpoint) {
  UrlParts parts = SplitUrl(base_endpoint);
  // Rebuild: everything up to the end of the path, the suffix, then the query.
  size_t path_end =
      static_cast<size_t>(parts.path.data() + parts.path.size() - base_endpoint.data());
  if (parts.path.empty()) {
    path_end =
        static_cast<size_t>(parts.host_port.data() + parts.host_port.size() - base_endpoint.data());
  }
  std::string out(base_endpoint.substr(0, path_end));
  if (out.empty() || out.back() != '/') out.push_back('/');
  out += "v1/metrics";
  out += parts.query;
  return out;
}

std::string RedactUrl(std::string_view url) {
  UrlParts parts = SplitUrl(url);
  std::string out;
  if (!parts.scheme.empty()) {
    out += parts.scheme;
    out += "://";
  }
  out += parts.host_port;
  out += parts.path;
  return out;
}

OtlpExporterOptions OtlpExporterOptions::FromEnvironment(const EnvironmentLookup& env) {
  OtlpExporterOptions options;

  // Protocol: explicit, else chosen from the endpoint below.
  bool protocol_set = false;
  ReadEither(env, "PROTOCOL", "grpc, http/protobuf or http/json", [&](std::string_view v) {
    Result<OtlpProtocol> p = ParseOtlpProtocol(v);
    if (!p.ok()) return false;
    options.protocol = *p;
    protocol_set = true;
    return true;
  });

  const char* signal_endpoint = env("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
  if (signal_endpoint != nullptr && *signal_endpoint == '\0') signal_endpoint = nullptr;
  const char* base_endpoint = env("OTEL_EXPORTER_OTLP_ENDPOINT");
  if (base_endpoint != nullptr && *base_endpoint == '\0') base_endpoint = nullptr;
  options.endpoint_from_environment = signal_endpoint != nullptr || base_endpoint != nullptr;

  if (!protocol_set) {
    // See the header: gRPC unless the endpoint is plainly OTLP/HTTP.
    bool http = false;
    if (const char* endpoint = signal_endpoint != nullptr ? signal_endpoint : base_endpoint) {
      UrlParts parts = SplitUrl(endpoint);
      int port = PortOf(parts.host_port);
      http = (!parts.path.empty() && parts.path != "/") || port == 4318 || port == 5080;
    }
    options.protocol = http ? OtlpProtocol::kHttpProtobuf : OtlpProtocol::kGrpc;
  }

  const bool grpc = options.protocol == OtlpProtocol::kGrpc;
  if (signal_endpoint != nullptr) {
    options.endpoint = Trim(signal_endpoint);  // Used as-is, for every protocol.
  } else if (base_endpoint != nullptr) {
    // gRPC targets have no path; OTLP/HTTP appends the signal's.
    options.endpoint =
        grpc ? std::string(Trim(base_endpoint)) : AppendMetricsPath(Trim(base_endpoint));
  } else {
    options.endpoint = grpc ? "http://localhost:4317" : "http://localhost:4318/v1/metrics";
  }

  // Headers: the metrics variable replaces the generic one key by key (a key
  // set in both takes the metrics value).
  {
    const char* generic = env("OTEL_EXPORTER_OTLP_HEADERS");
    const char* specific = env("OTEL_EXPORTER_OTLP_METRICS_HEADERS");
    if (generic != nullptr && *generic != '\0') {
      ParsedHeaders parsed = ParseOtlpHeaders(generic);
      if (parsed.had_invalid_entries) {
        ReportInvalid("OTEL_EXPORTER_OTLP_HEADERS", "comma-separated key=value pairs");
      }
      options.headers = std::move(parsed.headers);
    }
    if (specific != nullptr && *specific != '\0') {
      ParsedHeaders parsed = ParseOtlpHeaders(specific);
      if (parsed.had_invalid_entries) {
        ReportInvalid("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "comma-separated key=value pairs");
      }
      for (auto& [key, value] : parsed.headers) {
        bool replaced = false;
        for (auto& existing : options.headers) {
          if (Lower(existing.first) == Lower(key)) {
            existing.second = value;
            replaced = true;
          }
        }
        if (!replaced) options.headers.emplace_back(std::move(key), std::move(value));
      }
    }
  }

  ReadEither(env, "COMPRESSION", "gzip or none", [&](std::string_view v) {
    std::string c = Lower(Trim(v));
    if (c == "gzip") {
      options.gzip = true;
      return true;
    }
    if (c == "none") {
      options.gzip = false;
      return true;
    }
    return false;
  });
  ReadEither(env, "TIMEOUT", "a positive number of milliseconds", [&](std::string_view v) {
    std::optional<long long> ms = net_internal::ParsePositiveInteger(v);
    if (!ms) return false;
    options.timeout = std::chrono::milliseconds(*ms);
    return true;
  });
  ReadEither(env, "CERTIFICATE", "a file path", [&](std::string_view v) {
    options.certificate_file = Trim(v);
    return true;
  });
  ReadEither(env, "CLIENT_KEY", "a file path", [&](std::string_view v) {
    options.client_key_file = Trim(v);
    return true;
  });
  ReadEither(env, "CLIENT_CERTIFICATE", "a file path", [&](std::string_view v) {
    options.client_certificate_file = Trim(v);
    return true;
  });
  ReadEither(env, "INSECURE", "true or false",
             [&](std::string_view v) { return ParseBool(v, &options.insecure); });

  if (const char* v = env("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE");
      v != nullptr && *v != '\0') {
    Result<TemporalityPreference> t = ParseTemporalityPreference(Trim(v));
    if (t.ok()) {
      options.temporality = *t;
    } else {
      ReportInvalid("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                    "cumulative, delta or lowmemory");
    }
  }
  if (const char* v = env("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION");
      v != nullptr && *v != '\0') {
    std::string h = Lower(Trim(v));
    if (h == "explicit_bucket_histogram") {
      options.histogram_aggregation = DefaultHistogramAggregation::kExplicitBucket;
    } else if (h == "base2_exponential_bucket_histogram") {
      options.histogram_aggregation = DefaultHistogramAggregation::kBase2Exponential;
    } else {
      ReportInvalid("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
                    "explicit_bucket_histogram or base2_exponential_bucket_histogram");
    }
  }
  return options;
}

bool OtlpExporterOptions::UsesTls() const {
  UrlParts parts = SplitUrl(endpoint);
  std::string scheme = Lower(parts.scheme);
  if (scheme == "https") return true;
  if (scheme == "http") return false;
  return !insecure;
}

std::string OtlpExporterOptions::GrpcTarget() const {
  UrlParts parts = SplitUrl(endpoint);
  return std::string(parts.host_port);
}

void OtlpExporterOptions::ServerHostPort(std::string* host, int* port) const {
  UrlParts parts = SplitUrl(endpoint);
  std::string_view host_port = parts.host_port;
  *port = PortOf(host_port);
  if (*port != 0) {
    *host = std::string(host_port.substr(0, host_port.rfind(':')));
  } else {
    *host = std::string(host_port);
    *port = Lower(parts.scheme) == "https" ? 443 : 80;
  }
}

std::string OtlpExporterOptions::Describe() const {
  std::string out = "otlp/";
  out += OtlpProtocolName(protocol);
  out += ' ';
  out += RedactUrl(endpoint);
  return out;
}

}  // namespace cryptolake::metrics
