// AWS Signature Version 4 for S3 requests (header authentication).
//
// SignRequestV4() computes the canonical request, the string to sign, the
// signature and the Authorization header of one request, as the S3 API
// reference ("Authenticating Requests: Using the Authorization Header")
// specifies:
//  - the canonical URI is the path with every byte outside the unreserved set
//    (A-Z a-z 0-9 - . _ ~) and '/' percent-encoded once (S3 does not
//    double-encode, unlike other services);
//  - the canonical query string has keys and values encoded (including '/'),
//    sorted by key then value, a key without value written as "key=";
//  - canonical headers are lower-cased names with trimmed values (inner runs
//    of spaces collapsed), sorted by name; host, x-amz-date,
//    x-amz-content-sha256 and, with a session token, x-amz-security-token are
//    always signed;
//  - the payload hash is the hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
//    where S3 allows it (the caller decides).
// Credentials, signatures and the signing key are secrets: nothing here logs,
// and callers must never put the results in errors or metrics.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_STORAGE_AWS_SIGV4_H_
#define CRYPTOLAKE_STORAGE_AWS_SIGV4_H_

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cryptolake::storage {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // Empty unless temporary credentials.
};

// Designated initializers may leave out any field.
struct SigV4Request {
  std::string method = {};  // "GET", "PUT", ...
  std::string host = {};    // Host header value ("bucket.s3.amazonaws.com", "127.0.0.1:9000").
  std::string path = {};    // Raw (not encoded) absolute path, "/bucket/key".
  std::vector<std::pair<std::string, std::string>> query = {};    // Raw names and values.
  std::vector<std::pair<std::string, std::string>> headers = {};  // Extra headers to sign.
  std::string payload_sha256 = {};  // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // Hex.
  std::string authorization;  // The Authorization header value.
  // The headers the request must carry (x-amz-date, x-amz-content-sha256,
  // x-amz-security-token when set, Authorization), names as AWS spells them.
  std::vector<std::pair<std::string, std::string>> headers;
};

// REQUIRES: amz_date is "YYYYMMDDTHHMMSSZ" (see AmzDate()).
SigV4Signature SignRequestV4(const SigV4Request& request, const AwsCredentials& credentials,
                             std::string_view region, std::string_view service,
                             std::string_view amz_date);

// "YYYYMMDDTHHMMSSZ" (UTC) of `when`.
std::string AmzDate(std::chrono::system_clock::time_point when);

// Percent-encodes every byte outside A-Z a-z 0-9 - . _ ~ (and '/' unless
// `encode_slash`), upper-case hex, as SigV4 requires.
std::string AwsUriEncode(std::string_view text, bool encode_slash);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace cryptolake::storage

#endif  // CRYPTOLAKE_STORAGE_AWS_SIGV4_H_
