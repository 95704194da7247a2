// Normalised JSON form of one collection (see test/conformance/README.md),
// the format the JS runner produces for the OpenTelemetry JS SDK, plus the
// timestamp invariants the JSON comparison leaves out.
//
// Thread-safety: not thread-safe; one instance per runner.
#ifndef CRYPTOLAKE_TEST_CONFORMANCE_NORMALISED_OUTPUT_H_
#define CRYPTOLAKE_TEST_CONFORMANCE_NORMALISED_OUTPUT_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cryptolake/metrics/sdk/metric_data.h"

namespace cryptolake::conformance {

// JSON has no NaN or infinity: they are written as strings.
nlohmann::json NumberToJson(double v);
nlohmann::json AttributesToJson(const metrics::AttributeSet& attributes);

// Converts collections to normalised JSON and checks timestamps across them.
class NormalisedOutput {
 public:
  // Appends one collection.
  void AddCollection(const metrics::ResourceMetrics& data);

  const nlohmann::json& collects() const { return collects_; }
  const std::vector<std::string>& violations() const { return violations_; }

 private:
  void CheckTimes(const std::string& series, metrics::AggregationTemporality temporality,
                  uint64_t start, uint64_t time, bool is_gauge);

  nlohmann::json collects_ = nlohmann::json::array();
  std::vector<std::string> violations_;
  // Time of the previous collection that exported anything (0 before).
  uint64_t previous_collection_time_ = 0;
  uint64_t current_collection_time_ = 0;
  // Start time of every cumulative series seen in the previous collection.
  std::map<std::string, uint64_t> cumulative_starts_;
  std::map<std::string, uint64_t> next_cumulative_starts_;
};

}  // namespace cryptolake::conformance

#endif  // CRYPTOLAKE_TEST_CONFORMANCE_NORMALISED_OUTPUT_H_
