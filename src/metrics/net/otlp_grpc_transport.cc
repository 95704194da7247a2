#include "cryptolake/metrics/net/otlp_grpc_transport.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/status.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "config_text.h"
#include "cryptolake/common/version.h"
#include "cryptolake/metrics/export/otlp_proto.h"

namespace cryptolake::metrics {
namespace {

using net_internal::Lower;
using net_internal::RedactedExcerpt;

constexpr char kExportMethod[] = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

Result<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(std::string("cannot read OTLP ") + what + " file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsRetryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

struct OtlpGrpcTransport::Impl {
  OtlpExporterOptions options;
  std::string target;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments args;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;

  // A fresh channel. After a failed connection grpc's channel waits out its
  // own reconnect backoff (growing to minutes) and fails calls at once until
  // then, which would keep a receiver that is back unreachable to us; and it
  // may try to reconnect in the background, which would add connections our
  // circuit breaker did not ask for. So a connection failure drops the
  // channel, and the next Send (the breaker's next attempt or probe) connects
  // anew: one attempt, one connection.
  void Connect() {
    channel = grpc::CreateCustomChannel(target, credentials, args);
    stub = std::make_unique<grpc::GenericStub>(channel);
  }
  std::vector<std::pair<std::string, std::string>> metadata;  // Lower-case keys.

  std::string Quote(std::string_view text) const { return RedactedExcerpt(text, metadata); }
};

OtlpGrpcTransport::OtlpGrpcTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OtlpGrpcTransport::~OtlpGrpcTransport() = default;

Result<std::unique_ptr<OtlpGrpcTransport>> OtlpGrpcTransport::Create(
    const OtlpExporterOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::string target = options.GrpcTarget();
  if (target.empty()) {
    return Status::InvalidArgument("OTLP/gRPC endpoint has no host: " +
                                   RedactUrl(options.endpoint));
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.UsesTls()) {
    grpc::SslCredentialsOptions ssl;
    if (!options.certificate_file.empty()) {
      Result<std::string> pem = ReadFile(options.certificate_file, "certificate");
      if (!pem.ok()) return pem.status();
      ssl.pem_root_certs = std::move(*pem);
    }
    if (!options.client_key_file.empty()) {
      Result<std::string> pem = ReadFile(options.client_key_file, "client key");
      if (!pem.ok()) return pem.status();
      ssl.pem_private_key = std::move(*pem);
    }
    if (!options.client_certificate_file.empty()) {
      Result<std::string> pem = ReadFile(options.client_certificate_file, "client certificate");
      if (!pem.ok()) return pem.status();
      ssl.pem_cert_chain = std::move(*pem);
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix("cryptolake-otlp-exporter/" + std::string(kVersion));
  if (options.gzip) args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  // Our own machinery retries (with the circuit breaker); grpc's transparent
  // retries would multiply attempts behind its back.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  impl->target = target;
  impl->credentials = std::move(credentials);
  impl->args = args;
  impl->Connect();
  // The first channel starts connecting now, in grpc's own threads: a short job's first (often
  // only) export, at shutdown, then finds the TCP connection and the HTTP/2 handshake done
  // instead of paying for them at the end of the run. Nothing waits for it, and a failed attempt
  // changes nothing (the first Send connects as it would have). Channels made after a connection
  // failure do not do this: they connect only when the circuit breaker sends (see Connect()).
  impl->channel->GetState(/*try_to_connect=*/true);
  for (const auto& [key, value] : options.headers) {
    impl->metadata.emplace_back(Lower(key), value);
  }
  return std::unique_ptr<OtlpGrpcTransport>(new OtlpGrpcTransport(std::move(impl)));
}

std::string OtlpGrpcTransport::Describe() const { return impl_->options.Describe(); }

SendOutcome OtlpGrpcTransport::Send(std::string_view request,
                                    std::chrono::steady_clock::time_point deadline) {
  Impl& impl = *impl_;
  auto remaining = deadline - std::chrono::steady_clock::now();
  if (remaining <= std::chrono::steady_clock::duration::zero()) {
    return SendOutcome::Retryable("export deadline already passed");
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(remaining));
  for (const auto& [key, value] : impl.metadata) context.AddMetadata(key, value);

  grpc::Slice slice(request.data(), request.size());
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      impl.stub->PrepareUnaryCall(&context, kExportMethod, request_buffer, &queue);
  call->StartCall();
  int tag = 1;
  call->Finish(&response_buffer, &status, &tag);
  void* got = nullptr;
  bool ok = false;
  // The deadline bounds the call, so Next returns; it never blocks forever.
  bool has_event = queue.Next(&got, &ok);
  queue.Shutdown();
  void* drained = nullptr;
  bool drained_ok = false;
  while (queue.Next(&drained, &drained_ok)) {
  }
  if (!has_event || !ok) return SendOutcome::Retryable("OTLP/gRPC call did not complete");

  if (status.ok()) {
    SendOutcome outcome = SendOutcome::Success();
    std::vector<grpc::Slice> slices;
    if (response_buffer.Valid() && response_buffer.Dump(&slices).ok()) {
      std::string body;
      for (const grpc::Slice& s : slices) {
        body.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
      Result<ExportPartialSuccess> partial = DecodeExportMetricsServiceResponse(body);
      if (partial.ok()) {
        outcome.partial = std::move(*partial);
        outcome.partial.error_message = impl.Quote(outcome.partial.error_message);
      }
    }
    return outcome;
  }

  grpc::StatusCode code = status.error_code();
  std::string message =
      "OTLP/gRPC " + RedactUrl(impl.options.endpoint) + " answered " + CodeName(code);
  if (!status.error_message().empty()) message += ": " + impl.Quote(status.error_message());
  std::optional<std::chrono::milliseconds> retry_delay =
      RetryDelayFromStatusDetails(status.error_details());
  if (IsRetryable(code) || (code == grpc::StatusCode::RESOURCE_EXHAUSTED && retry_delay)) {
    SendOutcome outcome = SendOutcome::Retryable(std::move(message));
    outcome.retry_after = retry_delay;
    if (code == grpc::StatusCode::UNAVAILABLE) {
      grpc_connectivity_state state = impl.channel->GetState(/*try_to_connect=*/false);
      outcome.connect_failed = state == GRPC_CHANNEL_TRANSIENT_FAILURE;
      if (outcome.connect_failed) impl.Connect();
    }
    return outcome;
  }
  return SendOutcome::Permanent(std::move(message));
}

}  // namespace cryptolake::metrics
