// ObjectStore's default BeginPut(): a copy of the data, put when published.
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

}  // namespace

Result<std::unique_ptr<PendingPut>> ObjectStore::BeginPut(std::string_view key,
                                                          std::string_view data) {
  // Validated now so a bad key fails where the caller starts the Put.
  CL_RETURN_IF_ERROR(ValidateObjectKey(key));
  return std::unique_ptr<PendingPut>(
      std::make_unique<CopyingPendingPut>(this, std::string(key), std::string(data)));
}

}  // namespace cryptolake::storage
