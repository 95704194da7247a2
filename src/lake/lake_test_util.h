// Helpers shared by the lake layer's tests: converting CSV text, and publishing generated
// archive files (zip + .CHECKSUM) into a directory that a local ArchiveSource reads.
#ifndef CRYPTOLAKE_LAKE_LAKE_TEST_UTIL_H_
#define CRYPTOLAKE_LAKE_LAKE_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/archive/checksum.h"
#include "cryptolake/archive/zip_reader.h"
#include "cryptolake/lake/silver_converter.h"

namespace cryptolake::lake::test_util {

// Index of column `name` in the batch (a test failure when absent).
inline int Col(const parquet::ColumnBatch& b, std::string_view name) {
  int c = b.schema().FindColumn(name);
  EXPECT_GE(c, 0) << name;
  return c;
}

inline Result<SilverConversion> Convert(const archive::ArchiveFile& f, std::string_view csv,
                                        BadRowPolicy policy = BadRowPolicy::kFail) {
  ConvertOptions o;
  o.on_bad_rows = policy;
  return ConvertCsvToSilver(f, "test.csv", csv, o);
}

// Runs a kFail conversion that must fail and returns its message.
inline std::string FailMessage(const archive::ArchiveFile& f, std::string_view csv) {
  auto r = Convert(f, csv);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  return r.status().message();
}

inline std::filesystem::path MakeTempDir(const char* name) {
  std::string tmpl =
      (std::filesystem::path(::testing::TempDir()) / (std::string(name) + "-XXXXXX")).string();
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

inline void WriteFile(const std::filesystem::path& p, std::string_view bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Publishes `csv` as archive file `f` under `dir`: a one-member zip and its correct .CHECKSUM.
inline void Publish(const std::filesystem::path& dir, const archive::ArchiveFile& f,
                    std::string_view csv) {
  std::string name = f.ZipName();
  std::string zip = archive::WriteSingleMemberZip(name.substr(0, name.size() - 4) + ".csv", csv, 6);
  WriteFile(dir / f.ZipPath(), zip);
  WriteFile(dir / f.ChecksumPath(), archive::Sha256Hex(zip) + "  " + name + "\n");
}

}  // namespace cryptolake::lake::test_util

#endif  // CRYPTOLAKE_LAKE_LAKE_TEST_UTIL_H_
