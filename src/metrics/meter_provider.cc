#include "cryptolake/metrics/meter_provider.h"

#include <atomic>
#include <mutex>

namespace cryptolake::metrics {
namespace {

class NoopMeter final : public Meter {
 protected:
  std::shared_ptr<internal::SyncInstrument> CreateSyncInstrument(
      const InstrumentDescriptor&) override {
    return nullptr;
  }
  std::shared_ptr<internal::AsyncInstrument> CreateAsyncInstrument(
      const InstrumentDescriptor&) override {
    return nullptr;
  }
};

class NoopProvider final : public MeterProvider {
 public:
  std::shared_ptr<Meter> GetMeter(std::string_view, std::string_view, std::string_view,
                                  const AttributeSet&) override {
    return meter_;
  }

 private:
  std::shared_ptr<Meter> meter_ = std::make_shared<NoopMeter>();
};

struct GlobalProvider {
  std::mutex mu;
  std::shared_ptr<MeterProvider> provider;
};

GlobalProvider& Global() {
  static auto* global = new GlobalProvider();  // Never destroyed: usable during exit.
  return *global;
}

}  // namespace

std::shared_ptr<MeterProvider> NoopMeterProvider() {
  static auto* provider = new std::shared_ptr<MeterProvider>(std::make_shared<NoopProvider>());
  return *provider;
}

std::shared_ptr<MeterProvider> GetMeterProvider() {
  GlobalProvider& g = Global();
  std::lock_guard<std::mutex> lock(g.mu);
  return g.provider ? g.provider : NoopMeterProvider();
}

void SetMeterProvider(std::shared_ptr<MeterProvider> provider) {
  GlobalProvider& g = Global();
  std::shared_ptr<MeterProvider> old;
  {
    std::lock_guard<std::mutex> lock(g.mu);
    old = std::move(g.provider);
    g.provider = std::move(provider);
  }
  // `old` is released here, outside the lock: its destructor may shut down
  // readers that export.
}

}  // namespace cryptolake::metrics
