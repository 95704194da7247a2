// Tests of the recording path's epoch reclamation (epoch.h).
#include "epoch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cryptolake/metrics/instruments.h"

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

// Owner tokens of bound-handle lanes are the threads' epoch records.
TEST(EpochTest, FirstThreadToClaimALaneOwnsIt) {
  Int64OwnedLane mine;
  EXPECT_TRUE(ClaimOwnedLane(mine));  // Gives this thread its token first.
  EXPECT_EQ(mine.owner.load(), tl_owner_token);
  EXPECT_TRUE(ClaimOwnedLane(mine));  // Claiming its own lane again succeeds.
  Int64OwnedLane lane;
  std::thread first([&] {
    EXPECT_TRUE(ClaimOwnedLane(lane));
    EXPECT_FALSE(ClaimOwnedLane(mine));
  });
  first.join();
  EXPECT_NE(lane.owner.load(), Int64OwnedLane::kUnowned);
  // The exited owner's token is not this thread's: the lane stays its.
  EXPECT_NE(lane.owner.load(), tl_owner_token);
  EXPECT_FALSE(ClaimOwnedLane(lane));
}

TEST(EpochTest, LaneOfAnExitedOwnerIsReleasedAndALiveOnesIsNot) {
  Int64OwnedLane lane;
  std::atomic<bool> claimed{false};
  std::atomic<bool> release{false};
  std::thread owner([&] {
    EXPECT_TRUE(ClaimOwnedLane(lane));
    lane.AddOwned(5);
    claimed.store(true);
    while (!release.load()) std::this_thread::yield();
  });
  while (!claimed.load()) std::this_thread::yield();
  const uintptr_t token = lane.owner.load();
  ReleaseLaneOfExitedOwner(lane);
  EXPECT_EQ(lane.owner.load(), token);  // The owner is alive.
  release.store(true);
  owner.join();
  ReleaseLaneOfExitedOwner(lane);
  EXPECT_EQ(lane.owner.load(), Int64OwnedLane::kUnowned);
  EXPECT_TRUE(ClaimOwnedLane(lane));
  lane.AddOwned(2);
  EXPECT_EQ(lane.total.load(), 7);
  EXPECT_TRUE(lane.updated.load());
}

}  // namespace
}  // namespace cryptolake::metrics::internal
