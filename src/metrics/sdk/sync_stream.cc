#include "sync_stream.h"

#include <cmath>
#include <cstddef>
#include <new>
#include <type_traits>

#include "aggregators.h"
#include "cryptolake/common/thread_annotations.h"
#include "epoch.h"
#include "series_table.h"

namespace cryptolake::metrics::internal {
namespace {

// Int64 sum series get an owned lane (instruments.h) when first bound.
template <typename Agg>
inline constexpr bool kHasOwnedLane = std::is_same_v<typename Agg::Cell, Int64SumCell>;

struct NoLane {};

// One series, in one allocation: the fields the recording path touches
// (cell, hash, attribute count), then the packed attribute block
// (packed_attributes.h) at a fixed offset from the series pointer, so a
// lookup reads it without loading another pointer first, then the fields
// only the collector uses (Cold).
//
// Not cache-line aligned on purpose: alignment would add a third to the
// memory of a counter series (see docs/benchmarks.md). The order keeps two
// threads recording into distinct series off each other's cache lines: the
// only field written on the recording path, the cell, is at the start, and
// the series' last bytes read on that path (its block) end at least 48 bytes
// (Cold, padded) before the next chunk's cell; malloc aligns chunks to 16
// bytes, so a 64-byte line holding a cell starts at most 48 bytes before it
// and never reaches into another series' block.
template <typename Agg>
struct Series {
  using Acc = typename Agg::Acc;
  struct Cold {
    uint64_t start_ns = 0;
    std::atomic<int32_t> bound_refs{0};
    // Holds one of the stream's cardinality_limit places (guarded by the
    // stream mutex; fills padding before `lane`).
    bool counted = false;
    // Created by the first Bind, under the stream mutex; freed with the series.
    [[no_unique_address]] std::conditional_t<kHasOwnedLane<Agg>, std::unique_ptr<Int64OwnedLane>,
                                             NoLane>
        lane;
    // Per-reader accumulations, guarded by the stream mutex. The first lives
    // inline: most providers have a single reader.
    Acc first_acc;
    std::unique_ptr<Acc[]> more_accs;
  };
  static constexpr size_t kColdBytes = sizeof(Cold) < 48 ? 48 : sizeof(Cold);

  typename Agg::Cell cell;
  uint64_t hash = 0;
  uint32_t attribute_count = 0;
  uint32_t block_bytes = 0;

  PackedAttributesView attributes() const {
    return {reinterpret_cast<const uint8_t*>(this + 1), attribute_count};
  }
  Cold& cold() {
    return *std::launder(
        reinterpret_cast<Cold*>(reinterpret_cast<unsigned char*>(this + 1) + block_bytes));
  }
  Acc& acc(size_t reader) {
    Cold& c = cold();
    return reader == 0 ? c.first_acc : c.more_accs[reader - 1];
  }

  // Allocates a series with room for, and a copy of, `attributes`.
  static Series* New(const CanonicalAttributes& attributes) {
    static_assert(alignof(Series) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__ && sizeof(Series) % 8 == 0);
    static_assert(alignof(Cold) <= 8, "Cold follows a block of a multiple of 8 bytes");
    const size_t block_bytes = PackedAttributesView::BlockBytes(attributes);
    void* memory = ::operator new(sizeof(Series) + block_bytes + kColdBytes);
    auto* s = new (memory) Series();
    s->attribute_count = static_cast<uint32_t>(attributes.size());
    s->block_bytes = static_cast<uint32_t>(block_bytes);
    PackedAttributesView::Pack(attributes, reinterpret_cast<uint8_t*>(s + 1));
    new (reinterpret_cast<unsigned char*>(s + 1) + block_bytes) Cold();
    return s;
  }
  static void Delete(Series* s) {
    if (s == nullptr) return;
    s->cold().~Cold();
    s->~Series();
    ::operator delete(s);
  }
};
static_assert(sizeof(Series<SumAggregator<int64_t>>) <= 64,
              "the recording path's fields fit one cache line");
static_assert(Series<SumAggregator<int64_t>>::kColdBytes == 48,
              "the owned-lane pointer costs a counter series no memory");

template <typename Agg>
class SyncStreamImpl final : public SyncStream {
 public:
  using S = Series<Agg>;
  using V = typename Agg::Value;

  SyncStreamImpl(StreamSpec spec, Agg agg)
      : SyncStream(std::move(spec)),
        agg_(std::move(agg)),
        filters_(spec_.filters_attributes()),
        readers_(spec_.reader_temporality.size()),
        last_collect_ns_(readers_, 0),
        scratch_(agg_.NewAcc()) {}

  ~SyncStreamImpl() override {
    table_.ForEach([](S* s) { S::Delete(s); });
    S::Delete(empty_.load(std::memory_order_relaxed));
    S::Delete(overflow_);
  }

  // flatten: attribute canonicalisation and the lookup are inlined whole
  // (slow paths are noinline).
  [[gnu::flatten]] void RecordInt64(int64_t value, Attributes attributes) noexcept override {
    CanonicalAttributes canonical(attributes, CanonicalAttributes::UncheckedKeys{});
    Record(static_cast<V>(value), canonical);
  }
  [[gnu::flatten]] void RecordDouble(double value, Attributes attributes) noexcept override {
    if (!std::isfinite(value)) return;
    CanonicalAttributes canonical(attributes, CanonicalAttributes::UncheckedKeys{});
    Record(static_cast<V>(value), canonical);
  }
  std::shared_ptr<BoundRecorder> Bind(Attributes attributes) override {
    CanonicalAttributes canonical(attributes);
    std::vector<std::unique_ptr<BoundSeries>> targets;
    targets.push_back(BindSeries(canonical));
    return MakeBoundRecorder(std::move(targets));
  }

  [[gnu::flatten]] void RecordCanonicalInt64(
      int64_t value, const CanonicalAttributes& attributes) noexcept override {
    Record(static_cast<V>(value), attributes);
  }
  [[gnu::flatten]] void RecordCanonicalDouble(
      double value, const CanonicalAttributes& attributes) noexcept override {
    Record(static_cast<V>(value), attributes);
  }

  std::unique_ptr<BoundSeries> BindSeries(const CanonicalAttributes& attributes) override
      EXCLUDES(mu_) {
    CanonicalAttributes filtered;
    const CanonicalAttributes& a = Filter(attributes, &filtered);
    MutexLock lock(mu_);
    S* s = FindOrCreateLocked(a, /*for_bind=*/true);
    if constexpr (kHasOwnedLane<Agg>) {
      if (s->cold().lane == nullptr) {
        s->cold().lane = std::make_unique<Int64OwnedLane>();
      } else {
        ReleaseLaneOfExitedOwner(*s->cold().lane);  // E.g. bound again by a new thread.
      }
    }
    s->cold().bound_refs.fetch_add(1, std::memory_order_relaxed);
    return std::make_unique<Bound>(std::static_pointer_cast<SyncStreamImpl>(shared_from_this()), s);
  }

  void Collect(size_t reader, uint64_t now_ns, std::vector<MetricData>* out) override
      EXCLUDES(mu_) {
    MutexLock lock(mu_);
    const AggregationTemporality temporality = spec_.reader_temporality[reader];
    MetricData md = agg_.NewMetricData(temporality);
    md.name = spec_.name;
    md.description = spec_.description;
    md.unit = spec_.unit;
    const uint64_t previous = last_collect_ns_[reader];
    const bool may_forget = spec_.all_readers_delta();
    std::vector<S*> stale;
    const size_t points = count_ + 1;
    std::visit([points](auto& d) { d.points.reserve(points); }, md.data);

    // (Lambdas are analysed on their own: they state what they need.)
    auto process = [&](S* s) REQUIRES(mu_) -> bool {
      const bool had = Drain(s);
      if (had) {
        for (size_t i = 0; i < readers_; ++i) agg_.Merge(s->acc(i), scratch_);
      }
      if (s != overflow_ && !s->cold().counted && HasAnyDataLocked(s)) {
        // Measurements that reached a series after it gave its place back
        // (ReleaseIdleLocked): they keep their set while the limit allows,
        // else they join the overflow series (processed last).
        if (count_ < LimitLocked()) {
          CountLocked(s);
        } else {
          S* overflow = OverflowLocked();
          for (size_t i = 0; i < readers_; ++i) {
            agg_.Merge(overflow->acc(i), s->acc(i));
            agg_.Clear(s->acc(i));
          }
        }
      }
      typename Agg::Acc& mine = s->acc(reader);
      // Data drained earlier in the interval (ReleaseIdleLocked) counts as
      // activity too: such a series is not forgotten.
      const bool exported = agg_.HasData(mine);
      if (exported) {
        uint64_t start = s->cold().start_ns;
        if (temporality == AggregationTemporality::kDelta && previous != 0) start = previous;
        agg_.AppendPoint(mine, PointContext{s->attributes().ToAttributeSet(), start, now_ns}, &md);
        if (temporality == AggregationTemporality::kDelta) agg_.Clear(mine);
      }
      // Acquire: the adds of a bound handle that is gone were drained above.
      if (exported || s->cold().bound_refs.load(std::memory_order_acquire) > 0) return true;
      return HasAnyDataLocked(s);
    };

    if (S* s = empty_.load(std::memory_order_relaxed)) process(s);
    table_.ForEach([&](S* s) {
      mu_.AssumeHeld();  // Runs inside ForEach, under this function's lock.
      if (!process(s) && may_forget) stale.push_back(s);
    });
    if (overflow_ != nullptr) process(overflow_);

    if (!stale.empty()) ForgetLocked(stale);
    // A new interval: places of series idle in it can be given back again.
    if (may_forget) full_.store(false, std::memory_order_relaxed);
    last_collect_ns_[reader] = now_ns;
    if (HasPoints(md)) out->push_back(std::move(md));
  }

 private:
  class Bound final : public BoundSeries {
   public:
    Bound(std::shared_ptr<SyncStreamImpl> stream, S* series)
        : stream_(std::move(stream)), series_(series) {}
    // Release: the handle's adds happen before the collector may free the series.
    ~Bound() override { series_->cold().bound_refs.fetch_sub(1, std::memory_order_release); }
    void RecordInt64(int64_t value) noexcept override {
      stream_->agg_.Record(series_->cell, static_cast<V>(value));
    }
    void RecordDouble(double value) noexcept override {
      stream_->agg_.Record(series_->cell, static_cast<V>(value));
    }
    Int64SumCell* int64_sum_cell() noexcept override {
      if constexpr (kHasOwnedLane<Agg>) {
        return &series_->cell;
      } else {
        return nullptr;
      }
    }
    Int64OwnedLane* int64_owned_lane() noexcept override {
      if constexpr (kHasOwnedLane<Agg>) {
        return series_->cold().lane.get();
      } else {
        return nullptr;
      }
    }

   private:
    std::shared_ptr<SyncStreamImpl> stream_;  // Keeps the series alive.
    S* series_;
  };

  // Moves what the series received since the last drain into scratch_.
  bool Drain(S* s) REQUIRES(mu_) {
    bool had = agg_.Drain(s->cell, scratch_);
    if constexpr (kHasOwnedLane<Agg>) {
      if (Int64OwnedLane* lane = s->cold().lane.get()) {
        ReleaseLaneOfExitedOwner(*lane);
        // The owner stores `total`, then `updated` (release).
        const bool updated = lane->updated.exchange(false, std::memory_order_acquire);
        const int64_t total = lane->total.load(std::memory_order_relaxed);
        // Wrapping difference: `total` is never reset.
        const auto added = static_cast<int64_t>(static_cast<uint64_t>(total) -
                                                static_cast<uint64_t>(lane->collected));
        lane->collected = total;
        scratch_.value = static_cast<int64_t>(static_cast<uint64_t>(scratch_.value) +
                                              static_cast<uint64_t>(added));
        scratch_.has = scratch_.has || updated || added != 0;
        had = scratch_.has;
      }
    }
    return had;
  }

  static bool HasPoints(const MetricData& md) {
    return std::visit([](const auto& d) { return !d.points.empty(); }, md.data);
  }

  const CanonicalAttributes& Filter(const CanonicalAttributes& in,
                                    CanonicalAttributes* scratch) const noexcept {
    if (!spec_.filters_attributes()) return in;
    scratch->FilterFrom(in, spec_.has_allowed_keys ? &spec_.allowed_keys : nullptr,
                        spec_.excluded_keys);
    return *scratch;
  }

  [[gnu::always_inline]] void Record(V value, const CanonicalAttributes& attributes) noexcept {
    // The (large) scratch list is only built when the view filters keys, in
    // a function of its own so that the common path keeps a small frame.
    if (!filters_) [[likely]] {
      RecordFiltered(value, attributes);
    } else {
      RecordWithFilter(value, attributes);
    }
  }

  [[gnu::noinline]] void RecordWithFilter(V value, const CanonicalAttributes& attributes) noexcept {
    CanonicalAttributes filtered;
    RecordFiltered(value, Filter(attributes, &filtered));
  }

  [[gnu::always_inline]] void RecordFiltered(V value, const CanonicalAttributes& a) noexcept {
    if (a.size() == 0) {
      if (S* s = empty_.load(std::memory_order_acquire)) {
        agg_.Record(s->cell, value);
        return;
      }
    } else {
      const uint64_t hash = a.Hash();
      ReadGuard guard;
      if (S* s = table_.Find(hash, a)) [[likely]] {
        agg_.Record(s->cell, value);
        return;
      }
    }
    RecordMiss(value, a);
  }

  // A set without a series yet (or the empty set before its first use).
  [[gnu::noinline]] void RecordMiss(V value, const CanonicalAttributes& a) noexcept {
    // A list that may repeat a key (recording path) is canonicalised now:
    // last occurrence wins, then the lookup runs again.
    if (!a.keys_checked() && a.HasDuplicateKeys()) {
      CanonicalAttributes deduplicated{Attributes(std::span<const AttributeView>(&a[0], a.size()))};
      RecordFiltered(value, deduplicated);
      return;
    }
    // Stream full: new sets go to the overflow series (never freed) without
    // taking the mutex, so an attribute explosion does not serialise threads.
    if (full_.load(std::memory_order_acquire)) {
      agg_.Record(overflow_->cell, value);
      return;
    }
    // New series: outside any ReadGuard (the insert may synchronise).
    try {
      MutexLock lock(mu_);
      agg_.Record(FindOrCreateLocked(a, /*for_bind=*/false)->cell, value);
    } catch (...) {
      // Out of memory: the measurement is dropped rather than thrown.
    }
  }

  size_t LimitLocked() const REQUIRES(mu_) {
    return static_cast<size_t>(std::max(spec_.cardinality_limit, 1));
  }

  // True when one more series may count toward the limit. Under delta, a
  // full stream first takes back the places of series that received nothing
  // in the current interval.
  bool HasRoomLocked() REQUIRES(mu_) {
    if (count_ < LimitLocked()) return true;
    if (!spec_.all_readers_delta()) return false;
    ReleaseIdleLocked();
    return count_ < LimitLocked();
  }

  void CountLocked(S* s) REQUIRES(mu_) {
    s->cold().counted = true;
    ++count_;
  }

  bool HasAnyDataLocked(S* s) REQUIRES(mu_) {
    for (size_t i = 0; i < readers_; ++i) {
      if (agg_.HasData(s->acc(i))) return true;
    }
    return false;
  }

  // Delta only. A series that received nothing since the previous
  // collection (its cell is empty, no reader holds data of it) and is not
  // bound gives its place back; it stays in the table, so a later
  // measurement of its set still finds it without allocating. Such a
  // measurement lands in its cell as usual; Collect then counts the series
  // again if there is room, or moves that data to the overflow series.
  // Cells are drained into the readers' accumulations on the way (what
  // collection would do), which tells a series with data from an idle one.
  void ReleaseIdleLocked() REQUIRES(mu_) {
    auto release = [&](S* s) REQUIRES(mu_) {
      if (!s->cold().counted || s->cold().bound_refs.load(std::memory_order_acquire) > 0) return;
      if (Drain(s)) {
        for (size_t i = 0; i < readers_; ++i) agg_.Merge(s->acc(i), scratch_);
        return;
      }
      if (HasAnyDataLocked(s)) return;
      s->cold().counted = false;
      --count_;
    };
    if (S* s = empty_.load(std::memory_order_relaxed)) release(s);
    table_.ForEach([&](S* s) {
      mu_.AssumeHeld();  // Runs inside ForEach, under this function's lock.
      release(s);
    });
  }

  // The series of `a`, created if needed; the overflow series when `a` has
  // no place under the limit. A series found without a place (delta: it
  // gave it back, see ReleaseIdleLocked) takes one if there is room; if not,
  // a measurement still goes to it (as on the lock-free path, Collect
  // decides), but a binding goes to the overflow series: bound series
  // always hold a place.
  S* FindOrCreateLocked(const CanonicalAttributes& a, bool for_bind) REQUIRES(mu_) {
    S* s = a.size() == 0 ? empty_.load(std::memory_order_relaxed) : table_.Find(a.Hash(), a);
    if (s != nullptr) {
      if (s->cold().counted) return s;
      if (HasRoomLocked()) {
        CountLocked(s);
        return s;
      }
      return for_bind ? OverflowLocked() : s;
    }
    if (!HasRoomLocked()) return OverflowLocked();
    if (a.size() == 0) {
      s = NewSeries(a, 0);
      empty_.store(s, std::memory_order_release);
      CountLocked(s);
      return s;
    }
    std::unique_ptr<S, decltype(&S::Delete)> created(NewSeries(a, a.Hash()), &S::Delete);
    table_.Insert(created.get());  // May grow the table; freed again if that fails.
    CountLocked(created.get());
    return created.release();
  }

  S* OverflowLocked() REQUIRES(mu_) {
    if (overflow_ == nullptr) {
      const AttributeView items[] = {{"otel.metric.overflow", true}};
      CanonicalAttributes a{Attributes(items)};
      overflow_ = NewSeries(a, 0);
    }
    // Published after overflow_ is set; cleared when forgetting frees room.
    full_.store(true, std::memory_order_release);
    return overflow_;
  }

  S* NewSeries(const CanonicalAttributes& a, uint64_t hash) {
    // Freed again if initialising the cell or accumulations runs out of memory.
    std::unique_ptr<S, decltype(&S::Delete)> s(S::New(a), &S::Delete);
    if constexpr (requires(const Agg& g, typename Agg::Cell& c) { g.InitCell(c); }) {
      agg_.InitCell(s->cell);
    }
    s->hash = hash;
    typename S::Cold& cold = s->cold();
    cold.start_ns = NowUnixNanos();
    cold.first_acc = agg_.NewAcc();
    if (readers_ > 1) {
      cold.more_accs.reset(new typename Agg::Acc[readers_ - 1]);
      for (size_t i = 1; i < readers_; ++i) cold.more_accs[i - 1] = agg_.NewAcc();
    }
    return s.release();
  }

  // Unlinks series that stayed idle, waits out concurrent recorders, then
  // frees them, unless a recorder slipped a measurement in meanwhile: such a
  // series keeps its data and goes back into the table.
  void ForgetLocked(const std::vector<S*>& stale) REQUIRES(mu_) {
    for (S* s : stale) table_.Erase(s);
    SynchronizeReaders();
    for (S* s : stale) {
      if (Drain(s)) {
        for (size_t i = 0; i < readers_; ++i) agg_.Merge(s->acc(i), scratch_);
        try {
          table_.Insert(s);
          continue;
        } catch (...) {
          // Out of memory growing the table: the series (and what it
          // received since the last collection) is dropped, not leaked.
        }
        FreeLocked(s);
      } else {
        FreeLocked(s);
      }
    }
  }

  void FreeLocked(S* s) REQUIRES(mu_) {
    if (s->cold().counted) --count_;
    S::Delete(s);
    full_.store(false, std::memory_order_relaxed);
  }

  Agg agg_;
  const bool filters_;  // spec_.filters_attributes(), read on every record.
  const size_t readers_;
  // Guards the series' cold parts and everything below; lookups read table_
  // (under an epoch guard), empty_ and, once full_ is set, overflow_ without it.
  mutable Mutex mu_;
  SeriesTable<S> table_;
  std::atomic<S*> empty_{nullptr};
  S* overflow_ = nullptr;
  std::atomic<bool> full_{false};     // No room left: new sets go to overflow_.
  // Series holding a place under the limit (Cold::counted), at most the
  // limit. The overflow series is not one of them.
  size_t count_ GUARDED_BY(mu_) = 0;
  std::vector<uint64_t> last_collect_ns_ GUARDED_BY(mu_);
  typename Agg::Acc scratch_ GUARDED_BY(mu_);
};

class BoundRecorderImpl final : public BoundRecorder {
 public:
  explicit BoundRecorderImpl(std::vector<std::unique_ptr<BoundSeries>> targets)
      : targets_(std::move(targets)) {
    if (targets_.size() == 1) {
      int64_sum_cell_ = targets_[0]->int64_sum_cell();
      if (int64_sum_cell_ != nullptr) int64_owned_lane_ = targets_[0]->int64_owned_lane();
    }
  }
  void RecordInt64(int64_t value) noexcept override {
    for (auto& t : targets_) t->RecordInt64(value);
  }
  void RecordDouble(double value) noexcept override {
    if (!std::isfinite(value)) return;
    for (auto& t : targets_) t->RecordDouble(value);
  }

 private:
  std::vector<std::unique_ptr<BoundSeries>> targets_;
};

template <typename Agg>
std::shared_ptr<SyncStream> Make(StreamSpec spec, Agg agg) {
  return std::make_shared<SyncStreamImpl<Agg>>(std::move(spec), std::move(agg));
}

}  // namespace

std::shared_ptr<BoundRecorder> MakeBoundRecorder(
    std::vector<std::unique_ptr<BoundSeries>> targets) {
  return std::make_shared<BoundRecorderImpl>(std::move(targets));
}

std::shared_ptr<SyncStream> MakeSyncStream(const StreamSpec& spec) {
  const Aggregation& agg = spec.aggregation;
  const bool is_int = spec.value_type == InstrumentValueType::kInt64;
  switch (agg.kind) {
    case AggregationKind::kSum:
      if (is_int) return Make(spec, SumAggregator<int64_t>(spec.is_monotonic()));
      return Make(spec, SumAggregator<double>(spec.is_monotonic()));
    case AggregationKind::kLastValue:
      if (is_int) return Make(spec, LastValueAggregator<int64_t>());
      return Make(spec, LastValueAggregator<double>());
    case AggregationKind::kExplicitBucketHistogram: {
      ExplicitHistogramAggregator h(agg.boundaries, agg.record_min_max, spec.is_monotonic());
      return Make(spec, std::move(h));
    }
    case AggregationKind::kBase2ExponentialHistogram: {
      ExponentialHistogramAggregator h(agg.max_size, agg.max_scale, agg.record_min_max,
                                       spec.is_monotonic());
      return Make(spec, h);
    }
    case AggregationKind::kDefault:
    case AggregationKind::kDrop:
      break;
  }
  return nullptr;
}

}  // namespace cryptolake::metrics::internal
