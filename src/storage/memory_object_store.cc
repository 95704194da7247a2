// In-memory ObjectStore for tests: a sorted map under one mutex.
#include <map>
#include <mutex>
#include <string>

#include "cryptolake/storage/object_store.h"

namespace cryptolake::storage {
namespace {

class MemoryObjectStore final : public ObjectStore {
 public:
  Status Put(std::string_view key, std::string_view data) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    std::string copy(data);  // Copy outside the lock.
    std::lock_guard<std::mutex> lock(mu_);
    objects_.insert_or_assign(std::string(key), std::move(copy));
    return Status::OK();
  }

  Result<std::string> Get(std::string_view key) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return NotFound(key);
    return it->second;
  }

  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return NotFound(key);
    const std::string& data = it->second;
    if (offset > data.size()) {
      return Status::InvalidArgument("range offset " + std::to_string(offset) +
                                     " is past the end of memory://" + std::string(key) +
                                     " (size " + std::to_string(data.size()) + ")");
    }
    return data.substr(offset, length);
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::vector<ObjectInfo> out;
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = objects_.lower_bound(prefix); it != objects_.end(); ++it) {
      if (std::string_view(it->first).substr(0, prefix.size()) != prefix) break;
      out.push_back(ObjectInfo{it->first, it->second.size()});
    }
    return out;
  }

  Status Delete(std::string_view key) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(key);
    if (it != objects_.end()) objects_.erase(it);
    return Status::OK();
  }

  Result<bool> Exists(std::string_view key) override {
    CL_RETURN_IF_ERROR(ValidateObjectKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    return objects_.find(key) != objects_.end();
  }

  std::string Describe() const override { return "memory://"; }

 private:
  static Status NotFound(std::string_view key) {
    return Status::NotFound("no object memory://" + std::string(key));
  }

  std::mutex mu_;
  // std::less<> allows lookups by string_view without building a string.
  std::map<std::string, std::string, std::less<>> objects_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewMemoryObjectStore() {
  return std::make_unique<MemoryObjectStore>();
}

}  // namespace cryptolake::storage
