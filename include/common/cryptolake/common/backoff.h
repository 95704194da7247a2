// FullJitterBackoff: how long an HTTP client waits before retrying a failed request.
//
// A server's Retry-After (seconds, >= 0) is honoured, capped at `cap`. Otherwise the wait is
// "full jitter": uniformly random in [0, min(cap, base x 2^retry)], so clients that failed
// together do not retry together. `retry` counts from 0 for the first retry.
//
// Thread-safety: safe from any thread (one random generator per thread).
#ifndef CRYPTOLAKE_COMMON_BACKOFF_H_
#define CRYPTOLAKE_COMMON_BACKOFF_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace cryptolake {

inline std::chrono::milliseconds FullJitterBackoff(int retry, long retry_after_seconds,
                                                   std::chrono::milliseconds base,
                                                   std::chrono::milliseconds cap) {
  if (retry_after_seconds >= 0) {
    return std::min<std::chrono::milliseconds>(std::chrono::seconds(retry_after_seconds), cap);
  }
  int64_t ceiling = base.count();
  for (int i = 0; i < retry && ceiling < cap.count(); ++i) ceiling *= 2;
  ceiling = std::min<int64_t>(ceiling, cap.count());
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(ceiling, 0));
  return std::chrono::milliseconds(dist(rng));
}

}  // namespace cryptolake

#endif  // CRYPTOLAKE_COMMON_BACKOFF_H_
