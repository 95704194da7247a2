// Local-filesystem ObjectStore: one file per key under a root directory.
//
// Put publishes by rename(2): the bytes go to a uniquely named temp file in
// this store instance's run directory <root>/.cltmp-runs/<run>/ (under the
// root, so on the same filesystem and the rename is atomic), the file is
// fsynced before the rename so the new name never points at unwritten data
// after a crash, and the key's directory is fsynced after it so the rename
// itself survives a crash. NewWriter() does the same in steps.
//
// Temp files never sit beside the objects, so no reader globbing the lake
// ever sees one. A killed process leaves its run directory behind; the run's
// <run>.lock file is flock(2)ed for the life of the store instance and the
// kernel drops that lock when the process dies, so RemoveAbandonedWrites()
// can tell a dead run (lock takeable) from a live one (lock held) and delete
// only dead runs' directories.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <system_error>
#include <utility>

#include "cryptolake/storage/object_store.h"
#include "cryptolake/storage/s3_object_store.h"
#include "instrumented_object_store.h"

namespace cryptolake::storage {
namespace {

namespace fs = std::filesystem;

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

Status IOErrorFor(std::string_view what, const fs::path& path, int err) {
  std::string msg(what);
  msg += " ";
  msg += path.string();
  msg += ": ";
  msg += ErrnoText(err);
  return Status::IOError(msg);
}

// Closes a file descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  // Closes now and reports the error close(2) gives (it can surface
  // deferred write errors).
  int CloseNow() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// A short random suffix so concurrent writers (threads or processes) of the
// same key never share a temp file.
std::string RandomSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t v = rng() ^ (counter.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ull);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kHex[v & 0xF];
  return out;
}

Status WriteAll(int fd, std::string_view data, const fs::path& path) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, std::min<size_t>(left, 1u << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IOErrorFor("cannot write", path, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status::OK();
}

Status FsyncDirectory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IOErrorFor("cannot open directory", dir, errno);
  FdCloser closer(fd);
  if (::fsync(fd) != 0) return IOErrorFor("cannot fsync directory", dir, errno);
  return Status::OK();
}

bool HasTempComponent(const fs::path& relative) {
  for (const auto& part : relative) {
    std::string s = part.string();
    if (s.compare(0, kTempFilePrefix.size(), kTempFilePrefix) == 0) return true;
  }
  return false;
}

constexpr std::string_view kRunsDir = ".cltmp-runs";

// This store instance's run directory and the lock that says it is alive.
// Created on the first write, so stores that only read leave no trace.
class RunDirectory {
 public:
  explicit RunDirectory(fs::path runs) : runs_(std::move(runs)) {}
  ~RunDirectory() {
    if (lock_fd_ < 0) return;
    std::error_code ec;
    fs::remove_all(dir_, ec);  // empty unless a write failed half-way
    ::unlink(LockPath(token_).c_str());
    ::close(lock_fd_);
  }
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  // The directory for this instance's temp files, created (and locked) on
  // the first call.
  Result<fs::path> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    if (lock_fd_ >= 0) return dir_;
    std::error_code ec;
    fs::create_directories(runs_, ec);
    if (ec) return IOErrorFor("cannot create directory", runs_, ec.value());
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::string token = std::to_string(::getpid()) + "-" + RandomSuffix();
      fs::path lock_path = LockPath(token);
      int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) {
        if (errno == EEXIST) continue;
        return IOErrorFor("cannot create", lock_path, errno);
      }
      if (::flock(fd, LOCK_EX) != 0) {
        int err = errno;
        ::close(fd);
        return IOErrorFor("cannot lock", lock_path, err);
      }
      // A cleaner may have taken the lock before us, found no directory and
      // unlinked the file: then our lock guards nothing. Start over.
      struct stat by_path, by_fd;
      if (::stat(lock_path.c_str(), &by_path) != 0 || ::fstat(fd, &by_fd) != 0 ||
          by_path.st_ino != by_fd.st_ino || by_path.st_dev != by_fd.st_dev) {
        ::close(fd);
        continue;
      }
      fs::path dir = runs_ / token;
      if (::mkdir(dir.c_str(), 0755) != 0) {
        int err = errno;
        ::unlink(lock_path.c_str());
        ::close(fd);
        return IOErrorFor("cannot create directory", dir, err);
      }
      lock_fd_ = fd;
      token_ = std::move(token);
      dir_ = std::move(dir);
      return dir_;
    }
    return Status::IOError("cannot create a run directory under " + runs_.string());
  }

  // Deletes run directories (and stray lock files) whose lock is free.
  Status RemoveAbandoned() {
    std::error_code ec;
    if (!fs::is_directory(runs_, ec)) return Status::OK();
    std::vector<std::string> tokens;
    for (fs::directory_iterator it(runs_, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.size() > 5 && name.compare(name.size() - 5, 5, ".lock") == 0) {
        name.resize(name.size() - 5);
      }
      tokens.push_back(std::move(name));
    }
    if (ec) return IOErrorFor("cannot list", runs_, ec.value());
    std::sort(tokens.begin(), tokens.end());
    tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
    for (const std::string& token : tokens) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (lock_fd_ >= 0 && token == token_) continue;
      }
      fs::path lock_path = LockPath(token);
      int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC);
      if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);  // held: a live run
        continue;
      }
      // Dead (or a directory that lost its lock file): remove the directory
      // first, the lock last, so a directory never outlives its lock while
      // its owner could still be alive.
      fs::remove_all(runs_ / token, ec);
      Status st = ec ? IOErrorFor("cannot remove", runs_ / token, ec.value()) : Status::OK();
      if (fd >= 0) {
        if (st.ok()) ::unlink(lock_path.c_str());
        ::close(fd);
      }
      CL_RETURN_IF_ERROR(st);
    }
    return Status::OK();
  }

 private:
  fs::path LockPath(const std::string& token) const { return runs_ / (token + ".lock"); }

  const fs::path runs_;
  std::mutex mu_;
  int lock_fd_ = -1;
  std::string token_;
  fs::path dir_;
};

class LocalObjectStore final : public ObjectStore {
 public:
  explicit LocalObjectStore(fs::path root)
      : root_(std::move(root)), run_(root_ / std::string(kRunsDir)) {}

  Status RemoveAbandonedWrites() override { return run_.RemoveAbandoned(); }

  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override;

  Status Put(std::string_view key, std::string_view data) override {
    return PutImpl(key, data, /*publish=*/true);
  }

  Status TEST_PutWithoutPublish(std::string_view key, std::string_view data) override {
    return PutImpl(key, data, /*publish=*/false);
  }

  Result<std::string> Get(std::string_view key) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    fs::path path = PathOf(key);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return OpenError(key, path, errno);
    FdCloser closer(fd);
    struct stat st;
    if (::fstat(fd, &st) != 0) return IOErrorFor("cannot stat", path, errno);
    if (!S_ISREG(st.st_mode)) return Status::NotFound("no object " + UrlOf(key));
    std::string out;
    out.resize(static_cast<size_t>(st.st_size));
    CL_RETURN_IF_ERROR(ReadFully(fd, path, 0, out.data(), out.size(), &out));
    return out;
  }

  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    fs::path path = PathOf(key);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return OpenError(key, path, errno);
    FdCloser closer(fd);
    struct stat st;
    if (::fstat(fd, &st) != 0) return IOErrorFor("cannot stat", path, errno);
    if (!S_ISREG(st.st_mode)) return Status::NotFound("no object " + UrlOf(key));
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (offset > size) {
      return Status::InvalidArgument("range offset " + std::to_string(offset) +
                                     " is past the end of " + UrlOf(key) + " (size " +
                                     std::to_string(size) + ")");
    }
    std::string out;
    out.resize(static_cast<size_t>(std::min(length, size - offset)));
    CL_RETURN_IF_ERROR(ReadFully(fd, path, offset, out.data(), out.size(), &out));
    return out;
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    // Walk only the deepest directory the prefix names completely.
    size_t slash = prefix.rfind('/');
    std::string dir_part =
        slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash));
    fs::path start = dir_part.empty() ? root_ : root_ / dir_part;
    std::vector<ObjectInfo> out;
    std::error_code ec;
    if (!fs::is_directory(start, ec)) return out;
    fs::recursive_directory_iterator it(start, ec), end;
    if (ec) return IOErrorFor("cannot list", start, ec.value());
    for (; it != end; it.increment(ec)) {
      if (ec) return IOErrorFor("cannot list", start, ec.value());
      const fs::directory_entry& entry = *it;
      std::string name = entry.path().filename().string();
      bool is_temp = name.compare(0, kTempFilePrefix.size(), kTempFilePrefix) == 0;
      if (entry.is_directory(ec)) {
        if (is_temp) it.disable_recursion_pending();
        continue;
      }
      if (is_temp || !entry.is_regular_file(ec)) continue;
      fs::path relative = entry.path().lexically_relative(root_);
      std::string key = relative.generic_string();
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      if (HasTempComponent(relative)) continue;
      uint64_t size = entry.file_size(ec);
      if (ec) continue;  // Deleted while listing: not there any more.
      out.push_back(ObjectInfo{std::move(key), size});
    }
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(std::string_view key) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    fs::path path = PathOf(key);
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
      return IOErrorFor("cannot delete", path, errno);
    }
    return FsyncDirectory(path.parent_path());
  }

  Result<bool> Exists(std::string_view key) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    fs::path path = PathOf(key);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return false;
      return IOErrorFor("cannot stat", path, errno);
    }
    return S_ISREG(st.st_mode);
  }

  std::string Describe() const override { return "file://" + root_.string(); }

 private:
  fs::path PathOf(std::string_view key) const { return root_ / fs::path(std::string(key)); }
  std::string UrlOf(std::string_view key) const { return Describe() + "/" + std::string(key); }

  Status OpenError(std::string_view key, const fs::path& path, int err) const {
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound("no object " + UrlOf(key));
    return IOErrorFor("cannot open", path, err);
  }

  static Status ReadFully(int fd, const fs::path& path, uint64_t offset, char* dst, size_t n,
                          std::string* out) {
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd, dst + done, std::min<size_t>(n - done, 1u << 30),
                            static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        return IOErrorFor("cannot read", path, errno);
      }
      if (got == 0) break;  // Shrunk underneath us (a concurrent writer's rename cannot do that).
      done += static_cast<size_t>(got);
    }
    out->resize(done);
    return Status::OK();
  }

  // A written, not yet fsynced temp file beside the key's path.
  struct TempFile {
    fs::path path;  // the key's file
    fs::path temp;
    int fd = -1;
  };

  // Creates the key's directory and an empty temp file in the run directory.
  Status OpenTemp(std::string_view key, TempFile* out) {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    fs::path path = PathOf(key);
    fs::path dir = path.parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return IOErrorFor("cannot create directory", dir, ec.value());
    CL_ASSIGN_OR_RETURN(fs::path run_dir, run_.Get());
    fs::path temp = run_dir / (RandomSuffix() + "-" + path.filename().string());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return IOErrorFor("cannot create", temp, errno);
    out->path = std::move(path);
    out->temp = std::move(temp);
    out->fd = fd;
    return Status::OK();
  }

  // Creates the key's directory and a temp file holding `data`.
  Status WriteTemp(std::string_view key, std::string_view data, TempFile* out) {
    CL_RETURN_IF_ERROR(OpenTemp(key, out));
    const int fd = out->fd;
    const fs::path temp = out->temp;
    Status st = WriteAll(fd, data, temp);
    if (!st.ok()) {
      ::close(fd);
      ::unlink(temp.c_str());
      out->fd = -1;
      return st;
    }
    return Status::OK();
  }

  // fsyncs and closes the temp file, then (when `publish`) renames it over the
  // key's file and fsyncs the directory. Removes the temp file on failure.
  static Status FinishTemp(const TempFile& t, bool publish) {
    FdCloser closer(t.fd);
    Status st;
    if (::fsync(t.fd) != 0) st = IOErrorFor("cannot fsync", t.temp, errno);
    if (closer.CloseNow() != 0 && st.ok()) st = IOErrorFor("cannot close", t.temp, errno);
    if (!publish) return st;  // Emulated crash: the temp file stays, as after a real one.
    if (st.ok() && ::rename(t.temp.c_str(), t.path.c_str()) != 0) {
      st = IOErrorFor("cannot rename temp file to", t.path, errno);
    }
    if (!st.ok()) {
      ::unlink(t.temp.c_str());
      return st;
    }
    return FsyncDirectory(t.path.parent_path());
  }

  Status PutImpl(std::string_view key, std::string_view data, bool publish) {
    TempFile t;
    CL_RETURN_IF_ERROR(WriteTemp(key, data, &t));
    return FinishTemp(t, publish);
  }

  friend class LocalObjectWriter;
  const fs::path root_;
  RunDirectory run_;
};

// Appends to a temp file in the run directory; write-back to disk starts
// every few MiB so Publish()'s fsync finds little left to write.
class LocalObjectWriter final : public ObjectWriter {
 public:
  explicit LocalObjectWriter(LocalObjectStore::TempFile t) : t_(std::move(t)) {}
  ~LocalObjectWriter() override {
    if (t_.fd >= 0) {
      ::close(t_.fd);
      ::unlink(t_.temp.c_str());
    }
  }
  Status Append(std::string_view data) override {
    if (!status_.ok()) return status_;
    if (t_.fd < 0)
      return status_ = Status::FailedPrecondition("ObjectWriter: Append after Publish");
    status_ = WriteAll(t_.fd, data, t_.temp);
    bytes_ += data.size();
    if (bytes_ - synced_ >= kWriteBackBytes) {
      // Only a hint: Publish()'s fsync is what makes the data durable, so an
      // error here is not an error of the write.
      ::sync_file_range(t_.fd, static_cast<off_t>(synced_), static_cast<off_t>(bytes_ - synced_),
                        SYNC_FILE_RANGE_WRITE);
      synced_ = bytes_;
    }
    return status_;
  }
  Status Publish() override {
    if (t_.fd < 0) return Status::FailedPrecondition("ObjectWriter::Publish called twice");
    if (!status_.ok()) return status_;  // the destructor removes the temp file
    Status st = LocalObjectStore::FinishTemp(t_, /*publish=*/true);
    t_.fd = -1;  // FinishTemp closed it (and removed the temp file on failure)
    return st;
  }
  uint64_t bytes_appended() const override { return bytes_; }

 private:
  static constexpr uint64_t kWriteBackBytes = 8 << 20;
  LocalObjectStore::TempFile t_;
  Status status_;
  uint64_t bytes_ = 0;
  uint64_t synced_ = 0;
};

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::NewWriter(std::string_view key) {
  TempFile t;
  CL_RETURN_IF_ERROR(OpenTemp(key, &t));
  return std::unique_ptr<ObjectWriter>(std::make_unique<LocalObjectWriter>(std::move(t)));
}

}  // namespace

std::unique_ptr<ObjectStore> NewLocalObjectStore(std::filesystem::path root) {
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  if (ec) abs = root;
  abs = abs.lexically_normal();
  if (!abs.empty() && abs.filename().empty()) abs = abs.parent_path();  // Drop trailing '/'.
  fs::create_directories(abs, ec);  // Errors surface on first use, naming the path.
  return std::make_unique<LocalObjectStore>(std::move(abs));
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view url) {
  if (url.empty()) return Status::InvalidArgument("empty lake location");
  if (url.rfind("file://", 0) == 0) {
    std::string_view path = url.substr(7);
    if (path.empty() || path.front() != '/') {
      return Status::InvalidArgument("file:// lake URL needs an absolute path: " +
                                     std::string(url));
    }
    return NewInstrumentedObjectStore(NewLocalObjectStore(std::filesystem::path(std::string(path))),
                                      "local");
  }
  const size_t scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::string scheme(url.substr(0, scheme_end));
    if (scheme == "s3") {
      CL_ASSIGN_OR_RETURN(
          std::unique_ptr<S3ObjectStore> s3,
          OpenS3ObjectStore(url, [](const char* name) { return std::getenv(name); }));
      return NewInstrumentedObjectStore(std::move(s3), "s3");
    }
    return Status::InvalidArgument("unsupported lake URL scheme \"" + scheme +
                                   "://\" (supported: a directory path, file:// or s3://)");
  }
  return NewInstrumentedObjectStore(NewLocalObjectStore(std::filesystem::path(std::string(url))),
                                    "local");
}

}  // namespace cryptolake::storage
