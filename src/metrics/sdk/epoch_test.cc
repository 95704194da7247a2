// Tests of the recording path's epoch reclamation (epoch.h).
#include "epoch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace cryptolake::metrics::internal {
namespace {

TEST(EpochTest, GuardMarksThisThreadActiveAndClearsOnExit) {
  { ReadGuard warm_up; }  // Gives this thread its record.
  ASSERT_NE(tl_epoch_record, nullptr);
  EXPECT_EQ(tl_epoch_record->active.load(), 0u);
  {
    ReadGuard guard;
    EXPECT_NE(tl_epoch_record->active.load(), 0u);
  }
  EXPECT_EQ(tl_epoch_record->active.load(), 0u);
}

// A guard taken inside another (a signal handler that records while this
// thread is recording) must not end the outer guard's protection early.
TEST(EpochTest, NestedGuardLeavesTheOuterOneActive) {
  ReadGuard outer;
  const uint64_t epoch = tl_epoch_record->active.load();
  ASSERT_NE(epoch, 0u);
  { ReadGuard inner; }
  EXPECT_EQ(tl_epoch_record->active.load(), epoch);
}

// SynchronizeReaders waits for a guard entered before it, and only for that.
TEST(EpochTest, SynchronizeWaitsForAGuardEnteredBefore) {
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
  std::atomic<bool> left{false};
  std::thread reader([&] {
    ReadGuard guard;
    entered.store(true);
    while (!release.load()) std::this_thread::yield();
    left.store(true);
  });
  while (!entered.load()) std::this_thread::yield();
  std::atomic<bool> synchronized{false};
  std::thread collector([&] {
    SynchronizeReaders();
    synchronized.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(synchronized.load());  // Still waiting for the reader's guard.
  release.store(true);
  collector.join();
  EXPECT_TRUE(left.load());
  reader.join();
  SynchronizeReaders();  // No guard active: returns at once.
}

}  // namespace
}  // namespace cryptolake::metrics::internal
