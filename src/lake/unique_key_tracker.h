// UniqueKeyTracker: remembers which unique keys (trade ids, kline open times)
// a file has accepted, in memory that does not grow with the file for real
// archive data.
//
// Accepted keys are kept as arithmetic runs (first, step, count): ids that
// grow by 1 and kline times that grow by the interval each form one run per
// gap, so a day of 2 M trades is one run. A key below the largest seen (rare:
// the archive's keys only grow) is checked against the runs by binary search
// and, when new, kept in a small set of stragglers. Memory is O(runs +
// stragglers); only adversarial input (random keys) makes it O(rows).
//
// Thread-safety: none; one tracker per file conversion (or per chunk).
#ifndef CRYPTOLAKE_LAKE_UNIQUE_KEY_TRACKER_H_
#define CRYPTOLAKE_LAKE_UNIQUE_KEY_TRACKER_H_

#include <algorithm>
#include <cstdint>
#include <unordered_set>
#include <vector>

namespace cryptolake::lake::internal {

class UniqueKeyTracker {
 public:
  bool empty() const { return runs_.empty(); }
  // REQUIRES: !empty().
  int64_t max() const { return max_; }
  int64_t min() const { return min_; }

  // True when `key` was added before.
  bool Contains(int64_t key) const {
    if (runs_.empty() || key > max_ || key < min_) return false;
    if (key == max_) return true;
    // The last run whose first key is <= key (runs are ordered and disjoint).
    auto it = std::upper_bound(runs_.begin(), runs_.end(), key,
                               [](int64_t k, const Run& r) { return k < r.first; });
    if (it != runs_.begin()) {
      const Run& r = *(it - 1);
      const int64_t last = r.first + r.step * (r.count - 1);
      if (key <= last && (key - r.first) % r.step == 0) return true;
    }
    return !stragglers_.empty() && stragglers_.count(key) != 0;
  }

  // REQUIRES: !Contains(key).
  void Add(int64_t key) {
    if (runs_.empty()) {
      runs_.push_back(Run{key, 1, 1});
      min_ = max_ = key;
      return;
    }
    if (key < max_) {
      stragglers_.insert(key);
      if (key < min_) min_ = key;
      return;
    }
    Run& last = runs_.back();
    if (last.count == 1) {
      last.step = key - last.first;
      last.count = 2;
    } else if (key - max_ == last.step) {
      ++last.count;
    } else {
      runs_.push_back(Run{key, 1, 1});
    }
    max_ = key;
  }

  // Appends every key of `later`. REQUIRES: later.min() > max() (or either
  // is empty) and `later` has no stragglers below this tracker's max.
  void Append(const UniqueKeyTracker& later) {
    if (later.runs_.empty()) return;
    if (runs_.empty()) {
      *this = later;
      return;
    }
    for (const Run& r : later.runs_) runs_.push_back(r);
    stragglers_.insert(later.stragglers_.begin(), later.stragglers_.end());
    max_ = later.max_;
  }

  void Clear() {
    runs_.clear();
    stragglers_.clear();
    min_ = max_ = 0;
  }

 private:
  struct Run {
    int64_t first;
    int64_t step;  // > 0 once count >= 2
    int64_t count;
  };
  std::vector<Run> runs_;
  std::unordered_set<int64_t> stragglers_;
  int64_t min_ = 0, max_ = 0;
};

}  // namespace cryptolake::lake::internal

#endif  // CRYPTOLAKE_LAKE_UNIQUE_KEY_TRACKER_H_
