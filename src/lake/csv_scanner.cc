#include "cryptolake/lake/csv_scanner.h"

namespace cryptolake::lake {

CsvScanner::CsvScanner(std::string_view bytes)
    : pos_(bytes.data()), end_(bytes.data() + bytes.size()) {
  // The archive never writes a byte-order mark, but spreadsheet re-exports do;
  // skipping it keeps the header sniff honest.
  if (bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xEF &&
      static_cast<unsigned char>(bytes[1]) == 0xBB &&
      static_cast<unsigned char>(bytes[2]) == 0xBF) {
    pos_ += 3;
  }
  if (pos_ < end_) {
    char first = *pos_;
    bool data_first = (first >= '0' && first <= '9') || first == '-';
    if (!data_first) {
      std::string_view line;
      NextLine(&line);
      has_header_ = true;
      header_ = line;
    }
  }
}

size_t SplitCsvFields(std::string_view line, std::span<std::string_view> out) {
  if (line.empty()) {
    if (!out.empty()) out[0] = line;
    return 1;
  }
  size_t count = 0;
  const char* p = line.data();
  const char* end = p + line.size();
  while (true) {
    const char* comma = static_cast<const char*>(std::memchr(p, ',', end - p));
    const char* field_end = comma != nullptr ? comma : end;
    if (count < out.size()) out[count] = std::string_view(p, field_end - p);
    ++count;
    if (comma == nullptr) break;
    p = comma + 1;
  }
  return count;
}

}  // namespace cryptolake::lake
