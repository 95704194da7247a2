// View: selects instruments and configures the streams exported for them.
//
// Selection (all given criteria must match; an unset criterion matches all):
//  - instrument name, case-insensitive, with '*' (any run of characters) and
//    '?' (exactly one character); "" or "*" matches every instrument;
//  - instrument kind, unit (exact), meter name/version/schema URL (exact).
// Configuration: stream name (default: the instrument's), description
// (default: the instrument's), attribute keys to keep (allow-list) or to drop
// (exclude-list; the allow-list wins when both are set), aggregation, and
// cardinality limit (0: the provider's default, 2000).
//
// Every matching view produces one stream, so one instrument may be exported
// as several metrics. When no view matches, the instrument gets one default
// stream. A view that renames streams but whose name criterion can match
// several instruments (a wildcard or no name) is reported once with a
// "ViewNameSelectsManyInstruments" diagnostic when the provider is built, and
// again ("DuplicateStreamName") whenever it actually produces a second stream
// of that name in a meter; the streams are still created.
//
// Thread-safety: values.
#ifndef CRYPTOLAKE_METRICS_SDK_VIEW_H_
#define CRYPTOLAKE_METRICS_SDK_VIEW_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/metrics/instrument_kind.h"
#include "cryptolake/metrics/sdk/aggregation.h"
#include "cryptolake/metrics/sdk/metric_data.h"

namespace cryptolake::metrics {

struct InstrumentSelector {
  std::string name = {};  // Wildcard pattern; "" matches all.
  std::optional<InstrumentKind> kind = {};
  std::optional<std::string> unit = {};
  std::optional<std::string> meter_name = {};
  std::optional<std::string> meter_version = {};
  std::optional<std::string> meter_schema_url = {};
};

struct StreamConfig {
  std::string name = {};         // "" keeps the instrument name.
  std::string description = {};  // "" keeps the instrument description.
  // Allow-list, or exclude-list: the specification makes them alternatives;
  // when both are set the allow-list applies (to sync and async streams).
  std::optional<std::vector<std::string>> attribute_keys = {};
  std::vector<std::string> excluded_attribute_keys = {};
  Aggregation aggregation = {};   // kDefault by default.
  int32_t cardinality_limit = 0;  // 0 = provider default. Attribute sets besides the overflow series.
};

struct View {
  InstrumentSelector selector = {};
  StreamConfig stream = {};
};

// Matches `text` against a pattern with '*' and '?', ASCII case-insensitive.
bool WildcardMatch(std::string_view pattern, std::string_view text);

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_SDK_VIEW_H_
