// Key validation shared by every ObjectStore implementation.
#include <string>

#include "cryptolake/storage/object_store.h"

namespace cryptolake::storage {

Status ValidateObjectKey(std::string_view key) {
  auto bad = [&](std::string_view why) {
    std::string msg = "invalid object key \"";
    msg += key;
    msg += "\": ";
    msg += why;
    return Status::InvalidArgument(msg);
  };
  if (key.empty()) return bad("empty");
  if (key.front() == '/') return bad("starts with '/'");
  if (key.back() == '/') return bad("ends with '/'");
  if (key.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view part = key.substr(start, end - start);
    if (part.empty()) return bad("has an empty path component");
    if (part == "." || part == "..") return bad("has a '.' or '..' component");
    if (part.substr(0, kTempFilePrefix.size()) == kTempFilePrefix) {
      return bad("a component starts with the reserved temp-file prefix");
    }
    start = end + 1;
  }
  return Status::OK();
}

}  // namespace cryptolake::storage
