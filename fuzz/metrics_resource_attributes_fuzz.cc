// Fuzzes Resource::ParseAttributeList (the OTEL_RESOURCE_ATTRIBUTES parser).
//
// Invariants checked on every input:
//  - no crash, no sanitizer report;
//  - every parsed key is non-empty and free of the list's delimiters, every
//    value is a string;
//  - re-encoding the parsed set (values fully percent-encoded) and parsing it
//    again yields the same set with an OK status (round trip).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cryptolake/metrics/sdk/resource.h"
#include "fuzz_check.h"

namespace {

using cryptolake::metrics::AttributeSet;
using cryptolake::metrics::Resource;

using cryptolake::fuzz::Check;

std::string PercentEncodeAll(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out.push_back('%');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  AttributeSet parsed;
  (void)Resource::ParseAttributeList(text, &parsed);

  std::string encoded;
  for (const auto& kv : parsed.entries()) {
    Check(!kv.key.empty(), "empty key");
    Check(kv.key.find_first_of(",= \t") == std::string::npos, "delimiter in key");
    const auto* value = std::get_if<std::string>(&kv.value);
    Check(value != nullptr, "non-string value");
    if (!encoded.empty()) encoded.push_back(',');
    encoded += kv.key;
    encoded.push_back('=');
    encoded += PercentEncodeAll(*value);
  }
  AttributeSet reparsed;
  const auto status = Resource::ParseAttributeList(encoded, &reparsed);
  Check(status.ok(), "re-encoded list does not parse");
  Check(reparsed == parsed, "round trip changed the set");
  return 0;
}
