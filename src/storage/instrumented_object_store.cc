#include "instrumented_object_store.h"

#include <string_view>
#include <utility>

#include "cryptolake/telemetry/crypto_metrics.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"

namespace cryptolake::storage {
namespace {

namespace tm = telemetry;

// The lakehouse layer a key belongs to ("" for the ledger, gap records and other metadata).
std::string_view LayerOf(std::string_view key) {
  for (std::string_view layer : {tm::layer::kBronze, tm::layer::kSilver, tm::layer::kGold}) {
    if (key.size() > layer.size() && key.starts_with(layer) && key[layer.size()] == '/') {
      return layer;
    }
  }
  return {};
}

tm::TrackerAttributes Attrs(const std::string& backend, std::string_view key) {
  tm::TrackerAttributes a{{tm::attr::kStorageBackend, backend}};
  std::string_view layer = LayerOf(key);
  if (!layer.empty()) a.push_back({tm::attr::kLayer, std::string(layer)});
  return a;
}

void AddStored(const std::string& backend, std::string_view key, int64_t delta) {
  std::string_view layer = LayerOf(key);
  if (layer.empty() || delta == 0) return;
  tm::CryptoMetrics::Current()->layer_bytes_stored.Add(
      delta, {{tm::attr::kStorageBackend, backend}, {tm::attr::kLayer, layer}});
}

class InstrumentedWriter final : public ObjectWriter {
 public:
  InstrumentedWriter(std::unique_ptr<ObjectWriter> inner, std::string backend, std::string key)
      : inner_(std::move(inner)), backend_(std::move(backend)), key_(std::move(key)) {}

  Status Append(std::string_view data) override { return inner_->Append(data); }
  uint64_t bytes_appended() const override { return inner_->bytes_appended(); }

  Status Publish() override {
    tm::TrackStorageOperation op(tm::storage_op::kPublish, Attrs(backend_, key_));
    Status s = inner_->Publish();
    op.SetStatus(s);
    if (s.ok()) {
      const auto n = static_cast<int64_t>(inner_->bytes_appended());
      op.SetBytes(n, "write");
      AddStored(backend_, key_, n);
    }
    return s;
  }

 private:
  std::unique_ptr<ObjectWriter> inner_;
  std::string backend_;
  std::string key_;
};

class InstrumentedObjectStore final : public ObjectStore {
 public:
  InstrumentedObjectStore(std::unique_ptr<ObjectStore> inner, std::string backend)
      : inner_(std::move(inner)), backend_(std::move(backend)) {}

  Status Put(std::string_view key, std::string_view data) override {
    tm::TrackStorageOperation op(tm::storage_op::kPut, Attrs(backend_, key));
    Status s = inner_->Put(key, data);
    op.SetStatus(s);
    if (s.ok()) {
      op.SetBytes(static_cast<int64_t>(data.size()), "write");
      AddStored(backend_, key, static_cast<int64_t>(data.size()));
    }
    return s;
  }

  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override {
    CL_ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> w, inner_->NewWriter(key));
    return std::unique_ptr<ObjectWriter>(
        new InstrumentedWriter(std::move(w), backend_, std::string(key)));
  }

  Status RemoveAbandonedWrites() override { return inner_->RemoveAbandonedWrites(); }

  Result<std::string> Get(std::string_view key) override {
    tm::TrackStorageOperation op(tm::storage_op::kGet, Attrs(backend_, key));
    Result<std::string> r = inner_->Get(key);
    if (r.ok()) {
      op.SetBytes(static_cast<int64_t>(r->size()), "read");
    } else if (!r.status().IsNotFound()) {
      op.SetStatus(r.status());
    }
    return r;
  }

  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    tm::TrackStorageOperation op(tm::storage_op::kGet, Attrs(backend_, key));
    Result<std::string> r = inner_->GetRange(key, offset, length);
    if (r.ok()) {
      // A range is not a whole object: bytes count, the object-size histogram does not.
      if (!r->empty()) {
        tm::CryptoMetrics::Current()->storage_bytes.Add(
            static_cast<int64_t>(r->size()),
            {{tm::attr::kStorageBackend, backend_}, {tm::attr::kIoDirection, "read"}});
      }
    } else if (!r.status().IsNotFound()) {
      op.SetStatus(r.status());
    }
    return r;
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    tm::TrackStorageOperation op(tm::storage_op::kList, {{tm::attr::kStorageBackend, backend_}});
    Result<std::vector<ObjectInfo>> r = inner_->List(prefix);
    op.SetStatus(r.status());
    return r;
  }

  Status Delete(std::string_view key) override {
    tm::TrackStorageOperation op(tm::storage_op::kDelete, Attrs(backend_, key));
    Status s = inner_->Delete(key);
    op.SetStatus(s);
    return s;
  }

  Result<bool> Exists(std::string_view key) override {
    tm::TrackStorageOperation op(tm::storage_op::kHead, Attrs(backend_, key));
    Result<bool> r = inner_->Exists(key);
    op.SetStatus(r.status());
    return r;
  }

  std::string Describe() const override { return inner_->Describe(); }

  Status TEST_PutWithoutPublish(std::string_view key, std::string_view data) override {
    return inner_->TEST_PutWithoutPublish(key, data);
  }

 private:
  std::unique_ptr<ObjectStore> inner_;
  std::string backend_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewInstrumentedObjectStore(std::unique_ptr<ObjectStore> inner,
                                                        std::string backend) {
  return std::make_unique<InstrumentedObjectStore>(std::move(inner), std::move(backend));
}

}  // namespace cryptolake::storage
