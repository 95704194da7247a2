#include "validate_diagnosis.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace cryptolake::cli {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The HTTP status in "... answered HTTP 404[: body]", or 0.
int HttpStatusOf(std::string_view message) {
  constexpr std::string_view kMarker = "answered HTTP ";
  size_t at = message.find(kMarker);
  if (at == std::string_view::npos) return 0;
  std::string_view rest = message.substr(at + kMarker.size());
  int status = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), status);
  return status;
}

// The gRPC code name in "OTLP/gRPC <url> answered <CODE>[: message]", or "".
std::string_view GrpcCodeOf(std::string_view message) {
  if (!message.starts_with("OTLP/gRPC ")) return {};
  constexpr std::string_view kMarker = " answered ";
  size_t at = message.find(kMarker);
  if (at == std::string_view::npos) return {};
  std::string_view rest = message.substr(at + kMarker.size());
  return rest.substr(0, rest.find(':'));
}

}  // namespace

std::string_view ExportProblemName(ExportProblem problem) {
  switch (problem) {
    case ExportProblem::kNone:
      return "ok";
    case ExportProblem::kUnparsableEndpoint:
      return "unparsable_endpoint";
    case ExportProblem::kConnectionRefused:
      return "connection_refused";
    case ExportProblem::kDnsFailure:
      return "dns_failure";
    case ExportProblem::kTimeout:
      return "timeout";
    case ExportProblem::kUnauthorized:
      return "unauthorized";
    case ExportProblem::kNotFound:
      return "not_found";
    case ExportProblem::kOther:
      return "other";
  }
  return "other";
}

ExportDiagnosis DiagnoseSendOutcome(const metrics::SendOutcome& outcome,
                                    const std::string& endpoint) {
  using Kind = metrics::SendOutcome::Kind;
  if (outcome.kind == Kind::kSuccess) {
    if (outcome.partial.rejected_data_points > 0 || !outcome.partial.error_message.empty()) {
      return {ExportProblem::kNone, "delivered to " + endpoint + " (partial success: " +
                                        std::to_string(outcome.partial.rejected_data_points) +
                                        " points rejected: " + outcome.partial.error_message + ")"};
    }
    return {ExportProblem::kNone, "delivered to " + endpoint};
  }
  const std::string& message = outcome.message;
  // The answer a server gave is the most precise evidence: look at it first. Only the status or
  // code is used for authentication failures, never the server's text (it may echo a header).
  const int http = HttpStatusOf(message);
  const std::string_view grpc = GrpcCodeOf(message);
  if (http == 401 || http == 403 || grpc == "UNAUTHENTICATED" || grpc == "PERMISSION_DENIED") {
    std::string code = http != 0 ? "HTTP " + std::to_string(http) : std::string(grpc);
    return {ExportProblem::kUnauthorized,
            "the backend rejected the credentials (" + code + " from " + endpoint +
                "); check OTEL_EXPORTER_OTLP_HEADERS (e.g. Authorization=Basic%20<base64 of "
                "user:password>)"};
  }
  if (http == 404 || grpc == "UNIMPLEMENTED") {
    std::string code = http != 0 ? "HTTP 404" : "gRPC UNIMPLEMENTED";
    return {ExportProblem::kNotFound,
            code + " from " + endpoint +
                ": wrong path or protocol (OTLP/HTTP posts to <base>/v1/metrics; OpenObserve "
                "needs OTEL_EXPORTER_OTLP_ENDPOINT=https://<host>/api/<org> with "
                "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)"};
  }
  const std::string lower = Lower(message);
  const bool resolve = Contains(lower, "resolve host") || Contains(lower, "dns resolution") ||
                       Contains(lower, "domain name not found") ||
                       Contains(lower, "could not resolve");
  if (resolve) {
    return {ExportProblem::kDnsFailure,
            "DNS failure: the host of " + endpoint + " does not resolve (" + message + ")"};
  }
  const bool refused = Contains(lower, "connection refused") ||
                       Contains(lower, "connect to server") || Contains(lower, "failed to connect");
  if (refused || outcome.connect_failed) {
    return {ExportProblem::kConnectionRefused,
            "connection refused: nothing listens at " + endpoint +
                " (is the collector/OpenObserve running, and is the port right? gRPC is "
                "usually 4317, OTLP/HTTP 4318, OpenObserve 5080)"};
  }
  if (grpc == "DEADLINE_EXCEEDED" || Contains(lower, "timeout was reached") ||
      Contains(lower, "timed out") || Contains(lower, "deadline")) {
    return {ExportProblem::kTimeout,
            "timeout: no answer from " + endpoint +
                " before the deadline (a firewall dropping packets, a wrong host, or a "
                "TLS/plaintext mismatch; try --timeout)"};
  }
  return {ExportProblem::kOther, message};
}

ExportDiagnosis DiagnoseTransportError(const Status& status, const std::string& endpoint) {
  if (status.IsInvalidArgument()) {
    return {ExportProblem::kUnparsableEndpoint,
            "endpoint unparsable: " + status.message() + " (" + endpoint + ")"};
  }
  return {ExportProblem::kOther, status.ToString()};
}

}  // namespace cryptolake::cli
