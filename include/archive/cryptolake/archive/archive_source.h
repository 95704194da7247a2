// ArchiveSource: read access to a Binance-archive-shaped tree of files, from
// a local directory mirror or over HTTP(S) (data.binance.vision or a mirror).
//
// Paths are archive paths relative to the base ("data/spot/daily/..."). HTTP
// sources download with libcurl, retrying network errors, 5xx and 429
// (honouring Retry-After) with exponential backoff and jitter; a 404 is a
// NotFound naming the URL; a download that fails midway is an error (bytes are
// never returned partially). Listing uses the S3 ListObjects v1 API
// (prefix/delimiter/marker pagination): on the real archive against
// https://s3-ap-northeast-1.amazonaws.com/data.binance.vision, on any other
// http(s) base against the base URL itself unless overridden.
//
// Thread-safety: every ArchiveSource returned here may be used from many
// threads at once (the HTTP source keeps a pool of curl easy handles).
#ifndef CRYPTOLAKE_ARCHIVE_ARCHIVE_SOURCE_H_
#define CRYPTOLAKE_ARCHIVE_ARCHIVE_SOURCE_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/byte_sink.h"
#include "cryptolake/common/status.h"

namespace cryptolake::archive {

inline constexpr std::string_view kDefaultArchiveUrl = "https://data.binance.vision";
inline constexpr std::string_view kDefaultArchiveListingUrl =
    "https://s3-ap-northeast-1.amazonaws.com/data.binance.vision";

struct SourceOptions {
  // Retries after the first attempt of one request (so up to retries + 1
  // attempts) on network errors, 5xx and 429.
  int retries = 5;
  // Backoff before retry k (0-based): uniform random in [0, min(max, base * 2^k)]
  // ("full jitter"). A 429/503 Retry-After overrides it (capped at backoff_max).
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_max{10000};
  std::chrono::milliseconds connect_timeout{10000};
  // Whole-request limit; 0 = none. Slow transfers are also cut off when they
  // stay under 1 KiB/s for low_speed_time.
  std::chrono::milliseconds request_timeout{0};
  std::chrono::seconds low_speed_time{60};
  // Where ListObjects requests go. Empty: kDefaultArchiveListingUrl for
  // data.binance.vision, the base URL for anything else.
  std::string listing_url;
  // max-keys sent with each ListObjects request; 0 = let the server choose
  // (1000 on S3). Tests use small values to exercise pagination.
  int list_max_keys = 0;
  std::string user_agent = "cryptolake/0.1";
};

// A ByteSink that can start over: a retried download rewinds it first.
class RewindableSink : public ByteSink {
 public:
  // Forgets everything appended so far.
  virtual Status Rewind() = 0;
};

class ArchiveSource {
 public:
  virtual ~ArchiveSource() = default;

  // The whole file at `path`. NotFound (naming the URL or file) if missing.
  // After the retries run out: Unavailable for 5xx/429 and refused
  // connections, Timeout for timeouts, IOError for other transfer failures
  // (a truncated body included). Other 4xx fail at once with IOError. Never
  // returns part of a file.
  virtual Result<std::string> Fetch(std::string_view path) = 0;

  // Streams the file at `path` into `sink` without holding it in memory,
  // rewinding the sink before every attempt. Same errors as Fetch(); on
  // success the sink holds exactly the whole file. A sink error stops the
  // transfer and is returned.
  // Default: Fetch(), then one Append().
  virtual Status FetchTo(std::string_view path, RewindableSink* sink);

  // Every key (file path) starting with `prefix`, across all listing pages,
  // in byte order. Recursive: no delimiter.
  virtual Result<std::vector<std::string>> ListKeys(std::string_view prefix) = 0;

  // The "subdirectories" directly under `prefix` (S3 delimiter "/"), each a
  // full prefix ending in '/', e.g. ListPrefixes("data/spot/daily/klines/")
  // -> {"data/spot/daily/klines/BTCUSDT/", ...}, in byte order.
  virtual Result<std::vector<std::string>> ListPrefixes(std::string_view prefix) = 0;

  // For messages: "file:///abs/mirror" or the base URL.
  virtual std::string Describe() const = 0;
};

// Opens a source. `url_or_dir`: "" (the default archive), "http://..." or
// "https://..." (a mirror or the archive), "file:///abs/dir" or a directory
// path. InvalidArgument for an unsupported scheme; NotFound for a missing
// directory.
Result<std::unique_ptr<ArchiveSource>> OpenArchiveSource(std::string_view url_or_dir,
                                                         const SourceOptions& options = {});

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_ARCHIVE_ARCHIVE_SOURCE_H_
