// What went wrong with one test export to an OTLP endpoint, in words a user can act on.
//
// `cryptolake validate` sends one small batch through the same transport the OTLP exporter uses
// (OtlpGrpcTransport / OtlpHttpTransport, one attempt, no retries) and turns its SendOutcome, or
// the error of building the transport, into one ExportProblem and a one-line detail:
//
//   kUnparsableEndpoint  the endpoint URL cannot be used (transport creation failed)
//   kConnectionRefused   nothing listens at host:port (curl: could not connect; gRPC UNAVAILABLE
//                        naming a refused connection)
//   kDnsFailure          the host name does not resolve
//   kTimeout             no answer before the deadline (curl timeout, gRPC DEADLINE_EXCEEDED)
//   kUnauthorized        HTTP 401/403, gRPC UNAUTHENTICATED/PERMISSION_DENIED: "the backend
//                        rejected the credentials"; the detail never quotes the server's answer,
//                        which could echo a header back
//   kNotFound            HTTP 404 or gRPC UNIMPLEMENTED: wrong path or wrong protocol for the
//                        port (e.g. OpenObserve wants /api/<org>/v1/metrics over HTTP)
//   kOther               anything else; the detail is the transport's message, which never holds
//                        header values (OtlpTransport's contract)
//
// The classification reads the transports' messages (otlp_http_transport.cc,
// otlp_grpc_transport.cc), so a change of wording there shows up in validate_diagnosis_test.cc.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_TOOLS_CRYPTOLAKE_VALIDATE_DIAGNOSIS_H_
#define CRYPTOLAKE_TOOLS_CRYPTOLAKE_VALIDATE_DIAGNOSIS_H_

#include <string>
#include <string_view>

#include "cryptolake/common/status.h"
#include "cryptolake/metrics/export/otlp_transport.h"

namespace cryptolake::cli {

enum class ExportProblem {
  kNone,  // Delivered (possibly partially: see the detail).
  kUnparsableEndpoint,
  kConnectionRefused,
  kDnsFailure,
  kTimeout,
  kUnauthorized,
  kNotFound,
  kOther,
};

// "ok", "unparsable_endpoint", "connection_refused", "dns_failure", "timeout", "unauthorized",
// "not_found", "other".
std::string_view ExportProblemName(ExportProblem problem);

struct ExportDiagnosis {
  ExportProblem problem = ExportProblem::kNone;
  std::string detail;  // One line; never a header value.
};

// `endpoint` is the redacted endpoint for the detail (OtlpExporterOptions::Describe()).
ExportDiagnosis DiagnoseSendOutcome(const metrics::SendOutcome& outcome,
                                    const std::string& endpoint);

// The error of OtlpGrpcTransport/OtlpHttpTransport::Create (InvalidArgument: unparsable
// endpoint; anything else, e.g. an unreadable certificate file: kOther).
ExportDiagnosis DiagnoseTransportError(const Status& status, const std::string& endpoint);

}  // namespace cryptolake::cli

#endif  // CRYPTOLAKE_TOOLS_CRYPTOLAKE_VALIDATE_DIAGNOSIS_H_
