// Support for the end-to-end tests: the real-archive fixture list and resolver, temp dirs,
// running the Node.js peer scripts, snapshots of a lake directory.
//
// Fixtures (fixtures.tsv beside this file) name real Binance archive files by path and SHA-256.
// ResolveFixtures() finds them in $CRYPTOLAKE_FIXTURES_DIR, else <repo>/../shared/fixtures/
// binance-archive (as in CI), else downloads them once from https://data.binance.vision into
// <repo>/.cache/fixtures (each zip's digest is verified against the list; the archive's own
// .CHECKSUM is the authority for the sidecars whose list entry says "local"). When none of that
// works the result carries the reason and the tests call GTEST_SKIP with it.
//
// Thread-safety: test helpers for one test thread.
#ifndef CRYPTOLAKE_TEST_E2E_E2E_SUPPORT_H_
#define CRYPTOLAKE_TEST_E2E_E2E_SUPPORT_H_

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/common/status.h"

namespace cryptolake::e2e {

struct Fixture {
  std::string path;    // archive path of the zip, "data/..."
  std::string sha256;  // of the zip
  archive::ArchiveFile file;
  int64_t rows = 0;
};

struct FixtureSet {
  std::filesystem::path dir;  // mirror root (holds data/...)
  std::vector<Fixture> zips;
  std::string skip_reason;  // non-empty: unavailable, tests must skip with this reason
};

// Reads fixtures.tsv and resolves the files (see the header comment).
FixtureSet ResolveFixtures();

// A fresh directory under the test temp dir; removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string ReadFileBytes(const std::filesystem::path& p);
void WriteFileBytes(const std::filesystem::path& p, std::string_view bytes);

// Path of the `node` binary, or "" when there is none.
std::string FindNode();

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};
// Runs `command` through /bin/sh, capturing its output.
CommandResult RunCommand(const std::string& command);

// Relative path -> (size, mtime in ns) of every regular file under `dir`.
std::map<std::string, std::pair<uintmax_t, int64_t>> TreeSnapshot(const std::filesystem::path& dir);

// The repository root (CRYPTOLAKE_SOURCE_DIR).
std::filesystem::path SourceDir();

}  // namespace cryptolake::e2e

#endif  // CRYPTOLAKE_TEST_E2E_E2E_SUPPORT_H_
