// OtlpHttpTransport: OTLP/HTTP for metrics over libcurl.
//
// Each Send() is one POST of an ExportMetricsServiceRequest to the configured
// URL (see OtlpExporterOptions: <endpoint>/v1/metrics, used as-is for a
// metrics-specific endpoint), as application/x-protobuf or, for http/json,
// re-encoded as OTLP/JSON with Content-Type application/json; gzip-compressed
// with Content-Encoding: gzip when configured; with the configured headers, a
// User-Agent naming cryptolake, TLS verified against the configured CA bundle
// (or the system's) and an optional client certificate and key. The
// connection is kept alive between sends (one curl handle per transport).
//
// The answer is classified per the OTLP specification: 2xx is success (the
// body's partial_success is read, in the request's encoding); 429, 502, 503
// and 504 are retryable, with Retry-After (seconds or an HTTP date) honoured;
// any other status is permanent. A failure to connect, resolve, or finish
// before the deadline is retryable (the delivery machinery keeps the data).
// Error messages name the status or curl error, never header values; a
// response body quoted in a message is cut to 200 characters with every
// configured header value replaced by "<redacted>".
//
// Thread-safety: Send() must not be called concurrently (the OtlpTransport
// contract); Describe() is safe from any thread.
#ifndef CRYPTOLAKE_METRICS_NET_OTLP_HTTP_TRANSPORT_H_
#define CRYPTOLAKE_METRICS_NET_OTLP_HTTP_TRANSPORT_H_

#include <memory>
#include <string>

#include "cryptolake/common/status.h"
#include "cryptolake/metrics/export/otlp_transport.h"
#include "cryptolake/metrics/net/otlp_exporter_options.h"

namespace cryptolake::metrics {

class OtlpHttpTransport final : public OtlpTransport {
 public:
  // REQUIRES: options.protocol is kHttpProtobuf or kHttpJson.
  // InvalidArgument for a URL that is not http:// or https://.
  static Result<std::unique_ptr<OtlpHttpTransport>> Create(const OtlpExporterOptions& options);
  ~OtlpHttpTransport() override;

  SendOutcome Send(std::string_view request,
                   std::chrono::steady_clock::time_point deadline) override;
  std::string Describe() const override;

 private:
  struct Impl;
  explicit OtlpHttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Parses an HTTP Retry-After value: delay-seconds or an HTTP-date (relative to
// `now_unix_seconds`). Empty when unparseable; a date in the past is zero.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         int64_t now_unix_seconds);

// gzip (RFC 1952) of `data`.
Result<std::string> GzipCompress(std::string_view data);

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_NET_OTLP_HTTP_TRANSPORT_H_
