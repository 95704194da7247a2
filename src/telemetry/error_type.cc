#include "cryptolake/telemetry/error_type.h"

#include <array>
#include <ios>
#include <new>
#include <system_error>

namespace cryptolake::telemetry {
namespace {

constexpr std::array<std::string_view, 17> kKnown = {
    "invalid_argument", "not_found",     "io_error",       "corruption",
    "unavailable",      "timeout",       "already_exists", "failed_precondition",
    "internal",         "cancelled",     "out_of_memory",  "system_error",
    "out_of_range",     "runtime_error", "logic_error",    "transport_error",
    kErrorTypeOther};

}  // namespace

std::string_view ErrorTypeOf(const Status& status) noexcept {
  using Code = Status::Code;
  switch (status.code()) {
    case Code::kOk:
      return "";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kNotFound:
      return "not_found";
    case Code::kIOError:
      return "io_error";
    case Code::kCorruption:
      return "corruption";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kTimeout:
      return "timeout";
    case Code::kAlreadyExists:
      return "already_exists";
    case Code::kFailedPrecondition:
      return "failed_precondition";
    case Code::kInternal:
      return "internal";
    case Code::kCancelled:
      return "cancelled";
  }
  return kErrorTypeOther;
}

// Rethrowing is the only portable way to learn an exception_ptr's type. The order matters: the
// most derived standard types first. A TrackedError's kind is trusted only when it is one of the
// known kinds or a short identifier, so a thrower cannot smuggle a message in.
std::string_view ErrorTypeOf(const std::exception_ptr& error) noexcept {
  if (!error) return kErrorTypeOther;
  try {
    std::rethrow_exception(error);
  } catch (const TrackedError& e) {
    std::string_view k = e.kind();
    if (k.empty() || k.size() > 32) return kErrorTypeOther;
    for (char c : k) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
      if (!ok) return kErrorTypeOther;
    }
    return k;
  } catch (const std::bad_alloc&) {
    return "out_of_memory";
  } catch (const std::ios_base::failure&) {
    return "io_error";
  } catch (const std::system_error&) {
    return "system_error";
  } catch (const std::invalid_argument&) {
    return "invalid_argument";
  } catch (const std::out_of_range&) {
    return "out_of_range";
  } catch (const std::logic_error&) {
    return "logic_error";
  } catch (const std::runtime_error&) {
    return "runtime_error";
  } catch (...) {
    return kErrorTypeOther;
  }
}

std::span<const std::string_view> KnownErrorTypes() { return kKnown; }

}  // namespace cryptolake::telemetry
