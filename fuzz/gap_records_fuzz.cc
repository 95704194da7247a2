// Fuzzes ParseFillRecord and ParseAbsenceRecord (the lake's _fills/ and _absent/ JSON objects,
// read back by gap detection from a store anyone may have written to).
//
// Invariants: no crash; a record that parses serializes to text that parses back to the same
// record (so what fill writes after merging an old record is what it read); every range has
// start_us <= end_us and rows >= 0; errors are Corruption naming the object.
#include <cstdint>
#include <string>
#include <string_view>

#include "cryptolake/lake/gap_records.h"
#include "fuzz_check.h"

using cryptolake::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto fill = cryptolake::lake::ParseFillRecord(text, "_fills/x.json");
  if (fill.ok()) {
    for (const auto* ranges : {&fill->filled, &fill->empty}) {
      for (const auto& r : *ranges) {
        Check(r.start_us <= r.end_us && r.rows >= 0, "ranges are ordered and counted");
        Check(r.first_id < 0 || r.first_id <= r.last_id, "id ranges are ordered");
      }
    }
    auto again = cryptolake::lake::ParseFillRecord(SerializeFillRecord(*fill), "again");
    Check(again.ok() && *again == *fill, "fill record round-trips");
  } else {
    Check(fill.status().IsCorruption(), "fill record errors are Corruption");
    Check(std::string(fill.status().message()).find("_fills/x.json") != std::string::npos,
          "fill record errors name the object");
  }
  auto absent = cryptolake::lake::ParseAbsenceRecord(text, "_absent/x.json");
  if (absent.ok()) {
    auto again = cryptolake::lake::ParseAbsenceRecord(SerializeAbsenceRecord(*absent), "again");
    Check(again.ok() && *again == *absent, "absence record round-trips");
  } else {
    Check(absent.status().IsCorruption(), "absence record errors are Corruption");
  }
  return 0;
}
