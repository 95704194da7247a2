// Golden-file helpers shared by the encoder tests (OTLP/JSON, OTLP protobuf,
// Prometheus text). Golden files live in src/metrics/export/testdata/.
// Header-only, tests only.
#ifndef CRYPTOLAKE_METRICS_EXPORT_EXPORT_TEST_UTIL_H_
#define CRYPTOLAKE_METRICS_EXPORT_EXPORT_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace cryptolake::metrics::export_test {

// The path of golden file `name`.
inline std::string GoldenPath(const std::string& name) {
  return std::string(CRYPTOLAKE_SOURCE_DIR) + "/src/metrics/export/testdata/" + name;
}

// The whole content of `path` ("" when it cannot be read).
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Compares `actual` with golden file `name` byte for byte. Set
// CRYPTOLAKE_UPDATE_GOLDEN=1 to rewrite it (then review the diff).
inline void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = GoldenPath(name);
  if (const char* update = std::getenv("CRYPTOLAKE_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(path, std::ios::binary) << actual;
  }
  const std::string expected = ReadFile(path);
  ASSERT_FALSE(expected.empty()) << "missing golden file " << path;
  EXPECT_EQ(actual, expected) << "golden file " << path;
}

}  // namespace cryptolake::metrics::export_test

#endif  // CRYPTOLAKE_METRICS_EXPORT_EXPORT_TEST_UTIL_H_
