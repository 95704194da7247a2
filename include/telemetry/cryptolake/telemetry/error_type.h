// error.type values: the pipeline's known error kinds, and `_OTHER` for anything else, as the
// OpenTelemetry semantic conventions prescribe. Never a free-text message and never an unbounded
// type name, so the attribute's cardinality is the size of this list.
//
//   from a Status:     invalid_argument not_found io_error corruption unavailable timeout
//                      already_exists failed_precondition internal cancelled
//   from an exception: out_of_memory system_error io_error invalid_argument out_of_range
//                      runtime_error logic_error, or a TrackedError's own kind; else _OTHER
//   HTTP clients:      the response's status code ("429", "503"), timeout, transport_error
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_TELEMETRY_ERROR_TYPE_H_
#define CRYPTOLAKE_TELEMETRY_ERROR_TYPE_H_

#include <exception>
#include <span>
#include <stdexcept>
#include <string_view>

#include "cryptolake/common/status.h"

namespace cryptolake::telemetry {

inline constexpr std::string_view kErrorTypeOther = "_OTHER";

// An exception that names its own error kind. `kind` must be one of a fixed set the thrower
// chooses (it becomes error.type verbatim); the message is never recorded.
class TrackedError : public std::runtime_error {
 public:
  TrackedError(std::string_view kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  std::string_view kind() const noexcept { return kind_; }

 private:
  std::string_view kind_;  // Static storage: a literal or a semantic-conventions constant.
};

// The error.type of a non-OK status ("" for OK).
std::string_view ErrorTypeOf(const Status& status) noexcept;

// The error.type of an exception (must be non-null).
std::string_view ErrorTypeOf(const std::exception_ptr& error) noexcept;

// Every value ErrorTypeOf can return, for tests and dashboards.
std::span<const std::string_view> KnownErrorTypes();

}  // namespace cryptolake::telemetry

#endif  // CRYPTOLAKE_TELEMETRY_ERROR_TYPE_H_
