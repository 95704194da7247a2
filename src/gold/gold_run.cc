// PlanGold (from the silver ledger) and RunGold (the plan over a pool of threads).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "cryptolake/archive/archive_file.h"
#include "cryptolake/gold/gold_builder.h"
#include "cryptolake/lake/ledger.h"
#include "cryptolake/telemetry/semantic_conventions.h"
#include "cryptolake/telemetry/trackers.h"
#include "gold_build_group.h"
#include "gold_compute.h"
#include "gold_inputs.h"

namespace cryptolake::gold {

std::string_view GoldProductName(GoldProduct product) {
  switch (product) {
    case GoldProduct::kKlines:
      return "klines";
    case GoldProduct::kTradeBars:
      return "trade_bars";
    case GoldProduct::kDailySummary:
      return "daily_summary";
    case GoldProduct::kFunding:
      return "funding";
  }
  return "?";
}

std::string_view GoldOutcomeName(GoldOutcome outcome) {
  switch (outcome) {
    case GoldOutcome::kBuilt:
      return "built";
    case GoldOutcome::kUpToDate:
      return "up_to_date";
    case GoldOutcome::kNoInput:
      return "no_input";
  }
  return "?";
}

std::string GoldLedgerKey(const GoldPartition& p) {
  std::string key = std::string(kGoldLedgerPrefix) + std::string(GoldProductName(p.product)) +
                    "/market=" + p.market + "/symbol=" + p.symbol + "/";
  if (p.product == GoldProduct::kTradeBars) key += "interval=1m/";
  key += p.product == GoldProduct::kFunding ? "month=" : "date=";
  return key + p.period + ".json";
}

namespace {

// Adds to `plan` the partitions the silver ledger no longer supports but the gold ledger still
// holds: every _gold entry (or pending marker) of the query's products, market and symbols with its
// period in [start, end] (it comes back no_input and is removed), and, for funding, each later
// month whose trailing windows read a planned month (a republished month must reach the months
// after it even when they lie outside the range; they come back up to date or rebuilt).
Status AddGoldOnlyPartitions(const GoldQuery& q, bool funding, std::vector<GoldPartition>* plan) {
  std::vector<GoldProduct> products;
  if (q.source_type == "klines") {
    products = {GoldProduct::kKlines, GoldProduct::kDailySummary};
  } else {
    products = {funding ? GoldProduct::kFunding : GoldProduct::kTradeBars};
  }
  std::set<std::tuple<GoldProduct, std::string, std::string>> planned;
  for (const GoldPartition& p : *plan) planned.emplace(p.product, p.symbol, p.period);
  for (GoldProduct product : products) {
    const std::string market_dir = std::string(kGoldLedgerPrefix) +
                                   std::string(GoldProductName(product)) + "/market=" + q.market +
                                   "/";
    std::vector<std::string> prefixes;
    if (q.symbols.empty()) {
      prefixes.push_back(market_dir);
    } else {
      for (const std::string& s : q.symbols) prefixes.push_back(market_dir + "symbol=" + s + "/");
    }
    // (symbol, period) of every entry held, from keys
    // "symbol=<S>/[interval=1m/](date=<D>|month=<M>).json".
    std::set<std::pair<std::string, std::string>> held;
    for (const std::string& prefix : prefixes) {
      CL_ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, q.lake->List(prefix));
      for (const storage::ObjectInfo& o : objects) {
        std::string_view rest(o.key);
        rest.remove_prefix(market_dir.size());
        if (!rest.starts_with("symbol=") || !rest.ends_with(".json")) continue;
        rest.remove_prefix(7);
        rest.remove_suffix(5);
        // A pending marker alone (a first build that never committed) is planned too, so its
        // objects are removed when the silver vanished.
        if (rest.ends_with(".pending")) rest.remove_suffix(8);
        const size_t slash = rest.find('/');
        if (slash == std::string_view::npos) continue;
        const std::string symbol(rest.substr(0, slash));
        rest.remove_prefix(slash + 1);
        if (product == GoldProduct::kTradeBars) {
          if (!rest.starts_with("interval=1m/")) continue;
          rest.remove_prefix(12);
        }
        const std::string_view tag = funding ? "month=" : "date=";
        if (!rest.starts_with(tag)) continue;
        rest.remove_prefix(tag.size());
        const std::string period(rest);
        if (!archive::IsValidArchiveDate(
                funding ? archive::Period::kMonthly : archive::Period::kDaily, period)) {
          continue;
        }
        held.emplace(symbol, period);
      }
    }
    auto add = [&](const std::string& symbol, const std::string& period) {
      if (!planned.emplace(product, symbol, period).second) return;
      plan->push_back(GoldPartition{product, q.market, symbol, q.source_type, period});
    };
    std::vector<std::pair<std::string, std::string>> followers;
    if (funding) {
      for (const GoldPartition& p : *plan) {
        for (std::string next = NextMonth(p.period);; next = NextMonth(next)) {
          const std::vector<std::string> reads = FundingInputMonths(next);
          if (std::find(reads.begin(), reads.end(), p.period) == reads.end()) break;
          if (held.count({p.symbol, next}) > 0) followers.emplace_back(p.symbol, next);
        }
      }
    }
    for (const auto& [symbol, period] : held) {
      const bool in_range = funding ? (period + "-01" <= q.end && period + "-31" >= q.start)
                                    : (period >= q.start && period <= q.end);
      if (in_range) add(symbol, period);
    }
    for (const auto& [symbol, period] : followers) add(symbol, period);
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<GoldPartition>> PlanGold(const GoldQuery& q) {
  if (q.lake == nullptr) return Status::InvalidArgument("GoldQuery.lake is null");
  CL_ASSIGN_OR_RETURN(archive::Market market, archive::ParseMarket(q.market));
  if (market == archive::Market::kOption) return Status::InvalidArgument("gold: no option market");
  const bool funding = q.source_type == "fundingRate";
  if (q.source_type != "klines" && q.source_type != "aggTrades" && q.source_type != "trades" &&
      !funding) {
    return Status::InvalidArgument("gold reads klines, aggTrades, trades or fundingRate, not '" +
                                   q.source_type + "'");
  }
  if (!archive::IsValidArchiveDate(archive::Period::kDaily, q.start) ||
      !archive::IsValidArchiveDate(archive::Period::kDaily, q.end) || q.end < q.start) {
    return Status::InvalidArgument("gold: --start/--end must be YYYY-MM-DD with start <= end");
  }
  // The silver ledger lists what was ingested: _ledger/<market>/<period>/<type>/<SYMBOL>/...
  const archive::Period period = funding ? archive::Period::kMonthly : archive::Period::kDaily;
  const std::string type_dir = std::string(lake::kLedgerPrefix) +
                               std::string(archive::MarketPathPrefix(market)) + "/" +
                               std::string(archive::PeriodName(period)) + "/" + q.source_type + "/";
  std::vector<std::string> prefixes;
  if (q.symbols.empty()) {
    prefixes.push_back(type_dir);
  } else {
    for (const std::string& s : q.symbols) prefixes.push_back(type_dir + s + "/");
  }
  std::vector<GoldPartition> plan;
  for (const std::string& prefix : prefixes) {
    CL_ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, q.lake->List(prefix));
    for (const storage::ObjectInfo& o : objects) {
      if (!o.key.ends_with(".zip.json")) continue;
      std::string_view path(o.key);
      path.remove_prefix(lake::kLedgerPrefix.size());
      path.remove_suffix(5);  // ".json"
      Result<archive::ArchiveFile> f = archive::ArchiveFile::Parse(path);
      if (!f.ok() || f->data_type != q.source_type || f->period != period) continue;
      if (q.source_type == "klines" && f->interval != "1m") continue;
      const bool in_range = funding ? (f->date + "-01" <= q.end && f->date + "-31" >= q.start)
                                    : (f->date >= q.start && f->date <= q.end);
      if (!in_range) continue;
      GoldPartition p;
      p.market = q.market;
      p.symbol = f->symbol;
      p.source_type = q.source_type;
      p.period = f->date;
      if (q.source_type == "klines") {
        p.product = GoldProduct::kKlines;
        plan.push_back(p);
        p.product = GoldProduct::kDailySummary;
      } else {
        p.product = funding ? GoldProduct::kFunding : GoldProduct::kTradeBars;
      }
      plan.push_back(std::move(p));
    }
  }
  CL_RETURN_IF_ERROR(AddGoldOnlyPartitions(q, funding, &plan));
  // Plan order: by symbol, then period, kKlines before kDailySummary of a day (BuildGoldGroup
  // shares one decode between neighbours that read the same input).
  std::sort(plan.begin(), plan.end(), [](const GoldPartition& a, const GoldPartition& b) {
    return std::tie(a.symbol, a.period, a.product) < std::tie(b.symbol, b.period, b.product);
  });
  return plan;
}

std::string GoldSummary::Format() const {
  char line[256];
  std::snprintf(line, sizeof line,
                "gold: %zu partition(s): %d built, %d up to date, %d without input, %zu failed; "
                "%" PRId64 " rows, %" PRId64 " bytes written in %.2f s\n",
                partitions.size() + failures.size(), built, up_to_date, no_input, failures.size(),
                output_rows, bytes_written, seconds);
  std::string out = line;
  for (const auto& [p, status] : failures) {
    out += "  FAILED " + std::string(GoldProductName(p.product)) + " " + p.market + " " + p.symbol +
           " " + p.period + ": " + status.ToString() + "\n";
  }
  return out;
}

Result<GoldSummary> RunGold(const GoldRunOptions& o) {
  if (o.jobs < 1) return Status::InvalidArgument("gold: jobs must be >= 1");
  telemetry::TrackWorkflowExecution workflow("gold");
  const auto start = std::chrono::steady_clock::now();
  if (o.query.source_type == "klines") {
    for (const std::string& interval : o.gold.intervals) {
      if (Result<int64_t> us = GoldIntervalMicros(interval); !us.ok()) {
        workflow.SetStatus(us.status());
        return us.status();
      }
    }
  }
  GoldQuery query = o.query;
  if (query.lake == nullptr) query.lake = o.gold.lake;
  Result<std::vector<GoldPartition>> plan = PlanGold(query);
  if (!plan.ok()) {
    workflow.SetStatus(plan.status());
    return plan.status();
  }
  // Units of work: runs of partitions that read the same silver input (klines + daily summary
  // of one day), decoded once.
  std::vector<std::pair<size_t, size_t>> groups;
  for (size_t i = 0; i < plan->size();) {
    size_t j = i + 1;
    while (j < plan->size() && SameInput((*plan)[i], (*plan)[j])) ++j;
    groups.emplace_back(i, j);
    i = j;
  }
  std::vector<std::optional<Result<GoldPartitionReport>>> results(plan->size());
  std::atomic<size_t> next{0};
  std::mutex mu;
  auto work = [&] {
    telemetry::WorkflowContextScope in_workflow(&workflow);
    for (size_t g = next.fetch_add(1); g < groups.size(); g = next.fetch_add(1)) {
      const auto [begin, end] = groups[g];
      std::vector<GoldPartition> members(plan->begin() + static_cast<ptrdiff_t>(begin),
                                         plan->begin() + static_cast<ptrdiff_t>(end));
      std::vector<Result<GoldPartitionReport>> r = BuildGoldGroup(members, o.gold);
      std::lock_guard<std::mutex> lock(mu);
      for (size_t k = 0; k < r.size(); ++k) {
        if (o.on_partition && r[k].ok()) o.on_partition(*r[k]);
        results[begin + k].emplace(std::move(r[k]));
      }
    }
  };
  const int workers = std::max(1, std::min<int>(o.jobs, static_cast<int>(groups.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();

  GoldSummary summary;
  for (size_t i = 0; i < results.size(); ++i) {
    Result<GoldPartitionReport>& r = *results[i];
    if (!r.ok()) {
      summary.failures.emplace_back((*plan)[i], r.status());
      continue;
    }
    switch (r->outcome) {
      case GoldOutcome::kBuilt:
        ++summary.built;
        break;
      case GoldOutcome::kUpToDate:
        ++summary.up_to_date;
        break;
      case GoldOutcome::kNoInput:
        ++summary.no_input;
        break;
    }
    if (r->outcome == GoldOutcome::kBuilt) {
      summary.output_rows += r->output_rows;
      summary.bytes_written += r->bytes_written;
    }
    summary.partitions.push_back(std::move(*r));
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The first failed partition names the run's error.type.
  if (!summary.ok()) workflow.SetStatus(summary.failures.front().second);
  return summary;
}

}  // namespace cryptolake::gold
