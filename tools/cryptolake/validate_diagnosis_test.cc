#include "validate_diagnosis.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>

#include "cryptolake/metrics/net/otlp_grpc_transport.h"
#include "cryptolake/metrics/net/otlp_http_transport.h"

namespace cryptolake::cli {
namespace {

using metrics::SendOutcome;

const std::string kWhere = "otlp/http http://collector:4318/v1/metrics";

TEST(ValidateDiagnosisTest, SuccessAndPartialSuccess) {
  EXPECT_EQ(DiagnoseSendOutcome(SendOutcome::Success(), kWhere).problem, ExportProblem::kNone);
  SendOutcome partial = SendOutcome::Success();
  partial.partial.rejected_data_points = 2;
  partial.partial.error_message = "out of range";
  ExportDiagnosis d = DiagnoseSendOutcome(partial, kWhere);
  EXPECT_EQ(d.problem, ExportProblem::kNone);
  EXPECT_NE(d.detail.find("2 points rejected"), std::string::npos) << d.detail;
}

TEST(ValidateDiagnosisTest, AuthFailuresNeverQuoteTheServer) {
  // A server may echo the Authorization header in its answer; the detail must not carry it.
  for (const char* message :
       {"OTLP/HTTP http://collector:4318/v1/metrics answered HTTP 401: Basic c2VjcmV0",
        "OTLP/HTTP http://collector:4318/v1/metrics answered HTTP 403",
        "OTLP/gRPC http://collector:4317 answered UNAUTHENTICATED: bad token c2VjcmV0",
        "OTLP/gRPC http://collector:4317 answered PERMISSION_DENIED"}) {
    ExportDiagnosis d = DiagnoseSendOutcome(SendOutcome::Permanent(message), kWhere);
    EXPECT_EQ(d.problem, ExportProblem::kUnauthorized) << message;
    EXPECT_NE(d.detail.find("rejected the credentials"), std::string::npos) << d.detail;
    EXPECT_EQ(d.detail.find("c2VjcmV0"), std::string::npos) << d.detail;
  }
}

TEST(ValidateDiagnosisTest, NotFoundPointsAtThePath) {
  ExportDiagnosis d = DiagnoseSendOutcome(
      SendOutcome::Permanent("OTLP/HTTP http://o2:5080/v1/metrics answered HTTP 404"), kWhere);
  EXPECT_EQ(d.problem, ExportProblem::kNotFound);
  EXPECT_NE(d.detail.find("/api/<org>"), std::string::npos) << d.detail;
  EXPECT_EQ(DiagnoseSendOutcome(SendOutcome::Permanent("OTLP/gRPC http://h:4317 answered "
                                                       "UNIMPLEMENTED: unknown service"),
                                kWhere)
                .problem,
            ExportProblem::kNotFound);
}

TEST(ValidateDiagnosisTest, NetworkFailuresFromMessages) {
  EXPECT_EQ(DiagnoseSendOutcome(SendOutcome::Retryable("OTLP/HTTP request to http://x:1/v1/"
                                                       "metrics failed: Couldn't resolve host "
                                                       "name"),
                                kWhere)
                .problem,
            ExportProblem::kDnsFailure);
  EXPECT_EQ(DiagnoseSendOutcome(SendOutcome::Retryable("OTLP/gRPC http://nowhere.invalid:4317 "
                                                       "answered UNAVAILABLE: DNS resolution "
                                                       "failed for nowhere.invalid:4317"),
                                kWhere)
                .problem,
            ExportProblem::kDnsFailure);
  EXPECT_EQ(DiagnoseSendOutcome(SendOutcome::Retryable("OTLP/HTTP request to http://x:1/v1/"
                                                       "metrics failed: Timeout was reached"),
                                kWhere)
                .problem,
            ExportProblem::kTimeout);
  EXPECT_EQ(DiagnoseSendOutcome(
                SendOutcome::Retryable("OTLP/gRPC http://x:4317 answered DEADLINE_EXCEEDED: "
                                       "Deadline Exceeded"),
                kWhere)
                .problem,
            ExportProblem::kTimeout);
  SendOutcome refused = SendOutcome::Retryable("OTLP/gRPC http://x:4317 answered UNAVAILABLE");
  refused.connect_failed = true;
  EXPECT_EQ(DiagnoseSendOutcome(refused, kWhere).problem, ExportProblem::kConnectionRefused);
  ExportDiagnosis other = DiagnoseSendOutcome(
      SendOutcome::Retryable("OTLP/HTTP http://x/v1/metrics answered HTTP 503"), kWhere);
  EXPECT_EQ(other.problem, ExportProblem::kOther);
  EXPECT_NE(other.detail.find("HTTP 503"), std::string::npos);
}

TEST(ValidateDiagnosisTest, TransportCreationErrors) {
  EXPECT_EQ(DiagnoseTransportError(Status::InvalidArgument("not an http(s) URL"), kWhere).problem,
            ExportProblem::kUnparsableEndpoint);
  EXPECT_EQ(DiagnoseTransportError(Status::IOError("cannot read CA"), kWhere).problem,
            ExportProblem::kOther);
  metrics::OtlpExporterOptions options;
  options.protocol = metrics::OtlpProtocol::kHttpProtobuf;
  options.endpoint = "ftp://[nonsense";
  auto t = metrics::OtlpHttpTransport::Create(options);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(DiagnoseTransportError(t.status(), kWhere).problem, ExportProblem::kUnparsableEndpoint);
}

// The real transports' messages for a refused connection are diagnosed as such.
TEST(ValidateDiagnosisTest, RealTransportsToAClosedPort) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  close(fd);  // never listened on: connections are refused

  metrics::OtlpExporterOptions options;
  options.endpoint = "http://127.0.0.1:" + std::to_string(port);
  auto deadline = [] { return std::chrono::steady_clock::now() + std::chrono::seconds(3); };
  {
    options.protocol = metrics::OtlpProtocol::kGrpc;
    auto t = metrics::OtlpGrpcTransport::Create(options);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    SendOutcome o = (*t)->Send("", deadline());
    EXPECT_EQ(DiagnoseSendOutcome(o, options.Describe()).problem, ExportProblem::kConnectionRefused)
        << o.message;
  }
  {
    options.protocol = metrics::OtlpProtocol::kHttpProtobuf;
    options.endpoint += "/v1/metrics";
    auto t = metrics::OtlpHttpTransport::Create(options);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    SendOutcome o = (*t)->Send("", deadline());
    EXPECT_EQ(DiagnoseSendOutcome(o, options.Describe()).problem, ExportProblem::kConnectionRefused)
        << o.message;
  }
}

}  // namespace
}  // namespace cryptolake::cli
