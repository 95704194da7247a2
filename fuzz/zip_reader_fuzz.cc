// libFuzzer target for the single-member zip reader: any byte string is
// opened as a zip. Bad input must be a Status (no crash, no unbounded
// allocation); an extracted member must survive a write/read round trip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cryptolake/archive/zip_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cryptolake::archive;
  std::string_view zip(reinterpret_cast<const char*>(data), size);
  auto member = ExtractSingleMember(zip);
  if (!member.ok()) return 0;
  if (member->name.size() >= 0xFFFF) return 0;
  auto again = ExtractSingleMember(WriteSingleMemberZip(member->name, member->data, 1));
  if (!again.ok() || again->data != member->data || again->name != member->name) __builtin_trap();
  return 0;
}
