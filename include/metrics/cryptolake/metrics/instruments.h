// Instrument handles: what instrumented code records through.
//
// Synchronous: Counter, UpDownCounter, Histogram, Gauge, each for int64_t and
// double, plus bound variants (BoundCounter...) for one fixed attribute set.
// Asynchronous: ObservableCounter, ObservableUpDownCounter, ObservableGauge,
// fed by callbacks that receive an ObserverResult at collection time.
//
// Handles are cheap to copy (one shared_ptr) and a default-constructed handle
// is a working no-op. Counter and Histogram ignore negative values and NaN as
// the API specification requires. A bound handle does the attribute
// processing, view filtering and cardinality check once, in Bind(); a bound
// int64 Counter/UpDownCounter Add is then a single add: unlocked on the
// thread that owns the series' lane (the first thread that adds through it),
// an atomic add on any other thread.
//
// Thread-safety: every recording method is noexcept and may be called from
// any number of threads concurrently. Bind(), AddCallback() and
// RemoveCallback() are thread-safe. Callbacks run on the collecting thread
// (a reader's thread or the caller of ManualReader::Collect), one collection
// at a time per provider; they must not block and must not create
// instruments.
#ifndef CRYPTOLAKE_METRICS_INSTRUMENTS_H_
#define CRYPTOLAKE_METRICS_INSTRUMENTS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "cryptolake/metrics/attributes.h"

// ThreadSanitizer does not see inline assembly: under it, owned adds use the
// portable form.
#if defined(__SANITIZE_THREAD__)
#define CRYPTOLAKE_METRICS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CRYPTOLAKE_METRICS_TSAN 1
#endif
#endif

namespace cryptolake::metrics {

// Receives the observations of one callback invocation.
template <typename T>
class ObserverResult {
 public:
  virtual ~ObserverResult() = default;
  // Reports `value` for `attributes`. When the same attribute set is reported
  // twice in one collection, the last value wins.
  virtual void Observe(T value, Attributes attributes = {}) noexcept = 0;
};

template <typename T>
using ObservableCallback = std::function<void(ObserverResult<T>&)>;

// Identifies one registered callback (0 = none).
using CallbackId = uint64_t;

namespace internal {

// The cell behind an int64 sum series. Implementation detail shared between
// bound handles and the SDK; not for direct use.
struct Int64SumCell {
  std::atomic<int64_t> value{0};
  std::atomic<bool> updated{false};  // Set by every Add, cleared by collection.

  void Add(int64_t v) noexcept {
    value.fetch_add(v, std::memory_order_relaxed);
    // Unconditional: the line is already exclusive after the add, and a
    // plain store does not wait for the locked add as a load would.
    updated.store(true, std::memory_order_release);
  }
};

// The calling thread's owner token for Int64OwnedLane: 0 until the thread
// first needs one, then the address of its epoch record (src/metrics/epoch.h),
// which identifies it among live threads; a token passes to a later thread
// only after the thread holding it has exited, and its release/acquire hand-
// over orders the old owner's adds before the new owner's. initial-exec: read
// with one %fs-relative load even from position-independent code (no
// __tls_get_addr call).
[[gnu::tls_model("initial-exec")]] inline thread_local uintptr_t tl_owner_token = 0;

// A second cell of a bound int64 sum series, written by one thread only (its
// owner: the first thread that adds through a bound handle of the series), so
// that thread's adds need no locked instruction. Other threads add to the
// series' Int64SumCell. `total` is never reset: the collector reads it and
// exports the difference to what it read last time (`collected`).
//
// An owned add is a single unlocked instruction on x86-64, so a signal
// handler recording on the owner thread cannot interleave with it; elsewhere
// (and under ThreadSanitizer) it is a relaxed fetch_add on the owner's line.
// 128-byte aligned: no other data shares its line or its adjacent-line pair.
struct alignas(128) Int64OwnedLane {
  static constexpr uintptr_t kUnowned = 1;  // Never a token (records are aligned).

  std::atomic<uintptr_t> owner{kUnowned};  // Set once, by ClaimOwnedLane.
  std::atomic<int64_t> total{0};           // Written by the owner only.
  std::atomic<bool> updated{false};        // Set by every owned add, cleared by collection.
  // Collector only (under the stream mutex), on the second line.
  alignas(64) int64_t collected = 0;

  // REQUIRES: the calling thread owns the lane.
  [[gnu::always_inline]] void AddOwned(int64_t v) noexcept {
#if defined(__x86_64__) && !defined(CRYPTOLAKE_METRICS_TSAN)
    // One instruction: atomic with respect to signal handlers on this thread,
    // and its aligned 8-byte store is single-copy atomic for the collector.
    static_assert(sizeof(total) == sizeof(int64_t));
    asm volatile("addq %1, %0" : "+m"(*reinterpret_cast<int64_t*>(&total)) : "er"(v));
#else
    total.fetch_add(v, std::memory_order_relaxed);
#endif
    updated.store(true, std::memory_order_release);
  }
};

// Slow path of a bound add on an unowned lane: makes the calling thread its
// owner unless another thread claimed it first. Returns whether the calling
// thread owns the lane.
bool ClaimOwnedLane(Int64OwnedLane& lane) noexcept;

// SDK side of a bound handle: records into the bound series of every stream
// of the instrument (one BoundSeries per stream in the SDK).
class BoundRecorder {
 public:
  virtual ~BoundRecorder() = default;
  virtual void RecordInt64(int64_t value) noexcept = 0;
  virtual void RecordDouble(double value) noexcept = 0;
  // Non-null when the handle feeds exactly one int64 sum series: then the
  // handle adds to it directly, without a virtual call, through the series'
  // owned lane (owner thread) or its cell (any other thread).
  Int64OwnedLane* int64_owned_lane() const { return int64_owned_lane_; }
  // Non-null whenever int64_owned_lane() is.
  Int64SumCell* int64_sum_cell() const { return int64_sum_cell_; }

 protected:
  Int64OwnedLane* int64_owned_lane_ = nullptr;
  Int64SumCell* int64_sum_cell_ = nullptr;
};

// SDK side of a synchronous instrument.
class SyncInstrument {
 public:
  virtual ~SyncInstrument() = default;
  virtual void RecordInt64(int64_t value, Attributes attributes) noexcept = 0;
  virtual void RecordDouble(double value, Attributes attributes) noexcept = 0;
  // Returns nullptr when nothing is recorded (e.g. every stream drops).
  virtual std::shared_ptr<BoundRecorder> Bind(Attributes attributes) = 0;
};

// SDK side of an asynchronous instrument (the handles are
// ObservableInstrument<T> and its subclasses).
class AsyncInstrument {
 public:
  virtual ~AsyncInstrument() = default;
  virtual CallbackId AddInt64Callback(ObservableCallback<int64_t> callback) = 0;
  virtual CallbackId AddDoubleCallback(ObservableCallback<double> callback) = 0;
  // Returns false when `id` is not registered on this instrument.
  virtual bool RemoveCallback(CallbackId id) = 0;
};

template <typename T>
inline void Record(SyncInstrument& impl, T value, Attributes attributes) noexcept {
  if constexpr (std::is_same_v<T, int64_t>) {
    impl.RecordInt64(value, attributes);
  } else {
    impl.RecordDouble(value, attributes);
  }
}

template <typename T>
inline void RecordBound(BoundRecorder& impl, T value) noexcept {
  if constexpr (std::is_same_v<T, int64_t>) {
    if (Int64OwnedLane* lane = impl.int64_owned_lane()) {
      const uintptr_t owner = lane->owner.load(std::memory_order_relaxed);
      // tl_owner_token is 0 or this thread's token; owner is never 0.
      // The first two branches are not merged: the likely path is one compare.
      if (owner == tl_owner_token) [[likely]] {  // NOLINT(bugprone-branch-clone)
        lane->AddOwned(value);
      } else if (owner == Int64OwnedLane::kUnowned && ClaimOwnedLane(*lane)) {
        lane->AddOwned(value);
      } else {
        impl.int64_sum_cell()->Add(value);
      }
      return;
    }
    impl.RecordInt64(value);
  } else {
    impl.RecordDouble(value);
  }
}

template <typename T>
inline constexpr bool kIsValue = std::is_same_v<T, int64_t> || std::is_same_v<T, double>;

// Common state of the synchronous handles.
template <typename T>
class SyncHandle {
  static_assert(kIsValue<T>, "instruments record int64_t or double");

 public:
  SyncHandle() = default;
  explicit SyncHandle(std::shared_ptr<SyncInstrument> impl) : impl_(std::move(impl)) {}
  // False for no-op handles (default-constructed, invalid name, no SDK).
  bool enabled() const { return impl_ != nullptr; }

 protected:
  std::shared_ptr<BoundRecorder> BindImpl(Attributes attributes) const {
    return impl_ ? impl_->Bind(attributes) : nullptr;
  }
  std::shared_ptr<SyncInstrument> impl_;
};

template <typename T>
class BoundHandle {
 public:
  BoundHandle() = default;
  explicit BoundHandle(std::shared_ptr<BoundRecorder> impl) : impl_(std::move(impl)) {}
  bool enabled() const { return impl_ != nullptr; }

 protected:
  std::shared_ptr<BoundRecorder> impl_;
};

}  // namespace internal

// A Counter bound to one attribute set. Releases its series when destroyed.
template <typename T>
class BoundCounter : public internal::BoundHandle<T> {
 public:
  using internal::BoundHandle<T>::BoundHandle;
  // Ignores negative values and NaN.
  void Add(T value) const noexcept {
    if (!(value >= 0) || !this->impl_) return;
    internal::RecordBound(*this->impl_, value);
  }
};

template <typename T>
class BoundUpDownCounter : public internal::BoundHandle<T> {
 public:
  using internal::BoundHandle<T>::BoundHandle;
  void Add(T value) const noexcept {
    if (this->impl_) internal::RecordBound(*this->impl_, value);
  }
};

template <typename T>
class BoundHistogram : public internal::BoundHandle<T> {
 public:
  using internal::BoundHandle<T>::BoundHandle;
  // Ignores negative values and NaN.
  void Record(T value) const noexcept {
    if (!(value >= 0) || !this->impl_) return;
    internal::RecordBound(*this->impl_, value);
  }
};

template <typename T>
class BoundGauge : public internal::BoundHandle<T> {
 public:
  using internal::BoundHandle<T>::BoundHandle;
  void Record(T value) const noexcept {
    if (this->impl_) internal::RecordBound(*this->impl_, value);
  }
};

// Monotonic sum. Negative increments (and NaN) are ignored.
template <typename T>
class Counter : public internal::SyncHandle<T> {
 public:
  using internal::SyncHandle<T>::SyncHandle;
  void Add(T value, Attributes attributes = {}) const noexcept {
    if (!(value >= 0) || !this->impl_) return;
    internal::Record(*this->impl_, value, attributes);
  }
  // Resolves `attributes` once; the returned handle records without lookup.
  // It counts toward the cardinality limit from now on, even before its first Add.
  BoundCounter<T> Bind(Attributes attributes) const {
    return BoundCounter<T>(this->BindImpl(attributes));
  }
};

// Non-monotonic sum.
template <typename T>
class UpDownCounter : public internal::SyncHandle<T> {
 public:
  using internal::SyncHandle<T>::SyncHandle;
  void Add(T value, Attributes attributes = {}) const noexcept {
    if (this->impl_) internal::Record(*this->impl_, value, attributes);
  }
  BoundUpDownCounter<T> Bind(Attributes attributes) const {
    return BoundUpDownCounter<T>(this->BindImpl(attributes));
  }
};

// Distribution of non-negative values. Negative values and NaN are ignored.
template <typename T>
class Histogram : public internal::SyncHandle<T> {
 public:
  using internal::SyncHandle<T>::SyncHandle;
  void Record(T value, Attributes attributes = {}) const noexcept {
    if (!(value >= 0) || !this->impl_) return;
    internal::Record(*this->impl_, value, attributes);
  }
  BoundHistogram<T> Bind(Attributes attributes) const {
    return BoundHistogram<T>(this->BindImpl(attributes));
  }
};

// Current value (synchronous gauge).
template <typename T>
class Gauge : public internal::SyncHandle<T> {
 public:
  using internal::SyncHandle<T>::SyncHandle;
  void Record(T value, Attributes attributes = {}) const noexcept {
    if (this->impl_) internal::Record(*this->impl_, value, attributes);
  }
  BoundGauge<T> Bind(Attributes attributes) const {
    return BoundGauge<T>(this->BindImpl(attributes));
  }
};

// Common shape of the asynchronous instruments.
template <typename T>
class ObservableInstrument {
  static_assert(internal::kIsValue<T>, "instruments record int64_t or double");

 public:
  ObservableInstrument() = default;
  ObservableInstrument(std::shared_ptr<internal::AsyncInstrument> impl,
                       CallbackId creation_callback_id)
      : impl_(std::move(impl)), creation_callback_id_(creation_callback_id) {}

  bool enabled() const { return impl_ != nullptr; }

  // Registers `callback`, invoked at every collection until removed.
  // Returns its id (0 for no-op instruments or an empty callback).
  CallbackId AddCallback(ObservableCallback<T> callback) const {
    if (!impl_ || !callback) return 0;
    if constexpr (std::is_same_v<T, int64_t>) {
      return impl_->AddInt64Callback(std::move(callback));
    } else {
      return impl_->AddDoubleCallback(std::move(callback));
    }
  }
  // Unregisters a callback. Once this returns, the callback is not running and
  // will not run again. Returns false when `id` is unknown.
  bool RemoveCallback(CallbackId id) const { return impl_ && impl_->RemoveCallback(id); }

  // Id of the callback passed at creation (0 when none was passed).
  CallbackId creation_callback_id() const { return creation_callback_id_; }

 private:
  std::shared_ptr<internal::AsyncInstrument> impl_;
  CallbackId creation_callback_id_ = 0;
};

template <typename T>
class ObservableCounter : public ObservableInstrument<T> {
 public:
  using ObservableInstrument<T>::ObservableInstrument;
};

template <typename T>
class ObservableUpDownCounter : public ObservableInstrument<T> {
 public:
  using ObservableInstrument<T>::ObservableInstrument;
};

template <typename T>
class ObservableGauge : public ObservableInstrument<T> {
 public:
  using ObservableInstrument<T>::ObservableInstrument;
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_INSTRUMENTS_H_
