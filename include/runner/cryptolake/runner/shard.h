// Sharding: which process of `--shard i/n` owns a unit of work.
//
// The owner of an archive file is FNV-1a 64 of "<market>|<data_type>|<symbol>|<date>" mod n for
// daily files and of "<market>|<data_type>|<symbol>" for monthly ones (a symbol's months stay in
// one shard). Every task of a file (ingest, gaps, fill) and the gold partitions built from it
// belong to that owner, so shards never write the same object and need no coordinator.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_RUNNER_SHARD_H_
#define CRYPTOLAKE_RUNNER_SHARD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "cryptolake/common/status.h"

namespace cryptolake::runner {

struct ShardSpec {
  int index = 0;  // 0 <= index < count
  int count = 1;

  bool sharded() const { return count > 1; }
  friend bool operator==(const ShardSpec&, const ShardSpec&) = default;
};

// "i/n" with 0 <= i < n <= 4096.
Result<ShardSpec> ParseShardSpec(std::string_view text);

uint64_t Fnv1a64(std::string_view bytes);

// The owning shard of an archive file. `period` is "YYYY-MM-DD" for daily files; monthly files
// pass monthly = true (the period is then not part of the key).
int ShardOwner(std::string_view market, std::string_view data_type, std::string_view symbol,
               std::string_view period, bool monthly, int shard_count);

}  // namespace cryptolake::runner

#endif  // CRYPTOLAKE_RUNNER_SHARD_H_
