#include "cryptolake/storage/aws_sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace cryptolake::storage {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* bytes, size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims the value and collapses inner runs of spaces to one (canonical headers).
std::string CanonicalHeaderValue(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  std::string out;
  out.reserve(v.size());
  bool in_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      if (!in_space) out.push_back(' ');
      in_space = true;
    } else {
      out.push_back(c);
      in_space = false;
    }
  }
  return out;
}

}  // namespace

std::string AwsUriEncode(std::string_view text, bool encode_slash) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kUpperHex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(kUpperHex[c >> 4]);
      out.push_back(kUpperHex[c & 0xf]);
    }
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return ToHex(digest, sizeof digest);
}

std::string AmzDate(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

SigV4Signature SignRequestV4(const SigV4Request& request, const AwsCredentials& credentials,
                             std::string_view region, std::string_view service,
                             std::string_view amz_date) {
  SigV4Signature result;
  const std::string_view date = amz_date.substr(0, 8);

  // Headers: the caller's, plus those SigV4 always signs.
  // Ours first: after the stable sort, std::unique keeps the first of a name,
  // so a caller's host or x-amz-* header never overrides what is signed here.
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(request.headers.size() + 4);
  headers.emplace_back("host", request.host);
  headers.emplace_back("x-amz-date", std::string(amz_date));
  headers.emplace_back("x-amz-content-sha256", request.payload_sha256);
  if (!credentials.session_token.empty()) {
    headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  for (const auto& [name, value] : request.headers) {
    headers.emplace_back(Lower(name), CanonicalHeaderValue(value));
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  headers.erase(std::unique(headers.begin(), headers.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                headers.end());

  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(request.query.size());
  for (const auto& [name, value] : request.query) {
    query.emplace_back(AwsUriEncode(name, true), AwsUriEncode(value, true));
  }
  std::sort(query.begin(), query.end());

  std::string& canonical = result.canonical_request;
  canonical += request.method;
  canonical += '\n';
  canonical += AwsUriEncode(request.path.empty() ? "/" : request.path, false);
  canonical += '\n';
  for (size_t i = 0; i < query.size(); ++i) {
    if (i > 0) canonical += '&';
    canonical += query[i].first;
    canonical += '=';
    canonical += query[i].second;
  }
  canonical += '\n';
  std::string signed_headers;
  for (const auto& [name, value] : headers) {
    canonical += name;
    canonical += ':';
    canonical += value;
    canonical += '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }
  canonical += '\n';
  canonical += signed_headers;
  canonical += '\n';
  canonical += request.payload_sha256;

  std::string scope;
  scope += date;
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  scope += "/aws4_request";
  std::string& to_sign = result.string_to_sign;
  to_sign = "AWS4-HMAC-SHA256\n";
  to_sign += amz_date;
  to_sign += '\n';
  to_sign += scope;
  to_sign += '\n';
  to_sign += Sha256Hex(canonical);

  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  const std::string raw = HmacSha256(key, to_sign);
  result.signature = ToHex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());

  result.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                         ",SignedHeaders=" + signed_headers + ",Signature=" + result.signature;
  result.headers.emplace_back("x-amz-date", std::string(amz_date));
  result.headers.emplace_back("x-amz-content-sha256", request.payload_sha256);
  if (!credentials.session_token.empty()) {
    result.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  result.headers.emplace_back("Authorization", result.authorization);
  return result;
}

}  // namespace cryptolake::storage
