// Clang thread-safety annotations, and a Mutex the analysis understands.
//
// Under clang the macros expand to the thread-safety attributes
// (-Wthread-safety checks them; the metrics SDK's annotated sources are
// compiled so by the ctest `thread_safety`); under other compilers to nothing.
// std::mutex carries no annotations in libstdc++, so annotated classes hold a
// Mutex (or RecursiveMutex) and lock it with MutexLock (RecursiveMutexLock).
//
//   class Counter {
//    public:
//     void Add() EXCLUDES(mu_) { MutexLock lock(mu_); ++n_; }
//    private:
//     void AddLocked() REQUIRES(mu_) { ++n_; }
//     Mutex mu_;
//     int n_ GUARDED_BY(mu_) = 0;
//   };
//
// Thread-safety: Mutex and RecursiveMutex are as std::mutex and
// std::recursive_mutex.
#ifndef CRYPTOLAKE_COMMON_THREAD_ANNOTATIONS_H_
#define CRYPTOLAKE_COMMON_THREAD_ANNOTATIONS_H_

#include <mutex>

#if defined(__clang__)
#define CRYPTOLAKE_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CRYPTOLAKE_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) CRYPTOLAKE_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY CRYPTOLAKE_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) CRYPTOLAKE_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) CRYPTOLAKE_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) CRYPTOLAKE_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) CRYPTOLAKE_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) CRYPTOLAKE_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) CRYPTOLAKE_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) CRYPTOLAKE_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS CRYPTOLAKE_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace cryptolake {

// A std::mutex (or, with M = std::recursive_mutex, a recursive one) that the
// analysis knows as a capability.
template <typename M>
class CAPABILITY("mutex") BasicMutex {
 public:
  BasicMutex() = default;
  BasicMutex(const BasicMutex&) = delete;
  BasicMutex& operator=(const BasicMutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // Tells the analysis that the calling thread holds the mutex where it
  // cannot see it (e.g. in a lambda a callee runs while the caller holds it).
  // No run-time check.
  void AssumeHeld() const ASSERT_CAPABILITY(this) {}

 private:
  M mu_;
};

using Mutex = BasicMutex<std::mutex>;
// The analysis does not model re-entry: a thread locking it twice does so
// through code it cannot see (e.g. a callback).
using RecursiveMutex = BasicMutex<std::recursive_mutex>;

// Holds a mutex for its scope.
template <typename M>
class SCOPED_CAPABILITY BasicMutexLock {
 public:
  explicit BasicMutexLock(M& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~BasicMutexLock() RELEASE() { mu_.Unlock(); }
  BasicMutexLock(const BasicMutexLock&) = delete;
  BasicMutexLock& operator=(const BasicMutexLock&) = delete;

 private:
  M& mu_;
};

using MutexLock = BasicMutexLock<Mutex>;
using RecursiveMutexLock = BasicMutexLock<RecursiveMutex>;

}  // namespace cryptolake

#endif  // CRYPTOLAKE_COMMON_THREAD_ANNOTATIONS_H_
