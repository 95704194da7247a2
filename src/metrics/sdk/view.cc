#include "cryptolake/metrics/sdk/view.h"

#include <vector>

namespace cryptolake::metrics {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

const std::vector<double>& DefaultHistogramBoundaries() {
  static const auto* bounds = new std::vector<double>{0,   5,   10,   25,   50,   75,   100,  250,
                                                      500, 750, 1000, 2500, 5000, 7500, 10000};
  return *bounds;
}

bool WildcardMatch(std::string_view pattern, std::string_view text) {
  // Iterative glob matching with backtracking to the last '*': linear in
  // practice and never recursive, so hostile patterns cannot blow the stack.
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || Lower(pattern[p]) == Lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_t = t;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace cryptolake::metrics
