// SigV4 against the worked examples of the Amazon S3 API reference ("Examples: Signature
// Calculations in AWS Signature Version 4", header authentication): their canonical requests,
// strings to sign and signatures are published facts, used here as test vectors.
#include "cryptolake/storage/aws_sigv4.h"

#include <gtest/gtest.h>

namespace cryptolake::storage {
namespace {

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAmzDate[] = "20130524T000000Z";

AwsCredentials ExampleCredentials() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
}

SigV4Signature Sign(SigV4Request request) {
  request.host = "examplebucket.s3.amazonaws.com";
  return SignRequestV4(request, ExampleCredentials(), "us-east-1", "s3", kAmzDate);
}

TEST(AwsSigV4Test, GetObjectWithRange) {
  SigV4Signature s = Sign({.method = "GET",
                           .path = "/test.txt",
                           .headers = {{"Range", "bytes=0-9"}},
                           .payload_sha256 = kEmptySha256});
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                std::string(kEmptySha256) +
                "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha256);
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(AwsSigV4Test, PutObjectEncodesThePathAndSignsExtraHeaders) {
  const std::string payload = "Welcome to Amazon S3.";
  ASSERT_EQ(Sha256Hex(payload), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigV4Signature s = Sign({.method = "PUT",
                           .path = "/test$file.text",
                           .headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                       {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                           .payload_sha256 = Sha256Hex(payload)});
  EXPECT_NE(s.canonical_request.find("\n/test%24file.text\n"), std::string::npos);
  EXPECT_EQ(s.string_to_sign.substr(s.string_to_sign.rfind('\n') + 1),
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(AwsSigV4Test, QueryWithoutValue) {
  SigV4Signature s = Sign(
      {.method = "GET", .path = "/", .query = {{"lifecycle", ""}}, .payload_sha256 = kEmptySha256});
  EXPECT_NE(s.canonical_request.find("GET\n/\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(AwsSigV4Test, ListObjectsSortsTheQuery) {
  SigV4Signature s = Sign({.method = "GET",
                           .path = "/",
                           .query = {{"prefix", "J"}, {"max-keys", "2"}},
                           .payload_sha256 = kEmptySha256});
  EXPECT_NE(s.canonical_request.find("GET\n/\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(s.string_to_sign.substr(s.string_to_sign.rfind('\n') + 1),
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(AwsSigV4Test, SessionTokenIsSignedAndSent) {
  AwsCredentials c = ExampleCredentials();
  c.session_token = "token/with+chars";
  SigV4Signature s = SignRequestV4(
      {.method = "GET", .host = "h", .path = "/k", .payload_sha256 = "UNSIGNED-PAYLOAD"}, c,
      "eu-west-1", "s3", kAmzDate);
  EXPECT_NE(s.canonical_request.find("x-amz-security-token:token/with+chars\n"), std::string::npos);
  EXPECT_NE(s.authorization.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                                 "x-amz-security-token,"),
            std::string::npos);
  bool sent = false;
  for (const auto& [name, value] : s.headers) sent |= name == "x-amz-security-token";
  EXPECT_TRUE(sent);
  EXPECT_EQ(s.authorization.find(c.secret_access_key), std::string::npos);
}

TEST(AwsSigV4Test, CallerHeadersCannotOverrideSignedOnes) {
  SigV4Signature s = SignRequestV4({.method = "GET",
                                    .host = "real.host",
                                    .path = "/",
                                    .headers = {{"Host", "evil.host"}},
                                    .payload_sha256 = kEmptySha256},
                                   ExampleCredentials(), "us-east-1", "s3", kAmzDate);
  EXPECT_NE(s.canonical_request.find("host:real.host\n"), std::string::npos);
  EXPECT_EQ(s.canonical_request.find("evil.host"), std::string::npos);
}

TEST(AwsSigV4Test, UriEncodingAndDates) {
  EXPECT_EQ(AwsUriEncode("a b/c~d_e.f-g", false), "a%20b/c~d_e.f-g");
  EXPECT_EQ(AwsUriEncode("a/b=c&d", true), "a%2Fb%3Dc%26d");
  EXPECT_EQ(AwsUriEncode("\xc3\xa9", true), "%C3%A9");
  EXPECT_EQ(AmzDate(std::chrono::system_clock::time_point(std::chrono::seconds(1369353600))),
            "20130524T000000Z");
}

}  // namespace
}  // namespace cryptolake::storage
