// SeriesTable: a lock-free-for-readers open-addressing hash table of series
// pointers.
//
// Find() runs concurrently with Insert()/Erase() as long as the caller holds
// an epoch ReadGuard; Insert/Erase/ForEach are called under the owning
// stream's mutex. Erased slots become tombstones (a lookup never stops at
// one); growth and tombstone clean-up build a new array, publish it and free
// the old one after SynchronizeReaders().
//
// Each slot holds the series pointer with 16 bits of the series' hash in the
// pointer's unused top bits (x86-64 user-space addresses fit in 48 bits).
// A lookup dereferences only series whose tag matches: probing past another
// series never reads that series' memory, whose cell another thread may be
// writing (reading it would pull the line away from that thread at every
// add). An array whose pointers do not all fit in 48 bits stores them
// untagged and dereferences every candidate.
//
// Thread-safety: as above.
#ifndef CRYPTOLAKE_SRC_METRICS_SERIES_TABLE_H_
#define CRYPTOLAKE_SRC_METRICS_SERIES_TABLE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <new>

#include "epoch.h"
#include "packed_attributes.h"

namespace cryptolake::metrics::internal {

// S must have `uint64_t hash` and `PackedAttributesView attributes() const`.
template <typename S>
class SeriesTable {
 public:
  SeriesTable() : table_(Array::New(kMinCapacity, /*tagged=*/kTaggingPossible)) {}
  ~SeriesTable() { Array::Delete(table_.load(std::memory_order_relaxed)); }
  SeriesTable(const SeriesTable&) = delete;
  SeriesTable& operator=(const SeriesTable&) = delete;

  // REQUIRES: inside a ReadGuard, or the owner's mutex held.
  [[gnu::always_inline]] S* Find(uint64_t hash,
                                 const CanonicalAttributes& attributes) const noexcept {
    const Array* a = table_.load(std::memory_order_seq_cst);
    const uint64_t want = Tag(hash);
    for (size_t i = hash & a->mask;; i = (i + 1) & a->mask) {
      const uint64_t word = a->slots()[i].load(std::memory_order_seq_cst);
      if (word == 0) return nullptr;
      if (word == kTombstone) continue;
      if (a->tagged && (word >> kTagShift) != want) continue;  // Another series: not read.
      S* s = a->Pointer(word);
      if (s->hash == hash && s->attributes().Equals(attributes)) return s;
    }
  }

  // REQUIRES: owner's mutex held, not inside a ReadGuard, `s` not present.
  void Insert(S* s) {
    Array* a = table_.load(std::memory_order_relaxed);
    const bool fits = (static_cast<uint64_t>(reinterpret_cast<uintptr_t>(s)) >> kTagShift) == 0;
    if ((live_ + tombstones_ + 1) * 2 > a->mask + 1 || (a->tagged && !fits)) {
      a = Rebuild(/*tagged=*/a->tagged && fits);
    }
    for (size_t i = s->hash & a->mask;; i = (i + 1) & a->mask) {
      const uint64_t cur = a->slots()[i].load(std::memory_order_relaxed);
      if (cur == 0 || cur == kTombstone) {
        if (cur == kTombstone) --tombstones_;
        a->slots()[i].store(Word(s, a->tagged), std::memory_order_seq_cst);
        ++live_;
        return;
      }
    }
  }

  // REQUIRES: owner's mutex held; `s` present. The caller frees `s` only
  // after SynchronizeReaders().
  void Erase(S* s) {
    Array* a = table_.load(std::memory_order_relaxed);
    const uint64_t word = Word(s, a->tagged);
    for (size_t i = s->hash & a->mask;; i = (i + 1) & a->mask) {
      const uint64_t cur = a->slots()[i].load(std::memory_order_relaxed);
      if (cur == 0) return;
      if (cur == word) {
        a->slots()[i].store(kTombstone, std::memory_order_seq_cst);
        --live_;
        ++tombstones_;
        return;
      }
    }
  }

  // Calls f(S*) for every series. REQUIRES: owner's mutex held; f must not
  // insert or erase.
  template <typename F>
  void ForEach(F&& f) const {
    const Array* a = table_.load(std::memory_order_relaxed);
    for (size_t i = 0; i <= a->mask; ++i) {
      const uint64_t word = a->slots()[i].load(std::memory_order_relaxed);
      if (word != 0 && word != kTombstone) f(a->Pointer(word));
    }
  }

  size_t size() const { return live_; }
  size_t capacity() const { return table_.load(std::memory_order_relaxed)->mask + 1; }
  // True while every slot carries a hash tag (for tests).
  bool tagged() const { return table_.load(std::memory_order_relaxed)->tagged; }

 private:
  static constexpr size_t kMinCapacity = 16;
  static constexpr int kTagShift = 48;
  static constexpr uint64_t kPointerMask = (uint64_t{1} << kTagShift) - 1;
  // Never a valid series address, and never a tagged word (tag bits zero).
  static constexpr uint64_t kTombstone = 1;
  static constexpr bool kTaggingPossible = sizeof(void*) == 8;

  // Never zero, so a tagged word always differs from an untagged one.
  static uint64_t Tag(uint64_t hash) { return (hash >> kTagShift) | 1; }
  static S* Untag(uint64_t word) {
    return reinterpret_cast<S*>(static_cast<uintptr_t>(word & kPointerMask));
  }
  static uint64_t Word(S* s, bool tagged) {
    const auto p = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(s));
    return tagged ? p | (Tag(s->hash) << kTagShift) : p;
  }

  // The mask and mode followed, in the same allocation, by the slots: a
  // lookup loads the array pointer and then a slot, with no pointer to the
  // slots between.
  struct Array {
    size_t mask;
    bool tagged;

    std::atomic<uint64_t>* slots() { return reinterpret_cast<std::atomic<uint64_t>*>(this + 1); }
    const std::atomic<uint64_t>* slots() const {
      return reinterpret_cast<const std::atomic<uint64_t>*>(this + 1);
    }
    S* Pointer(uint64_t word) const {
      return tagged ? Untag(word) : reinterpret_cast<S*>(static_cast<uintptr_t>(word));
    }

    static Array* New(size_t capacity, bool tagged) {
      static_assert(sizeof(Array) % alignof(std::atomic<uint64_t>) == 0);
      void* memory = ::operator new(sizeof(Array) + capacity * sizeof(std::atomic<uint64_t>));
      auto* a = new (memory) Array{capacity - 1, tagged};
      for (size_t i = 0; i < capacity; ++i) new (&a->slots()[i]) std::atomic<uint64_t>(0);
      return a;
    }
    // The slots hold plain words: nothing to destroy.
    static void Delete(Array* a) {
      a->~Array();
      ::operator delete(a);
    }
  };

  Array* Rebuild(bool tagged) {
    size_t capacity = kMinCapacity;
    while (capacity < (live_ + 1) * 4) capacity *= 2;
    Array* old = table_.load(std::memory_order_relaxed);
    Array* fresh = Array::New(capacity, tagged);
    for (size_t i = 0; i <= old->mask; ++i) {
      const uint64_t word = old->slots()[i].load(std::memory_order_relaxed);
      if (word == 0 || word == kTombstone) continue;
      S* s = old->Pointer(word);
      for (size_t j = s->hash & fresh->mask;; j = (j + 1) & fresh->mask) {
        if (fresh->slots()[j].load(std::memory_order_relaxed) == 0) {
          fresh->slots()[j].store(Word(s, tagged), std::memory_order_relaxed);
          break;
        }
      }
    }
    table_.store(fresh, std::memory_order_seq_cst);
    tombstones_ = 0;
    // Readers that loaded the old array may still be probing it.
    SynchronizeReaders();
    Array::Delete(old);
    return fresh;
  }

  std::atomic<Array*> table_;
  size_t live_ = 0;
  size_t tombstones_ = 0;
};

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_SERIES_TABLE_H_
