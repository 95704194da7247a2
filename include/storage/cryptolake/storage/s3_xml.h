// The XML of the S3 API: ListObjects (v1) pages and their request query (for
// the archive's S3 listing and the S3 object store), and the documents of
// errors and multipart uploads (for the S3 object store).
//
// Every parser reads its document with one small hand-written scanner: it
// decodes the five predefined XML entities and numeric character references,
// classifies an element by where it sits (ParseListBucketResult() never
// mistakes the root-level <Prefix>, the echoed request prefix, for a common
// prefix), and is robust to arbitrary input (fuzzed): bad XML is Corruption
// naming the document.
//
// Thread-safety: pure functions; safe from any thread.
#ifndef CRYPTOLAKE_STORAGE_S3_XML_H_
#define CRYPTOLAKE_STORAGE_S3_XML_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"

namespace cryptolake::storage {

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
  // ListObjectsV2: the continuation-token of the next page ("" if none).
  std::string next_continuation_token;

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

// An <Error> document: what S3 says went wrong.
struct S3ErrorDocument {
  std::string code;     // "NoSuchKey", "AccessDenied", "SlowDown", ...
  std::string message;  // Human-readable.
};
Result<S3ErrorDocument> ParseS3Error(std::string_view xml);

// The UploadId of an InitiateMultipartUploadResult (CreateMultipartUpload).
// Corruption if the document has none.
Result<std::string> ParseInitiateMultipartUploadResult(std::string_view xml);

// The 200 answer of CompleteMultipartUpload: OK for a
// CompleteMultipartUploadResult; IOError with S3's code and message for an
// <Error> document (S3 reports late failures that way, with status 200);
// Corruption for anything else.
Status ParseCompleteMultipartUploadResult(std::string_view xml);

// The body of CompleteMultipartUpload: parts 1..n with the ETags UploadPart
// returned (as sent, quotes included; XML-escaped here).
std::string BuildCompleteMultipartUpload(const std::vector<std::string>& part_etags);

// The body of DeleteObjects (quiet mode: only failures are reported).
std::string BuildDeleteObjects(const std::vector<std::string>& keys);

// The per-key failures of a DeleteResult document (quiet mode lists only
// those; <Deleted> entries are ignored).
struct S3DeleteError {
  std::string key;
  std::string code;
  std::string message;
};
Result<std::vector<S3DeleteError>> ParseDeleteResult(std::string_view xml);

struct S3Upload {
  std::string key;
  std::string upload_id;
  std::string initiated;  // ISO-8601 as sent, e.g. "2026-09-02T07:40:48.000Z".
};

// A ListMultipartUploads page.
struct ListMultipartUploadsResult {
  std::vector<S3Upload> uploads;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};
Result<ListMultipartUploadsResult> ParseListMultipartUploadsResult(std::string_view xml);

}  // namespace cryptolake::storage

#endif  // CRYPTOLAKE_STORAGE_S3_XML_H_
