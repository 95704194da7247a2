// InstrumentedObjectStore: an ObjectStore decorator that records every operation through the
// crypto instrument suite's storage tracker (cryptolake/telemetry/trackers.h):
// cryptolake.storage.operations / .operation.duration {storage.operation, storage.backend,
// outcome, error.type}, cryptolake.storage.object.size and cryptolake.storage.bytes for whole
// objects written or read, and cryptolake.lakehouse.stored.bytes {lakehouse.layer} for objects
// published under bronze/, silver/ or gold/ (minus deletes of objects whose size it listed).
//
// storage.operation values: put, publish (a streamed writer's commit), get (Get and GetRange),
// head (Exists), list, delete. A NotFound answer of Get/GetRange is a clean answer, not a
// failure (absent objects are routine in the lake's protocol).
//
// Thread-safety: as the wrapped store.
#ifndef CRYPTOLAKE_SRC_STORAGE_INSTRUMENTED_OBJECT_STORE_H_
#define CRYPTOLAKE_SRC_STORAGE_INSTRUMENTED_OBJECT_STORE_H_

#include <memory>
#include <string>

#include "cryptolake/storage/object_store.h"

namespace cryptolake::storage {

// `backend`: storage.backend ("local", "s3", "memory").
std::unique_ptr<ObjectStore> NewInstrumentedObjectStore(std::unique_ptr<ObjectStore> inner,
                                                        std::string backend);

}  // namespace cryptolake::storage

#endif  // CRYPTOLAKE_SRC_STORAGE_INSTRUMENTED_OBJECT_STORE_H_
