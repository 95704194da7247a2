// Checksum: the archive's .CHECKSUM sidecars (sha256sum output) and SHA-256.
//
// A .CHECKSUM file holds "<64 hex>  <zip name>" with or without a final
// newline. ParseChecksumFile() takes the first whitespace-delimited token as
// the digest and the second as the name; VerifyChecksum() hashes zip bytes
// with OpenSSL and compares.
//
// Thread-safety: pure functions; safe from any thread.
#ifndef CRYPTOLAKE_ARCHIVE_CHECKSUM_H_
#define CRYPTOLAKE_ARCHIVE_CHECKSUM_H_

#include <string>
#include <string_view>

#include "cryptolake/common/status.h"

// OpenSSL's EVP_MD_CTX, kept out of this header.
struct evp_md_ctx_st;

namespace cryptolake::archive {

// The digest in `content`, as 64 lowercase hex characters. Corruption if the
// digest is not 64 hex characters, if the name is missing, or if it differs
// from `expected_zip_name` (a base name, e.g. "BTCUSDT-1m-2020-01-01.zip";
// a leading '*', sha256sum's binary-mode marker, is accepted). Passing an
// empty expected_zip_name skips the name check.
Result<std::string> ParseChecksumFile(std::string_view content, std::string_view expected_zip_name);

// SHA-256 of `data`, 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);

// SHA-256 over data fed in pieces (a zip streamed to disk). Not copyable.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  // Lowercase hex of everything fed since the last reset; then starts over.
  std::string HexDigestAndReset();
  void Reset();

 private:
  ::evp_md_ctx_st* ctx_;
};

// OK if `actual_hex` equals `expected_hex` (case-insensitive); else
// Corruption "checksum mismatch for <name>: expected <e>, got <a>".
Status CompareDigests(std::string_view name, std::string_view expected_hex,
                      std::string_view actual_hex);

// Parses `checksum_content` for `zip_name` and checks SHA-256(zip_bytes)
// against it. The mismatch error names the file and both digests.
Status VerifyChecksum(std::string_view zip_name, std::string_view zip_bytes,
                      std::string_view checksum_content);

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_ARCHIVE_CHECKSUM_H_
