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

// Minimal protobuf reading for google.rpc.Status -> Any -> RetryInfo ->
// Duration. Every read is bounds-checked; malformed input yields false.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : data_(bytes) {}
  bool done() const { return pos_ >= data_.size(); }

  bool Varint(uint64_t* out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      auto byte = static_cast<uint8_t>(data_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *out = value;
        return true;
      }
    }
    return false;
  }
  bool Bytes(std::string_view* out) {
    uint64_t length = 0;
    if (!Varint(&length) || length > data_.size() - pos_) return false;
    *out = data_.substr(pos_, length);
    pos_ += length;
    return true;
  }
  // Skips one field of `wire_type`.
  bool Skip(uint32_t wire_type) {
    uint64_t ignored = 0;
    std::string_view bytes;
    switch (wire_type) {
      case 0:
        return Varint(&ignored);
      case 1:
        if (data_.size() - pos_ < 8) return false;
        pos_ += 8;
        return true;
      case 2:
        return Bytes(&bytes);
      case 5:
        if (data_.size() - pos_ < 4) return false;
        pos_ += 4;
        return true;
      default:
        return false;
    }
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Duration {int64 seconds = 1; int32 nanos = 2;}
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view bytes) {
  WireReader r(bytes);
  int64_t seconds = 0;
  int64_t nanos = 0;
  while (!r.done()) {
    uint64_t tag = 0;
    if (!r.Varint(&tag)) return std::nullopt;
    uint32_t field = static_cast<uint32_t>(tag >> 3);
    uint32_t type = static_cast<uint32_t>(tag & 7);
    uint64_t v = 0;
    if ((field == 1 || field == 2) && type == 0) {
      if (!r.Varint(&v)) return std::nullopt;
      (field == 1 ? seconds : nanos) = static_cast<int64_t>(v);
    } else if (!r.Skip(type)) {
      return std::nullopt;
    }
  }
  if (seconds < 0 || nanos < 0) return std::chrono::milliseconds(0);
  seconds = std::min<int64_t>(seconds, 86400);
  return std::chrono::milliseconds(seconds * 1000 + nanos / 1000000);
}

// RetryInfo {Duration retry_delay = 1;}
std::optional<std::chrono::milliseconds> ParseRetryInfo(std::string_view bytes) {
  WireReader r(bytes);
  std::optional<std::chrono::milliseconds> delay;
  while (!r.done()) {
    uint64_t tag = 0;
    if (!r.Varint(&tag)) return std::nullopt;
    uint32_t field = static_cast<uint32_t>(tag >> 3);
    uint32_t type = static_cast<uint32_t>(tag & 7);
    if (field == 1 && type == 2) {
      std::string_view duration;
      if (!r.Bytes(&duration)) return std::nullopt;
      delay = ParseDuration(duration);
      if (!delay) return std::nullopt;
    } else if (!r.Skip(type)) {
      return std::nullopt;
    }
  }
  // A RetryInfo without a delay still says "retry": retry at once.
  return delay.value_or(std::chrono::milliseconds(0));
}

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

std::optional<std::chrono::milliseconds> RetryDelayFromStatusDetails(std::string_view details) {
  // google.rpc.Status {int32 code = 1; string message = 2; repeated Any details = 3;}
  // google.protobuf.Any {string type_url = 1; bytes value = 2;}
  constexpr std::string_view kRetryInfoType = "google.rpc.RetryInfo";
  WireReader status(details);
  while (!status.done()) {
    uint64_t tag = 0;
    if (!status.Varint(&tag)) return std::nullopt;
    uint32_t field = static_cast<uint32_t>(tag >> 3);
    uint32_t type = static_cast<uint32_t>(tag & 7);
    if (field != 3 || type != 2) {
      if (!status.Skip(type)) return std::nullopt;
      continue;
    }
    std::string_view any;
    if (!status.Bytes(&any)) return std::nullopt;
    WireReader r(any);
    std::string_view type_url;
    std::string_view value;
    while (!r.done()) {
      uint64_t any_tag = 0;
      if (!r.Varint(&any_tag)) return std::nullopt;
      uint32_t any_field = static_cast<uint32_t>(any_tag >> 3);
      uint32_t any_type = static_cast<uint32_t>(any_tag & 7);
      if (any_field == 1 && any_type == 2) {
        if (!r.Bytes(&type_url)) return std::nullopt;
      } else if (any_field == 2 && any_type == 2) {
        if (!r.Bytes(&value)) return std::nullopt;
      } else if (!r.Skip(any_type)) {
        return std::nullopt;
      }
    }
    // type_url is "<host>/google.rpc.RetryInfo"; compare the part after the last '/'.
    size_t slash = type_url.rfind('/');
    std::string_view type_name =
        slash == std::string_view::npos ? type_url : type_url.substr(slash + 1);
    if (type_name == kRetryInfoType) return ParseRetryInfo(value);
  }
  return std::nullopt;
}

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
