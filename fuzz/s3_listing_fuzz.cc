// libFuzzer target for the S3 ListBucketResult parser: any byte string is
// parsed; malformed XML must come back as a Status, never a crash or hang.
// A parsed page's continuation marker must be one of the page's own names.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cryptolake/storage/s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cryptolake::storage;
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto page = ParseListBucketResult(xml);
  if (!page.ok()) return 0;
  std::string marker = page->NextPageMarker();
  if (!page->is_truncated && !marker.empty()) __builtin_trap();
  if (page->is_truncated && page->next_marker.empty() && !marker.empty()) {
    bool known = (!page->contents.empty() && marker == page->contents.back().key) ||
                 (!page->common_prefixes.empty() && marker == page->common_prefixes.back());
    if (!known) __builtin_trap();
  }
  (void)BuildListObjectsQuery(page->prefix, "/", marker, 1000);
  return 0;
}
