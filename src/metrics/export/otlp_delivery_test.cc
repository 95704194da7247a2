#include "cryptolake/metrics/export/otlp_delivery.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cryptolake/metrics/meter_provider.h"
#include "cryptolake/metrics/sdk/diagnostics.h"
#include "cryptolake/metrics/sdk/metric_reader.h"
#include "cryptolake/metrics/sdk/sdk_meter_provider.h"
#include "delivery_test_util.h"

namespace cryptolake::metrics {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace delivery_test;  // NOLINT(google-build-using-namespace): test helpers

std::vector<std::string> SpoolFiles(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& item : fs::directory_iterator(dir)) {
    const std::string name = item.path().filename().string();
    if (name.size() > 6 && name.substr(name.size() - 6) == ".binpb") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Batch(int i) { return "batch-" + std::to_string(i) + std::string(90, 'x'); }

std::vector<std::string> Batches(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(Batch(i));
  return out;
}

struct Fixture {
  std::shared_ptr<Script> script = std::make_shared<Script>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  OtlpDeliveryOptions options;

  Fixture() {
    script->clock = clock.get();
    options.clock = clock;
    options.random = [] { return 0.0; };  // Shortest jitter: exact simulated times.
    options.initial_backoff = std::chrono::milliseconds(1000);  // Round numbers below.
  }
  std::unique_ptr<OtlpDelivery> Make() {
    return std::make_unique<OtlpDelivery>(std::make_unique<ScriptedTransport>(script), options);
  }
};

TEST(OtlpDeliveryTest, DeliversInOrder) {
  Fixture f;
  auto d = f.Make();
  for (int i = 1; i <= 100; ++i) ASSERT_TRUE(d->Enqueue(Batch(i), 3).ok());
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered(), Batches(1, 100));
  const OtlpDeliveryStats s = d->stats();
  EXPECT_EQ(s.delivered_points, 300u);
  EXPECT_EQ(s.delivered_batches, 100u);
  EXPECT_EQ(s.attempts, 100u);
  EXPECT_EQ(s.dropped_points, 0u);
  EXPECT_EQ(s.queued_batches, 0u);
  EXPECT_EQ(s.queued_bytes, 0u);
  EXPECT_EQ(d->Describe(), "otlp/test http://collector.test:4318");
  EXPECT_TRUE(d->Shutdown(kLongWait).ok());
}

TEST(OtlpDeliveryTest, RetriesWithBackoffAndHonoursRetryAfter) {
  Fixture f;
  SendOutcome throttled = SendOutcome::Retryable("HTTP 429");
  throttled.retry_after = seconds(7);
  f.script->outcomes = {throttled, Unavailable(), Unavailable(), SendOutcome::Success()};
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(1), 2).ok());
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  std::vector<TimePoint> t;
  {
    std::lock_guard<std::mutex> lock(f.script->mu);
    t = f.script->attempt_times;
  }
  ASSERT_EQ(t.size(), 4u);
  // random() == 0: equal jitter gives half of 1 s, 2 s, 4 s; the server asked for 7 s.
  EXPECT_EQ(t[0], kStart);
  EXPECT_EQ(t[1] - t[0], seconds(7));
  EXPECT_EQ(t[2] - t[1], milliseconds(1000));
  EXPECT_EQ(t[3] - t[2], milliseconds(2000));
  EXPECT_EQ(f.script->Delivered(), Batches(1, 1));
  EXPECT_EQ(d->stats().delivered_points, 2u);
  EXPECT_EQ(d->stats().attempts, 4u);
}

TEST(OtlpDeliveryTest, BackoffIsCappedAndJitterStaysInTheUpperHalf) {
  Fixture f;
  f.options.random = [] { return 0.999; };
  f.options.failures_to_open = 100;  // Keep the breaker out of it.
  f.options.max_backoff = seconds(30);
  for (int i = 0; i < 9; ++i) f.script->outcomes.push_back(Unavailable());
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(1), 1).ok());
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  std::vector<TimePoint> t;
  {
    std::lock_guard<std::mutex> lock(f.script->mu);
    t = f.script->attempt_times;
  }
  ASSERT_EQ(t.size(), 10u);
  const int64_t steps[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000};
  for (size_t i = 0; i < 9; ++i) {
    const auto gap = std::chrono::duration_cast<milliseconds>(t[i + 1] - t[i]).count();
    EXPECT_GE(gap, steps[i] / 2) << i;
    EXPECT_LE(gap, steps[i]) << i;
  }
}

TEST(OtlpDeliveryTest, PermanentFailureDropsTheBatchAndReportsOnce) {
  DiagnosticsRecorder diags;
  Fixture f;
  f.script->outcomes = {SendOutcome::Permanent("HTTP 400"), SendOutcome::Permanent("HTTP 400"),
                        SendOutcome::Success()};
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(1), 4).ok());
  ASSERT_TRUE(d->Enqueue(Batch(2), 5).ok());
  ASSERT_TRUE(d->Enqueue(Batch(3), 6).ok());
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  const OtlpDeliveryStats s = d->stats();
  EXPECT_EQ(s.attempts, 3u);  // Never retried.
  EXPECT_EQ(s.dropped_points, 9u);
  EXPECT_EQ(s.dropped_batches, 2u);
  EXPECT_EQ(s.delivered_points, 6u);
  EXPECT_EQ(f.script->Delivered(), Batches(3, 3));
  EXPECT_EQ(diags.Count("OtlpExportRejected"), 1);
  EXPECT_NE(diags.Message("OtlpExportRejected").find("HTTP 400"), std::string::npos);
}

TEST(OtlpDeliveryTest, PartialSuccessIsNotRetried) {
  DiagnosticsRecorder diags;
  Fixture f;
  SendOutcome partial = SendOutcome::Success();
  partial.partial.rejected_data_points = 2;
  partial.partial.error_message = "2 points out of range";
  f.script->outcomes = {partial, partial};
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(1), 5).ok());
  ASSERT_TRUE(d->Enqueue(Batch(2), 5).ok());
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  const OtlpDeliveryStats s = d->stats();
  EXPECT_EQ(s.attempts, 2u);
  EXPECT_EQ(s.rejected_points, 4u);
  EXPECT_EQ(s.delivered_points, 6u);
  EXPECT_EQ(s.dropped_points, 0u);
  EXPECT_EQ(diags.Count("OtlpPartialSuccess"), 1);
  EXPECT_NE(diags.Message("OtlpPartialSuccess").find("out of range"), std::string::npos);
}

TEST(OtlpDeliveryTest, CircuitOpensAfterFailuresThenOnlyProbes) {
  DiagnosticsRecorder diags;
  Fixture f;
  f.options.failures_to_open = 5;
  f.options.probe_interval = seconds(5);
  f.script->fallback = [](const std::string&) { return Unavailable(); };
  f.clock->SetHorizon(kStart + seconds(120));
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(1), 1).ok());
  ASSERT_TRUE(f.clock->WaitBlocked());
  // Backoffs 0.5 + 1 + 2 + 4 s, then the 5th failure (at 7.5 s) opens the
  // circuit: one probe every 5 s up to 120 s.
  const size_t expected = 5 + (120000 - 7500) / 5000;
  EXPECT_EQ(f.script->AttemptCount(), expected);
  EXPECT_EQ(d->stats().circuit_state, CircuitState::kOpen);
  EXPECT_EQ(diags.Count("OtlpEndpointUnreachable"), 1);
  EXPECT_NE(diags.Message("OtlpEndpointUnreachable").find("collector.test:4318"),
            std::string::npos);

  // More batches while open add no attempts: still one probe per interval.
  for (int i = 2; i <= 20; ++i) ASSERT_TRUE(d->Enqueue(Batch(i), 1).ok());
  f.clock->SetHorizon(kStart + seconds(240));
  ASSERT_TRUE(f.clock->WaitBlocked());
  EXPECT_EQ(f.script->AttemptCount(), 5 + (240000 - 7500) / 5000);
  {
    std::lock_guard<std::mutex> lock(f.script->mu);
    const auto& t = f.script->attempt_times;
    for (size_t i = 5; i < t.size(); ++i) EXPECT_GE(t[i] - t[i - 1], seconds(5)) << i;
    for (const std::string& a : f.script->attempts) EXPECT_EQ(a, Batch(1));  // Head only.
  }

  // The endpoint comes back: the next probe closes the circuit and the queue drains in order.
  {
    std::lock_guard<std::mutex> lock(f.script->mu);
    f.script->fallback = [](const std::string&) { return SendOutcome::Success(); };
  }
  f.clock->Unbounded();
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered(), Batches(1, 20));
  EXPECT_EQ(d->stats().circuit_state, CircuitState::kClosed);
  EXPECT_EQ(diags.Count("OtlpEndpointRecovered"), 1);
  EXPECT_EQ(diags.Count("OtlpEndpointUnreachable"), 1);
}

TEST(OtlpDeliveryTest, LongOutageThenRecoveryDeliversEverythingOnceInOrder) {
  Fixture f;
  // Down for 300 attempts (with the breaker: over 20 simulated minutes).
  {
    std::lock_guard<std::mutex> lock(f.script->mu);
    f.script->fallback = [n = 0](const std::string&) mutable {
      return ++n <= 300 ? Unavailable() : SendOutcome::Success();
    };
  }
  auto d = f.Make();
  for (int i = 1; i <= 200; ++i) {
    ASSERT_TRUE(d->Enqueue(Batch(i), 2).ok());
    if (i % 20 == 0) std::this_thread::yield();
  }
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered(), Batches(1, 200));
  const OtlpDeliveryStats s = d->stats();
  EXPECT_EQ(s.delivered_points, 400u);
  EXPECT_EQ(s.dropped_points, 0u);
  EXPECT_EQ(s.attempts, 500u);
  EXPECT_GE(f.clock->Now() - kStart, std::chrono::minutes(20));
}

TEST(OtlpDeliveryTest, OverflowWithoutSpoolDropsOldestAndCounts) {
  Fixture f;
  f.options.max_queue_bytes = 1000;  // About ten batches of 97-98 bytes.
  f.script->SetGate(true);
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(1), 1).ok());
  ASSERT_TRUE(f.script->WaitInSend());  // Batch 1 in flight: never dropped.
  for (int i = 2; i <= 30; ++i) ASSERT_TRUE(d->Enqueue(Batch(i), 1).ok());
  const OtlpDeliveryStats s = d->stats();
  EXPECT_LE(s.queued_bytes, 1000u);
  EXPECT_EQ(s.dropped_batches, 20u);
  EXPECT_EQ(s.dropped_points, 20u);
  f.script->SetGate(false);
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  std::vector<std::string> expected = Batches(1, 1);
  for (const auto& b : Batches(22, 30)) expected.push_back(b);
  EXPECT_EQ(f.script->Delivered(), expected);
}

TEST(OtlpDeliveryTest, OverflowSpillsToSpoolAndReplaysInOrder) {
  Fixture f;
  const std::string dir = TempDir("overflow");
  f.options.spool_dir = dir;
  f.options.max_queue_bytes = 1000;
  f.script->SetGate(true);  // No failure, but the first attempt hangs: a backlog builds up.
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(1), 1).ok());
  ASSERT_TRUE(f.script->WaitInSend());
  // One at a time, letting the spooler catch up: a disk slower than the
  // producer would meet the hard bound (twice the limit), not tested here.
  for (int i = 2; i <= 40; ++i) {
    ASSERT_TRUE(d->Enqueue(Batch(i), 1).ok());
    ASSERT_TRUE(Eventually([&] { return d->stats().queued_bytes <= 1000; }));
  }
  // Falling behind spools every batch (including the one in flight).
  ASSERT_TRUE(Eventually([&] { return d->stats().spooled_batches == 40; }));
  OtlpDeliveryStats s = d->stats();
  EXPECT_EQ(s.dropped_batches, 0u);
  EXPECT_LE(s.queued_bytes, 1000u);
  EXPECT_EQ(SpoolFiles(dir).size(), 40u);
  f.script->SetGate(false);
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered(), Batches(1, 40));
  EXPECT_TRUE(SpoolFiles(dir).empty());  // Deleted once delivered.
  s = d->stats();
  EXPECT_EQ(s.spool_bytes, 0u);
  EXPECT_EQ(s.delivered_points, 40u);
  d.reset();
  fs::remove_all(dir);
}

TEST(OtlpDeliveryTest, FailingDeliverySpoolsEveryBatchPromptly) {
  Fixture f;
  const std::string dir = TempDir("prompt");
  f.options.spool_dir = dir;
  f.script->fallback = [](const std::string&) { return Unavailable(); };
  f.clock->SetHorizon(kStart);  // Stuck in the first backoff.
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(1), 3).ok());
  ASSERT_TRUE(f.clock->WaitBlocked());
  for (int i = 2; i <= 5; ++i) ASSERT_TRUE(d->Enqueue(Batch(i), 3).ok());
  ASSERT_TRUE(Eventually([&] { return d->stats().spooled_batches == 5; }));
  const std::vector<std::string> files = SpoolFiles(dir);
  ASSERT_EQ(files.size(), 5u);
  EXPECT_EQ(files[0], "00000000000000000001-3.binpb");
  std::ifstream in(dir + "/" + files[4], std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, Batch(5));  // The request bytes as-is.
  d.reset();
  fs::remove_all(dir);
}

TEST(OtlpDeliveryTest, SpoolCapDropsOldestAndCounts) {
  Fixture f;
  const std::string dir = TempDir("cap");
  f.options.spool_dir = dir;
  f.options.max_spool_bytes = 1000;  // About ten batches of 97-98 bytes.
  f.script->fallback = [](const std::string&) { return Unavailable(); };
  f.clock->SetHorizon(kStart);
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(1), 2).ok());
  ASSERT_TRUE(f.clock->WaitBlocked());
  for (int i = 2; i <= 30; ++i) ASSERT_TRUE(d->Enqueue(Batch(i), 2).ok());
  ASSERT_TRUE(Eventually([&] { return d->stats().spooled_batches == 30; }));
  OtlpDeliveryStats s = d->stats();
  EXPECT_EQ(s.dropped_batches, 20u);
  EXPECT_EQ(s.dropped_points, 40u);
  EXPECT_LE(s.spool_bytes, 1000u);
  EXPECT_EQ(SpoolFiles(dir).size(), 10u);
  {
    std::lock_guard<std::mutex> lock(f.script->mu);
    f.script->fallback = [](const std::string&) { return SendOutcome::Success(); };
  }
  f.clock->Unbounded();
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered(), Batches(21, 30));
  d.reset();
  fs::remove_all(dir);
}

TEST(OtlpDeliveryTest, RestartDeliversTheOldSpoolFirst) {
  const std::string dir = TempDir("restart");
  {
    Fixture f;
    f.options.spool_dir = dir;
    f.script->fallback = [](const std::string&) { return Unavailable(); };
    f.clock->SetHorizon(kStart);
    auto d = f.Make();
    for (int i = 1; i <= 5; ++i) ASSERT_TRUE(d->Enqueue(Batch(i), 1).ok());
    ASSERT_TRUE(Eventually([&] { return d->stats().spooled_batches == 5; }));
    // What a kill -9 now would leave: copy the directory as it is.
    fs::create_directories(dir + "_crash");
    for (const auto& name : SpoolFiles(dir)) fs::copy_file(dir + "/" + name, dir + "_crash/" + name);
    ASSERT_TRUE(d->Enqueue(Batch(6), 1).ok());
    EXPECT_TRUE(d->Shutdown(milliseconds(0)).IsTimeout());  // Batch 6 goes to the spool too.
    EXPECT_EQ(d->stats().spooled_batches, 6u);
    EXPECT_EQ(d->stats().dropped_batches, 0u);
  }
  for (const std::string& which : {dir + "_crash", dir}) {
    Fixture f;
    f.options.spool_dir = which;
    auto d = f.Make();
    EXPECT_TRUE(d->stats().spool_enabled);
    ASSERT_TRUE(d->Enqueue("new-1", 1).ok());
    ASSERT_TRUE(d->Enqueue("new-2", 1).ok());
    ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
    std::vector<std::string> expected = Batches(1, which == dir ? 6 : 5);
    expected.push_back("new-1");
    expected.push_back("new-2");
    EXPECT_EQ(f.script->Delivered(), expected) << which;
    EXPECT_TRUE(SpoolFiles(which).empty());
  }
  fs::remove_all(dir);
  fs::remove_all(dir + "_crash");
}

// A real kill -9 in the middle of an outage: everything the dead process had
// spooled is delivered, in order, by the next process on the same directory
// (the kernel released the dead process's flock).
TEST(OtlpDeliveryTest, KillNineMidOutageLosesNothingThatWasSpooled) {
  const std::string dir = TempDir("kill");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: a delivery whose endpoint is down (real clock, default backoff).
    ::close(ready[0]);
    auto script = std::make_shared<Script>();
    script->fallback = [](const std::string&) { return Unavailable(); };
    OtlpDeliveryOptions options;
    options.spool_dir = dir;
    auto* d = new OtlpDelivery(std::make_unique<ScriptedTransport>(script), options);
    for (int i = 1; i <= 20; ++i) {
      if (!d->Enqueue(Batch(i), 1).ok()) ::_exit(3);
    }
    if (!Eventually([&] { return d->stats().spooled_batches == 20; })) ::_exit(2);
    const char c = 'r';
    if (::write(ready[1], &c, 1) != 1) ::_exit(4);
    for (;;) ::pause();  // Killed here, threads running, nothing shut down.
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));

  Fixture f;
  f.options.spool_dir = dir;
  auto d = f.Make();
  EXPECT_TRUE(d->stats().spool_enabled);
  ASSERT_TRUE(d->Enqueue("after-restart", 1).ok());
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  std::vector<std::string> expected = Batches(1, 20);
  expected.push_back("after-restart");
  EXPECT_EQ(f.script->Delivered(), expected);
  d.reset();
  fs::remove_all(dir);
}

TEST(OtlpDeliveryTest, StrayTempFileFromACrashIsIgnoredAndRemoved) {
  const std::string dir = TempDir("stray");
  {
    std::ofstream(dir + "/00000000000000000001-4.binpb") << "complete";
    std::ofstream(dir + "/00000000000000000002-4.binpb.tmp") << "torn wri";
    std::ofstream(dir + "/notes.txt") << "not ours";
  }
  Fixture f;
  f.options.spool_dir = dir;
  auto d = f.Make();
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered(), std::vector<std::string>{"complete"});
  EXPECT_EQ(d->stats().delivered_points, 4u);
  EXPECT_FALSE(fs::exists(dir + "/00000000000000000002-4.binpb.tmp"));
  EXPECT_TRUE(fs::exists(dir + "/notes.txt"));
  ASSERT_TRUE(d->Enqueue("next", 1).ok());
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered().back(), "next");
  d.reset();
  fs::remove_all(dir);
}

TEST(OtlpDeliveryTest, UnreadableSpoolFileIsDroppedCountedAndReported) {
  DiagnosticsRecorder diags;
  const std::string dir = TempDir("unreadable");
  std::ofstream(dir + "/00000000000000000001-2.binpb") << "first";
  std::ofstream(dir + "/00000000000000000002-7.binpb") << "second";
  Fixture f;
  f.options.spool_dir = dir;
  f.script->SetGate(true);
  auto d = f.Make();
  ASSERT_TRUE(f.script->WaitInSend());  // File 1 was read; file 2 not yet.
  fs::remove(dir + "/00000000000000000002-7.binpb");
  ASSERT_TRUE(d->Enqueue("third", 1).ok());
  f.script->SetGate(false);
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered(), (std::vector<std::string>{"first", "third"}));
  const OtlpDeliveryStats s = d->stats();
  EXPECT_EQ(s.dropped_points, 7u);
  EXPECT_EQ(s.attempts, 2u);
  EXPECT_EQ(diags.Count("OtlpSpoolError"), 1);
  d.reset();
  fs::remove_all(dir);
}

TEST(OtlpDeliveryTest, SecondDeliveryOnALockedSpoolRunsWithoutIt) {
  DiagnosticsRecorder diags;
  const std::string dir = TempDir("locked");
  Fixture a;
  a.options.spool_dir = dir;
  auto first = a.Make();
  EXPECT_TRUE(first->stats().spool_enabled);
  Fixture b;
  b.options.spool_dir = dir;
  auto second = b.Make();
  EXPECT_FALSE(second->stats().spool_enabled);
  EXPECT_EQ(diags.Count("OtlpSpoolUnavailable"), 1);
  ASSERT_TRUE(second->Enqueue("x", 1).ok());
  ASSERT_TRUE(second->ForceFlush(kLongWait).ok());
  EXPECT_EQ(b.script->Delivered(), std::vector<std::string>{"x"});
  second.reset();
  first.reset();
  fs::remove_all(dir);
}

TEST(OtlpDeliveryTest, EnqueueNeverWaitsForAStuckSend) {
  Fixture f;
  f.script->SetGate(true);
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(0), 1).ok());
  ASSERT_TRUE(f.script->WaitInSend());
  // If Enqueue waited for Send, this loop would never finish (Send is
  // released only after it).
  for (int i = 1; i <= 1000; ++i) ASSERT_TRUE(d->Enqueue(Batch(i), 1).ok());
  {
    std::lock_guard<std::mutex> lock(f.script->mu);
    EXPECT_TRUE(f.script->in_send);
    EXPECT_TRUE(f.script->attempts.empty());
  }
  EXPECT_EQ(d->stats().queued_batches, 1001u);
  f.script->SetGate(false);
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered(), Batches(0, 1000));
}

TEST(OtlpDeliveryTest, ForceFlushTimesOutAndDeliveryGoesOn) {
  Fixture f;
  f.script->SetGate(true);
  auto d = f.Make();
  ASSERT_TRUE(d->Enqueue(Batch(1), 1).ok());
  EXPECT_TRUE(d->ForceFlush(milliseconds(20)).IsTimeout());
  f.script->SetGate(false);
  EXPECT_TRUE(d->ForceFlush(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered(), Batches(1, 1));
}

TEST(OtlpDeliveryTest, ShutdownWithoutSpoolCountsWhatIsLeftAndIsIdempotent) {
  Fixture f;
  f.script->fallback = [](const std::string&) { return Unavailable(); };
  f.clock->SetHorizon(kStart);
  auto d = f.Make();
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(d->Enqueue(Batch(i), 5).ok());
  ASSERT_TRUE(f.clock->WaitBlocked());
  // The next attempt (0.5 s backoff) is after the 100 ms deadline: nothing more is tried.
  EXPECT_TRUE(d->Shutdown(milliseconds(100)).IsTimeout());
  const OtlpDeliveryStats s = d->stats();
  EXPECT_EQ(s.attempts, 1u);
  EXPECT_EQ(s.dropped_points, 15u);
  EXPECT_EQ(s.queued_batches, 0u);
  EXPECT_TRUE(d->Enqueue(Batch(4), 1).IsFailedPrecondition());
  EXPECT_TRUE(d->Shutdown(milliseconds(100)).ok());
  EXPECT_TRUE(d->ForceFlush(milliseconds(100)).ok());
}

TEST(OtlpDeliveryTest, ShutdownDeliversPendingWithinItsTimeout) {
  Fixture f;
  f.script->outcomes = {Unavailable()};
  auto d = f.Make();
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(d->Enqueue(Batch(i), 1).ok());
  EXPECT_TRUE(d->Shutdown(kLongWait).ok());
  EXPECT_EQ(f.script->Delivered(), Batches(1, 10));
}

TEST(OtlpDeliveryTest, ShutdownStopsTryingWhenNothingListens) {
  // Real time here: the point is that a dead endpoint does not hold up a program's exit.
  Fixture f;
  f.options.clock = DeliveryClock::Steady();
  f.script->clock = nullptr;
  f.script->fallback = [](const std::string&) { return Unavailable(); };
  auto d = f.Make();
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(d->Enqueue(Batch(i), 1).ok());
  // At most one attempt before Shutdown begins and two refused ones after it (the second ends
  // the drain), instead of backing off until the one-minute deadline.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(d->Shutdown(kLongWait).IsTimeout());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_LE(f.script->attempts.size(), 3u);
  EXPECT_TRUE(f.script->Delivered().empty());
  EXPECT_EQ(d->stats().dropped_points, 10u);  // No spool: counted, never silent.
}

// A program builds the provider its exporter feeds after the exporter (readers come first), so
// the self-metrics must be movable onto it; the global provider stays the no-op one here.
TEST(OtlpDeliveryTest, SelfMetricsGoToTheProviderGivenLater) {
  Fixture f;
  auto d = f.Make();  // Global provider: the no-op one.
  auto reader = std::make_shared<ManualReader>();
  auto provider = std::make_shared<SdkMeterProvider>(
      SdkMeterProviderOptions{.resource = Resource::Create({}), .readers = {reader}});
  d->UseMeterProvider(provider);
  ASSERT_TRUE(d->Enqueue(Batch(1), 7).ok());
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  ResourceMetrics data;
  ASSERT_TRUE(reader->Collect(&data).ok());
  int64_t exported = 0;
  bool saw_queue_size = false;
  for (const ScopeMetrics& sm : data.scope_metrics) {
    for (const MetricData& m : sm.metrics) {
      if (m.name == "otel.sdk.exporter.metric_data_point.exported") {
        for (const NumberDataPoint& p : std::get<SumData>(m.data).points) {
          exported += std::get<int64_t>(p.value);
        }
      }
      saw_queue_size |= m.name == "cryptolake.exporter.queue.size";
    }
  }
  EXPECT_EQ(exported, 7);
  EXPECT_TRUE(saw_queue_size);  // The observable callbacks moved too.
  EXPECT_TRUE(d->Shutdown(kLongWait).ok());
}

TEST(OtlpDeliveryTest, SelfMetricsFollowTheSemanticConventions) {
  auto reader = std::make_shared<ManualReader>();
  auto provider = std::make_shared<SdkMeterProvider>(
      SdkMeterProviderOptions{.resource = Resource::Create({}), .readers = {reader}});
  SetMeterProvider(provider);
  {
    Fixture f;
    f.options.component_type = "otlp_http_metric_exporter";
    f.options.server_address = "collector.test";
    f.options.server_port = 4318;
    SendOutcome partial = SendOutcome::Success();
    partial.partial.rejected_data_points = 1;
    f.script->outcomes = {Unavailable(), SendOutcome::Success(), partial,
                          SendOutcome::Permanent("HTTP 400")};
    auto d = f.Make();
    ASSERT_TRUE(d->Enqueue(Batch(1), 3).ok());
    ASSERT_TRUE(d->Enqueue(Batch(2), 4).ok());
    ASSERT_TRUE(d->Enqueue(Batch(3), 5).ok());
    ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
    ResourceMetrics data;
    ASSERT_TRUE(reader->Collect(&data).ok());
    std::map<std::string, int64_t> exported;  // error.type ("" = success) -> points
    int durations = 0;
    bool saw_inflight = false;
    for (const ScopeMetrics& sm : data.scope_metrics) {
      if (sm.scope.name != "cryptolake.metrics.export") continue;
      for (const MetricData& m : sm.metrics) {
        if (m.name == "otel.sdk.exporter.metric_data_point.exported") {
          EXPECT_EQ(m.unit, "{data_point}");
          for (const NumberDataPoint& p : std::get<SumData>(m.data).points) {
            const AttributeValue* e = p.attributes.Find("error.type");
            exported[e ? std::get<std::string>(*e) : ""] += std::get<int64_t>(p.value);
            EXPECT_EQ(*p.attributes.Find("otel.component.type"),
                      AttributeValue(std::string("otlp_http_metric_exporter")));
            EXPECT_EQ(*p.attributes.Find("server.address"),
                      AttributeValue(std::string("collector.test")));
            EXPECT_EQ(*p.attributes.Find("server.port"), AttributeValue(int64_t{4318}));
            EXPECT_LE(p.attributes.size(), 5u);
          }
        } else if (m.name == "otel.sdk.exporter.operation.duration") {
          EXPECT_EQ(m.unit, "s");
          for (const auto& p : std::get<HistogramData>(m.data).points) durations += p.count;
        } else if (m.name == "otel.sdk.exporter.metric_data_point.inflight") {
          saw_inflight = true;
          for (const auto& p : std::get<SumData>(m.data).points) {
            EXPECT_EQ(std::get<int64_t>(p.value), 0);  // Everything finished.
          }
        }
      }
    }
    // Batch 1: one retry then success (counted once); batch 2: 1 of 4 rejected; batch 3: permanent.
    EXPECT_EQ(exported[""], 3 + 3);
    EXPECT_EQ(exported["rejected"], 1);
    EXPECT_EQ(exported["permanent"], 5);
    EXPECT_EQ(durations, 3);
    EXPECT_TRUE(saw_inflight);
  }
  SetMeterProvider(nullptr);
  (void)provider->Shutdown();
}

// Many producers, a flaky endpoint and an eager spool at once (ThreadSanitizer).
TEST(OtlpDeliveryTest, ConcurrentProducersKeepPerProducerOrder) {
  Fixture f;
  const std::string dir = TempDir("concurrent");
  f.options.spool_dir = dir;
  f.options.spool_policy = SpoolPolicy::kAlways;
  {
    std::lock_guard<std::mutex> lock(f.script->mu);
    f.script->fallback = [n = 0](const std::string&) mutable {
      return ++n % 3 == 0 ? Unavailable() : SendOutcome::Success();
    };
  }
  auto d = f.Make();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 150;
  std::atomic<bool> stop{false};
  std::thread observer([&] {
    while (!stop.load()) {
      (void)d->stats();
      (void)d->ForceFlush(milliseconds(1));
    }
  });
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ASSERT_TRUE(d->Enqueue(std::to_string(t) + ":" + std::to_string(i), 1).ok());
      }
    });
  }
  for (auto& p : producers) p.join();
  ASSERT_TRUE(d->ForceFlush(kLongWait).ok());
  stop = true;
  observer.join();
  const std::vector<std::string> delivered = f.script->Delivered();
  ASSERT_EQ(delivered.size(), size_t{kThreads * kPerThread});
  std::vector<int> next(kThreads, 0);
  for (const std::string& b : delivered) {
    const int t = std::stoi(b.substr(0, b.find(':')));
    const int i = std::stoi(b.substr(b.find(':') + 1));
    EXPECT_EQ(i, next[t]) << b;
    next[t] = i + 1;
  }
  EXPECT_EQ(d->stats().delivered_points, uint64_t{kThreads * kPerThread});
  // Concurrent Shutdowns: both return once the delivery is shut down.
  std::vector<Status> results(2);
  std::thread s1([&] { results[0] = d->Shutdown(kLongWait); });
  std::thread s2([&] { results[1] = d->Shutdown(kLongWait); });
  s1.join();
  s2.join();
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_TRUE(results[1].ok()) << results[1].ToString();
  EXPECT_TRUE(d->Enqueue("late", 1).IsFailedPrecondition());
  d.reset();
  EXPECT_TRUE(SpoolFiles(dir).empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cryptolake::metrics
