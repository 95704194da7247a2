// OtlpExporterOptions: where and how an OTLP metrics exporter sends, from
// code, from the environment, or both.
//
// Precedence (highest first): values set in code, OTEL_EXPORTER_OTLP_METRICS_*,
// OTEL_EXPORTER_OTLP_*, defaults. FromEnvironment() fills the options from the
// environment; callers then overwrite the fields they set in code.
//
// Variables read (specification/protocol/exporter.md and
// configuration/sdk-environment-variables.md):
//   OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT      see "Endpoint" below
//   OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL      grpc | http/protobuf | http/json
//   OTEL_EXPORTER_OTLP_[METRICS_]HEADERS       k=v,k2=v2 (keys trimmed, values
//                                              percent-decoded)
//   OTEL_EXPORTER_OTLP_[METRICS_]COMPRESSION   gzip | none
//   OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT       milliseconds (default 10000)
//   OTEL_EXPORTER_OTLP_[METRICS_]CERTIFICATE   CA bundle (PEM) to verify the server
//   OTEL_EXPORTER_OTLP_[METRICS_]CLIENT_KEY    client private key (PEM), mTLS
//   OTEL_EXPORTER_OTLP_[METRICS_]CLIENT_CERTIFICATE  client certificate (PEM), mTLS
//   OTEL_EXPORTER_OTLP_[METRICS_]INSECURE      true: plaintext gRPC for an
//                                              endpoint without a scheme
//   OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE  cumulative | delta | lowmemory
//   OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION
//       explicit_bucket_histogram | base2_exponential_bucket_histogram
// An invalid value is ignored (the default or the less specific variable is
// used) and reported once as an "InvalidEnvironmentValue" diagnostic that
// names the variable, never its value (headers carry credentials).
//
// Protocol when none is set. The specification recommends http/protobuf; the
// Python SDK the predecessor used (and the plan's examples,
// OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317) mean gRPC. We choose by the
// endpoint so both work as a user expects: gRPC, unless the endpoint is
// plainly an OTLP/HTTP one: a metrics endpoint ending in /v1/metrics, an
// endpoint with a path (gRPC targets have none; OpenObserve's /api/<org> is
// HTTP), or port 4318 (the OTLP/HTTP port) or 5080 (OpenObserve's HTTP port).
// No endpoint at all means gRPC to http://localhost:4317. An explicit protocol
// always wins.
//
// Endpoint. For gRPC the endpoint is a URL or host:port; `https://` means TLS,
// `http://` plaintext, no scheme plaintext only when INSECURE is true (TLS
// otherwise). For HTTP, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is used as-is and
// OTEL_EXPORTER_OTLP_ENDPOINT gets "v1/metrics" appended to its path (with a
// '/' between when needed), default http://localhost:4318/v1/metrics.
//
// Thread-safety: plain values; FromEnvironment() reads the process environment
// (or the given lookup) and is safe to call concurrently.
#ifndef CRYPTOLAKE_METRICS_NET_OTLP_EXPORTER_OPTIONS_H_
#define CRYPTOLAKE_METRICS_NET_OTLP_EXPORTER_OPTIONS_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/metrics/sdk/metric_exporter.h"

namespace cryptolake::metrics {

enum class OtlpProtocol { kGrpc, kHttpProtobuf, kHttpJson };

std::string_view OtlpProtocolName(OtlpProtocol protocol);  // "grpc", "http/protobuf", ...
Result<OtlpProtocol> ParseOtlpProtocol(std::string_view text);

// Returns the value of an environment variable or nullptr.
using EnvironmentLookup = std::function<const char*(const char*)>;
// std::getenv.
EnvironmentLookup ProcessEnvironment();

struct OtlpExporterOptions {
  OtlpProtocol protocol = OtlpProtocol::kGrpc;
  // gRPC: the target URL ("http://host:4317"); HTTP: the full URL requests go to.
  std::string endpoint = "http://localhost:4317";
  // Sent with every request (gRPC metadata keys are lower-cased). Values may be
  // secrets: they never appear in logs, errors or metrics.
  std::vector<std::pair<std::string, std::string>> headers;
  bool gzip = false;
  std::chrono::milliseconds timeout{10000};
  std::string certificate_file;         // CA bundle; empty = system trust store.
  std::string client_key_file;          // mTLS key; empty = none.
  std::string client_certificate_file;  // mTLS certificate; empty = none.
  bool insecure = false;                // gRPC without scheme: plaintext when true.
  TemporalityPreference temporality = TemporalityPreference::kCumulative;
  DefaultHistogramAggregation histogram_aggregation = DefaultHistogramAggregation::kExplicitBucket;

  // True when any OTEL_EXPORTER_OTLP_ENDPOINT / _METRICS_ENDPOINT was set.
  bool endpoint_from_environment = false;

  static OtlpExporterOptions FromEnvironment(const EnvironmentLookup& env = ProcessEnvironment());

  // For gRPC: whether the channel uses TLS (scheme https, or no scheme and
  // not insecure).
  bool UsesTls() const;
  // For gRPC: "host:port" from the endpoint.
  std::string GrpcTarget() const;
  // The endpoint's host and port (the scheme's default port, 443 for https
  // and 80 otherwise, when none is given), e.g. for server.address/port.
  void ServerHostPort(std::string* host, int* port) const;
  // "otlp/grpc http://host:4317" - scheme, host, port and path; never user
  // info, query strings or header values.
  std::string Describe() const;
};

// Parses "k=v,k2=v2" with percent-decoded values (OTEL_EXPORTER_OTLP_HEADERS).
// Entries without '=' or with an empty key are skipped; the result says
// whether any was skipped.
struct ParsedHeaders {
  std::vector<std::pair<std::string, std::string>> headers;
  bool had_invalid_entries = false;
};
ParsedHeaders ParseOtlpHeaders(std::string_view text);

// Appends "v1/metrics" to a base endpoint's path (the per-signal path rule).
std::string AppendMetricsPath(std::string_view base_endpoint);

// Removes user info and the query string from a URL for display.
std::string RedactUrl(std::string_view url);

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_NET_OTLP_EXPORTER_OPTIONS_H_
