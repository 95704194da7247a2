#include "cryptolake/metrics/net/otlp_http_transport.h"

#include <curl/curl.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

#include "config_text.h"
#include "cryptolake/common/version.h"
#include "cryptolake/metrics/export/otlp_json.h"
#include "cryptolake/metrics/export/otlp_proto.h"

namespace cryptolake::metrics {
namespace {

void InitCurlOnce() {
  // curl_global_init is not thread-safe in older libcurl; do it once.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  // Bound what we keep of an answer: a partial_success message is short, and
  // a misbehaving server must not grow our memory.
  constexpr size_t kMaxBody = 1 << 20;
  size_t n = size * count;
  if (body->size() < kMaxBody) body->append(data, std::min(n, kMaxBody - body->size()));
  return n;
}

struct HeaderCapture {
  std::string retry_after;
  std::string content_type;
};

bool StartsWithNoCase(std::string_view line, std::string_view prefix) {
  if (line.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::string TrimmedValue(std::string_view line, size_t from) {
  std::string_view v = line.substr(from);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  return std::string(v);
}

size_t CaptureHeader(char* data, size_t size, size_t count, void* user) {
  auto* capture = static_cast<HeaderCapture*>(user);
  std::string_view line(data, size * count);
  if (StartsWithNoCase(line, "HTTP/")) {
    *capture = HeaderCapture();  // A new response (after 100 Continue or a redirect).
  } else if (StartsWithNoCase(line, "retry-after:")) {
    capture->retry_after = TrimmedValue(line, 12);
  } else if (StartsWithNoCase(line, "content-type:")) {
    capture->content_type = TrimmedValue(line, 13);
  }
  return size * count;
}

bool IsRetryableHttpStatus(long status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         int64_t now_unix_seconds) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc()) return std::nullopt;
    // A day is far beyond any export timeout; clamp absurd values.
    seconds = std::min<int64_t>(seconds, 86400);
    return std::chrono::milliseconds(seconds * 1000);
  }
  std::string text(value);
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == static_cast<time_t>(-1)) return std::nullopt;
  int64_t delta = static_cast<int64_t>(when) - now_unix_seconds;
  delta = std::clamp<int64_t>(delta, 0, 86400);
  return std::chrono::milliseconds(delta * 1000);
}

Result<std::string> GzipCompress(std::string_view data) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Status::Internal("zlib deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = out.size() - zs.avail_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Internal("zlib deflate did not finish");
  out.resize(produced);
  return out;
}

struct OtlpHttpTransport::Impl {
  OtlpExporterOptions options;
  CURL* curl = nullptr;
  curl_slist* header_list = nullptr;
  std::string user_agent;
  std::string body;  // Reused response buffer.
  std::string json;  // Reused JSON request buffer.
  char error[CURL_ERROR_SIZE] = {};

  ~Impl() {
    if (header_list != nullptr) curl_slist_free_all(header_list);
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  // A server's body, made safe to quote: cut, printable, secrets removed.
  std::string Quote(std::string_view text) const {
    return net_internal::RedactedExcerpt(text, options.headers);
  }
};

OtlpHttpTransport::OtlpHttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OtlpHttpTransport::~OtlpHttpTransport() = default;

Result<std::unique_ptr<OtlpHttpTransport>> OtlpHttpTransport::Create(
    const OtlpExporterOptions& options) {
  std::string_view url = options.endpoint;
  if (!StartsWithNoCase(url, "http://") && !StartsWithNoCase(url, "https://")) {
    return Status::InvalidArgument("OTLP/HTTP endpoint must start with http:// or https://: " +
                                   RedactUrl(url));
  }
  InitCurlOnce();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->curl = curl_easy_init();
  if (impl->curl == nullptr) return Status::Internal("curl_easy_init failed");

  const bool json = options.protocol == OtlpProtocol::kHttpJson;
  impl->header_list =
      curl_slist_append(impl->header_list, json ? "Content-Type: application/json"
                                                : "Content-Type: application/x-protobuf");
  if (options.gzip)
    impl->header_list = curl_slist_append(impl->header_list, "Content-Encoding: gzip");
  // No "Expect: 100-continue" round trip for larger bodies.
  impl->header_list = curl_slist_append(impl->header_list, "Expect:");
  for (const auto& [key, value] : options.headers) {
    std::string line = key + ": " + value;
    impl->header_list = curl_slist_append(impl->header_list, line.c_str());
  }
  impl->user_agent = "cryptolake-otlp-exporter/" + std::string(kVersion);

  CURL* c = impl->curl;
  curl_easy_setopt(c, CURLOPT_URL, options.endpoint.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, impl->header_list);
  curl_easy_setopt(c, CURLOPT_USERAGENT, impl->user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // Safe in threads; timeouts without SIGALRM.
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &impl->body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, impl->error);
  if (!options.certificate_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.certificate_file.c_str());
  }
  if (!options.client_certificate_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, options.client_certificate_file.c_str());
  }
  if (!options.client_key_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLKEY, options.client_key_file.c_str());
  }
  return std::unique_ptr<OtlpHttpTransport>(new OtlpHttpTransport(std::move(impl)));
}

std::string OtlpHttpTransport::Describe() const { return impl_->options.Describe(); }

SendOutcome OtlpHttpTransport::Send(std::string_view request,
                                    std::chrono::steady_clock::time_point deadline) {
  Impl& impl = *impl_;
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (remaining.count() <= 0) return SendOutcome::Retryable("export deadline already passed");

  const bool json = impl.options.protocol == OtlpProtocol::kHttpJson;
  std::string_view payload = request;
  if (json) {
    Result<ResourceMetrics> decoded = DecodeOtlpProto(request);
    if (!decoded.ok()) {
      return SendOutcome::Permanent("cannot re-encode batch as OTLP/JSON: " +
                                    decoded.status().ToString());
    }
    impl.json.clear();
    AppendOtlpJson(*decoded, &impl.json);
    payload = impl.json;
  }
  std::string compressed;
  if (impl.options.gzip) {
    Result<std::string> gz = GzipCompress(payload);
    if (!gz.ok()) return SendOutcome::Permanent(gz.status().ToString());
    compressed = std::move(*gz);
    payload = compressed;
  }

  CURL* c = impl.curl;
  HeaderCapture headers;
  impl.body.clear();
  impl.error[0] = '\0';
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, CaptureHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(remaining.count()));

  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    // The URL is ours (redacted); curl's error buffer may name the host but
    // never our headers.
    SendOutcome outcome = SendOutcome::Retryable(std::string("OTLP/HTTP request to ") +
                                                 RedactUrl(impl.options.endpoint) +
                                                 " failed: " + curl_easy_strerror(rc));
    outcome.connect_failed = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                             rc == CURLE_COULDNT_RESOLVE_PROXY;
    return outcome;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);

  if (status >= 200 && status < 300) {
    SendOutcome outcome = SendOutcome::Success();
    if (impl.body.empty()) return outcome;
    bool json_answer = headers.content_type.find("json") != std::string::npos ||
                       (headers.content_type.empty() && json);
    if (json_answer) {
      nlohmann::json doc = nlohmann::json::parse(impl.body, nullptr, /*allow_exceptions=*/false);
      if (doc.is_object() && doc.contains("partialSuccess") && doc["partialSuccess"].is_object()) {
        const nlohmann::json& partial = doc["partialSuccess"];
        if (auto it = partial.find("rejectedDataPoints"); it != partial.end()) {
          if (it->is_number_integer()) {
            outcome.partial.rejected_data_points = it->get<int64_t>();
          } else if (it->is_string()) {
            const std::string& s = it->get_ref<const std::string&>();
            std::from_chars(s.data(), s.data() + s.size(), outcome.partial.rejected_data_points);
          }
        }
        if (auto it = partial.find("errorMessage"); it != partial.end() && it->is_string()) {
          outcome.partial.error_message = impl.Quote(it->get<std::string>());
        }
      }
    } else {
      Result<ExportPartialSuccess> partial = DecodeExportMetricsServiceResponse(impl.body);
      if (partial.ok()) {
        outcome.partial = std::move(*partial);
        outcome.partial.error_message = impl.Quote(outcome.partial.error_message);
      }
      // An undecodable success body is still a success: the data was accepted.
    }
    return outcome;
  }

  std::string message =
      "OTLP/HTTP " + RedactUrl(impl.options.endpoint) + " answered HTTP " + std::to_string(status);
  if (!impl.body.empty() && headers.content_type.find("json") != std::string::npos) {
    message += ": " + impl.Quote(impl.body);
  } else if (!impl.body.empty() && headers.content_type.find("text") != std::string::npos) {
    message += ": " + impl.Quote(impl.body);
  }
  if (IsRetryableHttpStatus(status)) {
    SendOutcome outcome = SendOutcome::Retryable(std::move(message));
    if (!headers.retry_after.empty()) {
      outcome.retry_after =
          ParseRetryAfter(headers.retry_after, static_cast<int64_t>(time(nullptr)));
    }
    return outcome;
  }
  return SendOutcome::Permanent(std::move(message));
}

}  // namespace cryptolake::metrics
