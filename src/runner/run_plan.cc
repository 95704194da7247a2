#include "cryptolake/runner/run_plan.h"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <sstream>
#include <tuple>

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

// Reorders the tasks so each comes after every task it depends on (the executor's contract),
// keeping the planned order wherever the dependencies allow. Needed only when a funding gold
// task was given an earlier month that a later dataset of the config planned.
void OrderByDependencies(std::vector<PlannedTask>& tasks) {
  const size_t n = tasks.size();
  bool ordered = true;
  for (size_t i = 0; i < n && ordered; ++i) {
    for (size_t d : tasks[i].deps) ordered &= d < i;
  }
  if (ordered) return;
  std::vector<int> pending(n);
  std::vector<std::vector<size_t>> dependents(n);
  for (size_t i = 0; i < n; ++i) {
    pending[i] = static_cast<int>(tasks[i].deps.size());
    for (size_t d : tasks[i].deps) dependents[d].push_back(i);
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<size_t> order, position(n);
  while (!ready.empty()) {
    const size_t i = ready.top();
    ready.pop();
    position[i] = order.size();
    order.push_back(i);
    for (size_t j : dependents[i]) {
      if (--pending[j] == 0) ready.push(j);
    }
  }
  // The planned dependencies run from a file's steps forward and from silver steps to gold
  // tasks, never back, so the graph is acyclic and every task is placed.
  std::vector<PlannedTask> sorted;
  sorted.reserve(n);
  for (size_t i : order) {
    sorted.push_back(std::move(tasks[i]));
    for (size_t& d : sorted.back().deps) d = position[d];
  }
  tasks = std::move(sorted);
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
  // Monthly fundingRate files planned so far -> the last of their ingest/gaps/fill tasks (the
  // one that finishes writing their silver), keyed by market, symbol and month.
  std::map<std::tuple<archive::Market, std::string, std::string>, size_t> funding_silver;
  std::vector<size_t> funding_gold;  // gold tasks with a funding partition
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
        const bool funding = f.data_type == "fundingRate" && f.period == archive::Period::kMonthly;
        if (funding && !previous.empty()) {
          funding_silver[{f.market, f.symbol, f.date}] = previous[0];
        }
        std::vector<gold::GoldPartition> gold = GoldPartitionsOf(f);
        if (c.HasStep("gold") && !gold.empty()) {
          add("gold", TaskPool::kCpu).gold = std::move(gold);
          if (funding) funding_gold.push_back(plan.tasks.size() - 1);
        }
      }
    }
  }
  // A funding partition's trailing windows read the silver of earlier months too: its gold
  // waits for those months' planned tasks as well, or it could check its inputs before an
  // earlier month commits and stay stale until a later run. The monthly shard key has no date
  // (shard.h), so those months are always planned in this same shard.
  for (size_t g : funding_gold) {
    PlannedTask& t = plan.tasks[g];
    const std::vector<std::string> months = gold::FundingInputMonths(t.file.date);
    for (size_t m = 1; m < months.size(); ++m) {
      auto it = funding_silver.find({t.file.market, t.file.symbol, months[m]});
      if (it == funding_silver.end()) continue;
      if (std::find(t.deps.begin(), t.deps.end(), it->second) == t.deps.end()) {
        t.deps.push_back(it->second);
      }
    }
  }
  OrderByDependencies(plan.tasks);
  return plan;
}

}  // namespace cryptolake::runner
