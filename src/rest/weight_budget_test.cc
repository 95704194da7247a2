#include "weight_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

namespace cryptolake::rest {
namespace {

using std::chrono::milliseconds;
using TimePoint = WeightBudget::TimePoint;

TimePoint At(int64_t ms) { return TimePoint(milliseconds(ms)); }

// A clock the test moves by hand.
struct FakeClock {
  std::atomic<int64_t> ms{0};
  WeightBudget::Clock fn() {
    return [this] { return At(ms.load()); };
  }
};

TEST(WeightBudgetTest, BudgetIsTheFractionOfTheLimit) {
  EXPECT_EQ(WeightBudget(6000, 0.8, milliseconds(60'000)).budget(), 4800);
  EXPECT_EQ(WeightBudget(60, 0.8, milliseconds(60'000)).budget(), 48);
  EXPECT_EQ(WeightBudget(1, 0.5, milliseconds(60'000)).budget(), 1);
}

TEST(WeightBudgetTest, ReservesUntilTheBudgetThenWaitsForTheNextWindow) {
  FakeClock clock;
  WeightBudget b(10, 1.0, milliseconds(1000), clock.fn());
  EXPECT_FALSE(b.TryReserve(4, At(100)).has_value());
  EXPECT_FALSE(b.TryReserve(4, At(200)).has_value());
  EXPECT_EQ(b.Used(At(200)), 8);
  auto retry = b.TryReserve(4, At(300));  // 12 > 10
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(*retry, At(1000));
  EXPECT_EQ(b.Used(At(300)), 8);                        // nothing reserved by the refusal
  EXPECT_FALSE(b.TryReserve(2, At(400)).has_value());   // exactly 10 fits
  EXPECT_FALSE(b.TryReserve(4, At(1000)).has_value());  // new window
  EXPECT_EQ(b.Used(At(1500)), 4);
  EXPECT_EQ(b.Used(At(2000)), 0);
}

TEST(WeightBudgetTest, FractionKeepsHeadroom) {
  WeightBudget b(10, 0.5, milliseconds(1000));
  EXPECT_FALSE(b.TryReserve(5, At(0)).has_value());
  EXPECT_TRUE(b.TryReserve(1, At(1)).has_value());
}

TEST(WeightBudgetTest, RequestHeavierThanTheBudgetPassesInAnEmptyWindow) {
  WeightBudget b(10, 0.5, milliseconds(1000));
  EXPECT_FALSE(b.TryReserve(20, At(0)).has_value());
  EXPECT_TRUE(b.TryReserve(20, At(10)).has_value());
  EXPECT_FALSE(b.TryReserve(20, At(1000)).has_value());
}

TEST(WeightBudgetTest, ServerCountRaisesTheLocalCount) {
  WeightBudget b(100, 1.0, milliseconds(1000));
  EXPECT_FALSE(b.TryReserve(10, At(0)).has_value());
  b.ObserveServerUsed(95, b.WindowIndex(At(0)), At(5));  // other clients of the IP
  EXPECT_EQ(b.Used(At(5)), 95);
  EXPECT_TRUE(b.TryReserve(10, At(6)).has_value());
  b.ObserveServerUsed(50, b.WindowIndex(At(0)), At(7));  // never lowers it
  EXPECT_EQ(b.Used(At(7)), 95);
  // A report about the previous window does not leak into the next one.
  b.ObserveServerUsed(99, b.WindowIndex(At(0)), At(1001));
  EXPECT_EQ(b.Used(At(1001)), 0);
}

TEST(WeightBudgetTest, PauseBlocksEveryReservationUntilItEnds) {
  WeightBudget b(100, 1.0, milliseconds(1000));
  b.PauseUntil(At(2500));
  b.PauseUntil(At(1500));  // an earlier end does not shorten the pause
  auto retry = b.TryReserve(1, At(10));
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(*retry, At(2500));
  EXPECT_TRUE(b.TryReserve(1, At(2499)).has_value());
  EXPECT_FALSE(b.TryReserve(1, At(2500)).has_value());
}

TEST(WeightBudgetTest, ReserveBlocksUntilTheClockReachesTheNextWindow) {
  // The blocking form with the real clock and a short window: threads reserving more than one
  // window's budget must span at least two windows.
  WeightBudget b(10, 1.0, milliseconds(200));
  std::vector<int64_t> windows(6);
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] { windows[i] = b.Reserve(4); });
  }
  for (auto& t : threads) t.join();
  std::map<int64_t, int> per_window;
  for (int64_t w : windows) per_window[w] += 4;
  EXPECT_GE(per_window.size(), 3u);  // 24 weight at most 10 (two of 4) per window
  for (auto& [w, used] : per_window) EXPECT_LE(used, 10) << "window " << w;
}

}  // namespace
}  // namespace cryptolake::rest
