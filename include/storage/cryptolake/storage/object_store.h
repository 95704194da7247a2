// ObjectStore: the lake's storage interface (put, get, range get, list, delete).
//
// Keys are '/'-separated relative paths such as
// "bronze/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip". A key
// never starts or ends with '/', has no empty, "." or ".." components, and no
// component may start with kTempFilePrefix (reserved for in-flight writes).
// Put() is an atomic publish: a reader sees the previous object or the new
// one, never a partial object, and List() never shows in-flight writes. This
// is the contract an S3 implementation will satisfy too (PUT is atomic there),
// so callers depend only on this header.
//
// Thread-safety: every implementation here is safe for concurrent use from
// many threads. Concurrent Puts of the same key leave one of the written
// objects (last rename wins); they never interleave bytes.
#ifndef CRYPTOLAKE_STORAGE_OBJECT_STORE_H_
#define CRYPTOLAKE_STORAGE_OBJECT_STORE_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/common/byte_sink.h"
#include "cryptolake/common/status.h"

namespace cryptolake::storage {

// File-name prefix of in-flight temporary files of the local store. Keys with
// a component starting with it are rejected and such files are never listed.
inline constexpr std::string_view kTempFilePrefix = ".cltmp-";

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;

  friend bool operator==(const ObjectInfo&, const ObjectInfo&) = default;
};

// An object written piece by piece and published atomically: readers and
// List() see nothing of it until Publish() returns OK, then the whole object
// (replacing any previous one under the key). Destroyed without a successful
// Publish() -- or the process killed -- nothing of it becomes visible; what a
// killed process left behind is removed by the next
// ObjectStore::RemoveAbandonedWrites() (never while its writer lives).
class ObjectWriter : public ByteSink {
 public:
  // Append(): see ByteSink. After an error, Publish() fails.
  // Completes the object. REQUIRES: called at most once.
  virtual Status Publish() = 0;
  virtual uint64_t bytes_appended() const = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores `data` under `key`, replacing any previous object atomically.
  // Local: writes a temp file in the same directory, fsyncs it, renames it
  // over the key and fsyncs the directory.
  virtual Status Put(std::string_view key, std::string_view data) = 0;

  // Starts a streamed object under `key` (see ObjectWriter).
  // Default: collects the bytes in memory and Put()s them in Publish().
  // Local: appends to a temp file of this store instance (see
  // RemoveAbandonedWrites), renamed over the key in Publish() after fsync.
  // REQUIRES: the store outlives the writer.
  virtual Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key);

  // Removes what writers of processes that died (kill -9, power loss) left
  // behind, without touching writes of live processes or of this one.
  // Local: temp files live in <root>/.cltmp-runs/<run>/, one directory per
  // store instance, guarded by an flock(2)ed <run>.lock that the kernel
  // releases when its process dies; a run directory whose lock can be taken
  // is abandoned and is deleted. Default: nothing to do.
  virtual Status RemoveAbandonedWrites() { return Status::OK(); }

  // The whole object. NotFound (naming the key) if absent.
  virtual Result<std::string> Get(std::string_view key) = 0;

  // Bytes [offset, min(offset + length, size)). NotFound if absent;
  // InvalidArgument if offset > size. offset == size yields "".
  virtual Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) = 0;

  // Every object whose key starts with `prefix` (a plain string prefix, not a
  // directory: "bronze/da" matches "bronze/data/..."), sorted by key in byte
  // order. "" lists everything.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;

  // Removes the object. OK if it does not exist.
  virtual Status Delete(std::string_view key) = 0;

  virtual Result<bool> Exists(std::string_view key) = 0;

  // Where the store lives, for messages: "file:///abs/lake", "memory://".
  virtual std::string Describe() const = 0;

  // TEST hook used by FaultInjectingObjectStore to emulate a process crash in
  // the middle of Put(): does everything Put() does before the publishing
  // step (the local store leaves a temp file behind) and stops. The key's
  // previous object stays visible. Default: does nothing (stores with no
  // intermediate state). Never call it outside tests.
  virtual Status TEST_PutWithoutPublish(std::string_view key, std::string_view data) {
    return Status::OK();
  }
};

// OK if `key` is a valid object key (see the header comment), else
// InvalidArgument naming the key and the rule it breaks.
Status ValidateObjectKey(std::string_view key);

// A store rooted at the directory `root` (created if missing; made absolute).
// Keys map to files root/<key>; directories are created on demand.
std::unique_ptr<ObjectStore> NewLocalObjectStore(std::filesystem::path root);

// A store held in memory, for tests. Describe() is "memory://".
std::unique_ptr<ObjectStore> NewMemoryObjectStore();

// The store a lake URL names: a directory path or file:///path -> the local
// store; s3://bucket[/prefix] -> the S3 store (s3_object_store.h), configured
// from the process environment like the AWS CLI (aws_config.h).
// InvalidArgument for any other scheme, naming it, so a lake URL is never
// mistaken for a local directory called "gs:".
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view url);

}  // namespace cryptolake::storage

#endif  // CRYPTOLAKE_STORAGE_OBJECT_STORE_H_
