// OtlpGrpcTransport: OTLP/gRPC for metrics over Debian's grpc++.
//
// Each Send() is one unary call of
// /opentelemetry.proto.collector.metrics.v1.MetricsService/Export carrying the
// ExportMetricsServiceRequest bytes as they are (grpc++'s generic stub: no
// protobuf runtime and no generated code), with the configured headers as
// metadata (keys lower-cased, as gRPC requires), gzip message compression
// when configured, and the deadline as the call's deadline. The channel is
// TLS (system roots or the configured CA bundle, optional client certificate
// and key) for https:// endpoints or endpoints without a scheme unless
// insecure, plaintext for http://. One channel per transport, reused.
//
// Status codes are classified per the OTLP specification: OK is success (the
// response's partial_success is read); CANCELLED, DEADLINE_EXCEEDED, ABORTED,
// OUT_OF_RANGE, UNAVAILABLE and DATA_LOSS are retryable; RESOURCE_EXHAUSTED is
// retryable only when the server sent google.rpc.RetryInfo (its delay is
// honoured); everything else is permanent. Messages name the code and the
// server's message (cut to 200 characters, header values redacted), never
// our metadata.
//
// Thread-safety: Send() must not be called concurrently (the OtlpTransport
// contract); Describe() is safe from any thread.
#ifndef CRYPTOLAKE_METRICS_NET_OTLP_GRPC_TRANSPORT_H_
#define CRYPTOLAKE_METRICS_NET_OTLP_GRPC_TRANSPORT_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cryptolake/common/status.h"
#include "cryptolake/metrics/export/otlp_transport.h"
#include "cryptolake/metrics/net/otlp_exporter_options.h"

namespace cryptolake::metrics {

class OtlpGrpcTransport final : public OtlpTransport {
 public:
  // REQUIRES: options.protocol == kGrpc. InvalidArgument for an endpoint
  // without a host; IOError when a configured certificate file cannot be read.
  static Result<std::unique_ptr<OtlpGrpcTransport>> Create(const OtlpExporterOptions& options);
  ~OtlpGrpcTransport() override;

  SendOutcome Send(std::string_view request,
                   std::chrono::steady_clock::time_point deadline) override;
  std::string Describe() const override;

 private:
  struct Impl;
  explicit OtlpGrpcTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_NET_OTLP_GRPC_TRANSPORT_H_
