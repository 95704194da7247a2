// .CHECKSUM parsing and SHA-256 via OpenSSL's EVP interface.
#include "cryptolake/archive/checksum.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <string>

namespace cryptolake::archive {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Next whitespace-delimited token of `s` at or after *pos.
std::string_view NextToken(std::string_view s, size_t* pos) {
  size_t i = *pos;
  while (i < s.size() && IsSpace(s[i])) ++i;
  size_t start = i;
  while (i < s.size() && !IsSpace(s[i])) ++i;
  *pos = i;
  return s.substr(start, i - start);
}

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (s.size() > 80) out += "...";
  return out;
}

}  // namespace

Result<std::string> ParseChecksumFile(std::string_view content,
                                      std::string_view expected_zip_name) {
  auto bad = [&](std::string_view why) {
    std::string msg = "bad .CHECKSUM file";
    if (!expected_zip_name.empty()) {
      msg += " for ";
      msg += expected_zip_name;
    }
    msg += ": ";
    msg += why;
    return Status::Corruption(msg);
  };
  size_t pos = 0;
  std::string_view digest = NextToken(content, &pos);
  if (digest.empty()) return bad("empty");
  if (digest.size() != 64) {
    return bad("digest \"" + Printable(digest) + "\" is not 64 hex characters");
  }
  std::string hex;
  hex.reserve(64);
  for (char c : digest) {
    if (!IsHex(c)) return bad("digest \"" + Printable(digest) + "\" has a non-hex character");
    hex += ToLower(c);
  }
  std::string_view name = NextToken(content, &pos);
  if (!name.empty() && name.front() == '*') name.remove_prefix(1);  // sha256sum -b marker.
  if (name.empty()) return bad("no file name after the digest");
  if (!expected_zip_name.empty() && name != expected_zip_name) {
    return bad("names \"" + Printable(name) + "\", expected \"" + std::string(expected_zip_name) +
               "\"");
  }
  return hex;
}

namespace {
std::string HexOf(const unsigned char* md, unsigned int len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 0xF];
  }
  return out;
}
}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest is a one-shot init/update/final; it only fails on allocation
  // failure, which we treat like operator new failing.
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) std::abort();
  return HexOf(md, len);
}

// EVP calls fail only on allocation failure, treated like operator new failing.
Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(ctx_); }

void Sha256Hasher::Update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) std::abort();
}

std::string Sha256Hasher::HexDigestAndReset() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, md, &len) != 1) std::abort();
  if (EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) std::abort();
  return HexOf(md, len);
}

void Sha256Hasher::Reset() {
  if (EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) std::abort();
}

Status CompareDigests(std::string_view name, std::string_view expected_hex,
                      std::string_view actual_hex) {
  bool same = expected_hex.size() == actual_hex.size();
  for (size_t i = 0; same && i < expected_hex.size(); ++i) {
    same = ToLower(expected_hex[i]) == ToLower(actual_hex[i]);
  }
  if (same) return Status::OK();
  return Status::Corruption("checksum mismatch for " + std::string(name) + ": expected sha256 " +
                            std::string(expected_hex) + ", got " + std::string(actual_hex));
}

Status VerifyChecksum(std::string_view zip_name, std::string_view zip_bytes,
                      std::string_view checksum_content) {
  CL_ASSIGN_OR_RETURN(std::string expected, ParseChecksumFile(checksum_content, zip_name));
  return CompareDigests(zip_name, expected, Sha256Hex(zip_bytes));
}

}  // namespace cryptolake::archive
