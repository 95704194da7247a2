#include "metrics/sync_stream.h"

#include <cstddef>
#include <mutex>
#include <new>
#include <type_traits>

#include "metrics/aggregators.h"
#include "metrics/epoch.h"
#include "metrics/series_table.h"

namespace cryptolake::metrics::internal {
namespace {

// One series. Not cache-line aligned on purpose: alignment would add a third
// to the memory of a counter series (see docs/benchmarks.md). Instead the
// fields the recording path touches (cell, hash, attributes: 40 bytes for a
// counter) come first and the cold ones after: a counter series takes a
// 96-byte heap chunk, so another series' cell is never within 64 bytes of
// this hot prefix, and two threads recording into distinct series do not
// share a cache line.
template <typename Agg>
struct Series {
  using Acc = typename Agg::Acc;

  typename Agg::Cell cell;
  uint64_t hash = 0;
  PackedAttributes attributes;
  uint64_t start_ns = 0;
  std::atomic<int32_t> bound_refs{0};
  // Per-reader accumulations, guarded by the stream mutex. The first lives
  // inline: most providers have a single reader.
  Acc first_acc;
  std::unique_ptr<Acc[]> more_accs;

  Acc& acc(size_t reader) { return reader == 0 ? first_acc : more_accs[reader - 1]; }
};
static_assert(offsetof(Series<SumAggregator<int64_t>>, start_ns) <= 40 &&
                  sizeof(Series<SumAggregator<int64_t>>) > 72,
              "the no-false-sharing argument above needs a hot prefix of at most 40 bytes "
              "and a heap chunk of at least 96 bytes");

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
    table_.ForEach([](S* s) { delete s; });
    delete empty_.load(std::memory_order_relaxed);
    delete overflow_;
  }

  // flatten: the lookup is inlined whole (slow paths are noinline).
  [[gnu::flatten]] void RecordInt64(int64_t value,
                                    const CanonicalAttributes& attributes) noexcept override {
    Record(static_cast<V>(value), attributes);
  }
  [[gnu::flatten]] void RecordDouble(double value,
                                     const CanonicalAttributes& attributes) noexcept override {
    Record(static_cast<V>(value), attributes);
  }

  std::unique_ptr<BoundTarget> Bind(const CanonicalAttributes& attributes) override {
    CanonicalAttributes filtered;
    const CanonicalAttributes& a = Filter(attributes, &filtered);
    std::lock_guard<std::mutex> lock(mu_);
    S* s = FindOrCreateLocked(a);
    s->bound_refs.fetch_add(1, std::memory_order_relaxed);
    return std::make_unique<Bound>(std::static_pointer_cast<SyncStreamImpl>(shared_from_this()), s);
  }

  void Collect(size_t reader, uint64_t now_ns, std::vector<MetricData>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    const AggregationTemporality temporality = spec_.reader_temporality[reader];
    MetricData md = agg_.NewMetricData(temporality);
    md.name = spec_.name;
    md.description = spec_.description;
    md.unit = spec_.unit;
    const uint64_t previous = last_collect_ns_[reader];
    const bool may_forget = spec_.all_readers_delta();
    std::vector<S*> stale;
    std::visit([this](auto& d) { d.points.reserve(count_ + 1); }, md.data);

    auto process = [&](S* s) -> bool {
      const bool had = agg_.Drain(s->cell, scratch_);
      if (had) {
        for (size_t i = 0; i < readers_; ++i) agg_.Merge(s->acc(i), scratch_);
      }
      typename Agg::Acc& mine = s->acc(reader);
      if (agg_.HasData(mine)) {
        uint64_t start = s->start_ns;
        if (temporality == AggregationTemporality::kDelta && previous != 0) start = previous;
        agg_.AppendPoint(mine, PointContext{s->attributes.ToAttributeSet(), start, now_ns}, &md);
        if (temporality == AggregationTemporality::kDelta) agg_.Clear(mine);
      }
      if (had || s->bound_refs.load(std::memory_order_relaxed) > 0) return true;
      for (size_t i = 0; i < readers_; ++i) {
        if (agg_.HasData(s->acc(i))) return true;
      }
      return false;
    };

    if (S* s = empty_.load(std::memory_order_relaxed)) process(s);
    table_.ForEach([&](S* s) {
      if (!process(s) && may_forget) stale.push_back(s);
    });
    if (overflow_ != nullptr) process(overflow_);

    if (!stale.empty()) ForgetLocked(stale);
    last_collect_ns_[reader] = now_ns;
    if (HasPoints(md)) out->push_back(std::move(md));
  }

  size_t series_count() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return count_ + (overflow_ != nullptr ? 1 : 0);
  }

 private:
  class Bound final : public BoundTarget {
   public:
    Bound(std::shared_ptr<SyncStreamImpl> stream, S* series)
        : stream_(std::move(stream)), series_(series) {}
    ~Bound() override { series_->bound_refs.fetch_sub(1, std::memory_order_relaxed); }
    void RecordInt64(int64_t value) noexcept override {
      stream_->agg_.Record(series_->cell, static_cast<V>(value));
    }
    void RecordDouble(double value) noexcept override {
      stream_->agg_.Record(series_->cell, static_cast<V>(value));
    }
    Int64SumCell* int64_sum_cell() noexcept override {
      if constexpr (std::is_same_v<typename Agg::Cell, Int64SumCell>) {
        return &series_->cell;
      } else {
        return nullptr;
      }
    }

   private:
    std::shared_ptr<SyncStreamImpl> stream_;  // Keeps the series alive.
    S* series_;
  };

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
    if (!filters_) [[likely]]
      return RecordFiltered(value, attributes);
    RecordWithFilter(value, attributes);
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
    // Stream full: new sets go to the overflow series (never freed) without
    // taking the mutex, so an attribute explosion does not serialise threads.
    if (full_.load(std::memory_order_acquire)) {
      agg_.Record(overflow_->cell, value);
      return;
    }
    // New series: outside any ReadGuard (the insert may synchronise).
    try {
      std::lock_guard<std::mutex> lock(mu_);
      agg_.Record(FindOrCreateLocked(a)->cell, value);
    } catch (...) {
      // Out of memory: the measurement is dropped rather than thrown.
    }
  }

  bool HasRoomLocked() const {
    return count_ + 1 < static_cast<size_t>(std::max(spec_.cardinality_limit, 1));
  }

  S* FindOrCreateLocked(const CanonicalAttributes& a) {
    if (a.size() == 0) {
      if (S* s = empty_.load(std::memory_order_relaxed)) return s;
      if (!HasRoomLocked()) return OverflowLocked();
      S* s = NewSeries(a, 0);
      empty_.store(s, std::memory_order_release);
      ++count_;
      return s;
    }
    const uint64_t hash = a.Hash();
    if (S* s = table_.Find(hash, a)) return s;
    if (!HasRoomLocked()) return OverflowLocked();
    S* s = NewSeries(a, hash);
    table_.Insert(s);
    ++count_;
    return s;
  }

  S* OverflowLocked() {
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
    auto s = std::make_unique<S>();
    if constexpr (requires(const Agg& g, typename Agg::Cell& c) { g.InitCell(c); }) {
      agg_.InitCell(s->cell);
    }
    s->hash = hash;
    s->start_ns = NowUnixNanos();
    s->attributes = PackedAttributes(a);
    s->first_acc = agg_.NewAcc();
    if (readers_ > 1) {
      s->more_accs.reset(new typename Agg::Acc[readers_ - 1]);
      for (size_t i = 1; i < readers_; ++i) s->more_accs[i - 1] = agg_.NewAcc();
    }
    return s.release();
  }

  // Unlinks series that stayed idle, waits out concurrent recorders, then
  // frees them, unless a recorder slipped a measurement in meanwhile: such a
  // series keeps its data and goes back into the table.
  void ForgetLocked(const std::vector<S*>& stale) {
    for (S* s : stale) table_.Erase(s);
    SynchronizeReaders();
    for (S* s : stale) {
      if (agg_.Drain(s->cell, scratch_)) {
        for (size_t i = 0; i < readers_; ++i) agg_.Merge(s->acc(i), scratch_);
        table_.Insert(s);
      } else {
        delete s;
        --count_;
        full_.store(false, std::memory_order_relaxed);
      }
    }
  }

  Agg agg_;
  const bool filters_;  // spec_.filters_attributes(), read on every record.
  const size_t readers_;
  mutable std::mutex mu_;  // Guards everything below except empty_ reads.
  SeriesTable<S> table_;
  std::atomic<S*> empty_{nullptr};
  S* overflow_ = nullptr;
  std::atomic<bool> full_{false};  // No room left: new sets go to overflow_.
  size_t count_ = 0;               // Series excluding the overflow series.
  std::vector<uint64_t> last_collect_ns_;
  typename Agg::Acc scratch_;
};

template <typename Agg>
std::shared_ptr<SyncStream> Make(StreamSpec spec, Agg agg) {
  return std::make_shared<SyncStreamImpl<Agg>>(std::move(spec), std::move(agg));
}

}  // namespace

std::shared_ptr<SyncStream> MakeSyncStream(StreamSpec spec) {
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
      return Make(spec, std::move(h));
    }
    case AggregationKind::kDefault:
    case AggregationKind::kDrop:
      break;
  }
  return nullptr;
}

}  // namespace cryptolake::metrics::internal
