// CsvScanner: splits a Binance archive CSV held in memory into lines and
// fields without copying or allocating.
//
// The archive's CSVs are simple: comma-separated, no quoting, LF line ends
// (CRLF is accepted too), an optional header row. The scanner sniffs the
// header: the first line is a header iff the file's first byte is neither a
// digit nor '-' (a UTF-8 byte-order mark is skipped first). Lines are found
// with memchr; a final line without a line end is still returned, an empty
// file or a file holding only a header yields no data lines. Line numbers are
// 1-based and count the header, so they match what an editor shows.
//
// Quoting is not part of the archive format: SplitCsvFields reports fields
// verbatim, and callers reject a field holding '"' (see ContainsQuote) with a
// clear error instead of mis-splitting it.
//
// Thread-safety: a CsvScanner is a cursor over caller-owned bytes, not
// synchronised; the bytes must outlive it and every string_view it returns.
#ifndef CRYPTOLAKE_LAKE_CSV_SCANNER_H_
#define CRYPTOLAKE_LAKE_CSV_SCANNER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace cryptolake::lake {

class CsvScanner {
 public:
  explicit CsvScanner(std::string_view bytes);

  // True when the first line is a header (see the sniffing rule above).
  bool has_header() const { return has_header_; }
  // The header line without its line end; empty when there is none.
  std::string_view header() const { return header_; }

  // Stores the next data line (without "\n" or "\r\n") in *line and returns
  // true, or returns false at the end of the input.
  bool NextLine(std::string_view* line) {
    if (pos_ >= end_) return false;
    const char* nl = static_cast<const char*>(std::memchr(pos_, '\n', end_ - pos_));
    const char* line_end = nl != nullptr ? nl : end_;
    const char* content_end = line_end;
    if (content_end > pos_ && content_end[-1] == '\r') --content_end;
    *line = std::string_view(pos_, content_end - pos_);
    pos_ = nl != nullptr ? nl + 1 : end_;
    ++line_number_;
    return true;
  }

  // 1-based line number of the line NextLine returned last (the header is line 1
  // when present); 0 before the first call.
  int64_t line_number() const { return line_number_; }

  // Bytes of data lines not yet returned.
  size_t remaining_bytes() const { return static_cast<size_t>(end_ - pos_); }

 private:
  const char* pos_;
  const char* end_;
  int64_t line_number_ = 0;
  bool has_header_ = false;
  std::string_view header_;
};

// Splits `line` at commas. Stores up to out.size() fields in `out` and returns
// the total number of fields in the line (which may exceed out.size()). An
// empty line has one empty field.
size_t SplitCsvFields(std::string_view line, std::span<std::string_view> out);

// True when `s` holds a double quote (quoted CSV, which the archive never uses).
inline bool ContainsQuote(std::string_view s) {
  return std::memchr(s.data(), '"', s.size()) != nullptr;
}

}  // namespace cryptolake::lake

#endif  // CRYPTOLAKE_LAKE_CSV_SCANNER_H_
