// The spool of OtlpDelivery on disk (internal): one file per batch, named
// "<20-digit sequence>-<data points>.binpb" and holding the request bytes
// as-is, written atomically (a "<name>.tmp" file exists only while a write is
// under way or after a crash cut one short), and a "lock" file the owning
// process holds an exclusive flock on. What is spooled when, and what the
// spool guarantees: cryptolake/metrics/export/otlp_delivery.h.
//
// Thread-safety: plain functions on the file system; distinct files may be
// written and read from different threads.
#ifndef CRYPTOLAKE_METRICS_EXPORT_SPOOL_FILES_H_
#define CRYPTOLAKE_METRICS_EXPORT_SPOOL_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cryptolake/common/status.h"

namespace cryptolake::metrics::spool {

// "<what> <path>: <strerror(errno)>", for the errno a failed call just set.
std::string ErrnoText(const std::string& what, const std::string& path);

// The file name of batch `seq` with `points` data points.
std::string SpoolFileName(uint64_t seq, uint64_t points);

// Parses a name SpoolFileName() produces; false for anything else
// (including sequence number 0).
bool ParseSpoolName(const std::string& name, uint64_t* seq, uint64_t* points);

// Writes `bytes` to `dir/name` so that the file either does not exist or is
// complete, even across a crash or a power cut. On failure nothing is left
// behind; IOError names the step and the file.
Status WriteFileAtomically(const std::string& dir, const std::string& name,
                           const std::string& bytes);

// The whole content of `path`; IOError naming the file on failure.
Result<std::string> ReadWholeFile(const std::string& path);

// Creates `dir` (and its parents) if needed and takes an exclusive flock on
// `dir/lock`: the lock file's descriptor, owned by the caller (closing it
// releases the lock). On failure the Status message says why, in words fit
// for a diagnostic ("another process holds <dir>/lock").
Result<int> LockSpoolDir(const std::string& dir);

struct SpoolFile {
  uint64_t seq;
  uint64_t points;
  uint64_t size;  // Bytes.
};

// Removes the temporary files a crash left in `dir` and lists its spool
// files, ascending sequence number; other files are ignored. When `dir`
// cannot be listed the Status message says why ("cannot list it: ...").
Result<std::vector<SpoolFile>> ListSpoolDir(const std::string& dir);

}  // namespace cryptolake::metrics::spool

#endif  // CRYPTOLAKE_METRICS_EXPORT_SPOOL_FILES_H_
