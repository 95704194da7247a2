#include "aggregators.h"

#include <chrono>

namespace cryptolake::metrics::internal {

uint64_t NowUnixNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace cryptolake::metrics::internal
