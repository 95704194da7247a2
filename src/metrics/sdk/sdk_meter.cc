#include "sdk_meter.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <unordered_map>

#include "base2_exponential_histogram.h"
#include "canonical_attributes.h"
#include "cryptolake/metrics/sdk/diagnostics.h"
#include "instrument_validation.h"

// Switches over InstrumentKind have no `default:`: a new kind fails to compile
// until each one handles it.
#pragma GCC diagnostic error "-Wswitch"

namespace cryptolake::metrics::internal {
namespace {

std::atomic<CallbackId> g_next_callback_id{1};

constexpr bool IsObservable(InstrumentKind kind) {
  switch (kind) {
    case InstrumentKind::kCounter:
    case InstrumentKind::kUpDownCounter:
    case InstrumentKind::kHistogram:
    case InstrumentKind::kGauge:
      return false;
    case InstrumentKind::kObservableCounter:
    case InstrumentKind::kObservableUpDownCounter:
    case InstrumentKind::kObservableGauge:
      return true;
  }
  return false;
}

// nullptr for a value that is no InstrumentKind.
constexpr const char* KindName(InstrumentKind kind) {
  switch (kind) {
    case InstrumentKind::kCounter:
      return "Counter";
    case InstrumentKind::kUpDownCounter:
      return "UpDownCounter";
    case InstrumentKind::kHistogram:
      return "Histogram";
    case InstrumentKind::kGauge:
      return "Gauge";
    case InstrumentKind::kObservableCounter:
      return "ObservableCounter";
    case InstrumentKind::kObservableUpDownCounter:
      return "ObservableUpDownCounter";
    case InstrumentKind::kObservableGauge:
      return "ObservableGauge";
  }
  return nullptr;
}

// The kinds are 0 .. kInstrumentKindCount - 1 (per-kind tables are indexed by
// them), and a kind appended after kLastInstrumentKind (then handled above)
// is caught here.
constexpr bool KindsAreDense() {
  for (size_t k = 0; k < kInstrumentKindCount; ++k) {
    if (KindName(static_cast<InstrumentKind>(k)) == nullptr) return false;
  }
  return KindName(static_cast<InstrumentKind>(kInstrumentKindCount)) == nullptr;
}
static_assert(KindsAreDense(), "InstrumentKind values must be 0..kLastInstrumentKind");

bool ValidBoundaries(const std::vector<double>& bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) return false;
    if (i > 0 && !(bounds[i] > bounds[i - 1])) return false;
  }
  return true;
}

std::vector<std::string> Sorted(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

template <typename T>
class ObserverResultImpl final : public ObserverResult<T> {
 public:
  explicit ObserverResultImpl(std::vector<Observation>* out) : out_(out) {}
  void Observe(T value, Attributes attributes) noexcept override {
    if constexpr (std::is_same_v<T, double>) {
      if (!std::isfinite(value)) return;
    }
    try {
      CanonicalAttributes canonical(attributes);
      out_->push_back(Observation{canonical.ToAttributeSet(), Number(value)});
    } catch (...) {
      // Out of memory: the observation is dropped.
    }
  }

 private:
  std::vector<Observation>* out_;
};

}  // namespace

// ---------------------------------------------------------------------------
void SyncInstrumentImpl::RecordInt64(int64_t value, Attributes attributes) noexcept {
  CanonicalAttributes canonical(attributes);
  for (const auto& stream : streams_) stream->RecordCanonicalInt64(value, canonical);
}

void SyncInstrumentImpl::RecordDouble(double value, Attributes attributes) noexcept {
  if (!std::isfinite(value)) return;  // NaN and +-Inf are ignored by every aggregation.
  CanonicalAttributes canonical(attributes);
  for (const auto& stream : streams_) stream->RecordCanonicalDouble(value, canonical);
}

std::shared_ptr<BoundRecorder> SyncInstrumentImpl::Bind(Attributes attributes) {
  CanonicalAttributes canonical(attributes);
  std::vector<std::unique_ptr<BoundSeries>> targets;
  targets.reserve(streams_.size());
  for (const auto& stream : streams_) targets.push_back(stream->BindSeries(canonical));
  return MakeBoundRecorder(std::move(targets));
}

// ---------------------------------------------------------------------------
CallbackId AsyncInstrumentImpl::AddInt64Callback(ObservableCallback<int64_t> callback) {
  RecursiveMutexLock lock(mu_);
  CallbackId id = g_next_callback_id.fetch_add(1);
  callbacks_.push_back(Entry{id, std::move(callback), nullptr});
  return id;
}

CallbackId AsyncInstrumentImpl::AddDoubleCallback(ObservableCallback<double> callback) {
  RecursiveMutexLock lock(mu_);
  CallbackId id = g_next_callback_id.fetch_add(1);
  callbacks_.push_back(Entry{id, nullptr, std::move(callback)});
  return id;
}

bool AsyncInstrumentImpl::RemoveCallback(CallbackId id) {
  // Taking mu_ waits for a collection running the callbacks on another thread.
  RecursiveMutexLock lock(mu_);
  for (Entry& e : callbacks_) {
    if (e.id == id) {
      // Cleared rather than erased: Observe() may be iterating (when a
      // callback removes a callback); cleared entries are erased there.
      e.id = 0;
      e.int64_callback = nullptr;
      e.double_callback = nullptr;
      return true;
    }
  }
  return false;
}

std::vector<Observation> AsyncInstrumentImpl::Observe() {
  std::vector<Observation> raw;
  {
    RecursiveMutexLock lock(mu_);
    ObserverResultImpl<int64_t> int64_result(&raw);
    ObserverResultImpl<double> double_result(&raw);
    // Index-based: a callback may add callbacks (appended, run next time).
    const size_t n = callbacks_.size();
    for (size_t i = 0; i < n; ++i) {
      if (callbacks_[i].id == 0) continue;
      // Copied: the callback may remove itself while running.
      Entry entry = callbacks_[i];
      try {
        if (entry.int64_callback) entry.int64_callback(int64_result);
        if (entry.double_callback) entry.double_callback(double_result);
      } catch (...) {
        ReportDiagnostic(DiagnosticSeverity::kError, "CallbackFailed",
                         "an observable instrument callback threw; its observations are kept");
      }
    }
    callbacks_.erase(std::remove_if(callbacks_.begin(), callbacks_.end(),
                                    [](const Entry& e) { return e.id == 0; }),
                     callbacks_.end());
  }
  // Last observation of an attribute set wins; order of first appearance kept.
  std::unordered_map<AttributeSet, size_t, AttributeSetHash> index;
  std::vector<Observation> out;
  out.reserve(raw.size());
  for (Observation& o : raw) {
    auto it = index.find(o.attributes);
    if (it != index.end()) {
      out[it->second].value = o.value;
    } else {
      index.emplace(o.attributes, out.size());
      out.push_back(std::move(o));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
SdkMeter::SdkMeter(std::shared_ptr<const ProviderConfig> config, InstrumentationScope scope)
    : config_(std::move(config)), scope_(std::move(scope)) {}

bool SdkMeter::Selects(const InstrumentSelector& selector,
                       const InstrumentDescriptor& descriptor) const {
  if (!selector.name.empty() && !WildcardMatch(selector.name, descriptor.name)) return false;
  if (selector.kind && *selector.kind != descriptor.kind) return false;
  if (selector.unit && *selector.unit != descriptor.options.unit) return false;
  if (selector.meter_name && *selector.meter_name != scope_.name) return false;
  if (selector.meter_version && *selector.meter_version != scope_.version) return false;
  if (selector.meter_schema_url && *selector.meter_schema_url != scope_.schema_url) return false;
  return true;
}

StreamSpec SdkMeter::BuildSpec(const InstrumentDescriptor& d, const StreamConfig* config) const {
  StreamSpec spec;
  spec.name = config && !config->name.empty() ? config->name : d.name;
  spec.description =
      config && !config->description.empty() ? config->description : d.options.description;
  spec.unit = d.options.unit;
  spec.kind = d.kind;
  spec.value_type = d.value_type;

  Aggregation agg = config ? config->aggregation : Aggregation::Default();
  if (IsObservable(d.kind) && (agg.kind == AggregationKind::kExplicitBucketHistogram ||
                               agg.kind == AggregationKind::kBase2ExponentialHistogram)) {
    ReportDiagnostic(DiagnosticSeverity::kWarning, "IncompatibleAggregation",
                     "histogram aggregations are not supported for observable instrument '" +
                         d.name + "'; using the default aggregation");
    agg = Aggregation::Default();
  }
  if (agg.kind == AggregationKind::kDefault) {
    switch (d.kind) {
      case InstrumentKind::kCounter:
      case InstrumentKind::kUpDownCounter:
      case InstrumentKind::kObservableCounter:
      case InstrumentKind::kObservableUpDownCounter:
        agg = Aggregation::Sum();
        break;
      case InstrumentKind::kGauge:
      case InstrumentKind::kObservableGauge:
        agg = Aggregation::LastValue();
        break;
      case InstrumentKind::kHistogram:
        agg = config_->histogram_aggregation == DefaultHistogramAggregation::kBase2Exponential
                  ? Aggregation::Base2ExponentialHistogram()
                  : Aggregation::DefaultExplicitBucketHistogram();
        break;
    }
  }
  if (agg.kind == AggregationKind::kExplicitBucketHistogram) {
    if (agg.use_default_boundaries) {
      agg.boundaries = d.options.advisory_bucket_boundaries.empty()
                           ? DefaultHistogramBoundaries()
                           : d.options.advisory_bucket_boundaries;
      agg.use_default_boundaries = false;
    }
    if (!ValidBoundaries(agg.boundaries)) {
      ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidBucketBoundaries",
                       "bucket boundaries of '" + d.name +
                           "' are not finite and strictly increasing; using the defaults");
      agg.boundaries = DefaultHistogramBoundaries();
    }
  }
  if (agg.kind == AggregationKind::kBase2ExponentialHistogram) {
    agg.max_size = std::max(agg.max_size, Base2ExponentialHistogram::kMinSize);
    agg.max_scale = std::clamp(agg.max_scale, -10, 20);
  }
  spec.aggregation = std::move(agg);

  if (config && config->attribute_keys) {
    spec.has_allowed_keys = true;
    spec.allowed_keys = Sorted(*config->attribute_keys);
  } else if (!d.options.advisory_attribute_keys.empty()) {
    spec.has_allowed_keys = true;
    spec.allowed_keys = Sorted(d.options.advisory_attribute_keys);
  }
  if (config) spec.excluded_keys = Sorted(config->excluded_attribute_keys);

  spec.cardinality_limit = config && config->cardinality_limit > 0 ? config->cardinality_limit
                                                                   : config_->cardinality_limit;
  spec.cardinality_limit = std::max(spec.cardinality_limit, 1);
  for (const auto& per_kind : config_->reader_temporality) {
    spec.reader_temporality.push_back(per_kind[static_cast<size_t>(d.kind)]);
  }
  return spec;
}

std::vector<StreamSpec> SdkMeter::ResolveStreamsLocked(const InstrumentDescriptor& d) {
  std::vector<StreamSpec> specs;
  bool matched = false;
  for (const View& view : config_->views) {
    if (!Selects(view.selector, d)) continue;
    matched = true;
    if (view.stream.aggregation.kind == AggregationKind::kDrop) continue;
    specs.push_back(BuildSpec(d, &view.stream));
    if (!view.stream.name.empty()) {
      std::string lower = AsciiLower(view.stream.name);
      if (std::find(stream_names_.begin(), stream_names_.end(), lower) != stream_names_.end()) {
        ReportDiagnostic(DiagnosticSeverity::kWarning, "DuplicateStreamName",
                         "a view produces a second stream named '" + view.stream.name +
                             "' in meter '" + scope_.name + "'; both are exported");
      }
    }
  }
  if (!matched) specs.push_back(BuildSpec(d, nullptr));
  for (const StreamSpec& s : specs) stream_names_.push_back(AsciiLower(s.name));
  return specs;
}

SdkMeter::Record* SdkMeter::FindOrAddLocked(const InstrumentDescriptor& d, bool* created) {
  *created = false;
  if (!IsValidInstrumentName(d.name)) {
    ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidInstrumentName",
                     "instrument name '" + d.name +
                         "' is invalid (an ASCII letter, then up to 254 of [A-Za-z0-9_.-/]); "
                         "measurements from this instrument will be ignored");
    return nullptr;
  }
  if (!IsValidUnit(d.options.unit)) {
    ReportDiagnostic(DiagnosticSeverity::kWarning, "InvalidInstrumentUnit",
                     "unit of instrument '" + d.name +
                         "' is invalid (at most 63 ASCII characters); measurements from this "
                         "instrument will be ignored");
    return nullptr;
  }
  std::string lower = AsciiLower(d.name);
  bool conflict = false;
  for (const auto& r : records_) {
    if (r->lower_name != lower) continue;
    const InstrumentDescriptor& o = r->descriptor;
    if (o.kind == d.kind && o.value_type == d.value_type && o.options.unit == d.options.unit &&
        o.options.description == d.options.description) {
      return r.get();
    }
    conflict = true;
  }
  if (conflict) {
    ReportDiagnostic(DiagnosticSeverity::kWarning, "DuplicateInstrumentConflict",
                     std::string("instrument '") + d.name + "' (" +
                         (KindName(d.kind) ? KindName(d.kind) : "?") + ", unit '" + d.options.unit +
                         "') conflicts with an instrument of the same name but a different "
                         "kind, value type, unit or description; both are exported");
  }
  auto record = std::make_unique<Record>();
  record->descriptor = d;
  record->lower_name = std::move(lower);
  records_.push_back(std::move(record));
  *created = true;
  return records_.back().get();
}

std::shared_ptr<SyncInstrument> SdkMeter::CreateSyncInstrument(const InstrumentDescriptor& d) {
  MutexLock lock(mu_);
  bool created = false;
  Record* r = FindOrAddLocked(d, &created);
  if (r == nullptr) return nullptr;
  if (created) {
    std::vector<std::shared_ptr<SyncStream>> streams;
    for (StreamSpec& spec : ResolveStreamsLocked(d)) streams.push_back(MakeSyncStream(spec));
    if (streams.size() == 1) {
      r->sync = streams[0];  // The stream records directly (sync_stream.h).
    } else if (!streams.empty()) {
      r->sync = std::make_shared<SyncInstrumentImpl>(streams);
    }
    r->sync_streams = std::move(streams);
  }
  return r->sync;
}

std::shared_ptr<AsyncInstrument> SdkMeter::CreateAsyncInstrument(const InstrumentDescriptor& d) {
  MutexLock lock(mu_);
  bool created = false;
  Record* r = FindOrAddLocked(d, &created);
  if (r == nullptr) return nullptr;
  if (created) {
    std::vector<std::shared_ptr<AsyncStream>> streams;
    for (StreamSpec& spec : ResolveStreamsLocked(d)) {
      streams.push_back(std::make_shared<AsyncStream>(std::move(spec)));
    }
    if (!streams.empty()) {
      r->observable = std::make_shared<AsyncInstrumentImpl>(std::move(streams));
    }
  }
  return r->observable;
}

void SdkMeter::Collect(size_t reader, uint64_t now_ns, std::vector<MetricData>* out) {
  // Snapshot, so callbacks and slow collection run without mu_ (a callback
  // may create instruments... though it should not). Records are never
  // removed and their streams never change once created under mu_.
  std::vector<const Record*> records;
  {
    MutexLock lock(mu_);
    records.reserve(records_.size());
    for (const auto& r : records_) records.push_back(r.get());
  }
  for (const Record* r : records) {
    if (!r->sync_streams.empty()) {
      for (const auto& stream : r->sync_streams) stream->Collect(reader, now_ns, out);
    } else if (r->observable) {
      std::vector<Observation> observations = r->observable->Observe();
      for (const auto& stream : r->observable->streams()) {
        stream->Collect(reader, now_ns, observations, out);
      }
    }
  }
}

}  // namespace cryptolake::metrics::internal
