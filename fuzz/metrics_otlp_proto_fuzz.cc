// Fuzzes DecodeOtlpProto and DecodeExportMetricsServiceResponse with
// arbitrary bytes.
//
// Invariants: neither decoder crashes or reads out of bounds (ASan/UBSan);
// a failure is Corruption (malformed wire data) or InvalidArgument (valid
// protobuf the data model cannot hold), with a message; when a request
// decodes, its re-encoding decodes again and is a fixed point
// (Encode(Decode(Encode(Decode(x)))) == Encode(Decode(x))), and the data
// point count survives the round trip.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cryptolake/metrics/export/otlp_proto.h"
#include "fuzz_check.h"

namespace {

using namespace cryptolake::metrics;

using cryptolake::fuzz::Check;

void CheckFailure(const cryptolake::Status& s) {
  Check(s.IsCorruption() || s.IsInvalidArgument(),
        "failure is neither Corruption nor InvalidArgument");
  Check(!s.message().empty(), "failure without a message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  const auto request = DecodeOtlpProto(bytes);
  if (request.ok()) {
    const std::string once = EncodeOtlpProto(*request);
    const auto again = DecodeOtlpProto(once);
    Check(again.ok(), "our own encoding does not decode");
    Check(EncodeOtlpProto(*again) == once, "decode/encode is not a fixed point");
    Check(CountDataPoints(*again) == CountDataPoints(*request), "data points lost in a round trip");
  } else {
    CheckFailure(request.status());
  }

  const auto response = DecodeExportMetricsServiceResponse(bytes);
  if (!response.ok()) CheckFailure(response.status());
  return 0;
}
