// BuildGoldPartition and the group build behind it. Why the steps are in this order:
//  - every gold object is encoded in memory before the first Put, so a bad input or an encoder
//    error changes nothing in the lake;
//  - a pending marker naming every object the build may put goes first: a build killed after an
//    object's Put but before its entry leaves the marker, so the object is never an orphan no
//    record names (finding those by listing cost a listing of the symbol's whole klines tree per
//    partition and run), and while the marker exists the partition is not up to date;
//  - each object is one atomic Put under a name that depends only on the partition (so a
//    rebuild replaces it in place, like silver);
//  - the objects the old entry or the marker name and the new set does not (an interval dropped
//    from --intervals, an object of a killed build) are deleted before the entry: every new
//    object is in place by then, and a crash before the entry leaves the old entry naming a
//    deleted object, which is stale, so the next run rebuilds; after the commit there is no
//    cleanup left that could fail and leave an orphan;
//  - the ledger entry is the commit point: until it names the new inputs, the partition counts
//    as stale and the next run rebuilds it; the marker is deleted after it (a failed Delete
//    leaves a partition the next run rebuilds, which converges).
#include "cryptolake/gold/gold_builder.h"

#include <algorithm>
#include <set>

#include "cryptolake/common/version.h"
#include "cryptolake/lake/gap_records.h"
#include "cryptolake/lake/partition.h"
#include "cryptolake/parquet/file_reader.h"
#include "cryptolake/parquet/file_writer.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"
#include "gold_build_group.h"
#include "gold_compute.h"
#include "gold_inputs.h"

namespace cryptolake::gold {
namespace {

using parquet::ColumnBatch;

// One partition of a group, with what the lake holds for it now.
struct Member {
  GoldPartition p;
  std::vector<std::string> out_keys;
  std::optional<GoldLedgerEntry> old;
  std::optional<GoldLedgerEntry> pending;  // the marker a build left (killed or failed)
  bool up_to_date = false;
  Status error;
};

// True when no marker is pending, `old` lists exactly `inputs` and `out_keys`, and every output
// exists. O(1) requests per output: never a listing (the marker is what names objects a killed
// build left).
Result<bool> UpToDate(storage::ObjectStore& lake, const Member& m,
                      const std::vector<GoldInput>& inputs) {
  if (m.pending || m.old->inputs != inputs) return false;
  std::set<std::string> listed, wanted(m.out_keys.begin(), m.out_keys.end());
  for (const GoldOutput& o : m.old->outputs) listed.insert(o.key);
  if (listed != wanted) return false;
  for (const std::string& key : m.out_keys) {
    CL_ASSIGN_OR_RETURN(bool held, lake.Exists(key));
    if (!held) return false;
  }
  return true;
}

// Deletes the outputs the old entry or the pending marker name that are not in `keep`.
Status DeleteUnnamed(storage::ObjectStore& lake, const Member& m,
                     const std::set<std::string>& keep) {
  std::set<std::string> doomed;
  for (const std::optional<GoldLedgerEntry>* e : {&m.old, &m.pending}) {
    if (!*e) continue;
    for (const GoldOutput& o : (*e)->outputs)
      if (keep.count(o.key) == 0) doomed.insert(o.key);
  }
  for (const std::string& key : doomed) CL_RETURN_IF_ERROR(lake.Delete(key));
  return Status::OK();
}

// The processing series' allowed keys (instrument catalog): market and the silver type read; the
// stage ("gold") tells gold apart from ingest scopes of the same type. No symbol: unbounded.
telemetry::TrackerAttributes Attributes(const GoldPartition& p) {
  return {{telemetry::attr::kMarket, p.market}, {telemetry::attr::kDataType, p.source_type}};
}

// The silver inputs, decoded: one batch per input object, in input order, each decoded and
// checked on its own so that an error names its object (and the row number is that object's).
struct Decoded {
  std::vector<ColumnBatch> batches;
  int64_t rows = 0;

  std::vector<SilverInput> Inputs(const std::vector<GoldInput>& inputs) const {
    std::vector<SilverInput> out;
    for (size_t i = 0; i < batches.size(); ++i)
      out.push_back(SilverInput{&batches[i], inputs[i].key});
    return out;
  }
};

Result<Decoded> ReadInputs(storage::ObjectStore& lake, const std::vector<GoldInput>& inputs) {
  Decoded d;
  for (const GoldInput& in : inputs) {
    CL_ASSIGN_OR_RETURN(std::string bytes, lake.Get(in.key));
    Result<parquet::FileReader> reader = parquet::FileReader::Open(std::move(bytes));
    if (!reader.ok()) return Status::Corruption(in.key + ": " + reader.status().message());
    Result<ColumnBatch> batch = reader->ReadAll();
    if (!batch.ok()) return Status::Corruption(in.key + ": " + batch.status().message());
    d.rows += static_cast<int64_t>(batch->num_rows());
    d.batches.push_back(std::move(*batch));
  }
  return d;
}

// One encoded gold object waiting for its Put.
struct Encoded {
  std::string key;
  std::string bytes;
  int64_t rows = 0;
};

Result<Encoded> Encode(const std::string& key, const ColumnBatch& batch, const GoldPartition& p,
                       const std::vector<GoldInput>& inputs, const GoldOptions& o) {
  parquet::WriterOptions wo = o.parquet;
  std::string keys, digests;
  for (const GoldInput& in : inputs) {
    keys += (keys.empty() ? "" : ",") + in.key;
    digests += (digests.empty() ? "" : ",") + in.sha256;
  }
  wo.key_value_metadata = {{"cryptolake.gold.product", std::string(GoldProductName(p.product))},
                           {"cryptolake.source.keys", keys},
                           {"cryptolake.source.sha256", digests},
                           {"cryptolake.version", CRYPTOLAKE_VERSION_STRING}};
  parquet::FileWriter writer(batch.schema(), std::move(wo));
  writer.Append(batch);
  CL_ASSIGN_OR_RETURN(std::string bytes, writer.Finish());
  return Encoded{key, std::move(bytes), static_cast<int64_t>(batch.num_rows())};
}

// The gold batches of one partition (one per out_key, same order).
Result<std::vector<ColumnBatch>> Compute(const Member& m, const std::vector<SilverInput>& silver,
                                         const MinuteBars* bars, const GoldOptions& o,
                                         int64_t* incomplete) {
  const GoldConstants c{m.p.market, m.p.symbol};
  std::vector<ColumnBatch> out;
  switch (m.p.product) {
    case GoldProduct::kKlines:
      for (const std::string& interval : o.intervals) {
        CL_ASSIGN_OR_RETURN(int64_t us, GoldIntervalMicros(interval));
        out.push_back(ResampleKlines(*bars, us, interval, c, incomplete));
      }
      break;
    case GoldProduct::kDailySummary:
      out.push_back(SummarizeDay(*bars, c, incomplete));
      break;
    case GoldProduct::kTradeBars: {
      CL_ASSIGN_OR_RETURN(int64_t day, lake::ParseDate(m.p.period));
      CL_ASSIGN_OR_RETURN(ColumnBatch b, BuildTradeBars(silver, m.p.source_type == "aggTrades",
                                                        day * lake::kMicrosPerDay, c));
      out.push_back(std::move(b));
      break;
    }
    case GoldProduct::kFunding: {
      CL_ASSIGN_OR_RETURN(int64_t first, lake::ParseDate(m.p.period + "-01"));
      const int days =
          lake::DaysInMonth(std::stoi(m.p.period.substr(0, 4)), std::stoi(m.p.period.substr(5, 2)));
      CL_ASSIGN_OR_RETURN(ColumnBatch b, BuildFunding(silver, first, days, c, incomplete));
      out.push_back(std::move(b));
      break;
    }
  }
  return out;
}

// Removes a partition whose input vanished: outputs first (the entry's and the marker's), then
// the marker, the entry last (a crash in between leaves an entry or a marker the next run's plan
// finds and removes again).
// An entry built from the other trade source (trades vs aggTrades) is not this source's to remove.
Status RemoveStale(storage::ObjectStore& lake, const Member& m) {
  const std::optional<GoldLedgerEntry>& owner = m.old ? m.old : m.pending;
  if (!owner || owner->source_type != m.p.source_type) return Status::OK();
  CL_RETURN_IF_ERROR(DeleteUnnamed(lake, m, {}));
  if (m.pending) CL_RETURN_IF_ERROR(lake.Delete(GoldPendingKey(m.p)));
  if (m.old) CL_RETURN_IF_ERROR(lake.Delete(GoldLedgerKey(m.p)));
  return Status::OK();
}

}  // namespace

bool SameInput(const GoldPartition& a, const GoldPartition& b) {
  auto klines = [](const GoldPartition& p) {
    return p.product == GoldProduct::kKlines || p.product == GoldProduct::kDailySummary;
  };
  return klines(a) && klines(b) && a.market == b.market && a.symbol == b.symbol &&
         a.period == b.period;
}

std::vector<Result<GoldPartitionReport>> BuildGoldGroup(const std::vector<GoldPartition>& group,
                                                        const GoldOptions& o) {
  std::vector<Result<GoldPartitionReport>> results;
  if (o.lake == nullptr) {
    for (size_t i = 0; i < group.size(); ++i)
      results.emplace_back(Status::InvalidArgument("GoldOptions.lake is null"));
    return results;
  }
  storage::ObjectStore& lake = *o.lake;
  std::vector<Member> members(group.size());
  for (size_t i = 0; i < group.size(); ++i) {
    Result<GoldPartition> p = NormalizePartition(group[i]);
    if (!p.ok()) {
      members[i].error = p.status();
      members[i].p = group[i];
      continue;
    }
    members[i].p = *p;
    members[i].out_keys = OutputKeys(*p, o.intervals);
  }
  if (group.front().product == GoldProduct::kKlines) {
    for (const std::string& interval : o.intervals) {
      Result<int64_t> us = GoldIntervalMicros(interval);
      if (!us.ok()) members.front().error = us.status();
    }
  }

  // The inputs are the same for the whole group; read them for the first valid member.
  const Member* any = nullptr;
  for (const Member& m : members)
    if (m.error.ok()) any = &m;
  Result<std::vector<GoldInput>> inputs = std::vector<GoldInput>();
  if (any != nullptr) inputs = CurrentInputs(lake, any->p);

  bool need_build = false;
  for (Member& m : members) {
    if (!m.error.ok()) continue;
    if (!inputs.ok()) {
      m.error = inputs.status();
      continue;
    }
    Result<std::optional<GoldLedgerEntry>> old = LookupGoldEntry(lake, m.p);
    if (!old.ok()) {
      m.error = old.status();
      continue;
    }
    m.old = std::move(*old);
    Result<std::optional<GoldLedgerEntry>> pending = LookupGoldPending(lake, m.p);
    if (!pending.ok()) {
      m.error = pending.status();
      continue;
    }
    m.pending = std::move(*pending);
    if (inputs->empty()) continue;
    if (m.old && !o.force) {
      Result<bool> fresh = UpToDate(lake, m, *inputs);
      if (!fresh.ok()) {
        m.error = fresh.status();
        continue;
      }
      m.up_to_date = *fresh;
    }
    if (!m.up_to_date) need_build = true;
  }

  // Read and decode once for every member that needs it.
  Result<Decoded> decoded = Decoded();
  Result<MinuteBars> bars = MinuteBars();
  if (need_build) {
    const GoldPartition& p = any->p;
    decoded = ReadInputs(lake, *inputs);
    if (decoded.ok() && p.source_type == "klines") {
      Result<int64_t> day = lake::ParseDate(p.period);
      bars = day.ok() ? LoadMinuteBars(decoded->Inputs(*inputs), *day * lake::kMicrosPerDay)
                      : Result<MinuteBars>(day.status());
    }
  }

  for (Member& m : members) {
    GoldPartitionReport report;
    report.partition = m.p;
    telemetry::TrackDataProcessing scope(telemetry::stage::kGold, Attributes(m.p));
    auto fail = [&](const Status& s) {
      scope.SetStatus(s);
      results.emplace_back(s);
    };
    if (!m.error.ok()) {
      fail(m.error);
      continue;
    }
    if (inputs->empty()) {
      Status s = RemoveStale(lake, m);
      if (!s.ok()) {
        fail(s);
        continue;
      }
      report.outcome = GoldOutcome::kNoInput;
      scope.SetRecordCount(0);
      results.emplace_back(std::move(report));
      continue;
    }
    for (const GoldInput& in : *inputs) report.input_rows += in.rows;
    if (m.up_to_date) {
      report.outcome = GoldOutcome::kUpToDate;
      report.gold_files = m.out_keys;
      for (const GoldOutput& out : m.old->outputs) report.output_rows += out.rows;
      report.incomplete_buckets = m.old->incomplete_buckets;
      scope.SetRecordCount(0);
      results.emplace_back(std::move(report));
      continue;
    }
    if (!decoded.ok()) {
      fail(decoded.status());
      continue;
    }
    if (m.p.source_type == "klines" && !bars.ok()) {
      fail(bars.status());
      continue;
    }
    Result<std::vector<ColumnBatch>> batches = Compute(
        m, decoded->Inputs(*inputs), bars.ok() ? &*bars : nullptr, o, &report.incomplete_buckets);
    if (!batches.ok()) {
      fail(batches.status());
      continue;
    }
    std::vector<Encoded> objects;
    Status s;
    for (size_t i = 0; i < batches->size() && s.ok(); ++i) {
      Result<Encoded> e = Encode(m.out_keys[i], (*batches)[i], m.p, *inputs, o);
      if (e.ok()) {
        objects.push_back(std::move(*e));
      } else {
        s = e.status();
      }
    }
    GoldLedgerEntry entry;
    entry.product = std::string(GoldProductName(m.p.product));
    entry.market = m.p.market;
    entry.symbol = m.p.symbol;
    entry.source_type = m.p.source_type;
    entry.period = m.p.period;
    entry.inputs = *inputs;
    entry.incomplete_buckets = report.incomplete_buckets;
    entry.tool_version = CRYPTOLAKE_VERSION_STRING;
    const std::set<std::string> keep(m.out_keys.begin(), m.out_keys.end());
    if (s.ok() && o.cancelled && o.cancelled()) {
      s = Status::Cancelled(GoldLedgerKey(m.p) + ": cancelled before writing; nothing was written");
    }
    if (s.ok()) {
      // The marker names what this build may put, and what an earlier unfinished build may
      // have put (its marker's outputs), so no object is ever left without a record.
      GoldLedgerEntry marker = entry;
      std::set<std::string> named = keep;
      if (m.pending)
        for (const GoldOutput& out : m.pending->outputs) named.insert(out.key);
      for (const std::string& key : named) marker.outputs.push_back(GoldOutput{key, 0, 0});
      marker.built_at = lake::UtcNowText();
      const std::string text = SerializeGoldLedgerEntry(marker);
      s = lake.Put(GoldPendingKey(m.p), text);
      report.bytes_written += static_cast<int64_t>(text.size());
    }
    for (size_t i = 0; i < objects.size() && s.ok(); ++i) {
      s = lake.Put(objects[i].key, objects[i].bytes);
      const int64_t bytes = static_cast<int64_t>(objects[i].bytes.size());
      entry.outputs.push_back(GoldOutput{objects[i].key, objects[i].rows, bytes});
      report.output_rows += objects[i].rows;
      report.bytes_written += bytes;
      report.gold_files.push_back(objects[i].key);
    }
    std::sort(entry.outputs.begin(), entry.outputs.end(),
              [](const GoldOutput& a, const GoldOutput& b) { return a.key < b.key; });
    if (s.ok()) s = DeleteUnnamed(lake, m, keep);
    if (s.ok()) {
      entry.built_at = lake::UtcNowText();
      const std::string text = SerializeGoldLedgerEntry(entry);
      s = lake.Put(GoldLedgerKey(m.p), text);
      report.bytes_written += static_cast<int64_t>(text.size());
    }
    if (s.ok()) s = lake.Delete(GoldPendingKey(m.p));
    if (!s.ok()) {
      fail(s);
      continue;
    }
    report.outcome = GoldOutcome::kBuilt;
    scope.SetRecordCount(report.output_rows);
    results.emplace_back(std::move(report));
  }
  return results;
}

Result<GoldPartitionReport> BuildGoldPartition(const GoldPartition& partition,
                                               const GoldOptions& options) {
  std::vector<Result<GoldPartitionReport>> r = BuildGoldGroup({partition}, options);
  return std::move(r.front());
}

}  // namespace cryptolake::gold
