// WeightBudget: the request-weight budget of one Binance host, shared by every thread that sends
// requests to it.
//
// Binance counts REQUEST_WEIGHT per IP in windows aligned on the wall clock (one minute:
// X-MBX-USED-WEIGHT-1M). The budget mirrors that window: a request reserves its weight in the
// current window BEFORE it is sent; when the window cannot take it (more than
// floor(limit * fraction) would be used), the caller sleeps until the next window starts. The
// server's count is the truth (it also counts other clients of the same IP): ObserveServerUsed
// raises the local count to the server's. PauseUntil stops every reservation until a time point
// (429/418 Retry-After).
//
// A request reserved at the very end of a window can reach the server in the next one, where the
// local count does not have it: the headroom left by `fraction` absorbs those few requests (with
// 4 threads of weight-2 requests, at most 8 weight), and the server's header corrects the count
// after the next response.
//
// The deterministic core, TryReserve(weight, now), takes the time as an argument; Reserve() uses
// the injected clock and blocks on a condition variable (no spinning).
//
// Thread-safety: all methods may be called concurrently.
#ifndef CRYPTOLAKE_SRC_REST_WEIGHT_BUDGET_H_
#define CRYPTOLAKE_SRC_REST_WEIGHT_BUDGET_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

namespace cryptolake::rest {

class WeightBudget {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Clock = std::function<TimePoint()>;

  // limit: the server's weight limit per window; fraction in (0, 1]: the share of it this
  // budget plans to use. REQUIRES: limit > 0, window > 0.
  WeightBudget(int64_t limit, double fraction, std::chrono::milliseconds window,
               Clock clock = &std::chrono::system_clock::now);

  // floor(limit * fraction), at least 1.
  int64_t budget() const { return budget_; }
  std::chrono::milliseconds window() const { return window_; }

  // The window `t` falls in (windows are aligned on the clock's epoch).
  int64_t WindowIndex(TimePoint t) const;

  // Reserves `weight` in now's window if it fits (or the window is still empty, so a request
  // heavier than the whole budget is not blocked forever) and no pause is in force; returns
  // nullopt then. Otherwise reserves nothing and returns when to try again (the pause's end or
  // the next window's start).
  std::optional<TimePoint> TryReserve(int64_t weight, TimePoint now);

  // Blocks until `weight` is reserved; returns the index of the window it was reserved in.
  int64_t Reserve(int64_t weight);

  // The server reported `server_used` for the window `window_index` (the one the request was
  // reserved in): if that is still the current window, the local count becomes
  // max(local, server_used). A report about an earlier window is ignored.
  void ObserveServerUsed(int64_t server_used, int64_t window_index, TimePoint now);

  // No reservation succeeds before `until` (a later pause extends, an earlier one is ignored).
  void PauseUntil(TimePoint until);

  // Weight counted in now's window.
  int64_t Used(TimePoint now) const;
  TimePoint paused_until() const;

 private:
  void RollLocked(TimePoint now) const;
  std::optional<TimePoint> TryReserveLocked(int64_t weight, TimePoint now);

  const int64_t budget_;
  const std::chrono::milliseconds window_;
  const Clock clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  mutable int64_t window_index_ = -1;  // guarded by mu_
  mutable int64_t used_ = 0;           // in window_index_, guarded by mu_
  TimePoint paused_until_{};           // guarded by mu_
};

}  // namespace cryptolake::rest

#endif  // CRYPTOLAKE_SRC_REST_WEIGHT_BUDGET_H_
