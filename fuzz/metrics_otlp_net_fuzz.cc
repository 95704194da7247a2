// Fuzzes the parsers of what an OTLP peer or the environment hands the exporters:
// google.rpc.Status details (RetryInfo, from gRPC trailers), HTTP Retry-After values and
// OTEL_EXPORTER_OTLP_HEADERS, plus the endpoint helpers.
//
// Invariants: nothing crashes or reads out of bounds; a retry delay is never negative nor above
// a day; every parsed header has a non-empty key; RedactUrl never keeps user info.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cryptolake/metrics/net/otlp_exporter_options.h"
#include "cryptolake/metrics/net/otlp_grpc_transport.h"
#include "cryptolake/metrics/net/otlp_http_transport.h"
#include "fuzz_check.h"

namespace {

using namespace cryptolake::metrics;

using cryptolake::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr auto kDay = std::chrono::milliseconds(86400000);

  if (auto delay = RetryDelayFromStatusDetails(input)) {
    Check(delay->count() >= 0 && *delay <= kDay + std::chrono::milliseconds(1000),
          "RetryInfo delay within [0, 1 day]");
  }
  if (auto after = ParseRetryAfter(input, 1700000000)) {
    Check(after->count() >= 0 && *after <= kDay, "Retry-After within [0, 1 day]");
  }
  ParsedHeaders headers = ParseOtlpHeaders(input);
  for (const auto& [key, value] : headers.headers) Check(!key.empty(), "header key non-empty");

  std::string redacted = RedactUrl(input);
  if (size_t scheme = input.find("://"); scheme != std::string_view::npos) {
    std::string_view authority = input.substr(scheme + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      // The host that follows the user info has no '@' and the path starts with '/', so the
      // output can start with "<scheme>://<user info>@" only if the user info was kept.
      std::string kept(input.substr(0, scheme + 3 + at + 1));
      Check(redacted.compare(0, kept.size(), kept) != 0, "RedactUrl drops user info");
    }
  }
  (void)AppendMetricsPath(input);
  return 0;
}
