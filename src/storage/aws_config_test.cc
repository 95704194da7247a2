#include "cryptolake/storage/aws_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace cryptolake::storage {
namespace {

namespace fs = std::filesystem;

class AwsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cryptolake_aws_config_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / ".aws");
    env_["HOME"] = dir_.string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(dir_ / relative) << text;
  }
  Result<AwsConfig> Load() {
    return LoadAwsConfig([this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    });
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(AwsConfigTest, NothingConfiguredGivesDefaults) {
  Result<AwsConfig> c = Load();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->credentials.access_key_id.empty());
  EXPECT_EQ(c->region, "us-east-1");
  EXPECT_TRUE(c->endpoint_url.empty());
  EXPECT_EQ(c->addressing_style, S3AddressingStyle::kAuto);
}

TEST_F(AwsConfigTest, EnvironmentCredentialsWinOverFiles) {
  Write(".aws/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = F\n");
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  env_["AWS_SESSION_TOKEN"] = "envtoken";
  Result<AwsConfig> c = Load();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(c->credentials.secret_access_key, "envsecret");
  EXPECT_EQ(c->credentials.session_token, "envtoken");
  EXPECT_EQ(c->credentials_source, "environment");
}

TEST_F(AwsConfigTest, ProfileFromCredentialsAndConfigFiles) {
  Write(".aws/credentials",
        "# comment\n[default]\naws_access_key_id = DEF\naws_secret_access_key = d\n\n"
        "[prod]\r\naws_access_key_id = PROD\r\naws_secret_access_key = p/secret+\r\n"
        "aws_session_token = tok\r\n");
  Write(".aws/config",
        "[default]\nregion = eu-west-1\n[profile prod]\nregion = ap-south-1\n"
        "s3 =\n  addressing_style = path\n  endpoint_url = http://127.0.0.1:9000\n"
        "output = json\n");
  env_["AWS_PROFILE"] = "prod";
  Result<AwsConfig> c = Load();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->profile, "prod");
  EXPECT_EQ(c->credentials.access_key_id, "PROD");
  EXPECT_EQ(c->credentials.secret_access_key, "p/secret+");
  EXPECT_EQ(c->credentials.session_token, "tok");
  EXPECT_EQ(c->credentials_source, (dir_ / ".aws/credentials").string());
  EXPECT_EQ(c->region, "ap-south-1");
  EXPECT_EQ(c->endpoint_url, "http://127.0.0.1:9000");
  EXPECT_EQ(c->addressing_style, S3AddressingStyle::kPath);

  env_.erase("AWS_PROFILE");
  c = Load();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->credentials.access_key_id, "DEF");
  EXPECT_EQ(c->region, "eu-west-1");
}

TEST_F(AwsConfigTest, CredentialsInTheConfigFileAndFileLocationsFromTheEnvironment) {
  Write("elsewhere.ini", "[profile ci]\naws_access_key_id = CFG\naws_secret_access_key = c\n");
  env_["AWS_CONFIG_FILE"] = (dir_ / "elsewhere.ini").string();
  env_["AWS_PROFILE"] = "ci";
  Result<AwsConfig> c = Load();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->credentials.access_key_id, "CFG");
  EXPECT_EQ(c->credentials_source, (dir_ / "elsewhere.ini").string());
}

TEST_F(AwsConfigTest, RegionAndEndpointPrecedence) {
  Write(".aws/config", "[default]\nregion = from-file\nendpoint_url = http://file:1\n");
  env_["AWS_DEFAULT_REGION"] = "from-default";
  Result<AwsConfig> c = Load();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->region, "from-default");
  EXPECT_EQ(c->endpoint_url, "http://file:1");
  env_["AWS_REGION"] = "from-region";
  env_["AWS_ENDPOINT_URL"] = "http://any:2";
  c = Load();
  EXPECT_EQ(c->region, "from-region");
  EXPECT_EQ(c->endpoint_url, "http://any:2");
  env_["AWS_ENDPOINT_URL_S3"] = "http://s3:3";
  c = Load();
  EXPECT_EQ(c->endpoint_url, "http://s3:3");
}

TEST_F(AwsConfigTest, HalfAKeyPairIsAnErrorThatNamesNoValue) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIDLONELY";
  Result<AwsConfig> c = Load();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_EQ(c.status().ToString().find("AKIDLONELY"), std::string::npos);

  env_.clear();
  env_["HOME"] = dir_.string();
  Write(".aws/credentials", "[default]\naws_secret_access_key = only-the-secret\n");
  c = Load();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().ToString().find("only-the-secret"), std::string::npos);
}

TEST_F(AwsConfigTest, MalformedFileNamesFileAndLineNotValues) {
  Write(".aws/credentials",
        "[default]\naws_secret_access_key = s3cr3t\nthis line is junk s3cr3t\n");
  Result<AwsConfig> c = Load();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("credentials:3"), std::string::npos) << c.status().ToString();
  EXPECT_EQ(c.status().ToString().find("s3cr3t"), std::string::npos);
}

TEST(AwsIniTest, SectionsCommentsAndSubsections) {
  Result<AwsIniFile> ini = ParseAwsIni(
      "; top comment\n[a]\nk = v = w\n[b]\ns3 =\n\tmax_concurrent_requests = 4\nx=1\n[empty]\n",
      "f");
  ASSERT_TRUE(ini.ok());
  EXPECT_EQ(ini->at("a").at("k"), "v = w");
  EXPECT_EQ(ini->at("b").at("s3.max_concurrent_requests"), "4");
  EXPECT_EQ(ini->at("b").at("x"), "1");
  EXPECT_TRUE(ini->at("empty").empty());
  EXPECT_FALSE(ParseAwsIni("k = v\n", "f").ok());     // Before any section.
  EXPECT_FALSE(ParseAwsIni("[a\n", "f").ok());        // Unclosed header.
  EXPECT_FALSE(ParseAwsIni("[a]\n= v\n", "f").ok());  // Empty key.
}

}  // namespace
}  // namespace cryptolake::storage
