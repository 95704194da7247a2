#include "cryptolake/runner/run_plan.h"

#include <sstream>

#include "cryptolake/archive/discovery.h"

namespace cryptolake::runner {
namespace {

std::string TaskId(std::string_view step, const archive::ArchiveFile& f) {
  std::string id(step);
  id.append("/").append(archive::MarketName(f.market)).append("/").append(f.data_type);
  if (!f.interval.empty()) id.append("/").append(f.interval);
  id.append("/").append(f.symbol).append("/").append(f.date);
  return id;
}

}  // namespace

std::vector<gold::GoldPartition> GoldPartitionsOf(const archive::ArchiveFile& f) {
  std::vector<gold::GoldPartition> out;
  auto add = [&](gold::GoldProduct product) {
    gold::GoldPartition p;
    p.product = product;
    p.market = std::string(archive::MarketName(f.market));
    p.symbol = f.symbol;
    p.source_type = f.data_type;
    p.period = f.date;
    out.push_back(std::move(p));
  };
  const bool daily = f.period == archive::Period::kDaily;
  if (f.data_type == "klines" && f.interval == "1m" && daily) {
    add(gold::GoldProduct::kKlines);
    add(gold::GoldProduct::kDailySummary);
  } else if ((f.data_type == "aggTrades" || f.data_type == "trades") && daily) {
    add(gold::GoldProduct::kTradeBars);
  } else if (f.data_type == "fundingRate" && !daily) {
    add(gold::GoldProduct::kFunding);
  }
  return out;
}

bool Fillable(const archive::ArchiveFile& f) {
  if (f.market == archive::Market::kOption) return false;
  if (f.data_type == "klines" || f.data_type == "aggTrades") return true;
  return f.data_type == "fundingRate" && f.market != archive::Market::kSpot;
}

std::string RunPlan::Format() const {
  std::ostringstream out;
  for (const PlannedTask& t : tasks) {
    out << t.id << "  (" << TaskPoolName(t.pool) << ")";
    for (size_t i = 0; i < t.deps.size(); ++i) {
      out << (i == 0 ? "  after " : ", ") << tasks[t.deps[i]].id;
    }
    out << "\n";
  }
  return out.str();
}

Result<RunPlan> PlanRun(const RunConfig& c, std::string_view today,
                        archive::ArchiveSource* source) {
  RunPlan plan;
  for (const DatasetConfig& d : c.datasets) {
    CL_ASSIGN_OR_RETURN(DateRange range, ResolveDates(d, today));
    std::vector<std::string> intervals = d.intervals;
    if (intervals.empty()) intervals.push_back("");
    for (const std::string& interval : intervals) {
      archive::DiscoveryQuery q;
      CL_ASSIGN_OR_RETURN(q.market, archive::ParseMarket(d.market));
      CL_ASSIGN_OR_RETURN(q.period, archive::ParsePeriod(d.period));
      q.data_type = d.data_type;
      q.interval = interval;
      q.symbols = d.symbols;
      q.all_symbols = d.all_symbols;
      q.start_date = range.start;
      q.end_date = range.end;
      CL_RETURN_IF_ERROR(archive::ValidateDiscoveryQuery(q));
      std::vector<archive::ArchiveFile> files;
      if (q.all_symbols) {
        if (source == nullptr) return Status::InvalidArgument("symbols = \"all\" needs a source");
        Result<std::vector<archive::ArchiveFile>> found = archive::DiscoverFiles(*source, q);
        if (!found.ok()) return found.status().WithContext("listing " + source->Describe());
        files = std::move(found).value();
      } else {
        CL_ASSIGN_OR_RETURN(files, archive::CandidateFiles(q));
      }
      for (const archive::ArchiveFile& f : files) {
        const bool monthly = f.period == archive::Period::kMonthly;
        if (ShardOwner(d.market, f.data_type, f.symbol, f.date, monthly, c.shard.count) !=
            c.shard.index) {
          ++plan.files_not_owned;
          continue;
        }
        ++plan.files_owned;
        std::vector<size_t> previous;
        auto add = [&](std::string_view step, TaskPool pool) -> PlannedTask& {
          PlannedTask t;
          t.id = TaskId(step, f);
          t.step = std::string(step);
          t.file = f;
          t.pool = pool;
          t.deps = previous;
          plan.tasks.push_back(std::move(t));
          previous = {plan.tasks.size() - 1};
          return plan.tasks.back();
        };
        if (c.HasStep("ingest")) add("ingest", TaskPool::kIo);
        if (c.HasStep("gaps")) add("gaps", TaskPool::kIo);
        if (c.HasStep("fill") && Fillable(f)) add("fill", TaskPool::kIo);
        std::vector<gold::GoldPartition> gold = GoldPartitionsOf(f);
        if (c.HasStep("gold") && !gold.empty()) add("gold", TaskPool::kCpu).gold = std::move(gold);
      }
    }
  }
  return plan;
}

}  // namespace cryptolake::runner
