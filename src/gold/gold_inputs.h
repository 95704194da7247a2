// Where a gold partition's silver inputs and gold objects live, and which inputs it has now.
//
// Inputs are found through the silver ledger (lake/ledger.h): the archive file a partition reads
// is built from (market, source type, symbol, period) with the archive layer's path helpers, and
// its ledger entry names the silver object and the archive digest. Only daily archive files feed
// day partitions and only monthly fundingRate files feed funding partitions.
//
// Thread-safety: stateless functions; the store must be thread-safe.
#ifndef CRYPTOLAKE_SRC_GOLD_GOLD_INPUTS_H_
#define CRYPTOLAKE_SRC_GOLD_GOLD_INPUTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/common/status.h"
#include "cryptolake/gold/gold_builder.h"
#include "cryptolake/gold/gold_ledger.h"
#include "cryptolake/storage/object_store.h"

namespace cryptolake::gold {

// The partition with source_type defaulted ("klines", "aggTrades", "fundingRate"), checked:
// InvalidArgument for an unknown market, an unsafe symbol, a period of the wrong form or a
// source type the product cannot read.
Result<GoldPartition> NormalizePartition(const GoldPartition& partition);

// The archive file (the silver ledger's key) a partition reads for `period` (a day, or a month
// for funding). REQUIRES: a normalized partition.
Result<archive::ArchiveFile> SourceArchiveFile(const GoldPartition& p, const std::string& period);

// "YYYY-MM" of the month before / after `month` ("YYYY-MM").
std::string PreviousMonth(const std::string& month);
std::string NextMonth(const std::string& month);

// Days before the 1st of a month that its 30-day funding windows reach (the window ending on the
// 1st starts 29 days earlier).
inline constexpr int kFundingLookbackDays = 29;

// FundingInputMonths() (gold_builder.h) reads every earlier month that overlaps
// [1st of `month` - kFundingLookbackDays days, 1st of `month`).

// The partition's current inputs from the silver ledger, in key order; empty when its main input
// (the day's file, or the month's fundingRate file) was never ingested. Funding partitions also
// list the files of the earlier FundingInputMonths() the lake holds. Each input carries the fill
// fingerprint of its archive file's _fills record (GoldInput::fill).
Result<std::vector<GoldInput>> CurrentInputs(storage::ObjectStore& lake, const GoldPartition& p);

// The gold object keys a partition writes (klines: one per interval, in the given order).
std::vector<std::string> OutputKeys(const GoldPartition& p,
                                    const std::vector<std::string>& intervals);

// Suffix of a build's pending marker, which sits beside the partition's entry.
inline constexpr std::string_view kGoldPendingSuffix = ".pending.json";

// The partition's pending marker: GoldLedgerKey() with ".json" replaced by kGoldPendingSuffix,
// e.g. "_gold/klines/market=um/symbol=BTCUSDT/date=2024-03-01.pending.json". A build puts it
// before its first gold object and deletes it after its entry; it is a GoldLedgerEntry whose
// outputs name every object a build of the partition may have put since the last commit.
std::string GoldPendingKey(const GoldPartition& p);

// The stored gold ledger entry, or nullopt. Corruption when it does not parse.
Result<std::optional<GoldLedgerEntry>> LookupGoldEntry(storage::ObjectStore& lake,
                                                       const GoldPartition& p);

// The stored pending marker, or nullopt (one GET). Corruption when it does not parse.
Result<std::optional<GoldLedgerEntry>> LookupGoldPending(storage::ObjectStore& lake,
                                                         const GoldPartition& p);

}  // namespace cryptolake::gold

#endif  // CRYPTOLAKE_SRC_GOLD_GOLD_INPUTS_H_
