#include "e2e_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "cryptolake/archive/archive_source.h"
#include "cryptolake/archive/checksum.h"
#include "cryptolake/storage/object_store.h"
#include "gtest/gtest.h"

namespace cryptolake::e2e {

namespace fs = std::filesystem;

fs::path SourceDir() { return fs::path(CRYPTOLAKE_SOURCE_DIR); }

std::string ReadFileBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileBytes(const fs::path& p, std::string_view bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TempDir::TempDir(const std::string& name) {
  std::string tmpl = (fs::path(testing::TempDir()) / ("cryptolake-" + name + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << tmpl;
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string FindNode() {
  CommandResult r = RunCommand("command -v node");
  if (r.exit_code != 0) return "";
  std::string path = r.output;
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  return path;
}

CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::map<std::string, std::pair<uintmax_t, int64_t>> TreeSnapshot(const fs::path& dir) {
  std::map<std::string, std::pair<uintmax_t, int64_t>> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    struct stat st {};
    ::stat(e.path().c_str(), &st);
    int64_t mtime = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
    out[fs::relative(e.path(), dir).string()] = {e.file_size(), mtime};
  }
  return out;
}

namespace {

struct ListedFile {
  std::string path, sha256, note;
  Fixture fixture;
  bool is_zip = false;
};

std::vector<ListedFile> ReadList(std::string* error) {
  std::ifstream in(SourceDir() / "test/e2e/fixtures.tsv");
  if (!in) {
    *error = "cannot read test/e2e/fixtures.tsv";
    return {};
  }
  std::vector<ListedFile> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (cols.size() < 10) {
      *error = "fixtures.tsv: bad line: " + line;
      return {};
    }
    ListedFile f;
    f.path = cols[0];
    f.sha256 = cols[1];
    f.note = cols[9];
    f.is_zip = f.path.ends_with(".zip");
    if (f.is_zip) {
      Result<archive::ArchiveFile> parsed = archive::ArchiveFile::Parse(f.path);
      if (!parsed.ok()) {
        *error = parsed.status().ToString();
        return {};
      }
      f.fixture = Fixture{f.path, f.sha256, *parsed, std::stoll(cols[9])};
    }
    out.push_back(std::move(f));
  }
  // A zip whose sidecar was computed locally may have been re-zipped by whoever committed it: when
  // downloading, the real archive (its own .CHECKSUM, verified by the pipeline) is the authority.
  for (ListedFile& f : out) {
    if (f.note != "local") continue;
    for (ListedFile& z : out) {
      if (z.is_zip && z.path + ".CHECKSUM" == f.path) z.note = "sidecar-local";
    }
  }
  return out;
}

// OK when every listed file is under `dir` with the listed digest (the "local" sidecars need
// only exist).
Status CheckDir(const fs::path& dir, const std::vector<ListedFile>& list, bool downloaded) {
  for (const ListedFile& f : list) {
    fs::path p = dir / f.path;
    if (!fs::exists(p)) return Status::NotFound(p.string() + " is missing");
    if (f.note == "local" || (downloaded && f.note == "sidecar-local")) continue;
    std::string digest = archive::Sha256Hex(ReadFileBytes(p));
    if (digest != f.sha256) {
      return Status::Corruption(p.string() + " has SHA-256 " + digest + ", fixtures.tsv says " +
                                f.sha256);
    }
  }
  return Status::OK();
}

// Downloads the listed files from the public archive into `cache` (once), verifying digests.
Status Download(const fs::path& cache, const std::vector<ListedFile>& list) {
  auto source = archive::OpenArchiveSource("https://data.binance.vision");
  if (!source.ok()) return source.status();
  // The cache is written through the lake's own atomic Put (temp, fsync, rename),
  // so an interrupted download never leaves a half-written fixture behind.
  std::unique_ptr<storage::ObjectStore> store = storage::NewLocalObjectStore(cache);
  for (const ListedFile& f : list) {
    // Files whose digest the list pins are kept only while they still match;
    // locally computed sidecars ("local", "sidecar-local") are re-fetched if absent.
    const bool pinned = f.note != "local" && f.note != "sidecar-local";
    const fs::path p = cache / f.path;
    if (fs::exists(p) && (!pinned || archive::Sha256Hex(ReadFileBytes(p)) == f.sha256)) continue;
    Result<std::string> bytes = (*source)->Fetch(f.path);
    if (!bytes.ok()) return bytes.status();
    if (pinned && archive::Sha256Hex(*bytes) != f.sha256) {
      return Status::Corruption("downloaded " + f.path + " does not match fixtures.tsv");
    }
    CL_RETURN_IF_ERROR(store->Put(f.path, *bytes));
  }
  return Status::OK();
}

}  // namespace

FixtureSet ResolveFixtures() {
  FixtureSet set;
  std::string error;
  std::vector<ListedFile> list = ReadList(&error);
  if (!error.empty()) {
    set.skip_reason = error;
    return set;
  }
  for (const ListedFile& f : list) {
    if (f.is_zip) set.zips.push_back(f.fixture);
  }
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("CRYPTOLAKE_FIXTURES_DIR"); env != nullptr && *env) {
    candidates.push_back(env);
  }
  candidates.push_back(SourceDir() / ".." / "shared" / "fixtures" / "binance-archive");
  std::string reasons;
  for (const fs::path& dir : candidates) {
    Status s = CheckDir(dir, list, false);
    if (s.ok()) {
      set.dir = fs::absolute(dir);
      return set;
    }
    reasons += dir.string() + ": " + s.message() + "; ";
  }
  const fs::path cache = SourceDir() / ".cache" / "fixtures";
  if (std::getenv("CRYPTOLAKE_NO_DOWNLOAD") == nullptr) {
    Status s = Download(cache, list);
    if (s.ok()) s = CheckDir(cache, list, true);
    if (s.ok()) {
      set.dir = cache;
      return set;
    }
    reasons += "download from https://data.binance.vision: " + s.ToString();
  } else {
    reasons += "downloads disabled (CRYPTOLAKE_NO_DOWNLOAD)";
  }
  set.skip_reason = "real archive fixtures unavailable: " + reasons;
  return set;
}

}  // namespace cryptolake::e2e
