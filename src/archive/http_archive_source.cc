// HTTP(S) ArchiveSource over libcurl: downloads with retries, S3 listing.
//
// Each request borrows a CURL easy handle from a small pool (handles keep
// their connection cache, so consecutive requests reuse TCP/TLS connections)
// and returns it afterwards; easy handles are never shared between threads
// at the same time, which is libcurl's threading rule.
#include "http_archive_source.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cryptolake/common/backoff.h"
#include "cryptolake/storage/s3_xml.h"

namespace cryptolake::archive {
namespace {

using storage::BuildListObjectsQuery;
using storage::ListBucketResult;
using storage::ParseListBucketResult;
using storage::S3Object;
using storage::UrlEncodeQueryValue;

void GlobalCurlInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Response {
  long http_status = 0;
  CURLcode curl_code = CURLE_OK;
  std::string curl_error;
  std::string body;
  long retry_after_seconds = -1;  // From a Retry-After header, if any.
  // Streaming: a 2xx body goes here instead of `body` (error bodies stay in `body`).
  CURL* handle = nullptr;
  ByteSink* sink = nullptr;
  Status sink_status;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  if (r->sink != nullptr) {
    long code = 0;
    curl_easy_getinfo(r->handle, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) {
      r->sink_status = r->sink->Append(std::string_view(data, size * n));
      return r->sink_status.ok() ? size * n : 0;  // 0 aborts the transfer
    }
  }
  r->body.append(data, size * n);
  return size * n;
}

// True if `line` starts with header `name` (lower case, with the colon);
// the value follows.
bool HeaderIs(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = line[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != name[i]) return false;
  }
  return true;
}

// A non-negative decimal header value, or -1 (absent digits, other text such
// as an HTTP-date, or more than `cap`: clamped to cap).
int64_t HeaderNumber(std::string_view value, int64_t cap) {
  int64_t v = 0;
  bool digits = false;
  for (char c : value) {
    if (c >= '0' && c <= '9') {
      v = std::min<int64_t>(v * 10 + (c - '0'), cap);
      digits = true;
    } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      return -1;
    }
  }
  return digits ? v : -1;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  std::string_view line(data, size * n);
  constexpr std::string_view kRetryAfter = "retry-after:";
  constexpr std::string_view kContentLength = "content-length:";
  if (HeaderIs(line, kRetryAfter)) {
    r->retry_after_seconds =
        static_cast<long>(HeaderNumber(line.substr(kRetryAfter.size()), 86400));
  } else if (HeaderIs(line, kContentLength)) {
    // Size the buffer once; a lying server costs at most the cap.
    int64_t length = HeaderNumber(line.substr(kContentLength.size()), int64_t{1} << 30);
    if (length > 0 && r->sink == nullptr) r->body.reserve(static_cast<size_t>(length));
  }
  return size * n;
}

// `url` with any "user:password@" of its authority replaced by "***@": a
// mirror URL may carry credentials, and error messages and Describe() end up
// in logs and summaries.
std::string RedactUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  size_t authority = scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  size_t at = url.substr(authority, authority_end - authority).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, authority));
  out += "***";
  out += url.substr(authority + at);
  return out;
}

// Curl failures worth retrying: the network or the peer misbehaved, and a
// new attempt may succeed.
bool IsRetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_WRITE_ERROR:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_ABORTED_BY_CALLBACK:
      return false;
    default:
      return true;
  }
}

class HttpArchiveSource final : public ArchiveSource {
 public:
  HttpArchiveSource(std::string base_url, const SourceOptions& options)
      : base_url_(std::move(base_url)), options_(options) {
    GlobalCurlInit();
    if (!options_.listing_url.empty()) {
      listing_url_ = options_.listing_url;
    } else if (base_url_ == "https://data.binance.vision" ||
               base_url_ == "http://data.binance.vision") {
      listing_url_ = std::string(kDefaultArchiveListingUrl);
    } else {
      listing_url_ = base_url_;
    }
    while (!listing_url_.empty() && listing_url_.back() == '/') listing_url_.pop_back();
  }

  ~HttpArchiveSource() override {
    for (CURL* h : pool_) curl_easy_cleanup(h);
  }

  Result<std::string> Fetch(std::string_view path) override {
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (path.empty()) return Status::InvalidArgument("empty archive path");
    return Get(base_url_ + "/" + UrlEncodeQueryValue(path));
  }

  Status FetchTo(std::string_view path, RewindableSink* sink) override {
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (path.empty()) return Status::InvalidArgument("empty archive path");
    return Get(base_url_ + "/" + UrlEncodeQueryValue(path), sink).status();
  }

  Result<std::vector<std::string>> ListKeys(std::string_view prefix) override {
    std::vector<std::string> keys;
    CL_RETURN_IF_ERROR(ListAll(prefix, "", [&](ListBucketResult& page) {
      for (S3Object& o : page.contents) {
        if (o.key.compare(0, prefix.size(), prefix) == 0) keys.push_back(std::move(o.key));
      }
    }));
    SortUnique(&keys);
    return keys;
  }

  Result<std::vector<std::string>> ListPrefixes(std::string_view prefix) override {
    std::vector<std::string> prefixes;
    CL_RETURN_IF_ERROR(ListAll(prefix, "/", [&](ListBucketResult& page) {
      for (std::string& p : page.common_prefixes) {
        if (p.compare(0, prefix.size(), prefix) == 0) prefixes.push_back(std::move(p));
      }
    }));
    SortUnique(&prefixes);
    return prefixes;
  }

  std::string Describe() const override { return RedactUrl(base_url_); }

 private:
  static void SortUnique(std::vector<std::string>* v) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }

  template <typename OnPage>
  Status ListAll(std::string_view prefix, std::string_view delimiter, OnPage on_page) {
    std::string marker;
    // A server that never stops claiming truncation, or hands back a marker
    // that does not move forward, would loop forever: stop and say so.
    for (int page_no = 0; page_no < 1000000; ++page_no) {
      std::string url = listing_url_;
      url += listing_url_.find('?') == std::string::npos ? '?' : '&';
      url += BuildListObjectsQuery(prefix, delimiter, marker, options_.list_max_keys);
      CL_ASSIGN_OR_RETURN(std::string xml, Get(url));
      auto parsed = ParseListBucketResult(xml);
      if (!parsed.ok()) return parsed.status().WithContext(RedactUrl(url));
      ListBucketResult page = std::move(parsed).value();
      std::string next = page.NextPageMarker();
      bool truncated = page.is_truncated;
      on_page(page);
      if (!truncated) return Status::OK();
      if (next.empty() || next == marker) {
        return Status::Corruption("S3 listing " + RedactUrl(url) +
                                  " is truncated but gives no way to continue (marker \"" + next +
                                  "\")");
      }
      marker = std::move(next);
    }
    return Status::Corruption("S3 listing of \"" + std::string(prefix) + "\" has too many pages");
  }

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!pool_.empty()) {
        CURL* h = pool_.back();
        pool_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h) {
    std::lock_guard<std::mutex> lock(mu_);
    pool_.push_back(h);
  }

  Response Perform(const std::string& url, ByteSink* sink) {
    Response r;
    r.sink = sink;
    CURL* h = Acquire();
    r.handle = h;
    if (h == nullptr) {
      r.curl_code = CURLE_FAILED_INIT;
      r.curl_error = "curl_easy_init failed";
      return r;
    }
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    r.curl_code = curl_easy_perform(h);
    if (r.curl_code != CURLE_OK) {
      r.curl_error = errbuf[0] ? errbuf : curl_easy_strerror(r.curl_code);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.http_status);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    Release(h);
    return r;
  }

  // GET with retries. Returns the whole body of a 2xx response, never part
  // of one: every attempt starts from an empty buffer. With a sink, the body
  // streams into it instead (rewound before every attempt) and "" is returned.
  Result<std::string> Get(const std::string& url, RewindableSink* sink = nullptr) {
    const int attempts = std::max(options_.retries, 0) + 1;
    Status last;
    std::chrono::milliseconds wait{0};
    const std::string shown_url = RedactUrl(url);  // Never credentials in a message.
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(wait);
      if (sink != nullptr) CL_RETURN_IF_ERROR(sink->Rewind());
      Response r = Perform(url, sink);
      if (!r.sink_status.ok()) return r.sink_status;
      if (r.curl_code != CURLE_OK) {
        std::string msg = "GET " + shown_url + " failed: " + r.curl_error;
        if (r.curl_code == CURLE_OPERATION_TIMEDOUT) {
          last = Status::Timeout(msg);
        } else if (r.curl_code == CURLE_COULDNT_CONNECT ||
                   r.curl_code == CURLE_COULDNT_RESOLVE_HOST) {
          last = Status::Unavailable(msg);
        } else {
          last = Status::IOError(msg);
        }
        if (!IsRetryableCurlError(r.curl_code)) return last;
        wait = FullJitterBackoff(attempt, -1, options_.backoff_base, options_.backoff_max);
        continue;
      }
      long code = r.http_status;
      if (code >= 200 && code < 300) return std::move(r.body);
      if (code == 404) return Status::NotFound("HTTP 404 Not Found: " + shown_url);
      std::string msg = "GET " + shown_url + ": HTTP " + std::to_string(code);
      if (code >= 500 || code == 429) {
        last = Status::Unavailable(msg);
        // A Retry-After from the server replaces our own backoff.
        wait = FullJitterBackoff(attempt, r.retry_after_seconds, options_.backoff_base,
                                 options_.backoff_max);
        continue;
      }
      return Status::IOError(msg);  // Other 4xx: asking again will not help.
    }
    return last.WithContext("giving up after " + std::to_string(attempts) + " attempts");
  }

  const std::string base_url_;
  const SourceOptions options_;
  std::string listing_url_;
  std::mutex mu_;
  std::vector<CURL*> pool_;
};

}  // namespace

std::unique_ptr<ArchiveSource> NewHttpArchiveSource(std::string base_url,
                                                    const SourceOptions& options) {
  return std::make_unique<HttpArchiveSource>(std::move(base_url), options);
}

}  // namespace cryptolake::archive
