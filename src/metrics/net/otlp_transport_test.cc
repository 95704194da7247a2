// Transport-level tests that need no peer process: Retry-After parsing, gzip,
// RetryInfo decoding, and OTLP/HTTP status classification against a loopback
// cpp-httplib server. What the official OTLP definitions make of our bytes is
// tested end to end against the Node receiver (test/e2e/otlp_export_test.sh).
#include <gtest/gtest.h>
#include <httplib.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "cryptolake/metrics/net/otlp_grpc_transport.h"
#include "cryptolake/metrics/net/otlp_http_transport.h"

namespace cryptolake::metrics {
namespace {

using std::chrono::milliseconds;

std::string Gunzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  int rc = Z_OK;
  char chunk[16384];
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - zs.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

// Protobuf helpers to build google.rpc.Status bytes by hand.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Field(uint32_t number, const std::string& bytes) {
  return Varint((number << 3) | 2) + Varint(bytes.size()) + bytes;
}
std::string VarintField(uint32_t number, uint64_t v) { return Varint(number << 3) + Varint(v); }

std::string StatusWithRetryInfo(int64_t seconds, int32_t nanos) {
  std::string duration =
      VarintField(1, static_cast<uint64_t>(seconds)) + VarintField(2, static_cast<uint64_t>(nanos));
  std::string retry_info = Field(1, duration);
  std::string any = Field(1, "type.googleapis.com/google.rpc.RetryInfo") + Field(2, retry_info);
  return VarintField(1, 8) + Field(2, "slow down") + Field(3, any);
}

TEST(RetryAfterTest, SecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("7", 0), milliseconds(7000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", 0), milliseconds(0));
  // Sun, 06 Nov 1994 08:49:37 GMT = 784111777.
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111770), milliseconds(7000));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111800), milliseconds(0));
  EXPECT_FALSE(ParseRetryAfter("soon", 0).has_value());
  EXPECT_FALSE(ParseRetryAfter("", 0).has_value());
  EXPECT_EQ(ParseRetryAfter("99999999999", 0), milliseconds(86400000));  // Clamped.
}

TEST(GzipTest, RoundTrips) {
  std::string data;
  for (int i = 0; i < 10000; ++i) data += "metric " + std::to_string(i % 97) + "\n";
  Result<std::string> gz = GzipCompress(data);
  ASSERT_TRUE(gz.ok());
  EXPECT_LT(gz->size(), data.size() / 5);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
  EXPECT_EQ(Gunzip(*gz), data);
}

TEST(RetryInfoTest, ReadsDelayFromStatusDetails) {
  EXPECT_EQ(RetryDelayFromStatusDetails(StatusWithRetryInfo(3, 500000000)), milliseconds(3500));
  EXPECT_EQ(RetryDelayFromStatusDetails(StatusWithRetryInfo(0, 0)), milliseconds(0));
  // A Status without RetryInfo: none.
  std::string other_any = Field(1, "type.googleapis.com/google.rpc.DebugInfo") + Field(2, "x");
  EXPECT_FALSE(RetryDelayFromStatusDetails(VarintField(1, 8) + Field(3, other_any)).has_value());
  EXPECT_FALSE(RetryDelayFromStatusDetails("").has_value());
  // Truncated bytes: none, no crash.
  std::string full = StatusWithRetryInfo(3, 0);
  for (size_t cut = 1; cut < full.size(); ++cut) {
    (void)RetryDelayFromStatusDetails(std::string_view(full).substr(0, cut));
  }
}

// A loopback OTLP/HTTP endpoint whose answers the test scripts.
class HttpEndpoint {
 public:
  HttpEndpoint() {
    server_.Post("/v1/metrics", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      last_body = req.body;
      last_content_type = req.get_header_value("Content-Type");
      last_encoding = req.get_header_value("Content-Encoding");
      last_auth = req.get_header_value("Authorization");
      last_user_agent = req.get_header_value("User-Agent");
      res.status = status;
      if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
      res.set_content(answer, answer_type);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // cpp-httplib 0.11 has no wait_until_ready(): poll is_running().
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~HttpEndpoint() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/metrics"; }

  int status = 200;
  std::string retry_after;
  std::string answer;
  std::string answer_type = "application/x-protobuf";
  std::atomic<int> requests{0};
  std::string last_body, last_content_type, last_encoding, last_auth, last_user_agent;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::unique_ptr<OtlpHttpTransport> MakeHttp(const std::string& url, OtlpProtocol protocol,
                                            bool gzip = false) {
  OtlpExporterOptions options;
  options.protocol = protocol;
  options.endpoint = url;
  options.gzip = gzip;
  options.headers = {{"Authorization", "Basic c2VjcmV0LXBhc3N3b3Jk"}};
  Result<std::unique_ptr<OtlpHttpTransport>> t = OtlpHttpTransport::Create(options);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(*t) : nullptr;
}

auto Deadline(int ms = 5000) { return std::chrono::steady_clock::now() + milliseconds(ms); }

TEST(OtlpHttpTransportTest, PostsProtobufWithHeadersAndGzip) {
  HttpEndpoint endpoint;
  auto t = MakeHttp(endpoint.url(), OtlpProtocol::kHttpProtobuf, /*gzip=*/true);
  std::string request("\x0a\x00", 2);  // An empty ResourceMetrics: a valid request.
  SendOutcome outcome = t->Send(request, Deadline());
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kSuccess) << outcome.message;
  EXPECT_EQ(endpoint.last_content_type, "application/x-protobuf");
  EXPECT_EQ(endpoint.last_encoding, "gzip");
  EXPECT_EQ(endpoint.last_auth, "Basic c2VjcmV0LXBhc3N3b3Jk");
  EXPECT_EQ(endpoint.last_user_agent.rfind("cryptolake-otlp-exporter/", 0), 0u);
  // cpp-httplib inflates a Content-Encoding: gzip body itself (and answers 400 when it is not
  // valid gzip), so the body it hands over equals the uncompressed request.
  EXPECT_EQ(endpoint.last_body, request);
  // Keep-alive: a second send works on the same handle.
  EXPECT_EQ(t->Send(request, Deadline()).kind, SendOutcome::Kind::kSuccess);
  EXPECT_EQ(endpoint.requests.load(), 2);
}

TEST(OtlpHttpTransportTest, ClassifiesStatusesPerSpec) {
  HttpEndpoint endpoint;
  auto t = MakeHttp(endpoint.url(), OtlpProtocol::kHttpProtobuf);
  for (int status : {429, 502, 503, 504}) {
    endpoint.status = status;
    EXPECT_EQ(t->Send("", Deadline()).kind, SendOutcome::Kind::kRetryable) << status;
  }
  for (int status : {400, 401, 403, 404, 413, 500, 501}) {
    endpoint.status = status;
    SendOutcome outcome = t->Send("", Deadline());
    EXPECT_EQ(outcome.kind, SendOutcome::Kind::kPermanent) << status;
    EXPECT_NE(outcome.message.find(std::to_string(status)), std::string::npos);
  }
}

TEST(OtlpHttpTransportTest, HonoursRetryAfter) {
  HttpEndpoint endpoint;
  auto t = MakeHttp(endpoint.url(), OtlpProtocol::kHttpProtobuf);
  endpoint.status = 429;
  endpoint.retry_after = "3";
  SendOutcome outcome = t->Send("", Deadline());
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kRetryable);
  ASSERT_TRUE(outcome.retry_after.has_value());
  EXPECT_EQ(*outcome.retry_after, milliseconds(3000));
}

TEST(OtlpHttpTransportTest, ReadsJsonPartialSuccess) {
  HttpEndpoint endpoint;
  auto t = MakeHttp(endpoint.url(), OtlpProtocol::kHttpProtobuf);
  endpoint.answer = R"({"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"bad points"}})";
  endpoint.answer_type = "application/json";
  SendOutcome outcome = t->Send("", Deadline());
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kSuccess);
  EXPECT_EQ(outcome.partial.rejected_data_points, 3);
  EXPECT_EQ(outcome.partial.error_message, "bad points");
}

TEST(OtlpHttpTransportTest, ErrorBodiesNeverEchoSecrets) {
  HttpEndpoint endpoint;
  auto t = MakeHttp(endpoint.url(), OtlpProtocol::kHttpProtobuf);
  endpoint.status = 401;
  endpoint.answer = "invalid credentials: Basic c2VjcmV0LXBhc3N3b3Jk";
  endpoint.answer_type = "text/plain";
  SendOutcome outcome = t->Send("", Deadline());
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kPermanent);
  EXPECT_EQ(outcome.message.find("c2VjcmV0LXBhc3N3b3Jk"), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("<redacted>"), std::string::npos) << outcome.message;
}

TEST(OtlpHttpTransportTest, RefusedConnectionIsRetryableConnectFailure) {
  int port = 0;
  {
    HttpEndpoint closed;  // Find a port, then close it.
    port = std::stoi(closed.url().substr(17, 5));
  }
  auto t = MakeHttp("http://127.0.0.1:" + std::to_string(port) + "/v1/metrics",
                    OtlpProtocol::kHttpProtobuf);
  SendOutcome outcome = t->Send("", Deadline(2000));
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kRetryable);
  EXPECT_TRUE(outcome.connect_failed) << outcome.message;
}

TEST(OtlpHttpTransportTest, RejectsNonHttpUrls) {
  OtlpExporterOptions options;
  options.protocol = OtlpProtocol::kHttpProtobuf;
  options.endpoint = "ftp://x/v1/metrics";
  EXPECT_FALSE(OtlpHttpTransport::Create(options).ok());
}

TEST(OtlpGrpcTransportTest, UnreachableEndpointIsRetryableWithinTheDeadline) {
  int port = 0;
  {
    HttpEndpoint closed;
    port = std::stoi(closed.url().substr(17, 5));
  }
  OtlpExporterOptions options;
  options.protocol = OtlpProtocol::kGrpc;
  options.endpoint = "http://127.0.0.1:" + std::to_string(port);
  Result<std::unique_ptr<OtlpGrpcTransport>> t = OtlpGrpcTransport::Create(options);
  ASSERT_TRUE(t.ok());
  auto start = std::chrono::steady_clock::now();
  SendOutcome outcome = (*t)->Send("", Deadline(1500));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kRetryable) << outcome.message;
}

}  // namespace
}  // namespace cryptolake::metrics
