// S3ObjectStore: the ObjectStore on Amazon S3 or an S3-compatible server.
//
// Objects live at s3://<bucket>/<prefix>/<key> (or .../<key> with no
// prefix). Requests are signed with SigV4 (the payload's SHA-256 on every
// request, so S3 checks what it stores), sent over libcurl with path-style
// ("http://host:port/bucket/key", the default for a custom endpoint) or
// virtual-hosted addressing ("https://bucket.s3.<region>.amazonaws.com/key",
// the default for AWS), and retried with exponential backoff and jitter on
// connection failures, timeouts, HTTP 5xx (but 501 Not Implemented) and 429,
// and SlowDown, RequestTimeout and InternalError error codes; every attempt is
// signed anew. Other answers fail at once.
//
// The ObjectStore contract on S3:
//  - Put() is one PUT: S3 publishes an object atomically when the upload
//    completes. NewWriter() buffers up to `multipart_threshold` bytes and
//    then PUTs them in Publish(); a larger object is a multipart upload
//    (parts of `part_size`, up to `max_parallel_parts` in flight) completed
//    in Publish(), which is when it becomes visible. A writer destroyed
//    without Publish(), or one whose part failed, aborts its upload. A
//    completion retried after its answer was lost (404 NoSuchUpload) counts
//    as done when the key's ETag is the multipart ETag of those parts.
//  - List() is ListObjectsV2 on "<prefix>/<listing prefix>", every page
//    followed, keys relative to the store's prefix, sorted in byte order;
//    keys with a ".cltmp-" component (the store's own bookkeeping) are never
//    listed.
//  - GetRange() asks for "Range: bytes=a-b"; a 416 answer is resolved with
//    a HEAD (offset == size is "", beyond is InvalidArgument).
//  - Get() and GetRange() of a missing key are NotFound naming
//    s3://bucket/prefix/key; Exists() is a HEAD.
//  - Delete() of a missing key is OK (S3 answers 204 either way).
//
// In-flight writes and RemoveAbandonedWrites(): S3 has no rename and no
// lock, so what a killed writer leaves is an incomplete multipart upload
// (invisible, but billed). Every store instance has a random run id. Before
// its first multipart upload it writes a lease object
// "<prefix>/.cltmp-runs/<run>.lease" and rewrites it every `lease_refresh`
// from a background thread while the store lives; right after each
// CreateMultipartUpload it writes a marker "<prefix>/.cltmp-runs/<run>/<hex
// of the upload id>" holding the key and upload id, deleted when the upload
// is completed or aborted. The store's destructor deletes its lease.
// RemoveAbandonedWrites() lists ".cltmp-runs/": a run other than this one
// whose lease is missing or older than `abandoned_after` (the lease's
// LastModified against the Date of the listing answer: the server's clock
// on both sides) is dead, so each upload its markers name is aborted and its
// markers and lease are deleted. Then it lists the multipart uploads under
// the prefix and aborts each one that no live run's marker names and that
// was initiated more than `abandoned_after` ago (a kill between
// CreateMultipartUpload and the marker's PUT). A live run's uploads are never
// touched. A server without ListMultipartUploads (501) skips that step.
//
// Metrics (metrics API, the global provider at the store's first request,
// scope "cryptolake.storage"; no-ops until a program installs the SDK):
// cryptolake.storage.operations
// ({operation}, attributes operation = put|get|head|list|delete|
// delete_objects|multipart_create|multipart_upload_part|multipart_complete|
// multipart_abort|multipart_list and outcome = ok|error; a 404 answer is ok),
// cryptolake.storage.operation.duration (s, operation), cryptolake.storage.bytes
// (By, direction=read|written). No key, bucket or secret is an attribute.
//
// Secrets: credentials and signatures never appear in Describe(), a Status
// message or a metric.
//
// Thread-safety: safe for concurrent use from many threads, like every
// ObjectStore. A writer is used by one thread at a time.
#ifndef CRYPTOLAKE_STORAGE_S3_OBJECT_STORE_H_
#define CRYPTOLAKE_STORAGE_S3_OBJECT_STORE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/status.h"
#include "cryptolake/storage/aws_config.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::storage {

struct S3StoreOptions {
  std::string bucket;
  // Key prefix inside the bucket, without leading or trailing '/'; "" = the
  // bucket's root. Must be a valid object key when not empty.
  std::string prefix;
  AwsConfig aws;  // Credentials, region, endpoint URL, addressing style.

  // NewWriter(): objects up to the threshold are one PUT; larger ones are
  // multipart uploads with parts of part_size (S3's minimum part is 5 MiB,
  // except the last; smaller values are for tests against other servers).
  uint64_t multipart_threshold = 8 << 20;
  uint64_t part_size = 8 << 20;
  int max_parallel_parts = 4;

  std::chrono::milliseconds request_timeout{60000};
  std::chrono::milliseconds connect_timeout{10000};
  int max_attempts = 6;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_max{5000};

  // RemoveAbandonedWrites(): see the header comment.
  std::chrono::milliseconds lease_refresh{10000};
  std::chrono::seconds abandoned_after{60};
};

class S3ObjectStore : public ObjectStore {
 public:
  // Deletes the objects (keys relative to the store's prefix) with
  // DeleteObjects requests of up to 1000 keys. Missing keys are OK. The
  // first per-key error S3 reports is IOError naming the key.
  virtual Status DeleteObjects(const std::vector<std::string>& keys) = 0;

  // This instance's run id (names its lease and markers).
  virtual const std::string& run_id() const = 0;
};

// InvalidArgument for an invalid bucket name, prefix or endpoint URL; never
// contacts the server.
Result<std::unique_ptr<S3ObjectStore>> NewS3ObjectStore(S3StoreOptions options);

// The store of a lake URL "s3://bucket[/prefix]" with the configuration
// LoadAwsConfig() finds in `env` (and the files it names). InvalidArgument for
// a bad URL, and when no credentials are configured (naming the variables
// and files to set, never a value).
Result<std::unique_ptr<S3ObjectStore>> OpenS3ObjectStore(std::string_view url,
                                                         const AwsEnvironment& env);

// Splits "s3://bucket[/prefix]" (prefix's trailing '/' dropped).
// InvalidArgument naming the URL's problem.
Status ParseS3Url(std::string_view url, std::string* bucket, std::string* prefix);

}  // namespace cryptolake::storage

#endif  // CRYPTOLAKE_STORAGE_S3_OBJECT_STORE_H_
