// SeriesTable: a lock-free-for-readers open-addressing hash table of series
// pointers.
//
// Find() runs concurrently with Insert()/Erase() as long as the caller holds
// an epoch ReadGuard; Insert/Erase/ForEach are called under the owning
// stream's mutex. Erased slots become tombstones (a lookup never stops at
// one); growth and tombstone clean-up build a new array, publish it and free
// the old one after SynchronizeReaders().
//
// Thread-safety: as above.
#ifndef CRYPTOLAKE_SRC_METRICS_SERIES_TABLE_H_
#define CRYPTOLAKE_SRC_METRICS_SERIES_TABLE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <new>

#include "metrics/epoch.h"
#include "metrics/packed_attributes.h"

namespace cryptolake::metrics::internal {

// S must have `uint64_t hash` and `PackedAttributesView attributes() const`.
template <typename S>
class SeriesTable {
 public:
  SeriesTable() : table_(Array::New(kMinCapacity)) {}
  ~SeriesTable() { Array::Delete(table_.load(std::memory_order_relaxed)); }
  SeriesTable(const SeriesTable&) = delete;
  SeriesTable& operator=(const SeriesTable&) = delete;

  // REQUIRES: inside a ReadGuard, or the owner's mutex held.
  [[gnu::always_inline]] S* Find(uint64_t hash,
                                 const CanonicalAttributes& attributes) const noexcept {
    const Array* a = table_.load(std::memory_order_seq_cst);
    for (size_t i = hash & a->mask;; i = (i + 1) & a->mask) {
      S* s = a->slots()[i].load(std::memory_order_seq_cst);
      if (s == nullptr) return nullptr;
      if (s != Tombstone() && s->hash == hash && s->attributes().Equals(attributes)) return s;
    }
  }

  // REQUIRES: owner's mutex held, not inside a ReadGuard, `s` not present.
  void Insert(S* s) {
    Array* a = table_.load(std::memory_order_relaxed);
    if ((live_ + tombstones_ + 1) * 2 > a->mask + 1) a = Rebuild();
    for (size_t i = s->hash & a->mask;; i = (i + 1) & a->mask) {
      S* cur = a->slots()[i].load(std::memory_order_relaxed);
      if (cur == nullptr || cur == Tombstone()) {
        if (cur == Tombstone()) --tombstones_;
        a->slots()[i].store(s, std::memory_order_seq_cst);
        ++live_;
        return;
      }
    }
  }

  // REQUIRES: owner's mutex held; `s` present. The caller frees `s` only
  // after SynchronizeReaders().
  void Erase(S* s) {
    Array* a = table_.load(std::memory_order_relaxed);
    for (size_t i = s->hash & a->mask;; i = (i + 1) & a->mask) {
      S* cur = a->slots()[i].load(std::memory_order_relaxed);
      if (cur == nullptr) return;
      if (cur == s) {
        a->slots()[i].store(Tombstone(), std::memory_order_seq_cst);
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
      S* s = a->slots()[i].load(std::memory_order_relaxed);
      if (s != nullptr && s != Tombstone()) f(s);
    }
  }

  size_t size() const { return live_; }
  size_t capacity() const { return table_.load(std::memory_order_relaxed)->mask + 1; }

 private:
  static constexpr size_t kMinCapacity = 16;

  // The mask followed, in the same allocation, by the slots: a lookup loads
  // the array pointer and then a slot, with no pointer to the slots between.
  struct Array {
    size_t mask;
    std::atomic<S*>* slots() { return reinterpret_cast<std::atomic<S*>*>(this + 1); }
    const std::atomic<S*>* slots() const {
      return reinterpret_cast<const std::atomic<S*>*>(this + 1);
    }

    static Array* New(size_t capacity) {
      static_assert(sizeof(Array) % alignof(std::atomic<S*>) == 0);
      void* memory = ::operator new(sizeof(Array) + capacity * sizeof(std::atomic<S*>));
      auto* a = new (memory) Array{capacity - 1};
      for (size_t i = 0; i < capacity; ++i) new (&a->slots()[i]) std::atomic<S*>(nullptr);
      return a;
    }
    // The slots hold plain pointers: nothing to destroy.
    static void Delete(Array* a) {
      a->~Array();
      ::operator delete(a);
    }
  };

  static S* Tombstone() { return reinterpret_cast<S*>(uintptr_t{1}); }

  Array* Rebuild() {
    size_t capacity = kMinCapacity;
    while (capacity < (live_ + 1) * 4) capacity *= 2;
    Array* fresh = Array::New(capacity);
    Array* old = table_.load(std::memory_order_relaxed);
    for (size_t i = 0; i <= old->mask; ++i) {
      S* s = old->slots()[i].load(std::memory_order_relaxed);
      if (s == nullptr || s == Tombstone()) continue;
      for (size_t j = s->hash & fresh->mask;; j = (j + 1) & fresh->mask) {
        if (fresh->slots()[j].load(std::memory_order_relaxed) == nullptr) {
          fresh->slots()[j].store(s, std::memory_order_relaxed);
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
