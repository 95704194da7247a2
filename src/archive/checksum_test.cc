#include "cryptolake/archive/checksum.h"

#include <gtest/gtest.h>

#include <cctype>

#include "archive_test_util.h"

namespace cryptolake::archive {
namespace {

TEST(ChecksumTest, Sha256MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ChecksumTest, ParsesSha256sumOutputWithOrWithoutNewline) {
  std::string digest(64, 'a');
  digest[0] = 'F';  // Upper case is normalised.
  for (std::string content :
       {digest + "  X-1m-2020-01-01.zip\n", digest + "  X-1m-2020-01-01.zip",
        digest + " *X-1m-2020-01-01.zip\r\n", "\n" + digest + "\tX-1m-2020-01-01.zip \n"}) {
    auto parsed = ParseChecksumFile(content, "X-1m-2020-01-01.zip");
    ASSERT_TRUE(parsed.ok()) << content << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, "f" + std::string(63, 'a'));
  }
  EXPECT_TRUE(ParseChecksumFile(digest + "  anything.zip", "").ok());
}

TEST(ChecksumTest, RejectsMalformedFiles) {
  std::string digest(64, '0');
  struct Case {
    std::string content;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{
           {"", "empty"},
           {"   \n", "empty"},
           {std::string(63, '0') + "  X.zip", "not 64 hex"},
           {std::string(65, '0') + "  X.zip", "not 64 hex"},
           {std::string(63, '0') + "g  X.zip", "non-hex"},
           {digest, "no file name"},
           {digest + "  Y.zip\n", "expected \"X.zip\""},
           {"<html>404</html>", "not 64 hex"},
       }) {
    auto parsed = ParseChecksumFile(c.content, "X.zip");
    ASSERT_FALSE(parsed.ok()) << c.content;
    EXPECT_TRUE(parsed.status().IsCorruption());
    EXPECT_NE(parsed.status().message().find(c.why), std::string::npos)
        << parsed.status().message();
    EXPECT_NE(parsed.status().message().find("X.zip"), std::string::npos);
  }
}

TEST(ChecksumTest, MismatchNamesFileAndBothDigests) {
  std::string data = "zip bytes";
  std::string actual = Sha256Hex(data);
  std::string wrong(64, 'b');
  Status st = VerifyChecksum("A.zip", data, wrong + "  A.zip\n");
  ASSERT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("A.zip"), std::string::npos);
  EXPECT_NE(st.message().find(wrong), std::string::npos);
  EXPECT_NE(st.message().find(actual), std::string::npos);
  EXPECT_TRUE(VerifyChecksum("A.zip", data, actual + "  A.zip").ok());
  EXPECT_TRUE(CompareDigests("A.zip", actual,
                             [&] {
                               std::string up = actual;
                               for (char& c : up) c = static_cast<char>(std::toupper(c));
                               return up;
                             }())
                  .ok());
}

TEST(ChecksumTest, EveryFixtureMatchesItsChecksumFile) {
  CL_REQUIRE_FIXTURES(root);
  for (const auto& fx : testing::Fixtures()) {
    std::filesystem::path zip = root / fx.zip_path;
    std::string bytes = testing::ReadFileBytes(zip);
    std::string sidecar = testing::ReadFileBytes(zip.string() + ".CHECKSUM");
    ASSERT_FALSE(bytes.empty()) << zip;
    Status st = VerifyChecksum(zip.filename().string(), bytes, sidecar);
    EXPECT_TRUE(st.ok()) << st.ToString();
    // A single flipped byte is caught.
    bytes[bytes.size() / 2] ^= 0x01;
    EXPECT_TRUE(VerifyChecksum(zip.filename().string(), bytes, sidecar).IsCorruption());
  }
}

}  // namespace
}  // namespace cryptolake::archive
