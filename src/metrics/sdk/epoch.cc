#include "epoch.h"

#include <cassert>
#include <cstdlib>
#include <thread>

#include "cryptolake/metrics/instruments.h"

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace cryptolake::metrics::internal {

namespace {

// Records are never freed: a thread's record returns to the pool when the
// thread exits and is reused by a later thread, so the list stays as long as
// the largest number of threads that ever recorded at once.
std::atomic<EpochRecord*> g_records{nullptr};

// Releases the thread's record at thread exit. Kept apart from
// tl_epoch_record so the hot path reads a trivially destructible thread_local
// (no TLS init guard).
struct RecordReleaser {
  EpochRecord* record = nullptr;
  ~RecordReleaser() {
    if (record != nullptr) {
      // Forgotten first: a thread_local destructor that records after this
      // one ran must not keep using a record another thread may now take;
      // it acquires a fresh one (never released: a few bytes, once).
      tl_epoch_record = nullptr;
      tl_owner_token = 0;
      record->active.store(0, std::memory_order_release);
      record->in_use.store(false, std::memory_order_release);
    }
  }
};
thread_local RecordReleaser tl_releaser;

// Registers the process for expedited private membarrier once. Readers use
// the fence-free entry only when this succeeded, and the collector then
// always issues the barrier, so both sides agree for the process lifetime.
bool AsymmetricBarrierAvailable() {
#if defined(__linux__) && defined(__NR_membarrier)
  static const bool available = [] {
    const long commands = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (commands < 0 || (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
    return syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  }();
  return available;
#else
  return false;
#endif
}

// A full memory barrier on every running thread of the process: a reader that
// stored `active` before it is seen by our later loads, and a reader whose
// barrier comes first sees everything we stored before the call.
void ProcessWideBarrier() {
#if defined(__linux__) && defined(__NR_membarrier)
  if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0) return;
  // A child process after fork() starts unregistered (the registration
  // belongs to the address space) while its memory says "available":
  // register again and retry.
  if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 &&
      syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0) {
    return;
  }
#endif
  // Readers already skip their fence: continuing could free memory in use.
  std::abort();
}

}  // namespace

EpochRecord* AcquireEpochRecord() {
  tl_epoch_asymmetric = AsymmetricBarrierAvailable();
  EpochRecord* r = nullptr;
  for (EpochRecord* p = g_records.load(std::memory_order_acquire); p != nullptr; p = p->next) {
    bool expected = false;
    if (!p->in_use.load(std::memory_order_relaxed) &&
        p->in_use.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
      r = p;
      break;
    }
  }
  if (r == nullptr) {
    r = new EpochRecord();
    r->in_use.store(true, std::memory_order_relaxed);
    EpochRecord* head = g_records.load(std::memory_order_relaxed);
    do {
      r->next = head;
    } while (!g_records.compare_exchange_weak(head, r, std::memory_order_release,
                                              std::memory_order_relaxed));
  }
  tl_epoch_record = r;
  tl_owner_token = reinterpret_cast<uintptr_t>(r);
  tl_releaser.record = r;
  return r;
}

bool ClaimOwnedLane(Int64OwnedLane& lane) noexcept {
  if (tl_owner_token == 0) AcquireEpochRecord();
  const uintptr_t token = tl_owner_token;
  uintptr_t expected = Int64OwnedLane::kUnowned;
  // A signal handler on this thread may have claimed it meanwhile: then
  // `expected` is our own token.
  return lane.owner.compare_exchange_strong(expected, token, std::memory_order_acq_rel,
                                            std::memory_order_relaxed) ||
         expected == token;
}

void ReleaseLaneOfExitedOwner(Int64OwnedLane& lane) noexcept {
  // Acquire: pairs with the claim, after the record's construction.
  const uintptr_t owner = lane.owner.load(std::memory_order_acquire);
  if (owner == Int64OwnedLane::kUnowned) return;
  // Tokens are epoch records, which are never freed.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the token is the record's address.
  EpochRecord* r = reinterpret_cast<EpochRecord*>(owner);
  if (r->in_use.load(std::memory_order_relaxed)) return;
  // Hold the record while the lane changes hands, so no thread can take the
  // token (and believe it owns the lane) meanwhile. Acquire: the exited
  // owner's adds happen before anything done after the lane is reclaimed.
  bool expected = false;
  if (!r->in_use.compare_exchange_strong(expected, true, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
    return;
  }
  lane.owner.store(Int64OwnedLane::kUnowned, std::memory_order_release);
  r->in_use.store(false, std::memory_order_release);
}

void SynchronizeReaders() {
  assert(tl_epoch_record == nullptr ||
         tl_epoch_record->active.load(std::memory_order_relaxed) == 0);
  const bool asymmetric = AsymmetricBarrierAvailable();
  uint64_t target = g_epoch.fetch_add(1, std::memory_order_seq_cst) + 1;
  // Readers entering without a fence: make their `active` stores visible
  // (or make them see our unlinks) before we look at them.
  if (asymmetric) ProcessWideBarrier();
  for (EpochRecord* p = g_records.load(std::memory_order_acquire); p != nullptr; p = p->next) {
    for (int spins = 0;; ++spins) {
      uint64_t v = p->active.load(std::memory_order_seq_cst);
      if (v == 0 || v >= target) break;
      if (spins > 64) std::this_thread::yield();
    }
  }
}

}  // namespace cryptolake::metrics::internal
