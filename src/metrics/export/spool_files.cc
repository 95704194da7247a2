#include "spool_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace cryptolake::metrics::spool {
namespace {

namespace fs = std::filesystem;

// Spool file names: <20-digit sequence>-<data points>.binpb (binary protobuf).
constexpr const char* kSpoolSuffix = ".binpb";
constexpr const char* kTempSuffix = ".tmp";
constexpr const char* kLockName = "lock";

}  // namespace

std::string ErrnoText(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string SpoolFileName(uint64_t seq, uint64_t points) {
  char name[64];
  std::snprintf(name, sizeof(name), "%020" PRIu64 "-%" PRIu64 "%s", seq, points, kSpoolSuffix);
  return name;
}

// A temporary file in the same directory, fsync, rename, fsync of the
// directory (so the rename itself survives a power cut).
Status WriteFileAtomically(const std::string& dir, const std::string& name,
                           const std::string& bytes) {
  const std::string final_path = dir + "/" + name;
  const std::string temp_path = final_path + kTempSuffix;
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(ErrnoText("cannot create", temp_path));
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = Status::IOError(ErrnoText("cannot write", temp_path));
      ::close(fd);
      ::unlink(temp_path.c_str());
      return s;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Status::IOError(ErrnoText("cannot fsync", temp_path));
    ::close(fd);
    ::unlink(temp_path.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    Status s = Status::IOError(ErrnoText("cannot rename", temp_path));
    ::unlink(temp_path.c_str());
    return s;
  }
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)::fsync(dir_fd);  // Best effort: some file systems refuse directory fsync.
    ::close(dir_fd);
  }
  return Status::OK();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(ErrnoText("cannot open", path));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::IOError(ErrnoText("cannot read", path));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// Parses "<seq>-<points>.binpb"; false for anything else.
bool ParseSpoolName(const std::string& name, uint64_t* seq, uint64_t* points) {
  const std::string suffix = kSpoolSuffix;
  if (name.size() <= suffix.size() ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  const std::string stem = name.substr(0, name.size() - suffix.size());
  const size_t dash = stem.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == stem.size()) return false;
  auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::string_view a(stem.data(), dash);
  std::string_view b(stem.data() + dash + 1, stem.size() - dash - 1);
  if (!digits(a) || !digits(b) || a.size() > 20 || b.size() > 20) return false;
  *seq = std::strtoull(std::string(a).c_str(), nullptr, 10);
  *points = std::strtoull(std::string(b).c_str(), nullptr, 10);
  return *seq != 0;
}

Result<int> LockSpoolDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create it: " + ec.message());
  const std::string lock_path = dir + "/" + kLockName;
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(ErrnoText("cannot open", lock_path));
  // A second process on the same directory would replay and delete our files
  // (and we theirs), breaking order and at-least-once: one owner only.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::IOError("another process holds " + lock_path);
  }
  return fd;
}

Result<std::vector<SpoolFile>> ListSpoolDir(const std::string& dir) {
  std::error_code ec;
  std::vector<SpoolFile> found;
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    const std::string name = item.path().filename().string();
    if (name.size() > std::strlen(kTempSuffix) &&
        name.compare(name.size() - std::strlen(kTempSuffix), std::strlen(kTempSuffix),
                     kTempSuffix) == 0) {
      // A write cut short by a crash: its batch was never acknowledged as
      // spooled, and it was still in memory (or delivered) then.
      std::error_code ignored;
      fs::remove(item.path(), ignored);
      continue;
    }
    uint64_t seq = 0;
    uint64_t points = 0;
    if (!ParseSpoolName(name, &seq, &points)) continue;
    std::error_code size_ec;
    const uint64_t size = fs::file_size(item.path(), size_ec);
    if (size_ec) continue;
    found.push_back({seq, points, size});
  }
  if (ec) return Status::IOError("cannot list it: " + ec.message());
  std::sort(found.begin(), found.end(),
            [](const SpoolFile& a, const SpoolFile& b) { return a.seq < b.seq; });
  return found;
}

}  // namespace cryptolake::metrics::spool
