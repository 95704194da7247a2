// S3Client: URL building, SigV4 signing and the retry loop over libcurl.
#include "s3_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <thread>

#include "cryptolake/common/backoff.h"
#include "cryptolake/storage/aws_sigv4.h"
#include "cryptolake/storage/s3_xml.h"

namespace cryptolake::storage {
namespace {

void GlobalCurlInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // A new response (after 100 Continue or a redirect).
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    (*headers)[Lower(Trim(line.substr(0, colon)))] = std::string(Trim(line.substr(colon + 1)));
  }
  return size * n;
}

// Curl failures worth retrying: the network or the peer misbehaved.
bool IsRetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_ABORTED_BY_CALLBACK:
      return false;
    default:
      return true;
  }
}

// Error codes S3 documents as "try again", whatever the HTTP status.
bool IsRetryableS3Code(std::string_view code) {
  return code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" ||
         code == "ServiceUnavailable";
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

int64_t DaysFromCivil(int y, int m, int d) {  // Days since 1970-01-01 (proleptic Gregorian).
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t EpochSeconds(int y, int mo, int d, int h, int mi, int s) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return -1;
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

}  // namespace

int64_t ParseS3Time(std::string_view t) {
  int y, mo, d, h, mi, s;
  // ISO-8601: 2026-09-02T07:40:48[.000]Z
  if (t.size() >= 19 && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' &&
      t[16] == ':') {
    if (Digits(t, 0, 4, &y) && Digits(t, 5, 2, &mo) && Digits(t, 8, 2, &d) &&
        Digits(t, 11, 2, &h) && Digits(t, 14, 2, &mi) && Digits(t, 17, 2, &s)) {
      return EpochSeconds(y, mo, d, h, mi, s);
    }
    return -1;
  }
  // HTTP date (RFC 7231 IMF-fixdate): Sun, 06 Dec 2026 10:42:02 GMT
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (t.size() >= 29 && t[3] == ',' && t[19] == ':' && t[22] == ':') {
    std::string_view mon = t.substr(8, 3);
    mo = 0;
    for (int i = 0; i < 12; ++i) {
      if (mon == kMonths[i]) mo = i + 1;
    }
    if (mo != 0 && Digits(t, 5, 2, &d) && Digits(t, 12, 4, &y) && Digits(t, 17, 2, &h) &&
        Digits(t, 20, 2, &mi) && Digits(t, 23, 2, &s)) {
      return EpochSeconds(y, mo, d, h, mi, s);
    }
  }
  return -1;
}

struct S3Client::Attempt {
  CURLcode curl_code = CURLE_OK;
  std::string curl_error;
  S3Response response;
};

S3Client::S3Client(S3ClientOptions options) : options_(std::move(options)) { GlobalCurlInit(); }

S3Client::~S3Client() {
  for (void* h : pool_) curl_easy_cleanup(static_cast<CURL*>(h));
}

Result<std::unique_ptr<S3Client>> S3Client::Create(S3ClientOptions options) {
  std::unique_ptr<S3Client> client(new S3Client(std::move(options)));
  const AwsConfig& aws = client->options_.aws;
  std::string endpoint = aws.endpoint_url;
  bool custom = !endpoint.empty();
  if (!custom) endpoint = "https://s3." + aws.region + ".amazonaws.com";
  size_t scheme_end = endpoint.find("://");
  if (scheme_end == std::string::npos) {
    return Status::InvalidArgument("S3 endpoint URL has no scheme (want http:// or https://)");
  }
  client->scheme_ = Lower(endpoint.substr(0, scheme_end));
  if (client->scheme_ != "http" && client->scheme_ != "https") {
    return Status::InvalidArgument("S3 endpoint URL scheme \"" + client->scheme_ +
                                   "\" is not http or https");
  }
  std::string_view rest = std::string_view(endpoint).substr(scheme_end + 3);
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("S3 endpoint URL must not carry user info");
  }
  if (authority.empty()) return Status::InvalidArgument("S3 endpoint URL has no host");
  if (path.find_first_of("?#") != std::string_view::npos) {
    return Status::InvalidArgument("S3 endpoint URL must not have a query or fragment");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  client->base_path_ = std::string(path);
  switch (aws.addressing_style) {
    case S3AddressingStyle::kPath:
      client->path_style_ = true;
      break;
    case S3AddressingStyle::kVirtual:
      client->path_style_ = false;
      break;
    case S3AddressingStyle::kAuto:
      client->path_style_ = custom;
      break;
  }
  client->endpoint_shown_ = client->scheme_ + "://" + std::string(authority) + client->base_path_;
  client->host_ = client->path_style_ ? std::string(authority)
                                      : client->options_.bucket + "." + std::string(authority);
  return client;
}

std::string S3Client::Where(std::string_view key) const {
  return "s3://" + options_.bucket + "/" + std::string(key);
}

void* S3Client::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pool_.empty()) {
      void* h = pool_.back();
      pool_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void S3Client::Release(void* h) {
  std::lock_guard<std::mutex> lock(mu_);
  pool_.push_back(h);
}

S3Client::Attempt S3Client::Perform(const S3Request& request) {
  Attempt a;
  std::string path = base_path_;
  if (path_style_) path += "/" + options_.bucket;
  if (!request.key.empty() || !path_style_) path += "/" + request.key;

  SigV4Request sig_request{.method = request.method,
                           .host = host_,
                           .path = path,
                           .query = request.query,
                           .headers = request.headers,
                           .payload_sha256 = Sha256Hex(request.body)};
  SigV4Signature sig = SignRequestV4(sig_request, options_.aws.credentials, options_.aws.region,
                                     "s3", AmzDate(std::chrono::system_clock::now()));

  std::string url = scheme_ + "://" + host_ + AwsUriEncode(path, /*encode_slash=*/false);
  char sep = '?';
  for (const auto& [name, value] : request.query) {
    url += sep;
    sep = '&';
    url += AwsUriEncode(name, true);
    if (!value.empty()) {
      url += '=';
      url += AwsUriEncode(value, true);
    }
  }

  CURL* h = static_cast<CURL*>(Acquire());
  if (h == nullptr) {
    a.curl_code = CURLE_FAILED_INIT;
    a.curl_error = "curl_easy_init failed";
    return a;
  }
  curl_slist* headers = nullptr;
  auto add_header = [&headers](std::string_view name, std::string_view value) {
    std::string line(name);
    line += value.empty() ? ";" : ": " + std::string(value);  // "Name;" sends an empty value.
    headers = curl_slist_append(headers, line.c_str());
  };
  add_header("Host", host_);
  for (const auto& [name, value] : request.headers) add_header(name, value);
  for (const auto& [name, value] : sig.headers) add_header(name, value);
  headers = curl_slist_append(headers, "Expect:");  // No 100-continue round trip.
  const bool has_body = request.method == "PUT" || request.method == "POST";
  if (has_body) headers = curl_slist_append(headers, "Content-Type: application/octet-stream");

  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &a.response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &a.response.headers);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
  } else if (request.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  a.curl_code = curl_easy_perform(h);
  if (a.curl_code != CURLE_OK) a.curl_error = errbuf[0] ? errbuf : curl_easy_strerror(a.curl_code);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.response.status);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  Release(h);
  return a;
}

Result<S3Response> S3Client::Send(const S3Request& request) {
  const int attempts = std::max(options_.max_attempts, 1);
  Status last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    Attempt a = Perform(request);
    const std::string what = request.method + " " + Where(request.key);
    long retry_after = -1;
    if (a.curl_code != CURLE_OK) {
      std::string msg = what + " (" + endpoint_shown_ + ") failed: " + a.curl_error;
      if (a.curl_code == CURLE_OPERATION_TIMEDOUT) {
        last = Status::Timeout(msg);
      } else {
        last = Status::Unavailable(msg);
      }
      if (!IsRetryableCurlError(a.curl_code)) return last;
    } else {
      const long code = a.response.status;
      std::string s3_code;
      if (code >= 300 && !a.response.body.empty()) {
        auto doc = ParseS3Error(a.response.body);
        if (doc.ok()) s3_code = doc->code;
      }
      // 501 Not Implemented is permanent: the server lacks the feature.
      const bool retry = (code >= 500 && code != 501) || code == 429 ||
                         (code >= 300 && IsRetryableS3Code(s3_code));
      if (!retry) return std::move(a.response);
      last = Status::Unavailable(ErrorStatus(request, a.response).message());
      std::string ra = a.response.Header("retry-after");
      if (!ra.empty() && ra.find_first_not_of("0123456789") == std::string::npos && ra.size() < 6) {
        retry_after = std::stol(ra);
      }
    }
    if (attempt + 1 < attempts)
      std::this_thread::sleep_for(
          FullJitterBackoff(attempt, retry_after, options_.backoff_base, options_.backoff_max));
  }
  return last.WithContext("giving up after " + std::to_string(attempts) + " attempts");
}

Status S3Client::ErrorStatus(const S3Request& request, const S3Response& response) const {
  std::string msg =
      request.method + " " + Where(request.key) + ": HTTP " + std::to_string(response.status);
  if (!response.body.empty()) {
    auto doc = ParseS3Error(response.body);
    if (doc.ok()) {
      if (!doc->code.empty()) msg += " " + doc->code;
      if (!doc->message.empty()) msg += ": " + doc->message.substr(0, 300);
    }
  }
  if (response.status == 404) return Status::NotFound(msg);
  if (response.status == 416) return Status::InvalidArgument(msg);
  return Status::IOError(msg);
}

}  // namespace cryptolake::storage
