// AwsConfig: S3 credentials, region and endpoint the way the AWS CLI and SDKs
// find them, for the S3 object store.
//
// Resolution (first found wins):
//   credentials  AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//                else the profile's aws_access_key_id / aws_secret_access_key /
//                aws_session_token in the shared credentials file
//                (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials,
//                section [<profile>]); else the same keys in the config file
//                (AWS_CONFIG_FILE, default ~/.aws/config, section [default] or
//                [profile <profile>]).
//   profile      AWS_PROFILE, default "default".
//   region       AWS_REGION, AWS_DEFAULT_REGION, the profile's `region` in the
//                config file, else "us-east-1".
//   endpoint     AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's
//                `endpoint_url` in its `s3 =` sub-section, then its top-level
//                `endpoint_url`; empty = AWS itself.
//   addressing   the profile's `s3 = ... addressing_style = path|virtual|auto`
//                (auto: path style for a custom endpoint, virtual-hosted for AWS).
// A missing file is not an error (nothing is configured there). A file that
// cannot be parsed is InvalidArgument naming the file and line, never a value.
// Only one of the access key pair set is InvalidArgument naming the variables.
//
// Thread-safety: LoadAwsConfig reads files and the given environment; safe to
// call concurrently.
#ifndef CRYPTOLAKE_STORAGE_AWS_CONFIG_H_
#define CRYPTOLAKE_STORAGE_AWS_CONFIG_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "cryptolake/common/status.h"
#include "cryptolake/storage/aws_sigv4.h"

namespace cryptolake::storage {

enum class S3AddressingStyle { kAuto, kPath, kVirtual };

struct AwsConfig {
  AwsCredentials credentials;
  std::string region = "us-east-1";
  std::string endpoint_url;  // Empty: https://s3.<region>.amazonaws.com.
  S3AddressingStyle addressing_style = S3AddressingStyle::kAuto;
  std::string profile = "default";
  // Where the credentials came from ("environment", a file path): for logs,
  // never the values.
  std::string credentials_source;
};

// Returns an environment variable's value or nullptr.
using AwsEnvironment = std::function<const char*(const char*)>;

Result<AwsConfig> LoadAwsConfig(const AwsEnvironment& env);

// One parsed INI file of the AWS CLI's format: section name -> key -> value.
// Keys of an indented sub-section (`s3 =` followed by indented `k = v` lines)
// are stored as "s3.k". Comments start with '#' or ';' at the start of a line.
using AwsIniFile = std::map<std::string, std::map<std::string, std::string>>;
// InvalidArgument naming `file_name` and the line of the first malformed line.
Result<AwsIniFile> ParseAwsIni(std::string_view text, std::string_view file_name);

}  // namespace cryptolake::storage

#endif  // CRYPTOLAKE_STORAGE_AWS_CONFIG_H_
