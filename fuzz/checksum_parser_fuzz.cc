// libFuzzer target for the .CHECKSUM parser: any byte string is parsed as a
// sidecar, with and without a name to check. A successful parse must yield
// 64 lowercase hex characters; everything else must be a Status.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cryptolake/archive/checksum.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cryptolake::archive::ParseChecksumFile;
  std::string_view content(reinterpret_cast<const char*>(data), size);
  for (std::string_view name :
       {std::string_view(), std::string_view("BTCUSDT-1m-2020-01-01.zip")}) {
    auto digest = ParseChecksumFile(content, name);
    if (!digest.ok()) continue;
    if (digest->size() != 64) __builtin_trap();
    for (char c : *digest) {
      bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      if (!hex) __builtin_trap();
    }
  }
  return 0;
}
