// S3 ListObjects (v1) support: the response parser and the request query.
//
// ParseListBucketResult() reads a ListBucketResult XML document with a small
// hand-written scanner: it takes Contents (Key, Size, LastModified, ETag),
// CommonPrefixes/Prefix, IsTruncated and NextMarker, decodes the five
// predefined XML entities and numeric character references, and never
// mistakes the root-level <Prefix> (the echoed request prefix) for a common
// prefix. Robust to arbitrary input (fuzzed): bad XML is Corruption.
//
// Thread-safety: pure functions; safe from any thread.
#ifndef CRYPTOLAKE_ARCHIVE_S3_LISTING_H_
#define CRYPTOLAKE_ARCHIVE_S3_LISTING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"

namespace cryptolake::archive {

struct S3Object {
  std::string key;
  uint64_t size = 0;
  std::string last_modified;  // ISO-8601 as sent, e.g. "2026-09-02T07:40:48.000Z".
  std::string etag;           // As sent, quotes included.
};

struct ListBucketResult {
  std::string prefix;  // The echoed request prefix (root-level <Prefix>).
  std::vector<S3Object> contents;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_marker;  // Empty when the server sent none.

  // The marker for the next page per the S3 rule: NextMarker if present,
  // else the greatest of the last Key and the last CommonPrefix. "" when
  // !is_truncated or nothing to continue from.
  std::string NextPageMarker() const;
};

// Parses a ListBucketResult document. Corruption (with the reason) for
// malformed XML, a missing ListBucketResult root, or a non-numeric Size.
Result<ListBucketResult> ParseListBucketResult(std::string_view xml);

// Percent-encodes `value` for a URL query (RFC 3986 unreserved characters and
// '/' stay literal).
std::string UrlEncodeQueryValue(std::string_view value);

// The query string (without '?') of a ListObjects v1 request:
// "delimiter=...&prefix=...&marker=...&max-keys=N", omitting empty parts and
// max_keys <= 0; values are percent-encoded with UrlEncodeQueryValue().
std::string BuildListObjectsQuery(std::string_view prefix, std::string_view delimiter,
                                  std::string_view marker, int max_keys);

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_ARCHIVE_S3_LISTING_H_
