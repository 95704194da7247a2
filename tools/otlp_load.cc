// otlp_load: records metrics at a known rate through the metrics API while the
// SDK exports them as configured by the OTEL_* environment (MetricsSetup), then
// reports what it recorded, so a test can compare it with what a receiver got.
//
//   otlp_load [--duration-ms N] [--rate N] [--series N] [--state FILE]
//             [--steps N] [--step-ms N] [--shutdown-timeout-ms N] [--no-record]
//
// Steady mode (default): for --duration-ms, adds 1 to the counter
// `load.records` ({record}, attribute `series` = s0..s<series-1>, round robin)
// --rate times per second, and records each Add's own latency in a local
// (not exported) reservoir, so a test can see that recording never blocks
// while the backend is down. Every 20th Add also records the value into the
// histogram `load.value` (unit s).
// Step mode (--steps N): N steps of --step-ms; step i adds i+1 to
// `load.records{series=s0}`, then forces a collect+export (ForceFlush, with a
// short timeout: delivery may be failing) and waits until the batch is
// delivered or spooled; then appends "<i> <cumulative total>" to --state. A
// line in the state file therefore names a total that is durable (delivered
// or on disk in the spool), whatever happens to the process afterwards.
// --no-record records nothing: the process only delivers what a spool holds
// and exits (Shutdown waits up to --shutdown-timeout-ms).
//
// At the end it shuts the SDK down (final collect+export, bounded by
// --shutdown-timeout-ms) and prints one JSON object on stdout:
//   {"recorded": {"s0": n, ...}, "adds": n, "add_ns": {"p50":..,"p99":..,"max":..},
//    "exporters": [...], "delivery": {delivered_points, dropped_points,
//    spooled_points, rejected_points, attempts}, "shutdown": "OK"|"..."}
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cryptolake/metrics/export/delivering_exporter.h"
#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/net/metrics_setup.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace m = cryptolake::metrics;

struct Flags {
  long duration_ms = 2000;
  long rate = 1000;
  int series = 4;
  std::string state;
  int steps = 0;
  long step_ms = 100;
  long shutdown_timeout_ms = 10000;
  bool no_record = false;
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&](long* out) {
      if (i + 1 >= argc) return false;
      *out = std::strtol(argv[++i], nullptr, 10);
      return true;
    };
    long v = 0;
    if (arg == "--duration-ms" && next(&v)) {
      f->duration_ms = v;
    } else if (arg == "--rate" && next(&v)) {
      f->rate = std::max(1L, v);
    } else if (arg == "--series" && next(&v)) {
      f->series = static_cast<int>(std::max(1L, v));
    } else if (arg == "--steps" && next(&v)) {
      f->steps = static_cast<int>(v);
    } else if (arg == "--step-ms" && next(&v)) {
      f->step_ms = v;
    } else if (arg == "--shutdown-timeout-ms" && next(&v)) {
      f->shutdown_timeout_ms = v;
    } else if (arg == "--state" && i + 1 < argc) {
      f->state = argv[++i];
    } else if (arg == "--no-record") {
      f->no_record = true;
    } else {
      std::fprintf(stderr, "otlp_load: bad argument '%s'\n", arg.c_str());
      return false;
    }
  }
  return true;
}

uint64_t Percentile(std::vector<uint64_t>& v, double q) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

// True when every batch handed to the delivery is delivered, dropped or on disk.
bool Settled(const m::MetricsSetup& setup) {
  const m::DeliveringExporter* otlp = setup.otlp_exporter();
  return otlp == nullptr || otlp->delivery().stats().volatile_batches == 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;

  m::MetricsSetupOptions options;
  options.default_resource_attributes =
      m::AttributeSet({{"service.name", std::string("otlp_load")}});
  cryptolake::Result<std::unique_ptr<m::MetricsSetup>> setup =
      m::MetricsSetup::Create(std::move(options));
  if (!setup.ok()) {
    std::fprintf(stderr, "otlp_load: %s\n", setup.status().ToString().c_str());
    return 1;
  }
  if ((*setup)->provider() != nullptr) m::SetMeterProvider((*setup)->provider());
  auto meter = m::GetMeterProvider()->GetMeter("otlp_load", "1.0.0");
  m::Counter<int64_t> records = meter->CreateInt64Counter(
      "load.records", {.unit = "{record}", .description = "Records added by otlp_load"});
  m::Histogram<double> values =
      meter->CreateDoubleHistogram("load.value", {.unit = "s", .description = "Sample values"});

  std::vector<std::string> names;
  for (int s = 0; s < flags.series; ++s) names.push_back("s" + std::to_string(s));
  std::map<std::string, int64_t> recorded;
  std::vector<uint64_t> add_ns;
  uint64_t adds = 0;

  if (flags.no_record) {
    // Nothing to record: only deliver what the spool holds.
  } else if (flags.steps > 0) {
    std::ofstream state(flags.state, std::ios::app);
    int64_t total = 0;
    for (int i = 0; i < flags.steps; ++i) {
      records.Add(i + 1, {{"series", "s0"}});
      total += i + 1;
      recorded["s0"] = total;
      ++adds;
      (void)(*setup)->ForceFlush(std::chrono::milliseconds(20));
      // Wait until what was exported is settled (delivered, dropped or on disk).
      auto give_up = Clock::now() + std::chrono::seconds(5);
      while (!Settled(**setup) && Clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      if (Settled(**setup)) {
        state << i << ' ' << total << '\n';
        state.flush();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(flags.step_ms));
    }
  } else {
    auto start = Clock::now();
    auto end = start + std::chrono::milliseconds(flags.duration_ms);
    const auto period = std::chrono::nanoseconds(1000000000L / flags.rate);
    auto next = start;
    add_ns.reserve(static_cast<size_t>(flags.duration_ms * flags.rate / 1000 + 16));
    while (Clock::now() < end) {
      const std::string& series = names[adds % names.size()];
      auto t0 = Clock::now();
      records.Add(1, {{"series", series}});
      if (adds % 20 == 0) values.Record(static_cast<double>(adds % 1000) / 1000.0);
      auto t1 = Clock::now();
      add_ns.push_back(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
      ++recorded[series];
      ++adds;
      next += period;
      std::this_thread::sleep_until(next);
    }
  }

  cryptolake::Status shutdown =
      (*setup)->Shutdown(std::chrono::milliseconds(flags.shutdown_timeout_ms));
  std::string out = "{\"recorded\":{";
  bool first = true;
  for (const auto& [series, n] : recorded) {
    out += (first ? "\"" : ",\"") + series + "\":" + std::to_string(n);
    first = false;
  }
  out += "},\"adds\":" + std::to_string(adds);
  out += ",\"add_ns\":{\"p50\":" + std::to_string(Percentile(add_ns, 0.5)) +
         ",\"p99\":" + std::to_string(Percentile(add_ns, 0.99)) +
         ",\"max\":" + std::to_string(Percentile(add_ns, 1.0)) + "}";
  out += ",\"exporters\":[";
  first = true;
  for (const std::string& e : (*setup)->active_exporters()) {
    out += (first ? "\"" : ",\"") + e + "\"";
    first = false;
  }
  out += "]";
  if (const m::DeliveringExporter* otlp = (*setup)->otlp_exporter()) {
    m::OtlpDeliveryStats s = otlp->delivery().stats();
    out += ",\"delivery\":{\"delivered_points\":" + std::to_string(s.delivered_points) +
           ",\"dropped_points\":" + std::to_string(s.dropped_points) +
           ",\"spooled_points\":" + std::to_string(s.spooled_points) +
           ",\"rejected_points\":" + std::to_string(s.rejected_points) +
           ",\"attempts\":" + std::to_string(s.attempts) + "}";
  }
  out += ",\"shutdown\":\"" + std::string(shutdown.ok() ? "OK" : "failed") + "\"}";
  std::printf("%s\n", out.c_str());
  m::SetMeterProvider(nullptr);
  return 0;
}
