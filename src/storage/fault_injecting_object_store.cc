// FaultInjectingObjectStore: decides per call whether to pass, fail or crash.
#include "cryptolake/storage/fault_injecting_object_store.h"

#include <fnmatch.h>

#include <string>

namespace cryptolake::storage {
namespace {

std::string_view OpName(FaultInjectingObjectStore::Op op) {
  switch (op) {
    case FaultInjectingObjectStore::Op::kPut:
      return "Put";
    case FaultInjectingObjectStore::Op::kGet:
      return "Get";
    case FaultInjectingObjectStore::Op::kGetRange:
      return "GetRange";
    case FaultInjectingObjectStore::Op::kList:
      return "List";
    case FaultInjectingObjectStore::Op::kDelete:
      return "Delete";
    case FaultInjectingObjectStore::Op::kExists:
      return "Exists";
  }
  return "?";
}

Status InjectedFault() { return Status::IOError("injected I/O error"); }

bool GlobMatches(const std::string& glob, std::string_view key) {
  return ::fnmatch(glob.c_str(), std::string(key).c_str(), 0) == 0;
}

}  // namespace

FaultInjectingObjectStore::FaultInjectingObjectStore(ObjectStore* base) : base_(base) {}

FaultInjectingObjectStore::FaultInjectingObjectStore(std::unique_ptr<ObjectStore> base)
    : owned_(std::move(base)), base_(owned_.get()) {}

void FaultInjectingObjectStore::FailNth(Op op, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(
      Fault{op, Action::kFail, counts_[static_cast<int>(op)] + n, "", InjectedFault()});
}

void FaultInjectingObjectStore::FailMatching(Op op, std::string glob) {
  FailMatching(op, std::move(glob), InjectedFault());
}

void FaultInjectingObjectStore::FailMatching(Op op, std::string glob, Status error) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(Fault{op, Action::kFail, 0, std::move(glob), std::move(error)});
}

void FaultInjectingObjectStore::CrashNthPut(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(
      Fault{Op::kPut, Action::kCrash, counts_[static_cast<int>(Op::kPut)] + n, "", Status()});
}

void FaultInjectingObjectStore::CrashPutsMatching(std::string glob) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(Fault{Op::kPut, Action::kCrash, 0, std::move(glob), Status()});
}

void FaultInjectingObjectStore::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

int64_t FaultInjectingObjectStore::CallCount(Op op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_[static_cast<int>(op)];
}

int64_t FaultInjectingObjectStore::InjectedFaultCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return injected_;
}

FaultInjectingObjectStore::Action FaultInjectingObjectStore::Decide(Op op, std::string_view key,
                                                                    Status* error) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t call = ++counts_[static_cast<int>(op)];
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->op != op) continue;
    bool fires = it->fire_at_call > 0 ? it->fire_at_call == call : GlobMatches(it->glob, key);
    if (!fires) continue;
    Action action = it->action;
    if (action == Action::kFail) {
      *error = it->error.WithContext("injected fault: " + std::string(OpName(op)) + " \"" +
                                     std::string(key) + "\"");
    }
    if (it->fire_at_call > 0) faults_.erase(it);  // One-shot.
    ++injected_;
    return action;
  }
  return Action::kPass;
}

Status FaultInjectingObjectStore::Put(std::string_view key, std::string_view data) {
  Status error;
  switch (Decide(Op::kPut, key, &error)) {
    case Action::kPass:
      return base_->Put(key, data);
    case Action::kFail:
      return error;
    case Action::kCrash: {
      Status st = base_->TEST_PutWithoutPublish(key, data);
      if (!st.ok()) return st;
      return Status::IOError("injected crash during Put \"" + std::string(key) +
                             "\" (not published)");
    }
  }
  return Status::Internal("unreachable");
}

Result<std::string> FaultInjectingObjectStore::Get(std::string_view key) {
  Status error;
  if (Decide(Op::kGet, key, &error) != Action::kPass) return error;
  return base_->Get(key);
}

Result<std::string> FaultInjectingObjectStore::GetRange(std::string_view key, uint64_t offset,
                                                        uint64_t length) {
  Status error;
  if (Decide(Op::kGetRange, key, &error) != Action::kPass) return error;
  return base_->GetRange(key, offset, length);
}

Result<std::vector<ObjectInfo>> FaultInjectingObjectStore::List(std::string_view prefix) {
  Status error;
  if (Decide(Op::kList, prefix, &error) != Action::kPass) return error;
  return base_->List(prefix);
}

Status FaultInjectingObjectStore::Delete(std::string_view key) {
  Status error;
  if (Decide(Op::kDelete, key, &error) != Action::kPass) return error;
  return base_->Delete(key);
}

Result<bool> FaultInjectingObjectStore::Exists(std::string_view key) {
  Status error;
  if (Decide(Op::kExists, key, &error) != Action::kPass) return error;
  return base_->Exists(key);
}

Status FaultInjectingObjectStore::RemoveAbandonedWrites() { return base_->RemoveAbandonedWrites(); }

std::string FaultInjectingObjectStore::Describe() const {
  return "fault-injecting(" + base_->Describe() + ")";
}

}  // namespace cryptolake::storage
