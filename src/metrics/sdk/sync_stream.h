// SyncStream: the storage of one stream of a synchronous instrument.
//
// Series are kept in a lock-free open-addressing table keyed by the hash of
// the (filtered, canonical) attribute list; readers of the table run inside
// an epoch ReadGuard (epoch.h) and only inserting a new series takes the
// stream mutex. A dedicated cell serves the empty attribute set and another
// the overflow series {otel.metric.overflow=true}, which takes every new
// attribute set once cardinality_limit series hold a place (the overflow
// series is not one of them). Under cumulative temporality a series keeps its
// place for good. When every reader is delta, the limit applies per
// interval: a series that received nothing since the previous collection
// (and is not bound) gives its place back when a new set needs one, stays in
// the table (no allocation if its set comes back), and its later
// measurements keep their set at the next collection if a place is free
// then, or join the overflow series if not.
//
// Collection (per reader) drains every series' cell once and adds the drained
// content to each reader's accumulation of that series, so several readers
// with different temporalities see every measurement exactly once:
//  - cumulative: the accumulation is never cleared; start = series creation;
//  - delta: the accumulation is exported and cleared; start = the reader's
//    previous collection of this stream (first time: series creation).
// When every reader is delta, a series that received nothing since the
// previous collection, has no pending data and no bound handle is unlinked,
// and freed after SynchronizeReaders() (memory stays bounded).
//
// Thread-safety: Record*/Bind are thread-safe and may race with Collect;
// Collect is called by one thread at a time (the provider serialises it).
#ifndef CRYPTOLAKE_SRC_METRICS_SYNC_STREAM_H_
#define CRYPTOLAKE_SRC_METRICS_SYNC_STREAM_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "canonical_attributes.h"
#include "cryptolake/metrics/instruments.h"
#include "cryptolake/metrics/sdk/metric_data.h"
#include "stream_spec.h"

namespace cryptolake::metrics::internal {

// A bound series of one stream. Destroying it releases the binding.
class BoundSeries {
 public:
  virtual ~BoundSeries() = default;
  virtual void RecordInt64(int64_t value) noexcept = 0;
  virtual void RecordDouble(double value) noexcept = 0;
  // The int64 sum cell when the stream is an int64 Sum, else nullptr.
  virtual Int64SumCell* int64_sum_cell() noexcept { return nullptr; }
  // Its owned lane, non-null whenever int64_sum_cell() is.
  virtual Int64OwnedLane* int64_owned_lane() noexcept { return nullptr; }
};

// A stream is also a SyncInstrument: an instrument with a single stream (the
// common case: no view, or one matching view) hands the stream itself to its
// handles, so a recording call goes from the handle straight into the
// stream's lookup with one virtual call. Instruments with several streams
// use SyncInstrumentImpl (sdk_meter.h), which canonicalises the attributes
// once and fans out through RecordCanonical*().
class SyncStream : public SyncInstrument, public std::enable_shared_from_this<SyncStream> {
 public:
  ~SyncStream() override = default;

  // SyncInstrument, for the single-stream case. RecordDouble ignores NaN and
  // +-Inf, as every aggregation does.
  //   void RecordInt64(int64_t value, Attributes attributes) noexcept;
  //   void RecordDouble(double value, Attributes attributes) noexcept;
  //   std::shared_ptr<BoundRecorder> Bind(Attributes attributes);

  // REQUIRES: `attributes` is the instrument's canonical list (unfiltered);
  // double values are finite.
  virtual void RecordCanonicalInt64(int64_t value,
                                    const CanonicalAttributes& attributes) noexcept = 0;
  virtual void RecordCanonicalDouble(double value,
                                     const CanonicalAttributes& attributes) noexcept = 0;
  virtual std::unique_ptr<BoundSeries> BindSeries(const CanonicalAttributes& attributes) = 0;

  // Appends this stream's metric for `reader` to `out` when it has points.
  virtual void Collect(size_t reader, uint64_t now_ns, std::vector<MetricData>* out) = 0;

  const StreamSpec& spec() const { return spec_; }

 protected:
  explicit SyncStream(StreamSpec spec) : spec_(std::move(spec)) {}
  StreamSpec spec_;
};

// The BoundRecorder of a handle bound through one or more streams.
std::shared_ptr<BoundRecorder> MakeBoundRecorder(std::vector<std::unique_ptr<BoundSeries>> targets);

// REQUIRES: spec.aggregation.kind is not kDefault or kDrop.
std::shared_ptr<SyncStream> MakeSyncStream(const StreamSpec& spec);

}  // namespace cryptolake::metrics::internal

#endif  // CRYPTOLAKE_SRC_METRICS_SYNC_STREAM_H_
