// OpenArchiveSource() and the local-directory mirror source.
#include "cryptolake/archive/archive_source.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <system_error>

#include "http_archive_source.h"

namespace cryptolake::archive {
namespace {

namespace fs = std::filesystem;

// Rejects paths that could escape the mirror root.
Status ValidateRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/') {
    return Status::InvalidArgument("archive path \"" + std::string(path) +
                                   "\" must be relative and non-empty");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      return Status::InvalidArgument("archive path \"" + std::string(path) + "\" contains ..");
    }
    start = end + 1;
  }
  return Status::OK();
}

// Reserves `size` bytes in *data and, for large files, asks for transparent huge pages on the
// new buffer before it is first written: a 25 MB zip otherwise costs ~6,400 page faults of 4 KiB
// (the system default here is THP "madvise"). Advice only; failure is harmless.
void ReserveWithHugePages(std::string* data, size_t size) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  data->reserve(size);
  if (size < 2 * kHuge) return;
  const uintptr_t start = reinterpret_cast<uintptr_t>(data->data());
  const uintptr_t begin = (start + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (start + data->capacity()) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

class LocalArchiveSource final : public ArchiveSource {
 public:
  explicit LocalArchiveSource(fs::path root) : root_(std::move(root)) {}

  // Opens the archive file at `path` under the root: NotFound when there is none.
  Status Open(std::string_view path, fs::path* file, std::ifstream* in) const {
    CL_RETURN_IF_ERROR(ValidateRelativePath(path));
    *file = root_ / std::string(path);
    std::error_code ec;
    if (!fs::is_regular_file(*file, ec)) {
      return Status::NotFound("archive file not found: " + file->string());
    }
    in->open(*file, std::ios::binary);
    if (!*in) return Status::IOError("cannot open " + file->string());
    return Status::OK();
  }

  Status FetchTo(std::string_view path, RewindableSink* sink) override {
    fs::path file;
    std::ifstream in;
    CL_RETURN_IF_ERROR(Open(path, &file, &in));
    CL_RETURN_IF_ERROR(sink->Rewind());
    std::string block(size_t{1} << 20, '\0');
    while (in) {
      in.read(block.data(), static_cast<std::streamsize>(block.size()));
      const auto got = static_cast<size_t>(in.gcount());
      if (got > 0) CL_RETURN_IF_ERROR(sink->Append(std::string_view(block.data(), got)));
    }
    if (in.bad()) return Status::IOError("cannot read " + file.string());
    return Status::OK();
  }

  Result<std::string> Fetch(std::string_view path) override {
    fs::path file;
    std::ifstream in;
    CL_RETURN_IF_ERROR(Open(path, &file, &in));
    std::error_code ec;
    std::string data;
    uint64_t size = fs::file_size(file, ec);
    if (ec) return Status::IOError("cannot stat " + file.string() + ": " + ec.message());
    ReserveWithHugePages(&data, size);
    data.resize(size);
    in.read(data.data(), static_cast<std::streamsize>(size));
    if (static_cast<uint64_t>(in.gcount()) != size) {
      return Status::IOError("short read of " + file.string());
    }
    return data;
  }

  Result<std::vector<std::string>> ListKeys(std::string_view prefix) override {
    std::vector<std::string> keys;
    fs::path start = StartDir(prefix);
    std::error_code ec;
    if (!fs::is_directory(start, ec)) return keys;
    fs::recursive_directory_iterator it(start, ec), end;
    if (ec) return Status::IOError("cannot list " + start.string() + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) return Status::IOError("cannot list " + start.string() + ": " + ec.message());
      if (!it->is_regular_file(ec)) continue;
      std::string key = it->path().lexically_relative(root_).generic_string();
      if (key.compare(0, prefix.size(), prefix) == 0) keys.push_back(std::move(key));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  Result<std::vector<std::string>> ListPrefixes(std::string_view prefix) override {
    // S3 semantics: names after `prefix` rolled up at the next '/'. On a
    // filesystem those are the directories in prefix's folder whose names
    // start with the part after its last '/'.
    std::vector<std::string> prefixes;
    size_t slash = prefix.rfind('/');
    std::string folder =
        slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash + 1));
    std::string_view name_start = prefix.substr(folder.size());
    fs::path dir = StartDir(prefix);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return prefixes;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_directory(ec)) continue;
      std::string name = it->path().filename().string();
      if (name.compare(0, name_start.size(), name_start) == 0) {
        prefixes.push_back(folder + name + "/");
      }
    }
    if (ec) return Status::IOError("cannot list " + dir.string() + ": " + ec.message());
    std::sort(prefixes.begin(), prefixes.end());
    return prefixes;
  }

  std::string Describe() const override { return "file://" + root_.string(); }

 private:
  // The directory named completely by `prefix` (everything up to its last '/').
  fs::path StartDir(std::string_view prefix) const {
    size_t slash = prefix.rfind('/');
    if (slash == std::string_view::npos) return root_;
    return root_ / std::string(prefix.substr(0, slash));
  }

  const fs::path root_;
};

}  // namespace

std::unique_ptr<ArchiveSource> NewLocalArchiveSource(std::filesystem::path root) {
  return std::make_unique<LocalArchiveSource>(std::move(root));
}

Status ArchiveSource::FetchTo(std::string_view path, RewindableSink* sink) {
  CL_ASSIGN_OR_RETURN(std::string data, Fetch(path));
  CL_RETURN_IF_ERROR(sink->Rewind());
  return sink->Append(data);
}

Result<std::unique_ptr<ArchiveSource>> OpenArchiveSource(std::string_view url_or_dir,
                                                         const SourceOptions& options) {
  std::string_view spec = url_or_dir.empty() ? kDefaultArchiveUrl : url_or_dir;
  if (spec.rfind("http://", 0) == 0 || spec.rfind("https://", 0) == 0) {
    std::string base(spec);
    while (!base.empty() && base.back() == '/') base.pop_back();
    return NewHttpArchiveSource(std::move(base), options);
  }
  std::string dir;
  if (spec.rfind("file://", 0) == 0) {
    dir = std::string(spec.substr(7));
  } else if (spec.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("unsupported archive source \"" + std::string(spec) +
                                   "\" (expected http://, https://, file:// or a directory)");
  } else {
    dir = std::string(spec);
  }
  std::error_code ec;
  fs::path root = fs::absolute(dir, ec).lexically_normal();
  if (!root.empty() && root.filename().empty()) root = root.parent_path();
  if (ec || !fs::is_directory(root, ec)) {
    return Status::NotFound("archive mirror directory not found: " + dir);
  }
  return NewLocalArchiveSource(std::move(root));
}

}  // namespace cryptolake::archive
