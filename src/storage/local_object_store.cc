// Local-filesystem ObjectStore: one file per key under a root directory.
//
// Put publishes by rename(2): the bytes go to a uniquely named temp file in
// the key's own directory (same filesystem, so the rename is atomic), the
// file is fsynced before the rename so the new name never points at
// unwritten data after a crash, and the directory is fsynced after it so the
// rename itself survives a crash. BeginPut() does the same in two steps: the
// temp file is written (and its write-back started) at once, the fsync,
// rename and directory fsync happen in Publish().
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <system_error>
#include <utility>

#include "cryptolake/storage/object_store.h"

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

class LocalObjectStore final : public ObjectStore {
 public:
  explicit LocalObjectStore(fs::path root) : root_(std::move(root)) {}

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

  // Creates the key's directory and a temp file there holding `data`.
  Status WriteTemp(std::string_view key, std::string_view data, TempFile* out) {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    fs::path path = PathOf(key);
    fs::path dir = path.parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return IOErrorFor("cannot create directory", dir, ec.value());
    fs::path temp =
        dir / (std::string(kTempFilePrefix) + path.filename().string() + "." + RandomSuffix());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return IOErrorFor("cannot create", temp, errno);
    Status st = WriteAll(fd, data, temp);
    if (!st.ok()) {
      ::close(fd);
      ::unlink(temp.c_str());
      return st;
    }
    out->path = std::move(path);
    out->temp = std::move(temp);
    out->fd = fd;
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

  class LocalPendingPut final : public PendingPut {
   public:
    explicit LocalPendingPut(TempFile t) : t_(std::move(t)) {}
    ~LocalPendingPut() override {
      if (t_.fd >= 0) {
        ::close(t_.fd);
        ::unlink(t_.temp.c_str());
      }
    }
    Status Publish() override {
      if (t_.fd < 0) return Status::FailedPrecondition("PendingPut::Publish called twice");
      Status st = FinishTemp(t_, /*publish=*/true);
      t_.fd = -1;  // FinishTemp closed it (and removed the temp file on failure)
      return st;
    }

   private:
    TempFile t_;
  };

 public:
  Result<std::unique_ptr<PendingPut>> BeginPut(std::string_view key,
                                               std::string_view data) override {
    TempFile t;
    CL_RETURN_IF_ERROR(WriteTemp(key, data, &t));
    // Start writing the dirty pages back now; Publish()'s fsync then mostly
    // waits for nothing. Only a hint: fsync in Publish() is what makes the
    // data durable, so an error here is not an error of the Put.
    ::sync_file_range(t.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    return std::unique_ptr<PendingPut>(std::make_unique<LocalPendingPut>(std::move(t)));
  }

 private:
  const fs::path root_;
};

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

}  // namespace cryptolake::storage
