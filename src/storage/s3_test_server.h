// Test-only: a loopback S3 server (cpp-httplib) written from the S3 API
// reference, for the S3 object store's tests.
//
// Path-style requests to one bucket: PUT/GET/HEAD/DELETE of objects, Range
// reads (206; 416 InvalidRange past the end), ListObjectsV2 (keys in UTF-8
// byte order, prefix, max-keys capped by page_size, continuation-token),
// multipart uploads (create, upload part, complete, abort,
// ListMultipartUploads), DeleteObjects (Content-MD5 required). Every request
// must carry a SigV4 Authorization that this server recomputes with the known
// secret (signed headers, the raw path's encoding, the query) and a payload
// hash that matches the body; otherwise 403 SignatureDoesNotMatch.
//
// Faults: InjectFaults() makes the next requests (optionally of one method)
// answer 503 SlowDown, 500 InternalError, drop the connection mid-answer, or
// stall for a while before answering. `clock_offset` moves the server's clock
// (the Date header, LastModified, Initiated) to age leases and uploads.
//
// Thread-safety: the server thread and the test share state under mu_.
#ifndef CRYPTOLAKE_SRC_STORAGE_S3_TEST_SERVER_H_
#define CRYPTOLAKE_SRC_STORAGE_S3_TEST_SERVER_H_

#include <httplib.h>
#include <openssl/evp.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cryptolake/storage/aws_sigv4.h"
#include "cryptolake/storage/s3_object_store.h"

namespace cryptolake::storage {

class S3TestServer {
 public:
  // kDropAfterServing: the request takes effect, then the answer is lost.
  enum class Fault { kSlowDown503, kInternalError500, kDropConnection, kStall, kDropAfterServing };

  struct Recorded {
    std::string method;
    std::string path;   // Decoded.
    std::string query;  // Raw, after '?'.
    int status = 0;
  };

  static constexpr const char* kAccessKey = "AKIDTESTSTORE0000001";
  static constexpr const char* kSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTESTSECRET";

  explicit S3TestServer(std::string bucket) : bucket_(std::move(bucket)) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res);
    };
    svr_.Get(".*", handler);
    svr_.Put(".*", handler);
    svr_.Post(".*", handler);
    svr_.Delete(".*", handler);
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
  }
  ~S3TestServer() {
    svr_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void InjectFaults(Fault fault, int count, std::string method = "",
                    std::chrono::milliseconds stall = std::chrono::milliseconds(0)) {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < count; ++i) faults_.push_back({fault, method, stall});
  }
  void set_page_size(int n) { page_size_ = n; }
  // Like s3rver: ListMultipartUploads answers 501 NotImplemented.
  void set_list_uploads_supported(bool yes) { list_uploads_ = yes; }
  void set_clock_offset(std::chrono::seconds s) { clock_offset_ = s.count(); }

  std::vector<Recorded> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  void ClearRequests() {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.clear();
  }
  std::map<std::string, std::string> objects() {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, std::string> out;
    for (const auto& [k, o] : objects_) out[k] = o.data;
    return out;
  }
  // Key -> upload id of every open multipart upload.
  std::multimap<std::string, std::string> open_uploads() {
    std::lock_guard<std::mutex> lock(mu_);
    std::multimap<std::string, std::string> out;
    for (const auto& [id, u] : uploads_) out.emplace(u.key, id);
    return out;
  }
  int signature_failures() const { return signature_failures_; }
  int virtual_hosted_requests() const { return virtual_hosted_requests_; }

 private:
  struct Object {
    std::string data;
    int64_t modified = 0;
    std::string etag;
  };
  struct Upload {
    std::string key;
    int64_t initiated = 0;
    std::map<int, std::string> parts;
  };
  struct PendingFault {
    Fault fault;
    std::string method;
    std::chrono::milliseconds stall;
  };

  int64_t Now() const { return static_cast<int64_t>(std::time(nullptr)) + clock_offset_; }

  static std::string Iso(int64_t t) {
    time_t tt = static_cast<time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return buf;
  }
  static std::string HttpDate(int64_t t) {
    time_t tt = static_cast<time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
  }
  static std::string Escape(std::string_view s) {
    std::string out;
    for (char c : s) {
      if (c == '&') {
        out += "&amp;";
      } else if (c == '<') {
        out += "&lt;";
      } else if (c == '>') {
        out += "&gt;";
      } else {
        out.push_back(c);
      }
    }
    return out;
  }
  static std::string Unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '&') {
        out.push_back(s[i]);
        continue;
      }
      size_t semi = s.find(';', i);
      std::string_view ent = s.substr(i + 1, semi - i - 1);
      if (ent == "amp") out.push_back('&');
      if (ent == "lt") out.push_back('<');
      if (ent == "gt") out.push_back('>');
      if (ent == "quot") out.push_back('"');
      if (ent == "apos") out.push_back('\'');
      if (ent == "#13") out.push_back('\r');
      i = semi;
    }
    return out;
  }
  // Every text of <tag>...</tag> in document order.
  static std::vector<std::string> Elements(std::string_view xml, std::string_view tag) {
    std::vector<std::string> out;
    std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
    size_t pos = 0;
    while ((pos = xml.find(open, pos)) != std::string_view::npos) {
      size_t end = xml.find(close, pos);
      out.push_back(Unescape(xml.substr(pos + open.size(), end - pos - open.size())));
      pos = end;
    }
    return out;
  }
  static std::string Md5Binary(std::string_view data) {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), d, &n, EVP_md5(), nullptr);
    return std::string(reinterpret_cast<char*>(d), n);
  }
  static std::string Md5(std::string_view data, bool base64) {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), d, &n, EVP_md5(), nullptr);
    if (base64) {
      unsigned char b[64];
      int m = EVP_EncodeBlock(b, d, static_cast<int>(n));
      return std::string(reinterpret_cast<char*>(b), static_cast<size_t>(m));
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned i = 0; i < n; ++i) {
      hex.push_back(kHex[d[i] >> 4]);
      hex.push_back(kHex[d[i] & 15]);
    }
    return hex;
  }

  static void Error(httplib::Response& res, int status, std::string_view code,
                    std::string_view message) {
    res.status = status;
    res.set_content("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" +
                        std::string(code) + "</Code><Message>" + Escape(message) +
                        "</Message><RequestId>0</RequestId></Error>",
                    "application/xml");
  }

  // Recomputes the request's signature. Empty string = valid, else why not.
  std::string CheckSignature(const httplib::Request& req) {
    std::string auth = req.get_header_value("Authorization");
    const std::string kAlgo = "AWS4-HMAC-SHA256 ";
    if (auth.rfind(kAlgo, 0) != 0) return "no SigV4 Authorization";
    auto field = [&](std::string_view name) -> std::string {
      size_t p = auth.find(std::string(name) + "=");
      if (p == std::string::npos) return "";
      p += name.size() + 1;
      size_t e = auth.find(',', p);
      return auth.substr(p, e == std::string::npos ? std::string::npos : e - p);
    };
    std::string credential = field("Credential");
    std::string signed_headers = field("SignedHeaders");
    if (credential.rfind(std::string(kAccessKey) + "/", 0) != 0) return "unknown access key";
    // Credential=AKID/date/region/s3/aws4_request
    std::vector<std::string> scope;
    size_t p = 0;
    while (p <= credential.size()) {
      size_t e = credential.find('/', p);
      if (e == std::string::npos) e = credential.size();
      scope.push_back(credential.substr(p, e - p));
      p = e + 1;
    }
    if (scope.size() != 5 || scope[3] != "s3" || scope[4] != "aws4_request") return "bad scope";
    std::string payload = req.get_header_value("x-amz-content-sha256");
    if (payload != Sha256Hex(req.body)) return "payload hash does not match the body";
    std::string amz_date = req.get_header_value("x-amz-date");
    if (amz_date.substr(0, 8) != scope[1]) return "scope date is not x-amz-date's";
    // The raw path must be the canonical encoding of the decoded one (S3
    // signs the path as sent).
    std::string raw_path = req.target.substr(0, req.target.find('?'));
    if (raw_path != AwsUriEncode(req.path, false)) return "path is not encoded canonically";
    SigV4Request sig{.method = req.method,
                     .host = req.get_header_value("Host"),
                     .path = req.path,
                     .payload_sha256 = payload};
    for (const auto& [name, value] : req.params) sig.query.emplace_back(name, value);
    p = 0;
    while (p <= signed_headers.size()) {
      size_t e = signed_headers.find(';', p);
      if (e == std::string::npos) e = signed_headers.size();
      std::string h = signed_headers.substr(p, e - p);
      p = e + 1;
      if (h == "host" || h == "x-amz-date" || h == "x-amz-content-sha256") continue;
      if (!req.has_header(h.c_str())) return "signed header " + h + " is missing";
      sig.headers.emplace_back(h, req.get_header_value(h.c_str()));
    }
    AwsCredentials creds{kAccessKey, kSecretKey, ""};
    SigV4Signature expected = SignRequestV4(sig, creds, scope[2], "s3", amz_date);
    if (expected.authorization != auth) return "signature does not match";
    return "";
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    std::string query = req.target.find('?') == std::string::npos
                            ? ""
                            : req.target.substr(req.target.find('?') + 1);
    PendingFault fault{Fault::kStall, "", std::chrono::milliseconds(-1)};
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if (it->method.empty() || it->method == req.method) {
          fault = *it;
          faults_.erase(it);
          break;
        }
      }
    }
    res.set_header("Date", HttpDate(Now()));
    if (fault.stall.count() >= 0) {
      switch (fault.fault) {
        case Fault::kSlowDown503:
          Error(res, 503, "SlowDown", "Please reduce your request rate.");
          return Record(req, query, res.status);
        case Fault::kInternalError500:
          Error(res, 500, "InternalError", "We encountered an internal error. Please try again.");
          return Record(req, query, res.status);
        case Fault::kDropConnection:
          Record(req, query, -1);
          res.set_content_provider(
              1000, "application/octet-stream",
              [](size_t, size_t, httplib::DataSink&) { return false; });  // Closes the socket.
          return;
        case Fault::kStall:
          std::this_thread::sleep_for(fault.stall);
          break;
        case Fault::kDropAfterServing:
          break;
      }
    }
    std::string why = CheckSignature(req);
    if (!why.empty()) {
      ++signature_failures_;
      Error(res, 403, "SignatureDoesNotMatch", why);
      return Record(req, query, res.status);
    }
    std::lock_guard<std::mutex> lock(mu_);
    Serve(req, res);
    requests_.push_back({req.method, req.path, query, res.status});
    if (fault.stall.count() >= 0 && fault.fault == Fault::kDropAfterServing) {
      res.body.clear();
      res.set_content_provider(1000, "application/octet-stream",
                               [](size_t, size_t, httplib::DataSink&) { return false; });
    }
  }

  void Record(const httplib::Request& req, const std::string& query, int status) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back({req.method, req.path, query, status});
  }

  // REQUIRES: mu_ held.
  void Serve(const httplib::Request& req, httplib::Response& res) {
    // Virtual-hosted ("<bucket>.localhost:port"): the whole path is the key.
    const bool virtual_host = req.get_header_value("Host").rfind(bucket_ + ".", 0) == 0;
    if (virtual_host) ++virtual_hosted_requests_;
    const std::string prefix = virtual_host ? "" : "/" + bucket_;
    if (req.path.rfind(prefix, 0) != 0 ||
        (req.path.size() > prefix.size() && req.path[prefix.size()] != '/')) {
      return Error(res, 404, "NoSuchBucket", "The specified bucket does not exist");
    }
    std::string key = req.path.size() > prefix.size() + 1 ? req.path.substr(prefix.size() + 1) : "";
    const std::string& m = req.method;
    if (key.empty()) {
      if (m == "GET" && req.has_param("uploads")) {
        if (!list_uploads_) return Error(res, 501, "NotImplemented", "no ListMultipartUploads");
        return ListUploads(req, res);
      }
      if (m == "GET" && req.get_param_value("list-type") == "2") return ListV2(req, res);
      if (m == "POST" && req.has_param("delete")) return DeleteObjects(req, res);
      return Error(res, 501, "NotImplemented", "not in the test server");
    }
    if (m == "POST" && req.has_param("uploads")) {
      std::string id = "upload-" + std::to_string(++next_upload_) + "/+=";  // Needs encoding.
      uploads_[id] = Upload{key, Now(), {}};
      return res.set_content("<InitiateMultipartUploadResult><Bucket>" + bucket_ +
                                 "</Bucket><Key>" + Escape(key) + "</Key><UploadId>" + Escape(id) +
                                 "</UploadId></InitiateMultipartUploadResult>",
                             "application/xml");
    }
    if (req.has_param("uploadId")) {
      auto it = uploads_.find(req.get_param_value("uploadId"));
      if (it == uploads_.end() || it->second.key != key) {
        return Error(res, 404, "NoSuchUpload", "The specified upload does not exist.");
      }
      if (m == "PUT") {
        int part = std::atoi(req.get_param_value("partNumber").c_str());
        if (part < 1 || part > 10000) return Error(res, 400, "InvalidArgument", "partNumber");
        it->second.parts[part] = req.body;
        res.set_header("ETag", "\"" + Md5(req.body, false) + "\"");
        return;
      }
      if (m == "DELETE") {
        uploads_.erase(it);
        res.status = 204;
        return;
      }
      if (m == "POST") {
        std::vector<std::string> numbers = Elements(req.body, "PartNumber");
        std::vector<std::string> etags = Elements(req.body, "ETag");
        if (numbers.empty() || numbers.size() != etags.size()) {
          return Error(res, 400, "MalformedXML", "bad CompleteMultipartUpload");
        }
        std::string data, digests;
        for (size_t i = 0; i < numbers.size(); ++i) {
          int n = std::atoi(numbers[i].c_str());
          if (n != static_cast<int>(i) + 1) return Error(res, 400, "InvalidPartOrder", "order");
          auto part = it->second.parts.find(n);
          if (part == it->second.parts.end() ||
              etags[i] != "\"" + Md5(part->second, false) + "\"") {
            return Error(res, 400, "InvalidPart", "One or more of the parts could not be found.");
          }
          data += part->second;
          digests += Md5Binary(part->second);
        }
        objects_[key] =
            Object{std::move(data), Now(),
                   "\"" + Md5(digests, false) + "-" + std::to_string(numbers.size()) + "\""};
        uploads_.erase(it);
        return res.set_content("<CompleteMultipartUploadResult><Key>" + Escape(key) +
                                   "</Key></CompleteMultipartUploadResult>",
                               "application/xml");
      }
    }
    if (m == "PUT") {
      objects_[key] = Object{req.body, Now(), "\"" + Md5(req.body, false) + "\""};
      res.set_header("ETag", "\"" + Md5(req.body, false) + "\"");
      return;
    }
    if (m == "DELETE") {
      objects_.erase(key);
      res.status = 204;
      return;
    }
    if (m == "GET" || m == "HEAD") {
      auto it = objects_.find(key);
      if (it == objects_.end()) {
        if (m == "HEAD") {
          res.status = 404;
          return;
        }
        return Error(res, 404, "NoSuchKey", "The specified key does not exist.");
      }
      const std::string& data = it->second.data;
      res.set_header("ETag", it->second.etag);
      std::string range = req.get_header_value("Range");
      if (!range.empty() && m == "GET") {
        uint64_t a = std::stoull(range.substr(6));
        std::string last = range.substr(range.find('-') + 1);
        uint64_t b = last.empty() ? UINT64_MAX : std::stoull(last);
        if (a >= data.size()) return Error(res, 416, "InvalidRange", "not satisfiable");
        (void)b;
        // cpp-httplib itself cuts a 206 body to the request's Range and sets
        // Content-Range, so the whole object goes in.
        res.status = 206;
        return res.set_content(data, "application/octet-stream");
      }
      return res.set_content(data, "application/octet-stream");
    }
    Error(res, 405, "MethodNotAllowed", "not in the test server");
  }

  void ListV2(const httplib::Request& req, httplib::Response& res) {
    std::string prefix = req.get_param_value("prefix");
    std::string after = req.get_param_value("continuation-token");
    int max_keys = page_size_;
    if (req.has_param("max-keys"))
      max_keys = std::min(max_keys, std::atoi(req.get_param_value("max-keys").c_str()));
    std::string xml =
        "<ListBucketResult><Name>" + bucket_ + "</Name><Prefix>" + Escape(prefix) + "</Prefix>";
    int n = 0;
    std::string last;
    bool truncated = false;
    for (auto it = objects_.lower_bound(prefix); it != objects_.end(); ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      if (!after.empty() && it->first <= after) continue;
      if (n == max_keys) {
        truncated = true;
        break;
      }
      xml += "<Contents><Key>" + Escape(it->first) + "</Key><LastModified>" +
             Iso(it->second.modified) + "</LastModified><ETag>&quot;x&quot;</ETag><Size>" +
             std::to_string(it->second.data.size()) + "</Size></Contents>";
      last = it->first;
      ++n;
    }
    xml += "<KeyCount>" + std::to_string(n) + "</KeyCount><IsTruncated>" +
           (truncated ? "true" : "false") + "</IsTruncated>";
    if (truncated) xml += "<NextContinuationToken>" + Escape(last) + "</NextContinuationToken>";
    xml += "</ListBucketResult>";
    res.set_content(xml, "application/xml");
  }

  void ListUploads(const httplib::Request& req, httplib::Response& res) {
    std::string prefix = req.get_param_value("prefix");
    std::string xml = "<ListMultipartUploadsResult><Bucket>" + bucket_ + "</Bucket>";
    for (const auto& [id, u] : uploads_) {
      if (u.key.compare(0, prefix.size(), prefix) != 0) continue;
      xml += "<Upload><Key>" + Escape(u.key) + "</Key><UploadId>" + Escape(id) +
             "</UploadId><Initiated>" + Iso(u.initiated) + "</Initiated></Upload>";
    }
    xml += "<IsTruncated>false</IsTruncated></ListMultipartUploadsResult>";
    res.set_content(xml, "application/xml");
  }

  void DeleteObjects(const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Content-MD5") != Md5(req.body, true)) {
      return Error(res, 400, "InvalidRequest",
                   "Missing required header for this request: Content-MD5");
    }
    for (const std::string& key : Elements(req.body, "Key")) objects_.erase(key);
    res.set_content("<DeleteResult></DeleteResult>", "application/xml");
  }

  const std::string bucket_;
  httplib::Server svr_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> page_size_{1000};
  std::atomic<bool> list_uploads_{true};
  std::atomic<int64_t> clock_offset_{0};
  std::atomic<int> signature_failures_{0};
  std::atomic<int> virtual_hosted_requests_{0};
  std::mutex mu_;
  std::deque<PendingFault> faults_;
  std::vector<Recorded> requests_;
  std::map<std::string, Object> objects_;
  std::map<std::string, Upload> uploads_;
  int next_upload_ = 0;
};

// Options of a store on `server`'s bucket under `prefix`, with fast retries.
inline S3StoreOptions LoopbackStoreOptions(const S3TestServer& server, std::string bucket,
                                           std::string prefix) {
  S3StoreOptions o;
  o.bucket = std::move(bucket);
  o.prefix = std::move(prefix);
  o.aws.credentials = {S3TestServer::kAccessKey, S3TestServer::kSecretKey, ""};
  o.aws.region = "eu-west-3";
  o.aws.endpoint_url = server.endpoint();
  o.max_attempts = 3;
  o.backoff_base = std::chrono::milliseconds(1);
  o.backoff_max = std::chrono::milliseconds(10);
  o.request_timeout = std::chrono::milliseconds(10000);
  return o;
}

}  // namespace cryptolake::storage

#endif  // CRYPTOLAKE_SRC_STORAGE_S3_TEST_SERVER_H_
