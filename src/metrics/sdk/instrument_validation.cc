#include "instrument_validation.h"

namespace cryptolake::metrics::internal {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool IsValidInstrumentName(std::string_view name) {
  if (name.empty() || name.size() > kMaxInstrumentNameLength) return false;
  if (!IsAsciiLetter(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!IsAsciiLetter(c) && !IsDigit(c) && c != '_' && c != '.' && c != '-' && c != '/') {
      return false;
    }
  }
  return true;
}

bool IsValidUnit(std::string_view unit) {
  if (unit.size() > kMaxUnitLength) return false;
  for (char c : unit) {
    if (static_cast<unsigned char>(c) > 0x7f) return false;
  }
  return true;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace cryptolake::metrics::internal
