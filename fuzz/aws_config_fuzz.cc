// Fuzzes ParseAwsIni (the AWS CLI's credentials/config file format).
//
// Invariants: no crash or over-read; on success every section name and key is non-empty; on
// failure the message is "<file>:<line>: <one of the parser's fixed reasons>", so no input text
// (values may be secrets) ever reaches an error.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cryptolake/storage/aws_config.h"
#include "fuzz_check.h"

namespace {

using cryptolake::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ini = cryptolake::storage::ParseAwsIni(text, "fuzz.ini");
  if (ini.ok()) {
    for (const auto& [section, keys] : *ini) {
      Check(!section.empty(), "section name non-empty");
      for (const auto& [key, value] : keys) Check(!key.empty(), "key non-empty");
    }
  } else {
    const std::string message(ini.status().message());
    Check(message.rfind("fuzz.ini:", 0) == 0, "error names the file and line");
    const std::string reason = message.substr(message.find(": ") + 2);
    Check(reason == "section header without ']'" || reason == "empty section name" ||
              reason == "expected 'key = value'" || reason == "setting before any [section]" ||
              reason == "empty key",
          "error is a fixed reason without input text");
  }
  return 0;
}
