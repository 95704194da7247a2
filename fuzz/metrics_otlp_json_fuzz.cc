// Fuzzes EncodeOtlpJson with arbitrary strings and numbers.
//
// Invariants: the output is one line of valid JSON (nlohmann-json parses it
// with strict UTF-8 checking), attribute keys survive when they are valid
// UTF-8, and double values round-trip (non-finite ones as the proto3 JSON
// strings).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "cryptolake/metrics/export/otlp_json.h"
#include "fuzz_check.h"

namespace {

using namespace cryptolake::metrics;

using cryptolake::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  double d;
  std::memcpy(&d, data, sizeof d);
  const std::string text(reinterpret_cast<const char*>(data + 8), size - 8);
  const size_t half = text.size() / 2;

  ResourceMetrics rm;
  rm.resource = Resource(AttributeSet{{text.substr(0, half), text.substr(half)}});
  ScopeMetrics sm;
  sm.scope.name = text;
  MetricData m;
  m.name = text.substr(half);
  m.unit = text.substr(0, half);
  GaugeData gauge;
  NumberDataPoint p;
  p.attributes = AttributeSet{{"d", d}, {"s", std::vector<std::string>{text, ""}}};
  p.time_unix_nano = static_cast<uint64_t>(size) * 1000003;
  p.value = d;
  gauge.points.push_back(p);
  m.data = gauge;
  sm.metrics.push_back(m);
  rm.scope_metrics.push_back(sm);

  const std::string json_text = EncodeOtlpJson(rm);
  Check(json_text.find('\n') == std::string::npos, "raw newline in output");
  const auto doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  Check(!doc.is_discarded(), "output is not valid JSON");
  const auto& value = doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["gauge"]
                         ["dataPoints"][0]["asDouble"];
  if (std::isnan(d)) {
    Check(value == "NaN", "NaN not encoded as \"NaN\"");
  } else if (std::isinf(d)) {
    Check(value == (d > 0 ? "Infinity" : "-Infinity"), "infinity misencoded");
  } else {
    Check(value.is_number() && value.get<double>() == d, "double does not round-trip");
  }
  return 0;
}
