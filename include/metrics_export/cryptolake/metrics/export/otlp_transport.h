// OtlpTransport: sends one encoded ExportMetricsServiceRequest to a receiver
// and classifies the answer the way the OTLP specification
// (protocol/exporter.md, "Retry") asks an exporter to.
//
// Implementations: OTLP/gRPC and OTLP/HTTP (protobuf or JSON) in
// cryptolake/metrics/net/; test doubles in tests. The delivery machinery
// (DeliveringExporter) owns retries, backoff, the circuit breaker and the
// spool; a transport makes exactly one attempt per Send().
//
// Thread-safety: Send() is never called concurrently on one transport;
// Describe() may be called from any thread.
#ifndef CRYPTOLAKE_METRICS_EXPORT_OTLP_TRANSPORT_H_
#define CRYPTOLAKE_METRICS_EXPORT_OTLP_TRANSPORT_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "cryptolake/metrics/export/otlp_proto.h"

namespace cryptolake::metrics {

struct SendOutcome {
  enum class Kind {
    kSuccess,    // Delivered (possibly with a partial success: see `partial`).
    kRetryable,  // Not delivered; the same request may succeed later.
    kPermanent,  // Not delivered and never will be (drop, count, report).
  };
  Kind kind = Kind::kSuccess;
  // Server-requested delay before the next attempt (HTTP Retry-After, gRPC RetryInfo).
  std::optional<std::chrono::milliseconds> retry_after;
  // Set on success when the receiver rejected some data points. Never retried.
  ExportPartialSuccess partial;
  // Human-readable reason for a failure ("HTTP 503", "gRPC UNAVAILABLE: ...",
  // "connection refused"). Never contains header values or credentials.
  std::string message;
  // True when no connection to the receiver could be made at all.
  bool connect_failed = false;

  static SendOutcome Success() { return SendOutcome{}; }
  static SendOutcome Retryable(std::string message) {
    SendOutcome o;
    o.kind = Kind::kRetryable;
    o.message = std::move(message);
    return o;
  }
  static SendOutcome Permanent(std::string message) {
    SendOutcome o;
    o.kind = Kind::kPermanent;
    o.message = std::move(message);
    return o;
  }
};

class OtlpTransport {
 public:
  virtual ~OtlpTransport() = default;

  // One attempt to deliver `request` (ExportMetricsServiceRequest protobuf
  // bytes), giving up at `deadline`. Never throws.
  virtual SendOutcome Send(std::string_view request,
                           std::chrono::steady_clock::time_point deadline) = 0;

  // "otlp/grpc http://host:4317" style description for logs: scheme, host,
  // port and path only, never headers, user info or query strings.
  virtual std::string Describe() const = 0;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_EXPORT_OTLP_TRANSPORT_H_
