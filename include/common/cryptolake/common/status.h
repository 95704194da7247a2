// Status and Result<T>: the one error currency of cryptolake.
//
// A Status is either OK or carries a code and a human-readable message that
// names what failed (file, row, field, server). Fallible functions return
// Status, or Result<T> when they also produce a value. Exceptions are not used
// for expected failures (I/O, parsing, network). Both are [[nodiscard]]: a
// caller that really has nowhere to send an error (a destructor) discards it
// with (void) and says why.
//
// Thread-safety: Status and Result are values; distinct objects may be used
// from different threads without synchronisation.
#ifndef CRYPTOLAKE_COMMON_STATUS_H_
#define CRYPTOLAKE_COMMON_STATUS_H_

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cryptolake {

class [[nodiscard]] Status {
 public:
  enum class Code : int {
    kOk = 0,
    kInvalidArgument = 1,  // Caller supplied bad input (flags, names, values).
    kNotFound = 2,         // A file, key or URL does not exist (HTTP 404).
    kIOError = 3,          // Local or remote I/O failed.
    kCorruption = 4,       // Data failed verification (checksum, format).
    kUnavailable = 5,      // A peer is down or answered 5xx; retryable.
    kTimeout = 6,          // A deadline passed.
    kAlreadyExists = 7,    // Target exists and may not be replaced.
    kFailedPrecondition = 8,  // Called in the wrong phase (after Finish...).
    kInternal = 9,         // A bug: an invariant did not hold.
    kCancelled = 10,       // The operation was abandoned on request.
  };

  // Creates an OK status.
  Status() = default;

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status Unavailable(std::string_view msg) { return Status(Code::kUnavailable, msg); }
  static Status Timeout(std::string_view msg) { return Status(Code::kTimeout, msg); }
  static Status AlreadyExists(std::string_view msg) { return Status(Code::kAlreadyExists, msg); }
  static Status FailedPrecondition(std::string_view msg) {
    return Status(Code::kFailedPrecondition, msg);
  }
  static Status Internal(std::string_view msg) { return Status(Code::kInternal, msg); }
  static Status Cancelled(std::string_view msg) { return Status(Code::kCancelled, msg); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsTimeout() const { return code_ == Code::kTimeout; }
  bool IsAlreadyExists() const { return code_ == Code::kAlreadyExists; }
  bool IsFailedPrecondition() const { return code_ == Code::kFailedPrecondition; }

  // Returns a copy whose message is "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const {
    if (ok()) return *this;
    std::string msg(context);
    msg += ": ";
    msg += message_;
    return Status(code_, msg);
  }

  // "OK" or "<CodeName>: <message>".
  std::string ToString() const {
    if (ok()) return "OK";
    std::string out(CodeName(code_));
    out += ": ";
    out += message_;
    return out;
  }

  static std::string_view CodeName(Code code) {
    switch (code) {
      case Code::kOk: return "OK";
      case Code::kInvalidArgument: return "Invalid argument";
      case Code::kNotFound: return "Not found";
      case Code::kIOError: return "IO error";
      case Code::kCorruption: return "Corruption";
      case Code::kUnavailable: return "Unavailable";
      case Code::kTimeout: return "Timeout";
      case Code::kAlreadyExists: return "Already exists";
      case Code::kFailedPrecondition: return "Failed precondition";
      case Code::kInternal: return "Internal";
      case Code::kCancelled: return "Cancelled";
    }
    return "Unknown";
  }

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Result<T> holds either a value or a non-OK Status.
// REQUIRES: a Result is never constructed from an OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(state_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status::OK() : std::get<Status>(state_); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  T value_or(T fallback) const { return ok() ? std::get<T>(state_) : std::move(fallback); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace cryptolake

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define CL_RETURN_IF_ERROR(expr)                    \
  do {                                              \
    ::cryptolake::Status cl_status_ = (expr);       \
    if (!cl_status_.ok()) return cl_status_;        \
  } while (0)

#define CL_CONCAT_INNER_(a, b) a##b
#define CL_CONCAT_(a, b) CL_CONCAT_INNER_(a, b)
// Declares `lhs` from a Result<T> expression, returning its Status on error.
#define CL_ASSIGN_OR_RETURN(lhs, expr)                                   \
  auto CL_CONCAT_(cl_result_, __LINE__) = (expr);                        \
  if (!CL_CONCAT_(cl_result_, __LINE__).ok())                            \
    return CL_CONCAT_(cl_result_, __LINE__).status();                    \
  lhs = std::move(CL_CONCAT_(cl_result_, __LINE__)).value()  // NOLINT(bugprone-macro-parentheses): lhs is a declaration

#endif  // CRYPTOLAKE_COMMON_STATUS_H_
