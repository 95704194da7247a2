// Epoch-based memory reclamation for the recording path.
//
// Recording threads look series up in lock-free tables. Collection may unlink
// a series (delta forgetting) or replace a table (growth); it must not free
// the old memory while a recording thread may still hold a pointer to it.
// A recording thread wraps its lookup+update in a ReadGuard; the collector,
// after unlinking, calls SynchronizeReaders(), which returns once every guard
// that was active when it was called has ended. Then the memory is free.
//
// Cost on the recording path: two plain stores to a cache line owned by the
// thread (entry and exit), no fence. The store-load ordering the protocol
// needs (the reader's "I am active" before its table reads, against the
// collector's unlink before its check of the readers) is paid entirely by the
// collector: SynchronizeReaders() issues a process-wide memory barrier
// (Linux membarrier, private expedited) between the two, which makes every
// running thread execute a full fence. Where membarrier is unavailable the
// reader falls back to a seq_cst store (a full fence) on entry.
//
// Thread-safety: ReadGuard is per thread; a nested guard (a signal handler
// recording inside another recording) is a no-op and the outer one covers it. SynchronizeReaders
// may be called from any thread that is NOT inside a ReadGuard; it blocks only until the current
// readers finish their (short, non-blocking) critical sections.
#ifndef CRYPTOLAKE_SRC_METRICS_EPOCH_H_
#define CRYPTOLAKE_SRC_METRICS_EPOCH_H_

#include <atomic>
#include <cstdint>

namespace cryptolake::metrics::internal {

// One per recording thread, written twice per recording. 128-byte aligned:
// two threads' records never share a line, nor the pair of lines that
// adjacent-line prefetchers fetch together.
struct alignas(128) EpochRecord {
  std::atomic<uint64_t> active{0};  // 0 = quiescent, else the epoch at entry.
  std::atomic<bool> in_use{false};
  EpochRecord* next = nullptr;
};

// Inline definitions with constant initialisers: the hot path then reads the
// thread-locals directly, without a TLS wrapper call.
inline std::atomic<uint64_t> g_epoch{1};
inline thread_local EpochRecord* tl_epoch_record = nullptr;
// True once this thread knows the collector issues a process-wide barrier
// (set with tl_epoch_record, never changes afterwards).
inline thread_local bool tl_epoch_asymmetric = false;

// Slow path: gives this thread its record (allocated once per thread).
EpochRecord* AcquireEpochRecord();

class ReadGuard {
 public:
  [[gnu::always_inline]] ReadGuard() noexcept {
    EpochRecord* r = tl_epoch_record;
    if (r == nullptr) [[unlikely]]
      r = AcquireEpochRecord();
    // Nested (e.g. a signal handler recording while this thread is inside a
    // guard): the outer guard already holds the epoch and will clear it.
    if (r->active.load(std::memory_order_relaxed) != 0) [[unlikely]] {
      record_ = nullptr;
      return;
    }
    record_ = r;
    // Acquire: a reader that sees the collector's new epoch also sees what
    // the collector unlinked before bumping it.
    const uint64_t epoch = g_epoch.load(std::memory_order_acquire);
    if (tl_epoch_asymmetric) [[likely]] {
      // The collector's process-wide barrier orders this store before our
      // table reads: either the collector sees us active, or we see the
      // unlinked state. Only the compiler must not move the reads up.
      r->active.store(epoch, std::memory_order_relaxed);
      std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
      // seq_cst pairs with the collector's unlink + epoch bump (Dekker).
      r->active.store(epoch, std::memory_order_seq_cst);
    }
  }
  [[gnu::always_inline]] ~ReadGuard() {
    if (record_ != nullptr) [[likely]]
      record_->active.store(0, std::memory_order_release);
  }
  ReadGuard(const ReadGuard&) = delete;
  ReadGuard& operator=(const ReadGuard&) = delete;

 private:
  EpochRecord* record_;  // Null for a nested guard.
};

struct Int64OwnedLane;  // cryptolake/metrics/instruments.h

// Makes `lane` unowned again if its owner thread has exited and no thread has
// taken over its token since, so that the next thread to add claims it.
// Lanes of live threads are left alone: ownership never moves between live
// threads, since an owned add may be under way at any moment.
// REQUIRES: no other thread calls this for `lane` concurrently.
void ReleaseLaneOfExitedOwner(Int64OwnedLane& lane) noexcept;

// Waits until every ReadGuard entered before this call has been left.
// REQUIRES: the calling thread is not inside a ReadGuard.
void SynchronizeReaders();

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_EPOCH_H_
