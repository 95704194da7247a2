// BuildGoldGroup: builds several partitions that read the same silver input (kKlines and
// kDailySummary of one day) with one read and one decode of that input.
//
// Thread-safety: as BuildGoldPartition().
#ifndef CRYPTOLAKE_SRC_GOLD_GOLD_BUILD_GROUP_H_
#define CRYPTOLAKE_SRC_GOLD_GOLD_BUILD_GROUP_H_

#include <vector>

#include "cryptolake/gold/gold_builder.h"

namespace cryptolake::gold {

// One result per partition, in order. REQUIRES: the partitions share market, symbol,
// source_type and period (BuildGoldPartition() on each otherwise).
std::vector<Result<GoldPartitionReport>> BuildGoldGroup(const std::vector<GoldPartition>& group,
                                                        const GoldOptions& options);

// True when `a` and `b` read the same silver input and can be built by one BuildGoldGroup().
bool SameInput(const GoldPartition& a, const GoldPartition& b);

}  // namespace cryptolake::gold

#endif  // CRYPTOLAKE_SRC_GOLD_GOLD_BUILD_GROUP_H_
