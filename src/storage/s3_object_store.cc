// S3ObjectStore over S3Client: the object operations, the multipart writer,
// and the run leases and upload markers behind RemoveAbandonedWrites().
#include "cryptolake/storage/s3_object_store.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "cryptolake/common/version.h"
#include "cryptolake/storage/s3_xml.h"
#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "s3_http.h"
#include "s3_multipart_writer.h"

namespace cryptolake::storage {
namespace {

constexpr std::string_view kRunsDir = ".cltmp-runs/";
constexpr std::string_view kLeaseSuffix = ".lease";

bool HasTempComponent(std::string_view key) {
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    if (key.substr(start, kTempFilePrefix.size()) == kTempFilePrefix) return true;
    start = end + 1;
  }
  return false;
}

std::string HexEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string NewRunId() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(::getpid()));
  uint64_t a = rng(), b = rng();
  return HexEncode(std::string_view(reinterpret_cast<const char*>(&a), sizeof a)) +
         HexEncode(std::string_view(reinterpret_cast<const char*>(&b), sizeof b)).substr(0, 8);
}

Status ValidateBucketName(std::string_view bucket) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("invalid S3 bucket name \"" + std::string(bucket.substr(0, 80)) +
                                   "\": " + std::string(why));
  };
  if (bucket.size() < 3 || bucket.size() > 63) return bad("must have 3 to 63 characters");
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) return bad("only lower-case letters, digits, '.', '-' and '_' are allowed");
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) {
    return bad("must start and end with a letter or digit");
  }
  return Status::OK();
}

// The store's request counter: one per HTTP request (retries included), by S3 operation. The
// object-level storage metrics are recorded by the InstrumentedObjectStore that OpenObjectStore
// puts around this store.
class StoreMetrics {
 public:
  StoreMetrics() : m_(telemetry::CryptoMetrics::Current()) {}
  void Record(std::string_view operation, bool ok) {
    m_->storage_requests.Add(1, {{telemetry::attr::kStorageOperation, operation},
                                 {telemetry::attr::kOutcome, ok ? telemetry::outcome::kSuccess
                                                                : telemetry::outcome::kFailure}});
  }

 private:
  std::shared_ptr<telemetry::CryptoMetrics> m_;
};

class S3Store final : public S3ObjectStore, public S3MultipartTarget {
 public:
  S3Store(S3StoreOptions options, std::unique_ptr<S3Client> client)
      : options_(std::move(options)), client_(std::move(client)), run_id_(NewRunId()) {
    if (!options_.prefix.empty()) prefix_ = options_.prefix + "/";
  }

  ~S3Store() override {
    bool started;
    {
      std::lock_guard<std::mutex> lock(lease_mu_);
      stop_ = true;
      started = lease_started_;
    }
    lease_cv_.notify_all();
    if (lease_thread_.joinable()) lease_thread_.join();
    if (started) (void)Call("delete", {.method = "DELETE", .key = LeaseKey(run_id_)});
  }

  Status Put(std::string_view key, std::string_view data) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    S3Request req{.method = "PUT", .key = Full(key), .body = data};
    CL_ASSIGN_OR_RETURN(S3Response r, Call("put", req));
    if (r.status / 100 != 2) return client_->ErrorStatus(req, r);
    return Status::OK();
  }

  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    return NewS3MultipartWriter(this, std::string(key),
                                {.multipart_threshold = options_.multipart_threshold,
                                 .part_size = options_.part_size,
                                 .max_parallel_parts = options_.max_parallel_parts});
  }

  Result<std::string> Get(std::string_view key) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    S3Request req{.method = "GET", .key = Full(key)};
    CL_ASSIGN_OR_RETURN(S3Response r, Call("get", req));
    if (r.status / 100 != 2) return client_->ErrorStatus(req, r);
    return std::move(r.body);
  }

  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    if (length == 0) {
      CL_ASSIGN_OR_RETURN(uint64_t size, Size(key));
      if (offset > size) return PastTheEnd(key, offset, size);
      return std::string();
    }
    // A range reaching past what a signed 64-bit size can hold is
    // open-ended ("bytes=a-"), which every server parses.
    std::string range = "bytes=" + std::to_string(offset) + "-";
    if (length - 1 <= static_cast<uint64_t>(INT64_MAX) - std::min<uint64_t>(offset, INT64_MAX)) {
      range += std::to_string(offset + length - 1);
    }
    S3Request req{.method = "GET", .key = Full(key), .headers = {{"Range", range}}};
    CL_ASSIGN_OR_RETURN(S3Response r, Call("get", req));
    if (r.status == 206) {
      return std::move(r.body);
    }
    if (r.status == 200) {  // A server that ignores Range sends everything.
      if (offset > r.body.size()) return PastTheEnd(key, offset, r.body.size());
      return r.body.substr(offset, length);
    }
    if (r.status == 416) {  // offset >= size: "" at the end, an error beyond.
      CL_ASSIGN_OR_RETURN(uint64_t size, Size(key));
      if (offset == size) return std::string();
      return PastTheEnd(key, offset, size);
    }
    return client_->ErrorStatus(req, r);
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::vector<S3Object> raw;
    CL_RETURN_IF_ERROR(ListRaw(prefix_ + std::string(prefix), &raw, nullptr));
    std::vector<ObjectInfo> out;
    out.reserve(raw.size());
    for (S3Object& o : raw) {
      if (o.key.compare(0, prefix_.size(), prefix_) != 0) continue;
      std::string key = o.key.substr(prefix_.size());
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      // Bookkeeping (.cltmp-), folder markers ("x/") and other names no
      // ObjectStore key can have are not objects of this store.
      if (HasTempComponent(key) || !ValidateObjectKey(key).ok()) continue;
      out.push_back(ObjectInfo{std::move(key), o.size});
    }
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const ObjectInfo& a, const ObjectInfo& b) { return a.key == b.key; }),
              out.end());
    return out;
  }

  Status Delete(std::string_view key) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    return DeleteFull(Full(key));
  }

  Status DeleteObjects(const std::vector<std::string>& keys) override {
    for (const std::string& key : keys) CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    for (size_t begin = 0; begin < keys.size(); begin += 1000) {
      std::vector<std::string> batch;
      for (size_t i = begin; i < std::min(keys.size(), begin + 1000); ++i) {
        batch.push_back(Full(keys[i]));
      }
      std::string body = BuildDeleteObjects(batch);
      // S3 requires an integrity header on DeleteObjects: the signed
      // payload hash covers the body, and Content-MD5 is what it asks for.
      S3Request req{.method = "POST",
                    .key = "",
                    .query = {{"delete", ""}},
                    .headers = {{"Content-MD5", Md5Base64(body)}},
                    .body = body};
      CL_ASSIGN_OR_RETURN(S3Response r, Call("delete_objects", req));
      if (r.status / 100 != 2) return client_->ErrorStatus(req, r);
      auto errors = ParseDeleteResult(r.body);
      if (!errors.ok()) return errors.status().WithContext("DeleteObjects " + Describe());
      for (const S3DeleteError& e : *errors) {
        if (e.code == "NoSuchKey") continue;
        return Status::IOError("DeleteObjects " + client_->Where(e.key) + ": " + e.code + ": " +
                               e.message.substr(0, 300));
      }
    }
    return Status::OK();
  }

  Result<bool> Exists(std::string_view key) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    S3Request req{.method = "HEAD", .key = Full(key)};
    CL_ASSIGN_OR_RETURN(S3Response r, Call("head", req));
    if (r.status / 100 == 2) return true;
    if (r.status == 404) return false;
    return client_->ErrorStatus(req, r);
  }

  std::string Describe() const override {
    return "s3://" + options_.bucket + (options_.prefix.empty() ? "" : "/" + options_.prefix);
  }

  const std::string& run_id() const override { return run_id_; }

  Status RemoveAbandonedWrites() override;

  Status TEST_PutWithoutPublish(std::string_view key, std::string_view data) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    CL_ASSIGN_OR_RETURN(std::string id, CreateUpload(key));
    return UploadPart(key, id, 1, std::string(data)).status();
  }

  // --- S3MultipartTarget ---------------------------------------------------
  // Starts the lease if needed, creates the upload and writes its marker.
  Result<std::string> CreateUpload(std::string_view key) override {
    CL_RETURN_IF_ERROR(EnsureLease());
    S3Request req{.method = "POST", .key = Full(key), .query = {{"uploads", ""}}};
    CL_ASSIGN_OR_RETURN(S3Response r, Call("multipart_create", req));
    if (r.status / 100 != 2) return client_->ErrorStatus(req, r);
    auto id = ParseInitiateMultipartUploadResult(r.body);
    if (!id.ok())
      return id.status().WithContext("CreateMultipartUpload " + client_->Where(req.key));
    {
      std::lock_guard<std::mutex> lock(lease_mu_);
      own_uploads_.insert(*id);
    }
    std::string marker = Full(key) + "\n" + *id + "\n";
    S3Request put{.method = "PUT", .key = MarkerKey(*id), .body = marker};
    auto written = Call("put", put);
    Status st = written.ok() ? (written->status / 100 == 2 ? Status::OK()
                                                           : client_->ErrorStatus(put, *written))
                             : written.status();
    if (!st.ok()) {
      AbortUpload(key, *id);
      return st.WithContext("writing the upload marker");
    }
    return id;
  }

  Result<std::string> UploadPart(std::string_view key, const std::string& upload_id, int part,
                                 std::string data) override {
    S3Request req{.method = "PUT",
                  .key = Full(key),
                  .query = {{"partNumber", std::to_string(part)}, {"uploadId", upload_id}},
                  .body = data};
    CL_ASSIGN_OR_RETURN(S3Response r, Call("multipart_upload_part", req));
    if (r.status / 100 != 2) return client_->ErrorStatus(req, r);
    std::string etag = r.Header("etag");
    if (etag.empty()) {
      return Status::Corruption("UploadPart " + client_->Where(req.key) + " answered no ETag");
    }
    return etag;
  }

  Status CompleteUpload(std::string_view key, const std::string& upload_id,
                        const std::vector<std::string>& etags) override {
    std::string body = BuildCompleteMultipartUpload(etags);
    S3Request req{
        .method = "POST", .key = Full(key), .query = {{"uploadId", upload_id}}, .body = body};
    CL_ASSIGN_OR_RETURN(S3Response r, Call("multipart_complete", req));
    if (r.status == 404 && CompletedEarlier(key, etags)) {
      // A retried completion whose first attempt did complete (its answer
      // was lost): the upload is gone and the object is the one we wrote.
      ForgetUpload(upload_id);
      return Status::OK();
    }
    if (r.status / 100 != 2) return client_->ErrorStatus(req, r);
    CL_RETURN_IF_ERROR(ParseCompleteMultipartUploadResult(r.body).WithContext(
        "CompleteMultipartUpload " + client_->Where(req.key)));
    ForgetUpload(upload_id);
    return Status::OK();
  }

  // Best effort: the upload and its marker go; failures leave them to
  // RemoveAbandonedWrites().
  void AbortUpload(std::string_view key, const std::string& upload_id) override {
    AbortFull(Full(key), upload_id);
    ForgetUpload(upload_id);
  }

 private:
  std::string Full(std::string_view key) const { return prefix_ + std::string(key); }
  std::string LeaseKey(const std::string& run) const {
    return prefix_ + std::string(kRunsDir) + run + std::string(kLeaseSuffix);
  }
  std::string MarkerKey(const std::string& upload_id) const {
    return prefix_ + std::string(kRunsDir) + run_id_ + "/" + HexEncode(upload_id);
  }

  static std::string Md5Base64(std::string_view data);

  // True if `key` now holds the object a completion of parts with `etags`
  // makes: S3's multipart ETag is the MD5 of the parts' binary MD5s, "-" and
  // the part count (parts whose ETags are not MD5s, as with SSE-KMS, never
  // match).
  bool CompletedEarlier(std::string_view key, const std::vector<std::string>& etags) {
    std::string digests;
    for (const std::string& etag : etags) {
      std::string_view hex(etag);
      if (hex.size() == 34 && hex.front() == '"' && hex.back() == '"') hex = hex.substr(1, 32);
      auto binary = HexDecode(hex);
      if (hex.size() != 32 || !binary) return false;
      digests += *binary;
    }
    unsigned char md5[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(digests.data(), digests.size(), md5, &length, EVP_md5(), nullptr);
    std::string expected = "\"" +
                           HexEncode(std::string_view(reinterpret_cast<const char*>(md5), length)) +
                           "-" + std::to_string(etags.size()) + "\"";
    S3Request head{.method = "HEAD", .key = Full(key)};
    auto r = Call("head", head);
    return r.ok() && r->status / 100 == 2 && r->Header("etag") == expected;
  }

  Status PastTheEnd(std::string_view key, uint64_t offset, uint64_t size) const {
    return Status::InvalidArgument("range offset " + std::to_string(offset) +
                                   " is past the end of " + client_->Where(Full(key)) + " (size " +
                                   std::to_string(size) + ")");
  }

  // Sends with metrics: outcome "ok" for 2xx and the answers the caller
  // expects as results (404 of a HEAD or DELETE is still a clean answer).
  Result<S3Response> Call(std::string_view operation, const S3Request& req) {
    Result<S3Response> r = client_->Send(req);
    bool ok = r.ok() && (r->status / 100 == 2 || r->status == 404 || r->status == 206);
    metrics().Record(operation, ok);
    return r;
  }

  // The instruments, made at the first request rather than with the store: a
  // program (the CLI) may open the store before it installs its provider.
  StoreMetrics& metrics() {
    std::call_once(metrics_once_, [this] { metrics_.emplace(); });
    return *metrics_;
  }

  Result<uint64_t> Size(std::string_view key) {
    S3Request req{.method = "HEAD", .key = Full(key)};
    CL_ASSIGN_OR_RETURN(S3Response r, Call("head", req));
    if (r.status / 100 != 2) return client_->ErrorStatus(req, r);
    std::string length = r.Header("content-length");
    if (length.empty() || length.find_first_not_of("0123456789") != std::string::npos ||
        length.size() > 19) {
      return Status::Corruption("HEAD " + client_->Where(req.key) +
                                " answered no usable Content-Length");
    }
    return std::stoull(length);
  }

  Status DeleteFull(const std::string& full_key) {
    S3Request req{.method = "DELETE", .key = full_key};
    CL_ASSIGN_OR_RETURN(S3Response r, Call("delete", req));
    if (r.status / 100 == 2 || r.status == 404) return Status::OK();
    return client_->ErrorStatus(req, r);
  }

  void AbortFull(const std::string& full_key, const std::string& upload_id) {
    S3Request req{.method = "DELETE", .key = full_key, .query = {{"uploadId", upload_id}}};
    (void)Call("multipart_abort", req);
    (void)DeleteFull(MarkerKey(upload_id));
  }

  void ForgetUpload(const std::string& upload_id) {
    (void)DeleteFull(MarkerKey(upload_id));
    std::lock_guard<std::mutex> lock(lease_mu_);
    own_uploads_.erase(upload_id);
  }

  // Every object under `full_prefix` (ListObjectsV2, all pages, server
  // order); `server_now` gets the Date of the first answer (epoch seconds).
  Status ListRaw(const std::string& full_prefix, std::vector<S3Object>* out, int64_t* server_now) {
    std::string token;
    for (int page_no = 0; page_no < 1000000; ++page_no) {
      S3Request req{.method = "GET", .key = "", .query = {{"list-type", "2"}}};
      if (!full_prefix.empty()) req.query.emplace_back("prefix", full_prefix);
      if (!token.empty()) req.query.emplace_back("continuation-token", token);
      CL_ASSIGN_OR_RETURN(S3Response r, Call("list", req));
      if (r.status / 100 != 2) return client_->ErrorStatus(req, r);
      if (server_now != nullptr && page_no == 0) *server_now = ParseS3Time(r.Header("date"));
      auto page = ParseListBucketResult(r.body);
      if (!page.ok()) return page.status().WithContext("ListObjectsV2 " + Describe());
      for (S3Object& o : page->contents) out->push_back(std::move(o));
      if (!page->is_truncated) return Status::OK();
      if (page->next_continuation_token.empty() || page->next_continuation_token == token) {
        return Status::Corruption("ListObjectsV2 of " + client_->Where(full_prefix) +
                                  " is truncated but gives no new continuation token");
      }
      token = std::move(page->next_continuation_token);
    }
    return Status::Corruption("ListObjectsV2 of " + client_->Where(full_prefix) +
                              " has too many pages");
  }

  Status EnsureLease() {
    std::unique_lock<std::mutex> lock(lease_mu_);
    if (lease_started_) return Status::OK();
    lock.unlock();
    CL_RETURN_IF_ERROR(WriteLease());
    lock.lock();
    if (lease_started_) return Status::OK();
    lease_started_ = true;
    lease_thread_ = std::thread([this] {
      std::unique_lock<std::mutex> l(lease_mu_);
      while (!lease_cv_.wait_for(l, options_.lease_refresh, [this] { return stop_; })) {
        l.unlock();
        (void)WriteLease();  // A failed refresh is retried at the next tick.
        l.lock();
      }
    });
    return Status::OK();
  }

  Status WriteLease() {
    S3Request req{.method = "PUT", .key = LeaseKey(run_id_), .body = run_id_};
    CL_ASSIGN_OR_RETURN(S3Response r, Call("put", req));
    if (r.status / 100 != 2) return client_->ErrorStatus(req, r);
    return Status::OK();
  }

  Status AbortStaleUploads(const std::set<std::string>& live_ids, int64_t server_now);

  const S3StoreOptions options_;
  const std::unique_ptr<S3Client> client_;
  const std::string run_id_;
  std::string prefix_;  // options_.prefix + "/", or "".
  std::once_flag metrics_once_;
  std::optional<StoreMetrics> metrics_;

  std::mutex lease_mu_;
  std::condition_variable lease_cv_;
  bool lease_started_ = false;
  bool stop_ = false;
  std::set<std::string> own_uploads_;  // Open uploads of this instance.
  std::thread lease_thread_;
};

std::string S3Store::Md5Base64(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr);
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(b64, digest, static_cast<int>(length));
  return std::string(reinterpret_cast<const char*>(b64), static_cast<size_t>(n));
}

Status S3Store::RemoveAbandonedWrites() {
  // 1. Runs: leases and markers under .cltmp-runs/.
  std::vector<S3Object> entries;
  int64_t server_now = -1;
  const std::string runs = prefix_ + std::string(kRunsDir);
  CL_RETURN_IF_ERROR(ListRaw(runs, &entries, &server_now));
  if (server_now < 0) {
    return Status::Corruption("the S3 listing of " + client_->Where(runs) +
                              " has no usable Date header (needed to judge lease ages)");
  }
  struct Run {
    int64_t lease_time = -1;  // -1: no lease.
    std::vector<std::string> markers;
  };
  std::map<std::string, Run> by_run;
  for (const S3Object& o : entries) {
    std::string_view rest = std::string_view(o.key).substr(runs.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
      if (rest.size() > kLeaseSuffix.size() &&
          rest.substr(rest.size() - kLeaseSuffix.size()) == kLeaseSuffix) {
        std::string run(rest.substr(0, rest.size() - kLeaseSuffix.size()));
        by_run[run].lease_time = ParseS3Time(o.last_modified);
      }
    } else {
      by_run[std::string(rest.substr(0, slash))].markers.push_back(o.key);
    }
  }
  const int64_t limit = options_.abandoned_after.count();
  std::set<std::string> live_ids;
  for (auto& [run, info] : by_run) {
    const bool dead =
        run != run_id_ && (info.lease_time < 0 || server_now - info.lease_time >= limit);
    if (!dead) {
      for (const std::string& marker : info.markers) {
        std::string_view hex = std::string_view(marker).substr(marker.rfind('/') + 1);
        if (auto id = HexDecode(hex)) live_ids.insert(std::move(*id));
      }
      continue;
    }
    for (const std::string& marker : info.markers) {
      S3Request get{.method = "GET", .key = marker};
      CL_ASSIGN_OR_RETURN(S3Response r, Call("get", get));
      if (r.status == 404) continue;  // Another cleaner got there first.
      if (r.status / 100 != 2) return client_->ErrorStatus(get, r);
      size_t nl = r.body.find('\n');
      size_t nl2 = nl == std::string::npos ? nl : r.body.find('\n', nl + 1);
      if (nl2 == std::string::npos) {
        return Status::Corruption("upload marker " + client_->Where(marker) + " is malformed");
      }
      std::string key = r.body.substr(0, nl);
      std::string id = r.body.substr(nl + 1, nl2 - nl - 1);
      S3Request abort{.method = "DELETE", .key = key, .query = {{"uploadId", id}}};
      CL_ASSIGN_OR_RETURN(S3Response ar, Call("multipart_abort", abort));
      if (ar.status / 100 != 2 && ar.status != 404) return client_->ErrorStatus(abort, ar);
      CL_RETURN_IF_ERROR(DeleteFull(marker));
    }
    if (info.lease_time >= 0) CL_RETURN_IF_ERROR(DeleteFull(LeaseKey(run)));
  }
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    live_ids.insert(own_uploads_.begin(), own_uploads_.end());
  }
  // 2. Uploads no live run names (killed between create and marker).
  return AbortStaleUploads(live_ids, server_now);
}

Status S3Store::AbortStaleUploads(const std::set<std::string>& live_ids, int64_t server_now) {
  std::string key_marker, id_marker;
  const int64_t limit = options_.abandoned_after.count();
  for (int page_no = 0; page_no < 100000; ++page_no) {
    S3Request req{.method = "GET", .key = "", .query = {{"uploads", ""}}};
    if (!prefix_.empty()) req.query.emplace_back("prefix", prefix_);
    if (!key_marker.empty()) req.query.emplace_back("key-marker", key_marker);
    if (!id_marker.empty()) req.query.emplace_back("upload-id-marker", id_marker);
    CL_ASSIGN_OR_RETURN(S3Response r, Call("multipart_list", req));
    if (r.status == 501) return Status::OK();  // The server has no such listing.
    if (r.status / 100 != 2) return client_->ErrorStatus(req, r);
    auto page = ParseListMultipartUploadsResult(r.body);
    if (!page.ok()) return page.status().WithContext("ListMultipartUploads " + Describe());
    for (const S3Upload& u : page->uploads) {
      if (live_ids.count(u.upload_id) != 0) continue;
      int64_t initiated = ParseS3Time(u.initiated);
      if (initiated < 0 || server_now - initiated < limit) continue;
      if (u.key.compare(0, prefix_.size(), prefix_) != 0) continue;
      S3Request abort{.method = "DELETE", .key = u.key, .query = {{"uploadId", u.upload_id}}};
      CL_ASSIGN_OR_RETURN(S3Response ar, Call("multipart_abort", abort));
      if (ar.status / 100 != 2 && ar.status != 404) return client_->ErrorStatus(abort, ar);
    }
    if (!page->is_truncated) return Status::OK();
    if (page->next_key_marker == key_marker && page->next_upload_id_marker == id_marker) {
      return Status::Corruption("ListMultipartUploads of " + Describe() +
                                " is truncated but does not move on");
    }
    key_marker = page->next_key_marker;
    id_marker = page->next_upload_id_marker;
  }
  return Status::Corruption("ListMultipartUploads of " + Describe() + " has too many pages");
}

}  // namespace

Status ParseS3Url(std::string_view url, std::string* bucket, std::string* prefix) {
  constexpr std::string_view kScheme = "s3://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Status::InvalidArgument("not an s3:// URL: " + std::string(url));
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  *bucket = std::string(rest.substr(0, slash));
  std::string_view p = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  *prefix = std::string(p);
  if (bucket->empty())
    return Status::InvalidArgument("s3:// URL names no bucket: " + std::string(url));
  CL_RETURN_IF_ERROR(ValidateBucketName(*bucket).WithContext(std::string(url)));
  if (!prefix->empty()) {
    CL_RETURN_IF_ERROR(ValidateObjectKey(*prefix).WithContext("the prefix of " + std::string(url)));
  }
  return Status::OK();
}

Result<std::unique_ptr<S3ObjectStore>> OpenS3ObjectStore(std::string_view url,
                                                         const AwsEnvironment& env) {
  S3StoreOptions options;
  CL_RETURN_IF_ERROR(ParseS3Url(url, &options.bucket, &options.prefix));
  CL_ASSIGN_OR_RETURN(options.aws, LoadAwsConfig(env));
  if (options.aws.credentials.access_key_id.empty()) {
    return Status::InvalidArgument(
        "no AWS credentials for " + std::string(url) +
        ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
        "credentials), or aws_access_key_id / aws_secret_access_key for profile \"" +
        options.aws.profile +
        "\" (AWS_PROFILE) in ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE)");
  }
  return NewS3ObjectStore(std::move(options));
}

Result<std::unique_ptr<S3ObjectStore>> NewS3ObjectStore(S3StoreOptions options) {
  CL_RETURN_IF_ERROR(ValidateBucketName(options.bucket));
  while (!options.prefix.empty() && options.prefix.back() == '/') options.prefix.pop_back();
  if (!options.prefix.empty()) {
    CL_RETURN_IF_ERROR(ValidateObjectKey(options.prefix).WithContext("S3 store prefix"));
  }
  S3ClientOptions client_options{.bucket = options.bucket,
                                 .aws = options.aws,
                                 .connect_timeout = options.connect_timeout,
                                 .request_timeout = options.request_timeout,
                                 .max_attempts = options.max_attempts,
                                 .backoff_base = options.backoff_base,
                                 .backoff_max = options.backoff_max};
  CL_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client,
                      S3Client::Create(std::move(client_options)));
  return std::unique_ptr<S3ObjectStore>(
      std::make_unique<S3Store>(std::move(options), std::move(client)));
}

}  // namespace cryptolake::storage
