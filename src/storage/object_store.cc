// ObjectStore's default NewWriter(): collects the bytes and Put()s them when
// published.
#include "cryptolake/storage/object_store.h"

#include <string>
#include <utility>

namespace cryptolake::storage {
namespace {

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

}  // namespace cryptolake::storage
