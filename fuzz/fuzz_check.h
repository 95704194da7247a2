// The fuzz targets' invariant check: prints what was violated and aborts, which libFuzzer (and
// the seed-corpus replay) reports as a crash with the input that caused it.
#ifndef CRYPTOLAKE_FUZZ_FUZZ_CHECK_H_
#define CRYPTOLAKE_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

namespace cryptolake::fuzz {

inline void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace cryptolake::fuzz

#endif  // CRYPTOLAKE_FUZZ_FUZZ_CHECK_H_
