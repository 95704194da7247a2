#include "metrics/epoch.h"

#include <cassert>
#include <thread>

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
      record->active.store(0, std::memory_order_release);
      record->in_use.store(false, std::memory_order_release);
    }
  }
};
thread_local RecordReleaser tl_releaser;

}  // namespace

EpochRecord* AcquireEpochRecord() {
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
  tl_releaser.record = r;
  return r;
}

void SynchronizeReaders() {
  assert(tl_epoch_depth == 0);
  uint64_t target = g_epoch.fetch_add(1, std::memory_order_seq_cst) + 1;
  for (EpochRecord* p = g_records.load(std::memory_order_acquire); p != nullptr; p = p->next) {
    for (int spins = 0;; ++spins) {
      uint64_t v = p->active.load(std::memory_order_seq_cst);
      if (v == 0 || v >= target) break;
      if (spins > 64) std::this_thread::yield();
    }
  }
}

}  // namespace cryptolake::metrics::internal
