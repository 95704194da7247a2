// libFuzzer target for the single-member zip reader: any byte string is
// opened as a zip. Bad input must be a Status (no crash, no unbounded
// allocation); an extracted member must survive a write/read round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cryptolake/archive/zip_member_stream.h"
#include "cryptolake/archive/zip_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cryptolake::archive;
  std::string_view zip(reinterpret_cast<const char*>(data), size);
  auto member = ExtractSingleMember(zip);
  // The streaming reader must agree with the whole-buffer one: same bytes when it succeeds,
  // an error whenever the whole-buffer reader rejects the member.
  if (auto stream = ZipMemberStream::Open(zip); stream.ok()) {
    std::string streamed, buf(4096, '\0');
    bool ok = true;
    for (;;) {
      auto n = (*stream)->Read(buf.data(), buf.size());
      if (!n.ok()) {
        ok = false;
        break;
      }
      if (*n == 0) break;
      streamed.append(buf.data(), *n);
      if (streamed.size() > (size_t{64} << 20)) __builtin_trap();  // bounded by the declared size
    }
    if (ok && (!member.ok() || streamed != member->data)) __builtin_trap();
  } else if (member.ok()) {
    __builtin_trap();
  }
  if (!member.ok()) return 0;
  if (member->name.size() >= 0xFFFF) return 0;
  auto again = ExtractSingleMember(WriteSingleMemberZip(member->name, member->data, 1));
  if (!again.ok() || again->data != member->data || again->name != member->name) __builtin_trap();
  return 0;
}
