// Internal: S3Client, one signed S3 request with retries over libcurl.
//
// Builds the URL of a bucket or object request (path-style
// "http://host:port/bucket/key" or virtual-hosted "https://bucket.host/key"),
// signs it with SigV4 (payload hash of the body on every request), sends it,
// and retries what may succeed when asked again: connection failures and
// timeouts, HTTP 5xx (but 501) and 429, and error documents whose code is SlowDown,
// RequestTimeout or InternalError, with exponential backoff and full jitter
// (a Retry-After header replaces the backoff, capped). Every attempt is
// signed anew. Other answers are returned for the caller to interpret.
//
// Secrets: the credentials, signatures and Authorization header never leave
// this file; messages name the method, "s3://bucket/key" and the endpoint.
//
// Thread-safety: Send() may be called from many threads; each request uses
// its own curl easy handle from a pool (libcurl's threading rule).
#ifndef CRYPTOLAKE_SRC_STORAGE_S3_HTTP_H_
#define CRYPTOLAKE_SRC_STORAGE_S3_HTTP_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/storage/aws_config.h"

namespace cryptolake::storage {

struct S3ClientOptions {
  std::string bucket;
  AwsConfig aws;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{60000};
  int max_attempts = 6;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_max{5000};
};

struct S3Request {
  std::string method;  // GET, HEAD, PUT, POST, DELETE.
  std::string key;     // Full key in the bucket; empty for a bucket request.
  std::vector<std::pair<std::string, std::string>> query = {};    // Raw names and values.
  std::vector<std::pair<std::string, std::string>> headers = {};  // Signed extra headers.
  std::string_view body = {};
};

struct S3Response {
  long status = 0;
  std::string body;
  // Lower-case names: etag, content-length, content-range, date, ...
  std::map<std::string, std::string> headers;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class S3Client {
 public:
  // InvalidArgument for an endpoint URL that is not http(s)://host[:port][/path].
  static Result<std::unique_ptr<S3Client>> Create(S3ClientOptions options);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Sends `request` until it gets an answer that is not worth retrying, or
  // attempts run out (then Unavailable or Timeout naming the last failure).
  // The answer may be any HTTP status: see ErrorStatus().
  Result<S3Response> Send(const S3Request& request);

  // The Status for a non-2xx answer to `request`: NotFound for 404,
  // InvalidArgument for 416, IOError otherwise; the message names the
  // method, s3://bucket/key, the HTTP status and S3's error code and message.
  Status ErrorStatus(const S3Request& request, const S3Response& response) const;

  // "s3://bucket/key" (key may be empty).
  std::string Where(std::string_view key) const;
  // The endpoint (scheme://host[:port]) with any user info redacted.
  const std::string& endpoint() const { return endpoint_shown_; }

 private:
  explicit S3Client(S3ClientOptions options);
  struct Attempt;
  Attempt Perform(const S3Request& request);
  void* Acquire();
  void Release(void* handle);

  const S3ClientOptions options_;
  std::string scheme_;     // "http" or "https".
  std::string host_;       // Host header: host[:port], bucket first if virtual-hosted.
  std::string base_path_;  // Endpoint path, without trailing '/' ("" usually).
  bool path_style_ = true;
  std::string endpoint_shown_;  // For messages.
  std::mutex mu_;
  std::vector<void*> pool_;  // CURL* easy handles.
};

// Seconds since the epoch of an ISO-8601 UTC time ("2026-09-02T07:40:48.000Z")
// or an HTTP date ("Sun, 06 Dec 2026 10:42:02 GMT"); -1 if unparseable.
int64_t ParseS3Time(std::string_view text);

}  // namespace cryptolake::storage

#endif  // CRYPTOLAKE_SRC_STORAGE_S3_HTTP_H_
