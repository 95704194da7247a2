#include "weight_budget.h"

#include <algorithm>
#include <cmath>

namespace cryptolake::rest {

WeightBudget::WeightBudget(int64_t limit, double fraction, std::chrono::milliseconds window,
                           Clock clock)
    : budget_(std::max<int64_t>(
          1, static_cast<int64_t>(
                 std::floor(static_cast<double>(limit) * std::clamp(fraction, 0.0, 1.0))))),
      window_(window.count() > 0 ? window : std::chrono::milliseconds(60'000)),
      clock_(std::move(clock)) {}

int64_t WeightBudget::WindowIndex(TimePoint t) const {
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return ms / window_.count();
}

void WeightBudget::RollLocked(TimePoint now) const {
  int64_t index = WindowIndex(now);
  // A clock that steps back keeps the newer window: the count only ever covers the latest one.
  if (index > window_index_) {
    window_index_ = index;
    used_ = 0;
  }
}

std::optional<WeightBudget::TimePoint> WeightBudget::TryReserveLocked(int64_t weight,
                                                                      TimePoint now) {
  if (now < paused_until_) return paused_until_;
  RollLocked(now);
  // An empty window takes any request, so one heavier than the whole budget still goes out.
  if (used_ == 0 || used_ + weight <= budget_) {
    used_ += weight;
    return std::nullopt;
  }
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(window_ * (window_index_ + 1)));
}

std::optional<WeightBudget::TimePoint> WeightBudget::TryReserve(int64_t weight, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  return TryReserveLocked(weight, now);
}

int64_t WeightBudget::Reserve(int64_t weight) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    std::optional<TimePoint> retry_at = TryReserveLocked(weight, clock_());
    if (!retry_at) return window_index_;
    // Sleeps (no spinning) until the pause ends or the next window starts, then re-checks: a
    // pause set meanwhile by another thread is seen then.
    cv_.wait_until(lock, *retry_at);
  }
}

void WeightBudget::ObserveServerUsed(int64_t server_used, int64_t window_index, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  RollLocked(now);
  if (window_index == window_index_) used_ = std::max(used_, server_used);
}

void WeightBudget::PauseUntil(TimePoint until) {
  std::lock_guard<std::mutex> lock(mu_);
  paused_until_ = std::max(paused_until_, until);
}

int64_t WeightBudget::Used(TimePoint now) const {
  std::lock_guard<std::mutex> lock(mu_);
  RollLocked(now);
  return used_;
}

WeightBudget::TimePoint WeightBudget::paused_until() const {
  std::lock_guard<std::mutex> lock(mu_);
  return paused_until_;
}

}  // namespace cryptolake::rest
