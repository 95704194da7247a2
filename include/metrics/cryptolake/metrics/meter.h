// Meter: creates the instruments of one instrumentation scope.
//
// Obtained from a MeterProvider (meter_provider.h). Instrument rules, per the
// OpenTelemetry metrics API specification:
//  - name: an ASCII letter, then up to 254 of [A-Za-z0-9_.-/]; identity is
//    case-insensitive. An invalid name yields a working no-op instrument and
//    one "InvalidInstrumentName" diagnostic (never an exception).
//  - unit: at most 63 ASCII characters (else no-op + diagnostic).
//  - description: any UTF-8, any length.
//  - Creating an instrument whose identity (name, kind, value type, unit,
//    description) equals an existing one returns a handle on the same
//    instrument (same storage). Same name but a different kind, value type,
//    unit or description: a "DuplicateInstrumentConflict" diagnostic, and both
//    instruments are kept and exported.
//
// Thread-safety: all methods may be called concurrently.
#ifndef CRYPTOLAKE_METRICS_METER_H_
#define CRYPTOLAKE_METRICS_METER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/metrics/instrument_kind.h"
#include "cryptolake/metrics/instruments.h"

namespace cryptolake::metrics {

struct InstrumentOptions {
  std::string unit = {};         // UCUM unit, e.g. "s", "By", "{record}".
  std::string description = {};  // Free text.
  // Advisory explicit histogram bucket boundaries (strictly increasing) used
  // when no view configures the aggregation. Empty = not given.
  std::vector<double> advisory_bucket_boundaries = {};
  // Advisory attribute keys to keep when no view sets attribute keys.
  // Empty = not given (keep all).
  std::vector<std::string> advisory_attribute_keys = {};
};

enum class InstrumentValueType { kInt64, kDouble };

// Everything that defines an instrument.
struct InstrumentDescriptor {
  std::string name;
  InstrumentKind kind = InstrumentKind::kCounter;
  InstrumentValueType value_type = InstrumentValueType::kInt64;
  InstrumentOptions options;
};

class Meter {
 public:
  virtual ~Meter() = default;

  Counter<int64_t> CreateInt64Counter(std::string_view name, InstrumentOptions options = {}) {
    return Counter<int64_t>(
        Sync(name, InstrumentKind::kCounter, InstrumentValueType::kInt64, options));
  }
  Counter<double> CreateDoubleCounter(std::string_view name, InstrumentOptions options = {}) {
    return Counter<double>(
        Sync(name, InstrumentKind::kCounter, InstrumentValueType::kDouble, options));
  }
  UpDownCounter<int64_t> CreateInt64UpDownCounter(std::string_view name,
                                                  InstrumentOptions options = {}) {
    return UpDownCounter<int64_t>(
        Sync(name, InstrumentKind::kUpDownCounter, InstrumentValueType::kInt64, options));
  }
  UpDownCounter<double> CreateDoubleUpDownCounter(std::string_view name,
                                                  InstrumentOptions options = {}) {
    return UpDownCounter<double>(
        Sync(name, InstrumentKind::kUpDownCounter, InstrumentValueType::kDouble, options));
  }
  Histogram<int64_t> CreateInt64Histogram(std::string_view name, InstrumentOptions options = {}) {
    return Histogram<int64_t>(
        Sync(name, InstrumentKind::kHistogram, InstrumentValueType::kInt64, options));
  }
  Histogram<double> CreateDoubleHistogram(std::string_view name, InstrumentOptions options = {}) {
    return Histogram<double>(
        Sync(name, InstrumentKind::kHistogram, InstrumentValueType::kDouble, options));
  }
  Gauge<int64_t> CreateInt64Gauge(std::string_view name, InstrumentOptions options = {}) {
    return Gauge<int64_t>(Sync(name, InstrumentKind::kGauge, InstrumentValueType::kInt64, options));
  }
  Gauge<double> CreateDoubleGauge(std::string_view name, InstrumentOptions options = {}) {
    return Gauge<double>(Sync(name, InstrumentKind::kGauge, InstrumentValueType::kDouble, options));
  }

  // Asynchronous instruments. `callback` (optional) is registered at once; its
  // id is the handle's creation_callback_id(). Observed counter values are
  // cumulative totals (the SDK derives deltas).
  ObservableCounter<int64_t> CreateInt64ObservableCounter(
      std::string_view name, InstrumentOptions options = {},
      ObservableCallback<int64_t> callback = nullptr) {
    return Observable<ObservableCounter<int64_t>>(name, InstrumentKind::kObservableCounter, options,
                                                  std::move(callback));
  }
  ObservableCounter<double> CreateDoubleObservableCounter(
      std::string_view name, InstrumentOptions options = {},
      ObservableCallback<double> callback = nullptr) {
    return Observable<ObservableCounter<double>>(name, InstrumentKind::kObservableCounter, options,
                                                 std::move(callback));
  }
  ObservableUpDownCounter<int64_t> CreateInt64ObservableUpDownCounter(
      std::string_view name, InstrumentOptions options = {},
      ObservableCallback<int64_t> callback = nullptr) {
    return Observable<ObservableUpDownCounter<int64_t>>(
        name, InstrumentKind::kObservableUpDownCounter, options, std::move(callback));
  }
  ObservableUpDownCounter<double> CreateDoubleObservableUpDownCounter(
      std::string_view name, InstrumentOptions options = {},
      ObservableCallback<double> callback = nullptr) {
    return Observable<ObservableUpDownCounter<double>>(
        name, InstrumentKind::kObservableUpDownCounter, options, std::move(callback));
  }
  ObservableGauge<int64_t> CreateInt64ObservableGauge(
      std::string_view name, InstrumentOptions options = {},
      ObservableCallback<int64_t> callback = nullptr) {
    return Observable<ObservableGauge<int64_t>>(name, InstrumentKind::kObservableGauge, options,
                                                std::move(callback));
  }
  ObservableGauge<double> CreateDoubleObservableGauge(
      std::string_view name, InstrumentOptions options = {},
      ObservableCallback<double> callback = nullptr) {
    return Observable<ObservableGauge<double>>(name, InstrumentKind::kObservableGauge, options,
                                               std::move(callback));
  }

 protected:
  // Implemented by the SDK. Return nullptr for a no-op instrument.
  virtual std::shared_ptr<internal::SyncInstrument> CreateSyncInstrument(
      const InstrumentDescriptor& descriptor) = 0;
  virtual std::shared_ptr<internal::AsyncInstrument> CreateAsyncInstrument(
      const InstrumentDescriptor& descriptor) = 0;

 private:
  std::shared_ptr<internal::SyncInstrument> Sync(std::string_view name, InstrumentKind kind,
                                                 InstrumentValueType type,
                                                 InstrumentOptions& options) {
    return CreateSyncInstrument(
        InstrumentDescriptor{std::string(name), kind, type, std::move(options)});
  }
  template <typename Handle, typename T>
  Handle Observable(std::string_view name, InstrumentKind kind, InstrumentOptions& options,
                    ObservableCallback<T> callback) {
    constexpr InstrumentValueType kType =
        std::is_same_v<T, int64_t> ? InstrumentValueType::kInt64 : InstrumentValueType::kDouble;
    auto impl = CreateAsyncInstrument(
        InstrumentDescriptor{std::string(name), kind, kType, std::move(options)});
    Handle handle(impl, 0);
    CallbackId id = handle.AddCallback(std::move(callback));
    return Handle(std::move(impl), id);
  }
};

}  // namespace cryptolake::metrics

#endif  // CRYPTOLAKE_METRICS_METER_H_
