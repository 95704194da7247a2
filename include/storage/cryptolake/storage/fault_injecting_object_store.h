// FaultInjectingObjectStore: an ObjectStore wrapper that fails chosen calls,
// for tests of what callers leave behind when storage fails.
//
// Faults are armed per operation kind: fail the Nth call from now with
// IOError, fail every call whose key matches a glob pattern (fnmatch(3)
// syntax, '*' also matches '/') with IOError or a chosen status (e.g. the
// NotFound an S3 store returns when a multipart upload vanished), or "crash"
// the Nth Put: the wrapped store
// performs the Put up to but excluding its publishing step (the local store
// leaves only a temp file) and the call returns IOError. Calls that are not
// failed are forwarded unchanged. Failed calls do not reach the wrapped store.
//
// Thread-safety: safe for concurrent use; arming faults and counting calls
// are serialised by an internal mutex. "Nth call" is counted in the order the
// calls acquire that mutex.
#ifndef CRYPTOLAKE_STORAGE_FAULT_INJECTING_OBJECT_STORE_H_
#define CRYPTOLAKE_STORAGE_FAULT_INJECTING_OBJECT_STORE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/storage/object_store.h"

namespace cryptolake::storage {

class FaultInjectingObjectStore : public ObjectStore {
 public:
  enum class Op { kPut, kGet, kGetRange, kList, kDelete, kExists };

  // Wraps `base`, which must outlive this object.
  explicit FaultInjectingObjectStore(ObjectStore* base);
  // Wraps and owns `base`.
  explicit FaultInjectingObjectStore(std::unique_ptr<ObjectStore> base);

  FaultInjectingObjectStore(const FaultInjectingObjectStore&) = delete;
  FaultInjectingObjectStore& operator=(const FaultInjectingObjectStore&) = delete;

  // The n-th call (1 = the next one) of `op` from now fails with IOError.
  // REQUIRES: n >= 1.
  void FailNth(Op op, int n);
  // Every call of `op` whose key (List: prefix) matches `glob` fails with IOError.
  void FailMatching(Op op, std::string glob);
  // Likewise, failing with `error`'s code and message (prefixed with the call and key).
  // REQUIRES: !error.ok().
  void FailMatching(Op op, std::string glob, Status error);
  // The n-th Put from now "crashes" (see the header comment). REQUIRES: n >= 1.
  void CrashNthPut(int n);
  // Every Put whose key matches `glob` crashes.
  void CrashPutsMatching(std::string glob);
  // Disarms every fault; counters keep running.
  void ClearFaults();

  // Calls of `op` seen so far (failed ones included).
  int64_t CallCount(Op op) const;
  // Calls failed or crashed so far, all kinds.
  int64_t InjectedFaultCount() const;

  Status Put(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Result<bool> Exists(std::string_view key) override;
  std::string Describe() const override;
  // Forwarded unchanged. NewWriter() is the default (bytes collected, then
  // this->Put() in Publish()), so Put faults apply to streamed objects too.
  Status RemoveAbandonedWrites() override;

 private:
  enum class Action { kPass, kFail, kCrash };
  struct Fault {
    Op op;
    Action action;
    int64_t fire_at_call;  // > 0: fires when the op's count reaches it; 0: glob fault.
    std::string glob;
    Status error;  // kFail: returned with the call and key as context
  };

  // Counts the call and decides what happens to it; for kFail, *error is what the call returns.
  Action Decide(Op op, std::string_view key, Status* error);

  std::unique_ptr<ObjectStore> owned_;
  ObjectStore* base_;
  mutable std::mutex mu_;
  int64_t counts_[6] = {};
  int64_t injected_ = 0;
  std::vector<Fault> faults_;
};

}  // namespace cryptolake::storage

#endif  // CRYPTOLAKE_STORAGE_FAULT_INJECTING_OBJECT_STORE_H_
