// ObjectStore's defaults: BeginPut() keeps a copy of the data and NewWriter()
// collects the bytes, both Put() when published.
#include "cryptolake/storage/object_store.h"

#include <string>
#include <utility>

namespace cryptolake::storage {
namespace {

class CopyingPendingPut final : public PendingPut {
 public:
  CopyingPendingPut(ObjectStore* store, std::string key, std::string data)
      : store_(store), key_(std::move(key)), data_(std::move(data)) {}

  Status Publish() override {
    Status st = store_->Put(key_, data_);
    std::string().swap(data_);
    return st;
  }

 private:
  ObjectStore* const store_;
  const std::string key_;
  std::string data_;
};

// Collects the object in memory and Put()s it when published.
class BufferingObjectWriter final : public ObjectWriter {
 public:
  BufferingObjectWriter(ObjectStore* store, std::string key)
      : store_(store), key_(std::move(key)) {}
  Status Append(std::string_view data) override {
    bytes_.append(data);
    return Status::OK();
  }
  Status Publish() override {
    if (published_) return Status::FailedPrecondition("ObjectWriter::Publish called twice");
    published_ = true;
    Status st = store_->Put(key_, bytes_);
    std::string().swap(bytes_);
    return st;
  }
  uint64_t bytes_appended() const override { return bytes_.size(); }

 private:
  ObjectStore* store_;
  std::string key_;
  std::string bytes_;
  bool published_ = false;
};

}  // namespace

Result<std::unique_ptr<ObjectWriter>> ObjectStore::NewWriter(std::string_view key) {
  CL_RETURN_IF_ERROR(ValidateObjectKey(key));
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<BufferingObjectWriter>(this, std::string(key)));
}

Result<std::unique_ptr<PendingPut>> ObjectStore::BeginPut(std::string_view key,
                                                          std::string_view data) {
  // Validated now so a bad key fails where the caller starts the Put.
  CL_RETURN_IF_ERROR(ValidateObjectKey(key));
  return std::unique_ptr<PendingPut>(
      std::make_unique<CopyingPendingPut>(this, std::string(key), std::string(data)));
}

}  // namespace cryptolake::storage
